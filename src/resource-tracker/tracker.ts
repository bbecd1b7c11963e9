// Registering named segments with the resource tracker, so that none outlives the program, even
// one killed with SIGKILL. One tracker per process tree: a child started by the process backend
// writes to the tracker of its parent through an inherited pipe (fd in MPTS_TRACKER_FD), so the
// tracker sees EOF only when the whole tree is gone. CPython: Lib/multiprocessing/resource_tracker.py.
//
// Lines: "R <name>" registers, "U <name>" unregisters, "X <pid>" says that a process of the tree
// ended: the tracker unlinks the library's own segments it created (mpts_<pid>_…, the 'posix'
// platform variant), which a process killed with SIGKILL could not unlink itself.

import { spawn, type ChildProcess } from 'node:child_process';
import { writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { childEntryUrl, handleFd } from '../runtime.js';

let tracker: ChildProcess | undefined;
const inheritedFd = Number(process.env.MPTS_TRACKER_FD ?? Number.NaN);

// The tracker's pipe: its fd, written synchronously so that a line is in the pipe before this
// process can die; or, where Node does not expose the fd of a pipe (handleFd), its stream, which
// libuv writes at once while the pipe has room.
function trackerPipe(): number | Writable {
  if (Number.isInteger(inheritedFd) && inheritedFd > 2) return inheritedFd;
  if (tracker === undefined) {
    tracker = spawn(process.execPath, [...process.execArgv, fileURLToPath(childEntryUrl(import.meta.url, 'tracker-main'))], {
      detached: true,
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    tracker.unref();
    (tracker.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }
  const stdin = tracker.stdin;
  if (stdin === null) throw new Error('internal: the resource tracker has no pipe');
  return handleFd(stdin) ?? stdin;
}

function send(line: string): void {
  const pipe = trackerPipe();
  if (typeof pipe === 'number') writeSync(pipe, `${line}\n`);
  else pipe.write(`${line}\n`);
}

/** Ask the tracker to unlink `name` if the program ends without doing so. */
export function register(name: string): void {
  send(`R ${name}`);
}

/** The program unlinked `name` itself. */
export function unregister(name: string): void {
  send(`U ${name}`);
}

/** A child process of this tree ended: unlink the segments of the library's own it created, if any. */
export function processEnded(pid: number): void {
  if (trackerPipeForChildren() !== undefined) send(`X ${pid}`);
}

/** For the process backend: the tracker pipe to pass to a new child, if this tree has a tracker. */
export function trackerPipeForChildren(): number | Writable | undefined {
  if (Number.isInteger(inheritedFd) && inheritedFd > 2) return inheritedFd;
  if (tracker === undefined) return undefined;
  return trackerPipe();
}
