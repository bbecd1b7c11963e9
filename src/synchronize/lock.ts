// Lock and RLock on one word of shared memory, for any number of processes and threads.
// CPython: SemLock in Modules/_multiprocessing/semaphore.c and Lib/multiprocessing/synchronize.py.
//
// Layout (Int32 words from the block's start):
//   0  state        0 free, else the pid of the holder's process, plus CONTENDED (bit 30) when
//                   a thread may be sleeping on the word: one atomic op takes the lock and
//                   records its owner, one gives it back, and only a CONTENDED release enters the
//                   kernel to wake a sleeper (Drepper, "Futexes are tricky", mutex 2, with pids)
//   1  (unused)
//   2  owner thread threadId + 1 of the owner in its process, 0 for none (plain memory, read by
//                   its own process: only a thread writes its own id, and clears it before it
//                   releases, so no thread reads its own id unless it holds the lock; + 1 because
//                   the main thread's threadId is 0, which a free lock's word would match)
//   3  count        RLock recursion depth
//   4  owner start  the owner process's start stamp (guards against pid reuse; 0: unknown)
//
// The kernel is entered only to sleep or wake (the addon's futex). A contended taker spins a
// little first (critical sections are short; sleeping and waking cost microseconds), then sleeps
// in slices and, between them, checks that the owner process is alive: if it died holding the
// lock, every waiter gets OwnerDiedError instead of waiting forever (Python hangs here). The
// lock stays held.

import { threadId } from 'node:worker_threads';
import { OwnerDiedError, ValueError } from '../errors.js';
import { LOCK_SPINS } from '../latency.js';
import { blockingOptions, expired, type BlockingOptions, type Deadline } from '../shm/deadline.js';
import { OwnerWatch, startStamp } from '../shm/liveness.js';
import { runAsync, runSync, sleepOn, type WaitPlan } from '../shm/wait-driver.js';
import { wake, WAIT_TIMED_OUT } from '../shm/waiter.js';
import { Acquirable, allocateWords, registerShared, type Words } from './shared-object.js';

const STATE = 0;
// Pids are below 2^22 on Linux (pid_max): bit 30 is free.
const CONTENDED = 0x40000000;
const PID_MASK = CONTENDED - 1;
const OWNER_TID = 2;
const COUNT = 3;
const START = 4;
const WORDS = 5;
const SLICE_MS = 200;

const PID = process.pid;
const FOREVER = { block: true, deadline: Infinity } as const;
const MY_TID = threadId + 1;

/** Options of `acquire`: Python's `block` (false: return at once whether it was taken) and `timeout` (milliseconds, then false). */
export type AcquireOptions = BlockingOptions;

let myStamp: number | undefined;

/** Shared core of Lock and RLock. */
abstract class SemLockBase extends Acquirable {
  /** @internal */
  readonly words: Words;
  readonly #i32: Int32Array;
  readonly #base: number;
  // This process's start stamp, kept on the lock: a field loads faster than a module variable.
  readonly #stamp: number;
  /** Whether ownership is per thread (RLock). */
  protected readonly recursive: boolean;

  protected constructor(recursive: boolean, words?: Words) {
    super();
    this.recursive = recursive;
    this.words = words ?? allocateWords(WORDS);
    this.#i32 = this.words.i32;
    this.#base = this.words.base;
    this.#stamp = myStamp ??= startStamp(PID);
  }

  /** Take the lock if it is free, recording this process as its owner (and this thread, for an RLock). */
  protected tryTake(): boolean {
    const i32 = this.#i32;
    const b = this.#base;
    if (Atomics.compareExchange(i32, b + STATE, 0, PID) !== 0) return false;
    this.#own(i32, b);
    return true;
  }

  // Plain memory: the thread id is read by this process only, and the start stamp by a waiter
  // that has seen this pid in the state word for a whole slice. Written only when it changes.
  // The caller's array and base are passed in: reloading them after an atomic op costs.
  #own(i32: Int32Array, b: number): void {
    if (this.recursive) i32[b + OWNER_TID] = MY_TID;
    if (i32[b + START] !== this.#stamp) i32[b + START] = this.#stamp;
  }

  /** Whether this process's thread holds it. Python: `SemLock._is_mine` */
  protected ownedByMe(): boolean {
    return (Atomics.load(this.#i32, this.#base + STATE) & PID_MASK) === PID && this.#i32[this.#base + OWNER_TID] === MY_TID;
  }

  /** How many times the owner has taken it (an RLock's recursion depth). Python: `SemLock._count` */
  protected get count(): number {
    return this.#i32[this.#base + COUNT] ?? 0;
  }

  /** Records the owner's recursion depth. Python: `SemLock._count` */
  protected set count(value: number) {
    this.#i32[this.#base + COUNT] = value;
  }

  /** Whether anyone holds it. Python: `SemLock._is_zero` (for a lock) */
  protected isHeld(): boolean {
    return Atomics.load(this.#i32, this.#base + STATE) !== 0;
  }

  /**
   * @internal For structures whose state stays consistent however a holder dies (the queues'
   * reader lock): a waiter takes over the lock of a dead holder instead of throwing.
   */
  recoverable = false;

  readonly #owner = new OwnerWatch();

  // When the process holding the lock has died: throws OwnerDiedError, or for a recoverable lock
  // returns true after taking it over.
  #checkOwner(): boolean {
    const state = Atomics.load(this.#i32, this.#base + STATE);
    if (!this.#diedHolding(state)) return false;
    if (this.recoverable) return this.#takeOver(state);
    const pid = state & PID_MASK;
    throw new OwnerDiedError(
      `The process ${pid} that held this ${this.constructor.name} died without releasing it; what the lock protected may be half-updated. Create a new ${this.constructor.name}`,
      pid,
      { code: 'ERR_MP_OWNER_DIED' },
    );
  }

  // Whether the holder recorded in `state` has died, and the lock is still in that state.
  #diedHolding(state: number): boolean {
    const i32 = this.#i32;
    const b = this.#base;
    return this.#owner.dead(state & PID_MASK, i32[b + START]) && Atomics.load(i32, b + STATE) === state;
  }

  #takeOver(state: number): boolean {
    const i32 = this.#i32;
    const b = this.#base;
    if (Atomics.compareExchange(i32, b + STATE, state, PID | CONTENDED) !== state) return false;
    this.#own(i32, b);
    return true;
  }

  /**
   * @internal For structures whose state a dead holder may leave to be repaired: take the lock
   * if the process holding it has died (the caller then holds it); false if it is free, its holder
   * alive, or someone else took it over first.
   */
  takeFromDeadOwner(): boolean {
    const state = Atomics.load(this.#i32, this.#base + STATE);
    return state !== 0 && this.#diedHolding(state) && this.#takeOver(state);
  }

  // A short spin: the holder of a short critical section gives the lock back within it.
  #spin(): boolean {
    const i32 = this.#i32;
    const index = this.#base + STATE;
    for (let k = 0; k < LOCK_SPINS; k++) {
      if (Atomics.load(i32, index) === 0 && this.tryTake()) return true;
    }
    return false;
  }

  // The wait of a blocking take (after `tryTake` and the spin failed): sleep in slices until
  // `deadline`, checking between slices that the owner is alive. Returns whether it was taken.
  *#takePlan(deadline: Deadline): WaitPlan<boolean> {
    const i32 = this.#i32;
    const index = this.#base + STATE;
    for (;;) {
      const expected = this.#markContended();
      if (expected === 0) return true;
      if (expected < 0) continue;
      if (expired(deadline)) return this.#giveUp();
      if ((yield sleepOn(i32, index, expected, deadline, SLICE_MS)) === WAIT_TIMED_OUT && this.#checkOwner()) return true;
    }
  }

  /**
   * @internal Take the lock by `deadline`, as a plan (for waits made of several, like a queue's
   * get); a deadline already passed means: only if it is free now.
   */
  *acquirePlan(deadline: Deadline): WaitPlan<boolean> {
    if (this.tryTake()) return true;
    if (expired(deadline)) return false;
    if (this.#spin()) return true;
    return yield* this.#takePlan(deadline);
  }

  /**
   * @internal Take the lock as `options` say: now (a boolean), or by the returned plan. The spin
   * comes before the plan is made: a contended take usually ends in it, and must start at once.
   */
  protected start(options: AcquireOptions | boolean | undefined): boolean | WaitPlan<boolean> {
    const { block, deadline } = options === undefined ? FOREVER : blockingOptions(options);
    if (this.tryTake()) return true;
    if (!block) return false;
    return this.#spin() || this.#takePlan(deadline);
  }

  // Before sleeping: the lock is taken (0; taken as CONTENDED, since others may sleep), or the
  // state to sleep on, marked CONTENDED so that its release wakes a sleeper (-1: it changed, look again).
  #markContended(): number {
    const i32 = this.#i32;
    const b = this.#base;
    const index = b + STATE;
    const state = Atomics.load(i32, index);
    if (state === 0) {
      if (Atomics.compareExchange(i32, index, 0, PID | CONTENDED) !== 0) return -1;
      this.#own(i32, b);
      return 0;
    }
    if ((state & CONTENDED) !== 0) return state;
    return Atomics.compareExchange(i32, index, state, state | CONTENDED) === state ? state | CONTENDED : -1;
  }

  // A waiter that times out may have taken a wake meant to go on to another sleeper: pass it on.
  #giveUp(): false {
    const i32 = this.#i32;
    const index = this.#base + STATE;
    const state = Atomics.load(i32, index);
    if (state === 0) wake(i32, index, 1);
    else if ((state & CONTENDED) === 0) Atomics.compareExchange(i32, index, state, state | CONTENDED);
    return false;
  }

  /** Free the lock, waking a sleeper if there may be one; false if it was not held. */
  protected give(): boolean {
    const i32 = this.#i32;
    const b = this.#base;
    if (this.recursive) i32[b + OWNER_TID] = 0;
    const state = Atomics.exchange(i32, b + STATE, 0);
    if (state === 0) return false;
    if ((state & CONTENDED) !== 0) wake(i32, b + STATE, 1);
    return true;
  }
}

const TAKEN = Promise.resolve(true);
const NOT_TAKEN = Promise.resolve(false);

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
  /** A new, free lock in shared memory. Python: `multiprocessing.Lock()` */
  constructor(/** @internal */ words?: Words) {
    super(false, words);
  }

  /** Take the lock, waiting (without blocking the event loop) as the options say; resolves whether it was taken. Python: `Lock.acquire(block, timeout)` */
  acquire(options?: AcquireOptions | boolean): Promise<boolean> {
    if (options === undefined && this.tryTake()) return TAKEN;
    let now: boolean | WaitPlan<boolean>;
    try {
      now = this.start(options);
    } catch (err) {
      return Promise.reject(err);
    }
    return now === true ? TAKEN : now === false ? NOT_TAKEN : runAsync(now);
  }

  /** Take the lock, blocking this thread while waiting (for worker code; the event loop stops). Python: `Lock.acquire(block, timeout)` */
  acquireSync(options?: AcquireOptions | boolean): boolean {
    if (options === undefined && this.tryTake()) return true;
    const now = this.start(options);
    return typeof now === 'boolean' ? now : runSync(now);
  }

  /**
   * Release the lock.
   * Python: `Lock.release`
   * @throws {ValueError} when it is not held
   */
  release(): void {
    if (!this.give()) {
      throw new ValueError('Lock released too many times: release() was called on an unlocked Lock', { code: 'ERR_MP_OVER_RELEASED' });
    }
  }


  /** Whether some process or thread holds the lock now. Python: `threading.Lock.locked` */
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
  /** A new, free recursive lock in shared memory. Python: `multiprocessing.RLock()` */
  constructor(/** @internal */ words?: Words) {
    super(true, words);
  }


  /** Take the lock (again, if this thread owns it), waiting without blocking the event loop; resolves whether it was taken. Python: `RLock.acquire(block, timeout)` */
  acquire(options?: AcquireOptions | boolean): Promise<boolean> {
    let now: boolean | WaitPlan<boolean>;
    try {
      now = this.#enter(options);
    } catch (err) {
      return Promise.reject(err);
    }
    return now === true ? TAKEN : now === false ? NOT_TAKEN : runAsync(this.#counted(now));
  }

  /** {@link acquire}, blocking this thread while waiting. Python: `RLock.acquire(block, timeout)` */
  acquireSync(options?: AcquireOptions | boolean): boolean {
    const now = this.#enter(options);
    return typeof now === 'boolean' ? now : runSync(this.#counted(now));
  }

  #enter(options: AcquireOptions | boolean | undefined): boolean | WaitPlan<boolean> {
    if (this.ownedByMe()) {
      blockingOptions(options);
      this.count++;
      return true;
    }
    const now = this.start(options);
    if (now === true) this.count = 1;
    return now;
  }

  *#counted(plan: WaitPlan<boolean>): WaitPlan<boolean> {
    const taken = yield* plan;
    if (taken) this.count = 1;
    return taken;
  }

  /**
   * Release one level of the lock.
   * Python: `RLock.release`
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
  *restorePlan(depth: number): WaitPlan<void> {
    yield* this.acquirePlan(Infinity);
    this.count = depth;
  }

  /** @internal */
  isOwned(): boolean {
    return this.ownedByMe();
  }
}

registerShared(Lock, 'Lock', import.meta.url, (lock) => ({ words: lock.words, extra: null }), (words) => new Lock(words));
registerShared(RLock, 'RLock', import.meta.url, (lock) => ({ words: lock.words, extra: null }), (words) => new RLock(words));
