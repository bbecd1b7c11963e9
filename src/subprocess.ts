// multiprocessing-ts/subprocess: Python's subprocess on node:child_process. run, call, checkCall,
// checkOutput and Popen, with Python's PIPE/STDOUT/DEVNULL, text mode, timeouts (milliseconds) and
// errors. CPython: Lib/subprocess.py
import { Popen as PopenClass, type PopenConstructor, type PopenStreams } from './subprocess/popen.js';
import type { CapturedOutput } from './subprocess/errors.js';

export { PIPE, STDOUT, DEVNULL } from './subprocess/popen.js';
/**
 * A command running as a child process. The constructor starts it; `communicate()` feeds it its
 * input and collects its output; `wait()`/`poll()` tell when it ends; `returncode` is its exit
 * status, or -N if signal N killed it. With `await using`, the pipes are closed and the child
 * waited for at the end of the block, as Python's `with Popen(...)` does.
 *
 * The types follow the options: with `{ stdout: PIPE, text: true }`, `p.stdout` is a Readable,
 * `p.stderr` is null, and `communicate()` resolves `[string, null]`.
 *
 * Unlike Python, a running child keeps this program's event loop alive: Node waits for it
 * before exiting (call `kill()` to end it early).
 *
 * Python: `subprocess.Popen`
 * @param args the program and its arguments (`['ls', '-l']`), or with `shell: true` a command line
 * @throws {Error} with `code: 'ENOENT'` (or 'EACCES') when the program or the cwd cannot be found
 * @example
 * const p = new Popen(['sh'], { stdin: PIPE, stdout: PIPE, text: true });
 * const [out] = await p.communicate('echo hello\nexit 3\n');
 * console.log(out, p.returncode); // 'hello\n' 3
 *
 * Python: subprocess.Popen
 */
export const Popen = PopenClass as unknown as PopenConstructor;
/** A running command made by `new Popen(...)`: `Out`/`Err` are what communicate() yields, `Streams` which streams are pipes. */
export type Popen<Out extends CapturedOutput = CapturedOutput, Err extends CapturedOutput = CapturedOutput, Streams extends PopenStreams = PopenStreams> = PopenClass<
  Out,
  Err,
  Streams
>;
export type { PopenOptions, PopenConstructor, PopenStreams, StdioTarget, OutputData, PipeOutput, PipeStream, StreamsOf, NoExtraKeys, IsText, Piped, Prop } from './subprocess/popen.js';
// The class behind `Popen`, so that the reference documents its methods.
export type { Popen as PopenClass } from './subprocess/popen.js';
export { run, call, checkCall, checkOutput, CompletedProcess } from './subprocess/run.js';
export type { RunOptions, CallOptions, CheckOutputOptions, RunOutput } from './subprocess/run.js';
export { CalledProcessError, TimeoutExpired } from './subprocess/errors.js';
export type { Command, CapturedOutput } from './subprocess/errors.js';
export { SubprocessError, ProcessError, ValueError, isProcessError } from './errors.js';
