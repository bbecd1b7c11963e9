// Whether the process that owns something in shared memory (a lock's holder, a pipe's writer) is
// still alive. Every owner-died check of the library asks here, so that what counts as dead
// (a pid that is gone; a pid reused by a new process) is decided in one place.

import { hasNative, native } from '../addon/binding.js';

/** Whether process `pid` exists. Without the addon (threads only) every owner shares our pid: alive. */
export function processAlive(pid: number): boolean {
  return !hasNative() || native().processAlive(pid);
}

/**
 * A process's start time folded into one nonzero 32-bit word, recorded beside its pid to tell a
 * reused pid (0: unknown). One word, so that an owner checks its record with one load.
 */
export function startStamp(pid: number): number {
  if (!hasNative()) return 0;
  const ticks = native().processStartTime(pid);
  // 0 when it cannot be read; else never 0 (the low bit set: two starts within a tick look alike).
  return ticks === 0 ? 0 : (ticks ^ Math.imul(Math.floor(ticks / 2 ** 32), 0x9e3779b1)) | 1;
}

/**
 * Watches one owner word. A pid that is gone means dead; a live pid with another start time than
 * the one recorded (the pid was reused) means dead only when seen twice in a row with the same
 * recorded start time, since a new owner writes its start time just after its pid.
 */
export class OwnerWatch {
  #suspectPid = 0;
  #suspectStart = 0;

  /** Whether the owner `pid` (recorded with its `startStamp`, 0 for unknown) has died. */
  dead(pid: number, start = 0): boolean {
    if (pid === 0 || pid === process.pid || !hasNative()) return false;
    if (!processAlive(pid)) return true;
    const now = startStamp(pid);
    // Either start unknown (e.g. another user's process under hidepid): nothing to compare.
    if (start === 0 || now === 0 || now === start) return false;
    const seenBefore = this.#suspectPid === pid && this.#suspectStart === start;
    this.#suspectPid = pid;
    this.#suspectStart = start;
    return seenBefore;
  }
}
