// Condition: wait for a notification while giving up a lock. CPython: Lib/multiprocessing/synchronize.py.
// Layout: word 0 is a sequence number that notify() bumps; waiters sleep on it.

import { ValueError } from '../errors.js';
import { deadlineOf, expired, type Deadline } from '../shm/deadline.js';
import { runAsync, runSync, sleepOn, type WaitPlan } from '../shm/wait-driver.js';
import { wake } from '../shm/waiter.js';
import { Lock, RLock, type AcquireOptions } from './lock.js';
import { Acquirable, allocateWords, rebuildBlock, reduceBlock, registerShared, wordsOf, type BlockTransfer, type Words } from './shared-object.js';

/**
 * A condition variable shared by processes and threads, over a Lock or RLock (an RLock by default).
 * `withLock(fn)` / `withLockSync(fn)` hold its lock around `fn`, as Lock's do (Python's `with cond:`).
 * Python: multiprocessing.Condition
 */
export class Condition extends Acquirable {
  /** @internal */
  readonly words: Words;
  /** The lock the condition is over. Python: `Condition._lock` */
  readonly lock: Lock | RLock;
  readonly #i32: Int32Array;
  readonly #index: number;

  /** Python: `multiprocessing.Condition(lock=None)` (a new RLock by default). */
  constructor(lock?: Lock | RLock, /** @internal */ words?: Words) {
    if (lock !== undefined && !(lock instanceof Lock) && !(lock instanceof RLock)) throw new TypeError('Expected the lock of a Condition to be a Lock or an RLock');
    super();
    this.lock = lock ?? new RLock();
    this.words = words ?? allocateWords(1);
    this.#i32 = this.words.i32;
    this.#index = this.words.base;
  }

  /** Take the underlying lock without blocking the event loop; resolves whether it was taken. Python: `Condition.acquire` */
  acquire(options?: AcquireOptions | boolean): Promise<boolean> {
    return this.lock.acquire(options);
  }

  /** Take the underlying lock, blocking this thread. Python: `Condition.acquire` */
  acquireSync(options?: AcquireOptions | boolean): boolean {
    return this.lock.acquireSync(options);
  }

  /** Release the underlying lock. Python: `Condition.release` */
  release(): void {
    this.lock.release();
  }

  #giveUp(): number {
    const lock = this.lock;
    if (lock instanceof RLock) return lock.releaseAll();
    if (!lock.locked()) throw new ValueError('Cannot wait on a Condition whose lock is not held: acquire it first', { code: 'ERR_MP_NOT_OWNER' });
    lock.release();
    return 1;
  }

  /** Release the lock, wait for notify() or `timeout` ms, take the lock back; resolves whether notified. Python: `Condition.wait` */
  async wait(timeout?: number): Promise<boolean> {
    return runAsync(this.#waitPlan(deadlineOf(timeout)));
  }

  /** {@link wait}, blocking this thread. Python: `Condition.wait` */
  waitSync(timeout?: number): boolean {
    return runSync(this.#waitPlan(deadlineOf(timeout)));
  }

  /** Wait until `predicate()` is true (checked with the lock held), or `timeout` ms; resolves its last value. Python: `Condition.wait_for` */
  async waitFor(predicate: () => boolean, timeout?: number): Promise<boolean> {
    return runAsync(this.#waitForPlan(predicate, deadlineOf(timeout)));
  }

  *#waitPlan(deadline: Deadline): WaitPlan<boolean> {
    const i32 = this.#i32;
    const index = this.#index;
    const seq = Atomics.load(i32, index);
    const depth = this.#giveUp();
    try {
      for (;;) {
        if (Atomics.load(i32, index) !== seq) return true;
        if (expired(deadline)) return false;
        yield sleepOn(i32, index, seq, deadline);
      }
    } finally {
      const lock = this.lock;
      if (lock instanceof RLock) yield* lock.restorePlan(depth);
      else yield* lock.acquirePlan(Infinity);
    }
  }

  *#waitForPlan(predicate: () => boolean, deadline: Deadline): WaitPlan<boolean> {
    let result = predicate();
    while (!result && !expired(deadline)) {
      yield* this.#waitPlan(deadline);
      result = predicate();
    }
    return result;
  }

  /** Wake up to `n` waiters (default 1). The lock should be held, as in Python. */
  notify(n = 1): void {
    Atomics.add(this.#i32, this.#index, 1);
    wake(this.#i32, this.#index, n);
  }

  /** Wake every waiter. Python: Condition.notify_all */
  notifyAll(): void {
    Atomics.add(this.#i32, this.#index, 1);
    wake(this.#i32, this.#index, Infinity);
  }
}

// The Condition's lock travels with it.
registerShared(
  Condition,
  'Condition',
  import.meta.url,
  (c, dest) => ({ words: c.words, extra: { recursive: c.lock instanceof RLock, lock: reduceBlock(c.lock.words.block, dest) } }),
  (words, { recursive, lock }: { recursive: boolean; lock: BlockTransfer }) => {
    const lockWords = wordsOf(rebuildBlock(lock));
    return new Condition(recursive ? new RLock(lockWords) : new Lock(lockWords), words);
  },
);
