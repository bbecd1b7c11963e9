// The 'process' backend: each child is an OS process from child_process.fork with an IPC channel
// (V8 serialization). CPython: Lib/multiprocessing/popen_spawn_posix.py.

import { fork, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { onChildMessage, onChildReady, preloadEnv, type Backend, type ChildHandle, type LaunchOptions, type ResourceLimits } from '../backend.js';
import { asPicklingError } from '../clone-error.js';
import { processEnded, trackerPipeForChildren } from '../../resource-tracker/tracker.js';
import { childEntryUrl } from '../../runtime.js';
import { hasNative, platformVariant } from '../../addon/binding.js';

class ProcessChild implements ChildHandle {
  readonly pid: number;
  readonly ident: number;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly #child: ChildProcess;
  readonly #exitListeners: ((exitcode: number) => void)[] = [];
  #exitcode: number | undefined;

  constructor(child: ChildProcess) {
    this.#child = child;
    this.stdout = child.stdout;
    this.stderr = child.stderr;
    // fork() reports a failed spawn through 'error' and leaves pid undefined; the exit follows.
    this.pid = child.pid ?? -1;
    this.ident = this.pid;
    // Watched from the start: a warm child may end (or fail to spawn) before anyone listens.
    // Messages the child sent just before it exited may still be in the IPC pipe when 'exit'
    // fires: report the exit once the channel has been drained and closed.
    child.once('exit', (code, signal) => {
      if (platformVariant === 'posix' && this.pid > 0) processEnded(this.pid);
      const exitcode = signal !== null ? -(constants.signals[signal] ?? 1) : (code ?? 1);
      if (child.connected) child.once('disconnect', () => this.#finish(exitcode));
      else this.#finish(exitcode);
    });
    // Past a failed spawn, an error is a message that could not reach a child that is gone (or
    // going): its exit reports that, so it is not an uncaught 'error' event.
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined) {
        process.stderr.write(`multiprocessing-ts: could not start a child process: ${err.message}\n`);
        this.#finish(1);
      }
    });
  }

  #finish(exitcode: number): void {
    if (this.#exitcode !== undefined) return;
    this.#exitcode = exitcode;
    for (const listener of this.#exitListeners.splice(0)) listener(exitcode);
  }

  send(message: unknown): void {
    try {
      this.#child.send(message as object);
    } catch (err) {
      throw asPicklingError(err, 'the arguments');
    }
  }

  onMessage(listener: (message: unknown) => void): void {
    onChildMessage(this.#child, listener);
  }

  onReady(listener: () => void): void {
    onChildReady(this.#child, listener);
  }

  onExit(listener: (exitcode: number) => void): void {
    if (this.#exitcode === undefined) this.#exitListeners.push(listener);
    else listener(this.#exitcode);
  }

  rename(): void {
    // a process's errors are printed by the process itself
  }

  terminate(): void {
    this.#child.kill('SIGTERM');
  }

  kill(): void {
    this.#child.kill('SIGKILL');
  }

  // Piped output must not keep the event loop alive either: it ends with the child.
  ref(): void {
    this.#child.ref();
    this.#child.channel?.ref();
    (this.stdout as Socket | null)?.ref();
    (this.stderr as Socket | null)?.ref();
  }

  unref(): void {
    this.#child.unref();
    this.#child.channel?.unref();
    (this.stdout as Socket | null)?.unref();
    (this.stderr as Socket | null)?.unref();
  }

  /** Keep the parent's end of the child's lifeline open without keeping the event loop alive. */
  holdLifeline(index: number): void {
    (this.#child.stdio[index] as { unref?: () => void } | null)?.unref?.();
  }
}

// worker_threads' resourceLimits as V8 flags. A young generation is three semi-spaces; V8's
// stack size is in KiB. A process has no flag for the code range: it is not limited.
function heapFlags(limits: ResourceLimits | undefined): string[] {
  if (limits === undefined) return [];
  const flags: string[] = [];
  if (limits.maxOldGenerationSizeMb !== undefined) flags.push(`--max-old-space-size=${limits.maxOldGenerationSizeMb}`);
  if (limits.maxYoungGenerationSizeMb !== undefined) flags.push(`--max-semi-space-size=${Math.max(1, Math.floor(limits.maxYoungGenerationSizeMb / 3))}`);
  if (limits.stackSizeMb !== undefined) flags.push(`--stack-size=${Math.floor(limits.stackSizeMb * 1024)}`);
  return flags;
}

// stdin is /dev/null as in Python's children; stdout/stderr are the parent's own unless piped. Then, when
// present: the resource tracker's pipe, so the tracker outlives every process of the tree; and in
// the 'posix' platform variant a lifeline, a pipe whose end here closes when this process dies
// however it dies, which a thread of the child watches (child-entry.ts).
function childSetup(options: LaunchOptions): { stdio: StdioOptions; env: NodeJS.ProcessEnv; lifeline: number | undefined } {
  const stdio: StdioOptions = ['ignore', options.stdout ?? 'inherit', options.stderr ?? 'inherit', 'ipc'];
  const env: NodeJS.ProcessEnv = { ...preloadEnv(options, options.env ?? process.env), MPTS_PARENT_PID: String(process.pid) };
  const tracker = trackerPipeForChildren();
  if (tracker !== undefined) env.MPTS_TRACKER_FD = String(stdio.push(tracker) - 1);
  const lifeline = platformVariant === 'posix' && hasNative() ? stdio.push('pipe') - 1 : undefined;
  if (lifeline !== undefined) env.MPTS_LIFELINE_FD = String(lifeline);
  return { stdio, env, lifeline };
}

const loaderFlags = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);
const typeScriptLoader = /(^|[/\\])(tsx|ts-node)([/\\]|$)/;

// The parent's execArgv without its TypeScript loader (tsx, ts-node), which costs every child that
// loads it a share of its start-up. Only a compiled library's child can do without it, where Node
// strips types itself (for what a target imports inside itself), and only when the start names no
// module of the program's: the library's own TypeScript sources name each other with .js
// specifiers, and so may the program's, which Node's type stripping does not rewrite.
const nodeStripsTypes = Boolean((process.features as { typescript?: unknown }).typescript);

function childExecArgv(options: LaunchOptions): string[] {
  const given = [...(options.execArgv ?? process.execArgv)];
  const heap = heapFlags(options.resourceLimits);
  if (options.programModules !== false || !nodeStripsTypes || import.meta.url.endsWith('.ts')) return [...given, ...heap];
  const kept: string[] = [];
  for (let i = 0; i < given.length; i++) {
    const arg = given[i] ?? '';
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (!loaderFlags.has(flag)) kept.push(arg);
    else if (eq !== -1) {
      if (!typeScriptLoader.test(arg.slice(eq + 1))) kept.push(arg);
    } else {
      const spec = given[++i] ?? '';
      if (!typeScriptLoader.test(spec)) kept.push(arg, spec);
    }
  }
  return [...kept, ...heap];
}

export const processBackend: Backend = {
  kind: 'process',
  recipe(options: LaunchOptions): string {
    const { stdio, env } = childSetup(options);
    return JSON.stringify([childExecArgv(options), options.argv ?? [], process.cwd(), stdio, env]);
  },
  variant(options: LaunchOptions): string {
    return options.programModules === false && childExecArgv(options).length !== childExecArgv({ ...options, programModules: true }).length ? 'without loader' : '';
  },
  boot(options: LaunchOptions): ChildHandle {
    const entry = fileURLToPath(childEntryUrl(import.meta.url, 'child-entry'));
    const { stdio, env, lifeline } = childSetup(options);
    const execArgv = childExecArgv(options);
    const child = new ProcessChild(fork(entry, [...(options.argv ?? [])], { serialization: 'advanced', execArgv, stdio, env }));
    if (lifeline !== undefined) child.holdLifeline(lifeline);
    return child;
  },
};
