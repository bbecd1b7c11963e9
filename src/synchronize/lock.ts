// Lock and RLock on one word of shared memory, for any number of processes and threads.
// CPython: SemLock in Modules/_multiprocessing/semaphore.c and Lib/multiprocessing/synchronize.py.
//
// Layout (Int32 words from the block's start):
//   0  state        0 free, 1 held, 2 held with waiters (Drepper, "Futexes are tricky", mutex 2)
//   1  owner pid    0 when free; written after taking the lock, cleared before giving it back
//   2  owner thread threadId of the owner in its process
//   3  count        RLock recursion depth
//   4  owner start  low 32 bits of the owner's start time (guards against pid reuse)
//   5  owner start  high bits
//
// The kernel is entered only to sleep or wake (the addon's futex). A waiter sleeps in slices
// and, between them, checks that the owner process is alive: if it died holding the lock, every
// waiter gets OwnerDiedError instead of waiting forever (Python hangs here). The lock stays held.

import { threadId } from 'node:worker_threads';
import { OwnerDiedError, ValueError } from '../errors.js';
import { hasNative, native } from '../shm/binding.js';
import { waitAsync, waitSync, wake, WAIT_TIMED_OUT } from '../shm/waiter.js';
import { Acquirable, allocateWords, deadlineOf, registerShared, remaining, type Words } from './shared-object.js';

const STATE = 0;
const OWNER_PID = 1;
const OWNER_TID = 2;
const COUNT = 3;
const START_LO = 4;
const START_HI = 5;
const WORDS = 6;
const SLICE_MS = 200;

/** Options of `acquire`: Python's `block` and `timeout` (milliseconds). */
export interface AcquireOptions {
  /** false: return at once whether the lock could be taken. Default true. */
  block?: boolean;
  /** Give up after this many milliseconds and return false. */
  timeout?: number;
}

let myStart: number | undefined;
function myStartTime(): number {
  if (myStart === undefined) myStart = hasNative() ? native().processStartTime(process.pid) : 0;
  return myStart;
}

function normalize(options: AcquireOptions | boolean | undefined): { block: boolean; timeout: number | undefined } {
  if (typeof options === 'boolean') return { block: options, timeout: undefined };
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`Expected acquire() options to be an object like { block, timeout }, got ${String(options)}`);
  }
  return { block: options?.block ?? true, timeout: options?.timeout };
}

/** Shared core of Lock and RLock. */
abstract class SemLockBase extends Acquirable {
  /** @internal */
  readonly words: Words;
  readonly #i32: Int32Array;
  readonly #base: number;

  protected constructor(words?: Words) {
    super();
    this.words = words ?? allocateWords(WORDS);
    this.#i32 = this.words.i32;
    this.#base = this.words.base;
  }

  protected tryTake(): boolean {
    return Atomics.compareExchange(this.#i32, this.#base + STATE, 0, 1) === 0;
  }

  protected setOwner(): void {
    const i32 = this.#i32;
    const b = this.#base;
    const start = myStartTime();
    i32[b + OWNER_TID] = threadId;
    i32[b + START_LO] = start % 2 ** 32;
    i32[b + START_HI] = Math.floor(start / 2 ** 32);
    Atomics.store(i32, b + OWNER_PID, process.pid);
  }

  protected clearOwner(): void {
    Atomics.store(this.#i32, this.#base + OWNER_PID, 0);
  }

  protected ownedByMe(): boolean {
    return Atomics.load(this.#i32, this.#base + OWNER_PID) === process.pid && this.#i32[this.#base + OWNER_TID] === threadId;
  }

  protected get count(): number {
    return this.#i32[this.#base + COUNT] ?? 0;
  }

  protected set count(value: number) {
    this.#i32[this.#base + COUNT] = value;
  }

  protected isHeld(): boolean {
    return Atomics.load(this.#i32, this.#base + STATE) !== 0;
  }

  /**
   * @internal For structures whose state stays consistent however a holder dies (the queues'
   * reader lock): a waiter takes over the lock of a dead holder instead of throwing.
   */
  recoverable = false;

  // When the process holding the lock has died (same pid and start time, gone): throws
  // OwnerDiedError, or for a recoverable lock returns true after taking it over.
  #checkOwner(): boolean {
    if (!hasNative()) return false;
    const i32 = this.#i32;
    const b = this.#base;
    const pid = Atomics.load(i32, b + OWNER_PID);
    if (pid === 0 || pid === process.pid || Atomics.load(i32, b + STATE) === 0) return false;
    const start = (i32[b + START_LO]! >>> 0) + (i32[b + START_HI]! >>> 0) * 2 ** 32;
    const b2 = native();
    const alive = b2.processAlive(pid) && (start === 0 || b2.processStartTime(pid) === start);
    if (alive) return false;
    if (this.recoverable) return Atomics.compareExchange(i32, b + OWNER_PID, pid, process.pid) === pid;
    if (Atomics.load(i32, b + OWNER_PID) === pid) {
      throw new OwnerDiedError(
        `The process ${pid} that held this ${this.constructor.name} died without releasing it; what the lock protected may be half-updated. Create a new ${this.constructor.name}`,
        pid,
        { code: 'ERR_MP_OWNER_DIED' },
      );
    }
    return false;
  }

  protected takeSync(block: boolean, timeout: number | undefined): boolean {
    if (this.tryTake()) return true;
    if (!block) return false;
    const deadline = deadlineOf(timeout);
    const i32 = this.#i32;
    const index = this.#base + STATE;
    for (;;) {
      if (Atomics.exchange(i32, index, 2) === 0) return true;
      const ms = remaining(deadline, SLICE_MS);
      if (ms === 0) return false;
      if (waitSync(i32, index, 2, ms) === WAIT_TIMED_OUT && this.#checkOwner()) return true;
    }
  }

  protected async takeAsync(block: boolean, timeout: number | undefined): Promise<boolean> {
    if (this.tryTake()) return true;
    if (!block) return false;
    const deadline = deadlineOf(timeout);
    const i32 = this.#i32;
    const index = this.#base + STATE;
    for (;;) {
      if (Atomics.exchange(i32, index, 2) === 0) return true;
      const ms = remaining(deadline, SLICE_MS);
      if (ms === 0) return false;
      if ((await waitAsync(i32, index, 2, ms)) === WAIT_TIMED_OUT && this.#checkOwner()) return true;
    }
  }

  protected give(): void {
    const i32 = this.#i32;
    const index = this.#base + STATE;
    this.clearOwner();
    if (Atomics.sub(i32, index, 1) !== 1) {
      Atomics.store(i32, index, 0);
      wake(i32, index, 1);
    }
  }
}

/**
 * A non-recursive lock shared by processes and threads. Any process or thread may release it.
 * @example
 * await lock.acquire();
 * try { ... } finally { lock.release(); }
 * // or: await lock.withLock(async () => { ... });
 *
 * Python: multiprocessing.Lock
 */
export class Lock extends SemLockBase {
  constructor(/** @internal */ words?: Words) {
    super(words);
  }

  /** Take the lock, waiting (without blocking the event loop) as the options say; resolves whether it was taken. */
  acquire(options?: AcquireOptions | boolean): Promise<boolean> {
    const { block, timeout } = normalize(options);
    if (this.tryTake()) {
      this.setOwner();
      return Promise.resolve(true);
    }
    return this.takeAsync(block, timeout).then((taken) => {
      if (taken) this.setOwner();
      return taken;
    });
  }

  /** Take the lock, blocking this thread while waiting (for worker code; the event loop stops). */
  acquireSync(options?: AcquireOptions | boolean): boolean {
    const { block, timeout } = normalize(options);
    const taken = this.takeSync(block, timeout);
    if (taken) this.setOwner();
    return taken;
  }

  /**
   * Release the lock.
   * @throws {ValueError} when it is not held
   */
  release(): void {
    if (!this.isHeld()) {
      throw new ValueError('Lock released too many times: release() was called on an unlocked Lock', { code: 'ERR_MP_OVER_RELEASED' });
    }
    this.give();
  }


  /** Whether some process or thread holds the lock now. */
  locked(): boolean {
    return this.isHeld();
  }
}

/**
 * A recursive lock: its owner (a process's thread) may take it again, and must release it as
 * many times. Ownership is per thread: two async tasks of one thread count as one owner.
 *
 * Python: multiprocessing.RLock
 */
export class RLock extends SemLockBase {
  constructor(/** @internal */ words?: Words) {
    super(words);
  }

  acquire(options?: AcquireOptions | boolean): Promise<boolean> {
    const { block, timeout } = normalize(options);
    if (this.ownedByMe()) {
      this.count++;
      return Promise.resolve(true);
    }
    if (this.tryTake()) {
      this.#own(1);
      return Promise.resolve(true);
    }
    return this.takeAsync(block, timeout).then((taken) => {
      if (taken) this.#own(1);
      return taken;
    });
  }

  acquireSync(options?: AcquireOptions | boolean): boolean {
    const { block, timeout } = normalize(options);
    if (this.ownedByMe()) {
      this.count++;
      return true;
    }
    const taken = this.takeSync(block, timeout);
    if (taken) this.#own(1);
    return taken;
  }

  #own(count: number): void {
    this.count = count;
    this.setOwner();
  }

  /**
   * Release one level of the lock.
   * @throws {ValueError} when this thread does not own it
   */
  release(): void {
    if (!this.ownedByMe()) {
      throw new ValueError('Cannot release an RLock that this thread does not own: only the owner may release it', { code: 'ERR_MP_NOT_OWNER' });
    }
    if (--this.count === 0) this.give();
  }


  /** @internal Condition.wait: give the lock up entirely, returning the depth to restore. */
  releaseAll(): number {
    if (!this.ownedByMe()) throw new ValueError('Cannot wait on a Condition whose lock this thread does not hold: acquire it first', { code: 'ERR_MP_NOT_OWNER' });
    const depth = this.count;
    this.count = 0;
    this.give();
    return depth;
  }

  /** @internal Condition.wait: take the lock back at the saved depth. */
  async restore(depth: number): Promise<void> {
    await this.acquire();
    this.count = depth;
  }

  /** @internal */
  restoreSync(depth: number): void {
    this.acquireSync();
    this.count = depth;
  }

  /** @internal */
  isOwned(): boolean {
    return this.ownedByMe();
  }
}

registerShared(Lock, 'Lock', import.meta.url, (lock) => ({ words: lock.words, extra: null }), (words) => new Lock(words));
registerShared(RLock, 'RLock', import.meta.url, (lock) => ({ words: lock.words, extra: null }), (words) => new RLock(words));
