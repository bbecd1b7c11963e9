// The 'process' backend: each child is an OS process from child_process.fork with an IPC channel
// (V8 serialization). CPython: Lib/multiprocessing/popen_spawn_posix.py.

import { fork, type ChildProcess, type StdioOptions } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Backend, ChildHandle, LaunchOptions, ResourceLimits } from '../backend.js';
import { asPicklingError } from '../clone-error.js';
import { processEnded, trackerPipeForChildren } from '../../resource-tracker/tracker.js';
import { childEntryUrl } from '../../runtime.js';
import { hasNative, platformVariant } from '../../addon/binding.js';

class ProcessChild implements ChildHandle {
  readonly pid: number;
  readonly ident: number;
  readonly #child: ChildProcess;

  constructor(child: ChildProcess) {
    this.#child = child;
    // fork() reports a failed spawn through 'error' and leaves pid undefined; the exit follows.
    this.pid = child.pid ?? -1;
    this.ident = this.pid;
  }

  send(message: unknown): void {
    try {
      this.#child.send(message as object);
    } catch (err) {
      throw asPicklingError(err, 'the arguments');
    }
  }

  onMessage(listener: (message: unknown) => void): void {
    this.#child.on('message', listener);
  }

  onExit(listener: (exitcode: number) => void): void {
    let done = false;
    const finish = (exitcode: number): void => {
      if (done) return;
      done = true;
      listener(exitcode);
    };
    // Messages the child sent just before it exited may still be in the IPC pipe when 'exit'
    // fires: report the exit once the channel has been drained and closed.
    this.#child.once('exit', (code, signal) => {
      if (platformVariant === 'posix' && this.pid > 0) processEnded(this.pid);
      const exitcode = signal !== null ? -(constants.signals[signal] ?? 1) : (code ?? 1);
      if (this.#child.connected) this.#child.once('disconnect', () => finish(exitcode));
      else finish(exitcode);
    });
    this.#child.once('error', (err: NodeJS.ErrnoException) => {
      if (this.#child.pid === undefined) {
        process.stderr.write(`multiprocessing-ts: could not start a child process: ${err.message}\n`);
        finish(1);
      }
    });
  }

  terminate(): void {
    this.#child.kill('SIGTERM');
  }

  kill(): void {
    this.#child.kill('SIGKILL');
  }

  ref(): void {
    this.#child.ref();
    this.#child.channel?.ref();
  }

  unref(): void {
    this.#child.unref();
    this.#child.channel?.unref();
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

export const processBackend: Backend = {
  kind: 'process',
  launch(options: LaunchOptions): ChildHandle {
    // stdin is /dev/null as in Python's children; stdout/stderr are the parent's own. Then, when
    // present: the resource tracker's pipe, so the tracker outlives every process of the tree;
    // and in the 'posix' platform variant a lifeline, a pipe whose end here closes when this
    // process dies however it dies, which a thread of the child watches (child-entry.ts).
    const entry = fileURLToPath(childEntryUrl(import.meta.url, 'child-entry'));
    const stdio: StdioOptions = ['ignore', 'inherit', 'inherit', 'ipc'];
    const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), MPTS_PARENT_PID: String(process.pid) };
    const tracker = trackerPipeForChildren();
    if (tracker !== undefined) env.MPTS_TRACKER_FD = String(stdio.push(tracker) - 1);
    const lifeline = platformVariant === 'posix' && hasNative() ? stdio.push('pipe') - 1 : undefined;
    if (lifeline !== undefined) env.MPTS_LIFELINE_FD = String(lifeline);
    const execArgv = [...(options.execArgv ?? process.execArgv), ...heapFlags(options.resourceLimits)];
    const child = new ProcessChild(fork(entry, [...(options.argv ?? [])], { serialization: 'advanced', execArgv, stdio, env }));
    if (lifeline !== undefined) child.holdLifeline(lifeline);
    return child;
  },
};
