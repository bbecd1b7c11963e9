// The subprocess errors: CalledProcessError and TimeoutExpired, under SubprocessError.
// CPython: Lib/subprocess.py (CalledProcessError, TimeoutExpired).
//
// Registered like src/errors.ts's own classes (name, code, error-codec table); the brand comes
// from SubprocessError.

import { registerErrorClasses, SubprocessError, type ProcessErrorOptions } from '../errors.js';
import { signalName } from '../runtime.js';

/** A command as given to `run`/`Popen`: a list of arguments, or one string (a shell command line with `shell: true`). */
export type Command = string | readonly string[];

/** What a pipe delivered: bytes, or text in text mode; null for a stream that was not captured. */
export type CapturedOutput = Uint8Array | string | null;

/** A command for a message: `ls -l 'a b'`. */
export function formatCommand(cmd: Command): string {
  if (typeof cmd === 'string') return cmd;
  return cmd.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

// The last line of what the command wrote to stderr, if it was captured: usually the reason it failed.
function stderrHint(stderr: CapturedOutput): string {
  if (stderr === null || stderr.length === 0) return '';
  const text = typeof stderr === 'string' ? stderr : Buffer.from(stderr.buffer, stderr.byteOffset, Math.min(stderr.byteLength, 64 * 1024)).toString('utf8');
  const last = text.split('\n').map((line) => line.trim()).filter(Boolean).at(-1);
  if (last === undefined) return '';
  return `: ${last.length > 200 ? `${last.slice(0, 200)}…` : last}`;
}

/**
 * What the errors of a command that ran share: the command, and what it wrote. (Python has no such
 * class: CalledProcessError and TimeoutExpired each define these fields.)
 */
export abstract class CommandError extends SubprocessError {
  /** The command, as given. Python: `CalledProcessError.cmd`, `TimeoutExpired.cmd` */
  readonly cmd: Command;
  /** What the command wrote to stdout, if it was captured. Python's `output`; `stdout` is the same. */
  output: CapturedOutput;
  /** What the command wrote to stderr, if it was captured. */
  stderr: CapturedOutput;

  protected constructor(message: string, cmd: Command, output: CapturedOutput, stderr: CapturedOutput, opts: ProcessErrorOptions) {
    super(message, opts);
    this.cmd = cmd;
    this.output = output;
    this.stderr = stderr;
  }

  /** Alias of `output`, as in Python. */
  get stdout(): CapturedOutput {
    return this.output;
  }
  /** Sets `output`. Python: the `stdout` property's setter */
  set stdout(value: CapturedOutput) {
    this.output = value;
  }
}

/**
 * A command checked with `check: true` (or `checkCall`, `checkOutput`, `checkReturncode()`)
 * ended with a non-zero exit status, or was killed by a signal (`returncode` is then -N).
 * `output` (also `stdout`) and `stderr` hold what was captured, or null.
 * @example
 * try {
 *   await run(['ls', '/nope'], { check: true, captureOutput: true, text: true });
 * } catch (err) {
 *   if (err instanceof CalledProcessError) console.log(err.returncode, err.stderr);
 * }
 *
 * Python: subprocess.CalledProcessError
 */
export class CalledProcessError extends CommandError {
  /** The exit status; -N when the child was killed by signal N. Python: `CalledProcessError.returncode` */
  readonly returncode: number;

  /** Python: `CalledProcessError(returncode, cmd, output=None, stderr=None)` */
  constructor(returncode: number, cmd: Command, output: CapturedOutput = null, stderr: CapturedOutput = null, opts?: ProcessErrorOptions) {
    const what = returncode < 0 ? `died with ${signalName(-returncode)} (${-returncode})` : `returned non-zero exit status ${returncode}`;
    super(`Command '${formatCommand(cmd)}' ${what}${stderrHint(stderr)}`, cmd, output, stderr, { ...opts, code: opts?.code ?? 'ERR_MP_CALLED_PROCESS' });
    this.returncode = returncode;
  }
}

/**
 * A command ran past its `timeout` (milliseconds). After `Popen.communicate` or `Popen.wait` the
 * child is still running (kill it, or wait again); `run`, `call` and the check functions have
 * killed it. `output` (also `stdout`) and `stderr` hold what was captured until then, or null.
 * @example
 * const p = new Popen(['sleep', '60']);
 * try { await p.wait(100); } catch (err) { if (err instanceof TimeoutExpired) p.kill(); }
 *
 * Python: subprocess.TimeoutExpired
 */
export class TimeoutExpired extends CommandError {
  /** The timeout that expired, in milliseconds. Python: `TimeoutExpired.timeout` (seconds there) */
  readonly timeout: number;

  /** Python: `TimeoutExpired(cmd, timeout, output=None, stderr=None)`, with `timeout` in milliseconds. */
  constructor(cmd: Command, timeout: number, output: CapturedOutput = null, stderr: CapturedOutput = null, opts?: ProcessErrorOptions) {
    super(`Command '${formatCommand(cmd)}' timed out after ${timeout} ms`, cmd, output, stderr, { ...opts, code: opts?.code ?? 'ERR_MP_TIMEOUT_EXPIRED' });
    this.timeout = timeout;
  }
}

registerErrorClasses({ CalledProcessError, TimeoutExpired });
