// Whether the process that owns something in shared memory (a lock's holder, a pipe's writer) is
// still alive. Every owner-died check of the library asks here, so that what counts as dead
// (a pid that is gone; a pid reused by a new process) is decided in one place.

import { hasNative, native } from '../addon/binding.js';

/** Whether process `pid` exists. Without the addon (threads only) every owner shares our pid: alive. */
export function processAlive(pid: number): boolean {
  return !hasNative() || native().processAlive(pid);
}

/** This process's start time (0 when unknown), recorded beside its pid to tell a reused pid. */
export function myStartTime(): number {
  return hasNative() ? native().processStartTime(process.pid) : 0;
}

/**
 * Watches one owner word. A pid that is gone means dead; a live pid with another start time than
 * the one recorded (the pid was reused) means dead only when seen twice in a row with the same
 * recorded start time, since a new owner writes its start time just after its pid.
 */
export class OwnerWatch {
  #suspectPid = 0;
  #suspectStart = 0;

  /** Whether the owner `pid` (recorded with start time `start`, 0 for unknown) has died. */
  dead(pid: number, start = 0): boolean {
    if (pid === 0 || pid === process.pid || !hasNative()) return false;
    if (!processAlive(pid)) return true;
    if (start === 0 || native().processStartTime(pid) === start) return false;
    const seenBefore = this.#suspectPid === pid && this.#suspectStart === start;
    this.#suspectPid = pid;
    this.#suspectStart = start;
    return seenBefore;
  }
}
