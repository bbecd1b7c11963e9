// Popen: run a command as a child process and talk to it through pipes, on node:child_process.
// CPython: Lib/subprocess.py (Popen, communicate, wait, poll, send_signal).
//
// Python's semantics, Node's means:
// - The executable is looked up before spawning (on the PATH of the child's environment, as
//   Python does), so that a missing program is an error thrown by the constructor, naming it,
//   with Node's `code: 'ENOENT'`, instead of an 'error' event after the fact.
// - communicate() reads stdout and stderr at the same time as it writes stdin, so a child that
//   fills every pipe at once never deadlocks. On TimeoutExpired it keeps reading in the
//   background (the child is left running, as in Python), and a later call returns everything.
// - stderr=STDOUT with stdout=PIPE needs the child's fds 1 and 2 to be one pipe, which Node's
//   spawn cannot express: the child is started through the shell (`/bin/sh -c 'exec "$0" "$@" 2>&1'`
//   on POSIX, which replaces itself with the command: same pid, signals go straight to it). See shell.ts.

import { spawn, type ChildProcess, type IOType } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, resolve } from 'node:path';
import { Stream, type Readable, type Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { ValueError } from '../errors.js';
import { TimeoutExpired, type CapturedOutput, type Command } from './errors.js';
import { mergedOutputCommand, shellCommand } from './shell.js';

/** Connect the stream to a new pipe (`popen.stdin`/`stdout`/`stderr`). Python: subprocess.PIPE */
export const PIPE: -1 = -1;
/** For `stderr` only: send it where stdout goes (one pipe with `stdout: PIPE`). Python: subprocess.STDOUT */
export const STDOUT: -2 = -2;
/** Connect the stream to /dev/null. Python: subprocess.DEVNULL */
export const DEVNULL: -3 = -3;

/**
 * Where a child's stdin, stdout or stderr goes: {@link PIPE}, {@link DEVNULL}, an open file
 * descriptor (a number ≥ 0), a Node stream that has one (a file stream once open, a socket), or
 * null/undefined to share this process's (Python's `None`). `stderr` also takes {@link STDOUT}.
 */
export type StdioTarget = typeof PIPE | typeof DEVNULL | typeof STDOUT | number | Stream | null | undefined;

/** Options of {@link Popen}: Python's keyword arguments. */
export interface PopenOptions {
  /** Where the child's stdin comes from: {@link PIPE}, {@link DEVNULL}, a fd, a stream, or null to share ours. Python: `stdin=` */
  stdin?: StdioTarget;
  /** Where the child's stdout goes: {@link PIPE}, {@link DEVNULL}, a fd, a stream, or null to share ours. Python: `stdout=` */
  stdout?: StdioTarget;
  /** {@link STDOUT} sends stderr where stdout goes. Python: `stderr=` */
  stderr?: StdioTarget;
  /** Directory the child starts in. Python: `cwd=` */
  cwd?: string | URL;
  /** The child's whole environment (default: this process's). Its PATH is where the executable is looked up. Python: `env=` */
  env?: Readonly<Record<string, string | undefined>>;
  /** Run the command through `/bin/sh -c`: `args` is then a command line (a string, or a list whose first item is the command line and the rest `$0`, `$1`…). Python: `shell=` */
  shell?: boolean;
  /** Text mode: pipes carry strings (decoded as `encoding`, UTF-8 by default); communicate() and run() also turn `\r\n` and `\r` into `\n`, as Python does. */
  text?: boolean;
  /** The encoding of text mode; giving one turns text mode on. Python: `encoding=` */
  encoding?: BufferEncoding;
  /** The program to run instead of `args[0]` (which the child still sees as its argv[0]); with `shell`, the shell. Python: `executable=` */
  executable?: string;
}

/** Type-level: the keys of `O` that `Base` does not have must not be there (catches typos in inferred options). No Python twin (type-level). */
export type NoExtraKeys<O, Base> = { [K in Exclude<keyof O, keyof Base>]: never };

/** Type-level: option `K` of `O`, or undefined when `O` lacks it. No Python twin (type-level). */
export type Prop<O, K extends string> = K extends keyof O ? O[K] : undefined;
// true, false, or boolean when the options do not say (text: boolean, encoding: string | undefined).
/** Type-level: whether options `O` select text mode (`text: true` or an `encoding`), or `boolean` when they do not say. Python: `text=`/`encoding=` */
export type IsText<O> = true extends Prop<O, 'text'>
  ? Prop<O, 'text'> extends true
    ? true
    : boolean
  : Prop<O, 'encoding'> extends undefined
    ? false
    : undefined extends Prop<O, 'encoding'>
      ? boolean
      : true;

/** What a captured pipe yields under options `O`: a string in text mode, else bytes. Python: `bytes`, or `str` with `text=True` */
export type OutputData<O> = IsText<O> extends true ? string : IsText<O> extends false ? Uint8Array : string | Uint8Array;

/** Type-level: whether options `O` make stream `K` a pipe: `'yes'`, `'maybe'` or `'no'`. No Python twin (type-level). */
export type Piped<O, K extends string> = K extends keyof O ? (O[K] extends typeof PIPE ? 'yes' : typeof PIPE extends O[K] ? 'maybe' : 'no') : 'no';

/** What `communicate()` returns for stdout or stderr under options `O`: data for a pipe, null otherwise. Python: an item of what `Popen.communicate()` returns */
export type PipeOutput<O, K extends 'stdout' | 'stderr'> = {
  /** The options make it a pipe: its data. */
  yes: OutputData<O>;
  /** The options may make it a pipe: data or null. */
  maybe: OutputData<O> | null;
  /** Not a pipe: null (Python's None). */
  no: null;
}[Piped<O, K>];

/** The streams of a Popen: a stream for each pipe, null for the others. Python: `Popen.stdin`, `Popen.stdout`, `Popen.stderr` */
export interface PopenStreams {
  /** The child's stdin when it is a pipe. Python: `Popen.stdin` */
  stdin: Writable | null;
  /** The child's stdout when it is a pipe. Python: `Popen.stdout` */
  stdout: Readable | null;
  /** The child's stderr when it is a pipe. Python: `Popen.stderr` */
  stderr: Readable | null;
}

/** The type of `popen.stdin`, `popen.stdout` or `popen.stderr` under options `O`: a stream for a pipe, null otherwise. Python: `Popen.stdin`/`stdout`/`stderr` (a file object or None) */
export type PipeStream<O, K extends 'stdin' | 'stdout' | 'stderr'> = {
  /** The options make it a pipe: a stream. */
  yes: K extends 'stdin' ? Writable : Readable;
  /** The options may make it a pipe: a stream or null. */
  maybe: (K extends 'stdin' ? Writable : Readable) | null;
  /** Not a pipe: null (Python's None). */
  no: null;
}[Piped<O, K>];

/** The streams of a Popen made with options `O`. Python: `Popen.stdin`, `Popen.stdout`, `Popen.stderr` */
export type StreamsOf<O> = {
  /** `popen.stdin` under `O`. Python: `Popen.stdin` */
  stdin: PipeStream<O, 'stdin'>;
  /** `popen.stdout` under `O`. Python: `Popen.stdout` */
  stdout: PipeStream<O, 'stdout'>;
  /** `popen.stderr` under `O`. Python: `Popen.stderr` */
  stderr: PipeStream<O, 'stderr'>;
};

const DEFAULT_PATH = '/bin:/usr/bin'; // Python's os.defpath, for an env without PATH
const TIMED_OUT = Symbol('timed out');

/** A timeout in ms, validated; undefined for none (also for one too long for a timer to express). */
export function checkTimeout(timeout: number | null | undefined): number | undefined {
  if (timeout === undefined || timeout === null) return undefined;
  if (typeof timeout !== 'number' || Number.isNaN(timeout)) throw new TypeError(`Expected "timeout" to be a number of milliseconds, got ${String(timeout)}`);
  if (timeout > 0x7fffffff) return undefined;
  return Math.max(0, timeout);
}

/** Resolves with the promise's value, or TIMED_OUT once `timeout` ms have passed. */
async function within<T>(promise: Promise<T>, timeout: number | undefined): Promise<T | typeof TIMED_OUT> {
  if (timeout === undefined) return promise;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(resolve, timeout, TIMED_OUT)))]);
  } finally {
    clearTimeout(timer);
  }
}

function systemError(code: 'ENOENT' | 'EACCES' | 'ENOTDIR', message: string, path: string, argv: readonly string[]): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(message);
  err.code = code;
  err.errno = -osConstants.errno[code];
  err.syscall = `spawn ${argv[0] ?? ''}`;
  err.path = path;
  return Object.assign(err, { spawnargs: argv.slice(1) });
}

function commandLine(args: Command, shell: boolean): string[] {
  let list: string[];
  if (typeof args === 'string') list = [args];
  else if (Array.isArray(args)) list = [...(args as readonly unknown[])].map((arg, i) => {
    if (typeof arg !== 'string') throw new TypeError(`Expected args[${i}] to be a string, got ${typeof arg}`);
    return arg;
  });
  else throw new TypeError(`Expected the command to be a list of strings or a string, got ${typeof args}`);
  if (list.length === 0 || list[0] === '') throw new ValueError('The command is empty: give at least the program to run', { code: 'ERR_MP_BAD_VALUE' });
  return shell ? shellCommand(list).argv : list;
}

function workingDirectory(cwd: string | URL | undefined, argv: readonly string[]): string {
  if (cwd === undefined) return process.cwd();
  if (typeof cwd !== 'string' && !(cwd instanceof URL)) throw new TypeError(`Expected "cwd" to be a path or a file: URL, got ${typeof cwd}`);
  const dir = resolve(cwd instanceof URL ? fileURLToPath(cwd) : cwd);
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw systemError('ENOENT', `Cannot run '${argv[0]}' in '${dir}': no such directory (the cwd option)`, dir, argv);
  }
  if (!isDir) throw systemError('ENOTDIR', `Cannot run '${argv[0]}' in '${dir}': it is not a directory (the cwd option)`, dir, argv);
  return dir;
}

/** The executable's path, looked up as execvp() does: on the child's PATH unless the name has a '/'. */
function findExecutable(program: string, env: Readonly<Record<string, string | undefined>>, cwd: string, argv: readonly string[]): string {
  const searchPath = env.PATH ?? DEFAULT_PATH;
  const candidates = program.includes('/') ? [resolve(cwd, program)] : searchPath.split(delimiter).map((dir) => resolve(cwd, dir, program));
  let denied: string | undefined;
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) {
        denied ??= candidate;
        continue;
      }
    } catch {
      continue;
    }
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      denied ??= candidate;
    }
  }
  if (denied !== undefined) {
    throw systemError('EACCES', `Cannot run '${program}': ${denied} is not an executable file (a directory, or no execute permission)`, denied, argv);
  }
  if (program.includes('/')) throw systemError('ENOENT', `Cannot run '${program}': no such file (${candidates[0]})`, program, argv);
  throw systemError(
    'ENOENT',
    `Cannot run '${program}': no executable of that name on the PATH (${searchPath}). Check the name, install the program, or give its full path`,
    program,
    argv,
  );
}

function stdioOf(value: unknown, which: 'stdin' | 'stdout' | 'stderr'): IOType | number | Stream {
  if (value === undefined || value === null) return 'inherit';
  if (value === PIPE) return 'pipe';
  if (value === DEVNULL) return 'ignore';
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (value instanceof Stream) return value;
  const allowed = which === 'stderr' ? 'PIPE, STDOUT, DEVNULL' : 'PIPE, DEVNULL';
  throw new TypeError(`Expected "${which}" to be ${allowed}, a file descriptor, a stream or null (this process's own), got ${String(value)}`);
}

/** Collects what one pipe delivers, for communicate(). */
class Collector {
  readonly #chunks: (Buffer | string)[] = [];
  readonly #text: boolean;
  readonly ended: Promise<void>;
  #result: string | Uint8Array | undefined;

  constructor(stream: Readable, text: boolean) {
    this.#text = text;
    stream.on('data', (chunk: Buffer | string) => this.#chunks.push(chunk));
    this.ended = new Promise((resolve, reject) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', reject);
    });
    // A rejection here is reported by communicate(); do not let it count as unhandled meanwhile.
    this.ended.catch(() => undefined);
  }

  /** Everything so far. */
  snapshot(): string | Uint8Array {
    if (this.#text) return (this.#chunks as string[]).join('').replace(/\r\n?/g, '\n');
    const chunks = this.#chunks as Buffer[];
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const chunk of chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  /** Everything, once the pipe has ended. */
  result(): string | Uint8Array {
    if (this.#result === undefined) {
      this.#result = this.snapshot();
      this.#chunks.length = 0;
    }
    return this.#result;
  }
}

interface Communication {
  readonly stdout: Collector | null;
  readonly stderr: Collector | null;
  readonly done: Promise<unknown>;
}

/**
 * The class behind `Popen` of `multiprocessing-ts/subprocess`, which types its constructor (see
 * src/subprocess.ts for the documentation). Its type parameters are what communicate() yields for
 * stdout and stderr, and which streams are pipes.
 * Python: subprocess.Popen
 */
export class Popen<Out extends CapturedOutput = CapturedOutput, Err extends CapturedOutput = CapturedOutput, Streams extends PopenStreams = PopenStreams> {
  /** The command, as given. Python: `Popen.args` */
  readonly args: Command;
  /** The child's process id. Python: `Popen.pid` */
  readonly pid: number;
  /** The child's stdin, when it is a pipe: write to it, then `end()` it. Python: `Popen.stdin` */
  readonly stdin: Streams['stdin'];
  /** The child's stdout, when it is a pipe (strings in text mode). Python: `Popen.stdout` */
  readonly stdout: Streams['stdout'];
  /** The child's stderr, when it is a pipe (strings in text mode). Python: `Popen.stderr` */
  readonly stderr: Streams['stderr'];

  readonly #child: ChildProcess;
  readonly #text: boolean;
  readonly #exited: Promise<number>;
  #returncode: number | null = null;
  #comm: Communication | undefined;

  constructor(args: Command, opts?: PopenOptions) {
    const options: PopenOptions = opts ?? {};
    if (typeof options !== 'object' || options === null) throw new TypeError(`Expected the options to be an object, got ${String(options)}`);
    const argv = commandLine(args, options.shell === true);
    this.args = typeof args === 'string' ? args : Object.freeze([...args]);
    if (options.executable !== undefined) {
      if (typeof options.executable !== 'string' || options.executable === '') throw new TypeError('Expected "executable" to be a non-empty string');
      if (options.shell === true) argv[0] = options.executable; // Python: the shell to run
    }
    const cwd = workingDirectory(options.cwd, argv);
    const env = options.env ?? process.env;
    if (typeof env !== 'object' || env === null) throw new TypeError('Expected "env" to be an object of strings');
    const file = findExecutable(options.executable ?? (argv[0] as string), env, cwd, argv);
    this.#text = options.text === true || options.encoding !== undefined;
    const encoding = options.encoding ?? 'utf8';
    if (this.#text && !Buffer.isEncoding(encoding)) throw new TypeError(`Unknown encoding ${JSON.stringify(encoding)}`);

    const stdin = stdioOf(options.stdin, 'stdin');
    const stdout = stdioOf(options.stdout, 'stdout');
    let stderr: IOType | number | Stream;
    let spawnFile = file;
    let spawnArgs = argv.slice(1);
    let argv0 = argv[0] as string;
    let verbatim = options.shell === true && shellCommand([]).verbatim;
    if (options.stderr === STDOUT) {
      if (stdout === 'pipe') {
        // One pipe for fds 1 and 2: see the top of this file.
        const merged = mergedOutputCommand(file, spawnArgs);
        [spawnFile = '', ...spawnArgs] = merged.argv;
        argv0 = spawnFile.split(/[\\/]/).pop() ?? spawnFile;
        verbatim = merged.verbatim;
        stderr = 'inherit';
      } else {
        stderr = stdout === 'inherit' ? 1 : stdout;
      }
    } else {
      stderr = stdioOf(options.stderr, 'stderr');
    }

    const child = spawn(spawnFile, spawnArgs, { argv0, cwd, env: env as NodeJS.ProcessEnv, stdio: [stdin, stdout, stderr], windowsHide: true, windowsVerbatimArguments: verbatim });
    // After a successful spawn, Node reports only a kill() that failed here (EPERM); nothing to do about it.
    child.on('error', () => undefined);
    if (child.pid === undefined) {
      throw Object.assign(new Error(`Could not start '${argv[0]}': the system refused to create the process (out of processes or file descriptors?)`), {
        code: 'ERR_MP_SPAWN_FAILED',
      });
    }
    this.#child = child;
    this.pid = child.pid;
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#returncode = code ?? -(signal === null ? 0 : osConstants.signals[signal]);
        resolve(this.#returncode);
      });
    });
    // A child that exits without reading all its input: Python ignores the BrokenPipeError too.
    // Errors of the user's own writes still reach their write() callbacks.
    child.stdin?.on('error', () => undefined);
    if (this.#text) {
      child.stdin?.setDefaultEncoding(encoding);
      child.stdout?.setEncoding(encoding);
      child.stderr?.setEncoding(encoding);
    }
    this.stdin = child.stdin as Streams['stdin'];
    this.stdout = child.stdout as Streams['stdout'];
    this.stderr = child.stderr as Streams['stderr'];
  }

  /** The exit status once the child has ended (-N if signal N killed it), else null. Python: `Popen.returncode` */
  get returncode(): number | null {
    return this.#returncode;
  }

  /**
   * Send `input` to the child's stdin and close it, read stdout and stderr to their end, and wait
   * for the child to exit. Resolves `[stdout, stderr]`: what each pipe carried, or null for a
   * stream that is not a pipe. All pipes are served at once, so no amount of output deadlocks.
   *
   * On timeout it rejects with TimeoutExpired (holding the output so far) and leaves the child
   * running; the pipes are still read. Kill it or not, then call `communicate()` again (without
   * input) to get the whole output.
   * @param input what to write to stdin (needs `stdin: PIPE`); stdin is closed either way
   * @param timeout milliseconds to wait at most
   * @throws {TimeoutExpired} when the timeout passes first
   * @throws {ValueError} for input without a stdin pipe, or input on a second call
   * @example
   * const p = new Popen(['cat'], { stdin: PIPE, stdout: PIPE });
   * const [out] = await p.communicate(new Uint8Array([104, 105]));
   *
   * Python: subprocess.Popen.communicate
   */
  async communicate(input?: string | Uint8Array | null, timeout?: number): Promise<[Out, Err]> {
    const limit = checkTimeout(timeout);
    const hasInput = input !== undefined && input !== null;
    if (hasInput && typeof input !== 'string' && !(input instanceof Uint8Array)) throw new TypeError(`Expected "input" to be a string or a Uint8Array, got ${typeof input}`);
    if (this.#comm === undefined) {
      if (hasInput && this.#child.stdin === null) {
        throw new ValueError('communicate() was given input, but the child\'s stdin is not a pipe: create the Popen with { stdin: PIPE }', { code: 'ERR_MP_BAD_VALUE' });
      }
      this.#comm = this.#startCommunication(hasInput ? input : undefined);
    } else if (hasInput) {
      throw new ValueError('Cannot send input after starting communication: only the first communicate() call may pass input', { code: 'ERR_MP_BAD_VALUE' });
    }
    const comm = this.#comm;
    const done = comm.done.then(() => this.#exited);
    if ((await within(done, limit)) === TIMED_OUT) {
      throw new TimeoutExpired(this.args, limit as number, comm.stdout?.snapshot() ?? null, comm.stderr?.snapshot() ?? null);
    }
    await done;
    return [comm.stdout?.result() ?? null, comm.stderr?.result() ?? null] as [Out, Err];
  }

  #startCommunication(input: string | Uint8Array | undefined): Communication {
    const child = this.#child;
    const stdout = child.stdout === null ? null : new Collector(child.stdout, this.#text);
    const stderr = child.stderr === null ? null : new Collector(child.stderr, this.#text);
    // Written while the pipes above are read: the child may fill them before it reads its input.
    if (child.stdin !== null) {
      if (input !== undefined && input.length > 0) child.stdin.end(input);
      else child.stdin.end();
    }
    return { stdout, stderr, done: Promise.all([stdout?.ended, stderr?.ended]) };
  }

  /**
   * The exit status if the child has ended, else null. It does not wait: the status is what the
   * event loop has seen so far. Python: subprocess.Popen.poll
   */
  poll(): number | null {
    return this.#returncode;
  }

  /**
   * Wait for the child to exit and resolve its exit status (-N after signal N). On timeout it
   * rejects with TimeoutExpired and the child keeps running. With pipes, read them meanwhile
   * (or use `communicate()`): a child blocked on a full pipe never exits.
   * @param timeout milliseconds to wait at most
   * @throws {TimeoutExpired} when the timeout passes first
   * @example
   * const p = new Popen(['sleep', '60']);
   * await p.wait(100).catch(() => p.kill());
   * console.log(await p.wait()); // -9
   *
   * Python: subprocess.Popen.wait
   */
  async wait(timeout?: number): Promise<number> {
    const limit = checkTimeout(timeout);
    if (this.#returncode !== null) return this.#returncode;
    const code = await within(this.#exited, limit);
    if (code === TIMED_OUT) throw new TimeoutExpired(this.args, limit as number);
    return code;
  }

  /**
   * Send a signal (a name like 'SIGUSR1', or a number) to the child; nothing once it has ended.
   * Python: subprocess.Popen.send_signal
   */
  sendSignal(signal: NodeJS.Signals | number): void {
    if (this.#returncode !== null) return;
    this.#child.kill(signal);
  }

  /** Ask the child to stop (SIGTERM). Python: subprocess.Popen.terminate */
  terminate(): void {
    this.sendSignal('SIGTERM');
  }

  /** Stop the child now (SIGKILL). Python: subprocess.Popen.kill */
  kill(): void {
    this.sendSignal('SIGKILL');
  }

  /** `await using p = new Popen(...)`: close the pipes and wait for the child, as Python's `with` does. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#child.stdout?.destroy();
    this.#child.stderr?.destroy();
    this.#child.stdin?.end();
    await this.wait();
  }

  /** How `console.log`/`util.inspect` show it, as Python's `repr(popen)`. */
  [inspect.custom](): string {
    return `Popen { args: ${inspect(this.args)}, pid: ${this.pid}, returncode: ${String(this.#returncode)} }`;
  }
}
/** `new Popen(args, opts)`, typed: what communicate() yields and which streams are pipes follow the options given. Python: `subprocess.Popen` */
export interface PopenConstructor {
  /**
   * Start `args` as a child process. Python: `subprocess.Popen(args, **options)`
   * (timeouts in milliseconds; options in camelCase).
   */
  new <const O extends PopenOptions = Record<never, never>>(
    args: Command,
    opts?: O & NoExtraKeys<O, PopenOptions>,
  ): Popen<PipeOutput<O, 'stdout'>, PipeOutput<O, 'stderr'>, StreamsOf<O>>;
  /** The Popen class's prototype, so `p instanceof Popen` works. No Python twin. */
  readonly prototype: Popen;
}
