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
import { fileURLToPath } from 'node:url';
import { childEntryUrl } from '../runtime.js';

let tracker: ChildProcess | undefined;
const inheritedFd = Number(process.env.MPTS_TRACKER_FD ?? Number.NaN);

function trackerFd(): number {
  if (Number.isInteger(inheritedFd) && inheritedFd > 2) return inheritedFd;
  if (tracker === undefined) {
    tracker = spawn(process.execPath, [...process.execArgv, fileURLToPath(childEntryUrl(import.meta.url, 'tracker-main'))], {
      detached: true,
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    tracker.unref();
    (tracker.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }
  const fd = (tracker.stdin as unknown as { _handle?: { fd?: number } } | null)?._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('internal: the resource tracker pipe has no fd');
  return fd;
}

function send(line: string): void {
  writeSync(trackerFd(), `${line}\n`);
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
export function trackerPipeForChildren(): number | undefined {
  if (Number.isInteger(inheritedFd) && inheritedFd > 2) return inheritedFd;
  if (tracker === undefined) return undefined;
  return trackerFd();
}
