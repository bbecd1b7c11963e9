// run, call, checkCall, checkOutput and CompletedProcess: the high-level half of subprocess.
// CPython: Lib/subprocess.py (run, call, check_call, check_output, CompletedProcess).

import { ValueError } from '../errors.js';
import { CalledProcessError, type CapturedOutput, type Command } from './errors.js';
import { checkTimeout, PIPE, Popen, type NoExtraKeys, type OutputData, type PipeOutput, type PopenOptions } from './popen.js';

/** Options of {@link run}: those of Popen and Python's `input`, `capture_output`, `check` and `timeout`. */
export interface RunOptions extends PopenOptions {
  /** Written to the child's stdin, which is then closed (stdin becomes a pipe). Python: `input=` */
  input?: string | Uint8Array;
  /** Capture stdout and stderr (both become pipes). Python: `capture_output=` */
  captureOutput?: boolean;
  /** Throw CalledProcessError when the exit status is not 0. Python: `check=` */
  check?: boolean;
  /** Milliseconds; past it the child is killed and TimeoutExpired thrown. Python: `timeout=` (seconds there) */
  timeout?: number;
}

/** Options of {@link call} and {@link checkCall}. Python: the keyword arguments of `subprocess.call` and `check_call` */
export interface CallOptions extends PopenOptions {
  /** Milliseconds; past it the child is killed and TimeoutExpired thrown. Python: `timeout=` (seconds there) */
  timeout?: number;
}

/** Options of {@link checkOutput}: those of run, but stdout is always captured and always checked. Python: the keyword arguments of `subprocess.check_output` */
export type CheckOutputOptions = Omit<RunOptions, 'stdout' | 'captureOutput' | 'check'>;

/** What `run` captured on stdout or stderr under options `O`. Python: `CompletedProcess.stdout`/`stderr` */
export type RunOutput<O, K extends 'stdout' | 'stderr'> = O extends {
  /** `run(..., { captureOutput: true })` */
  captureOutput: true;
} ? OutputData<O> : PipeOutput<O, K>;

/**
 * A command that has ended, as `run` returns it.
 * @example
 * const done = await run(['ls'], { captureOutput: true, text: true });
 * done.checkReturncode();
 * console.log(done.stdout);
 *
 * Python: subprocess.CompletedProcess
 */
export class CompletedProcess<Out extends CapturedOutput = CapturedOutput, Err extends CapturedOutput = Out> {
  /** Made by `run`. Python: `CompletedProcess(args, returncode, stdout=None, stderr=None)` */
  constructor(
    /** The command, as given. Python: `CompletedProcess.args` */
    readonly args: Command,
    /** The exit status; -N if signal N killed the child. Python: `CompletedProcess.returncode` */
    readonly returncode: number,
    /** What the child wrote to stdout, if it was captured, else null. Python: `CompletedProcess.stdout` */
    readonly stdout: Out,
    /** What the child wrote to stderr, if it was captured, else null. Python: `CompletedProcess.stderr` */
    readonly stderr: Err,
  ) {}

  /**
   * Throw if the command failed: the `check: true` of run(), after the fact.
   * @throws {CalledProcessError} when the exit status is not 0 (with the captured output)
   *
   * Python: subprocess.CompletedProcess.check_returncode
   */
  checkReturncode(): void {
    if (this.returncode !== 0) throw new CalledProcessError(this.returncode, this.args, this.stdout, this.stderr);
  }
}

function closePipes(p: Popen): void {
  p.stdin?.destroy();
  p.stdout?.destroy();
  p.stderr?.destroy();
}

async function killAndWait(p: Popen): Promise<void> {
  p.kill();
  // Python waits for the child only (not for pipes that a grandchild may still hold open).
  closePipes(p);
  await p.wait();
}

/**
 * Run a command, wait for it to end, and resolve what happened: its exit status and, when
 * captured, its output. With a `timeout` (ms) the child is killed when it passes.
 * @param args the program and its arguments, or with `shell: true` a command line
 * @throws {CalledProcessError} with `check: true`, when the exit status is not 0
 * @throws {TimeoutExpired} when `timeout` passes (the child has been killed)
 * @throws {Error} with `code: 'ENOENT'` when the program is not found
 * @example
 * const { returncode, stdout } = await run(['git', 'status', '--short'], { captureOutput: true, text: true });
 *
 * Python: subprocess.run
 */
export async function run<const O extends RunOptions = Record<never, never>>(
  args: Command,
  opts?: O & NoExtraKeys<O, RunOptions>,
): Promise<CompletedProcess<RunOutput<O, 'stdout'>, RunOutput<O, 'stderr'>>> {
  const { input, captureOutput, check, timeout, ...popenOptions }: RunOptions = opts ?? {};
  const limit = checkTimeout(timeout);
  if (input !== undefined && input !== null) {
    if (popenOptions.stdin !== undefined && popenOptions.stdin !== null) {
      throw new ValueError('stdin and input may not both be given: input is written to a stdin pipe', { code: 'ERR_MP_BAD_VALUE' });
    }
    popenOptions.stdin = PIPE;
  }
  if (captureOutput === true) {
    if ((popenOptions.stdout !== undefined && popenOptions.stdout !== null) || (popenOptions.stderr !== undefined && popenOptions.stderr !== null)) {
      throw new ValueError('stdout and stderr may not be given with captureOutput: it makes both pipes', { code: 'ERR_MP_BAD_VALUE' });
    }
    popenOptions.stdout = PIPE;
    popenOptions.stderr = PIPE;
  }
  const p = new Popen(args, popenOptions);
  let stdout: CapturedOutput;
  let stderr: CapturedOutput;
  try {
    [stdout, stderr] = await p.communicate(input, limit);
  } catch (err) {
    // TimeoutExpired (which holds the output so far), or anything else: the child must not outlive run().
    await killAndWait(p);
    throw err;
  }
  const returncode = p.returncode as number;
  if (check === true && returncode !== 0) throw new CalledProcessError(returncode, p.args, stdout, stderr);
  return new CompletedProcess(p.args, returncode, stdout, stderr) as CompletedProcess<RunOutput<O, 'stdout'>, RunOutput<O, 'stderr'>>;
}

/**
 * Run a command and resolve its exit status (-N if signal N killed it). Its output goes where
 * this process's goes, unless the options say otherwise.
 * @throws {TimeoutExpired} when `timeout` passes (the child has been killed)
 * @example
 * const code = await call(['getent', 'hosts', 'localhost']);
 *
 * Python: subprocess.call
 */
export async function call(args: Command, opts?: CallOptions): Promise<number> {
  const { timeout, ...popenOptions } = opts ?? {};
  const limit = checkTimeout(timeout);
  const p = new Popen(args, popenOptions);
  try {
    return await p.wait(limit);
  } catch (err) {
    await killAndWait(p);
    throw err;
  } finally {
    closePipes(p);
  }
}

/**
 * Run a command and resolve 0, or throw if its exit status is not 0.
 * @throws {CalledProcessError} when the exit status is not 0
 * @throws {TimeoutExpired} when `timeout` passes (the child has been killed)
 * @example
 * await checkCall(['mkdir', '-p', 'out']);
 *
 * Python: subprocess.check_call
 */
export async function checkCall(args: Command, opts?: CallOptions): Promise<0> {
  const returncode = await call(args, opts);
  if (returncode !== 0) throw new CalledProcessError(returncode, typeof args === 'string' ? args : Object.freeze([...args]));
  return 0;
}

/**
 * Run a command and resolve what it wrote to stdout (a string in text mode, else bytes); throw
 * if its exit status is not 0. `stderr: STDOUT` includes its errors in the output.
 * @throws {CalledProcessError} when the exit status is not 0 (with the output in `output`)
 * @throws {TimeoutExpired} when `timeout` passes (the child has been killed)
 * @example
 * const branch = (await checkOutput(['git', 'branch', '--show-current'], { text: true })).trim();
 *
 * Python: subprocess.check_output
 */
export async function checkOutput<const O extends CheckOutputOptions = Record<never, never>>(
  args: Command,
  opts?: O & NoExtraKeys<O, CheckOutputOptions>,
): Promise<OutputData<O>> {
  const options: CheckOutputOptions = opts ?? {};
  for (const key of ['stdout', 'captureOutput', 'check'] as const) {
    if (key in options) throw new ValueError(`checkOutput() does not take "${key}": it always captures stdout and checks the exit status`, { code: 'ERR_MP_BAD_VALUE' });
  }
  const done = await run(args, { ...options, stdout: PIPE, check: true });
  return done.stdout as OutputData<O>;
}
