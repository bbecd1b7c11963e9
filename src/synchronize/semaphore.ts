// Semaphore and BoundedSemaphore on shared memory. CPython: Lib/multiprocessing/synchronize.py.
//
// Layout (Int32 words): 0 value, 1 sleeping waiters (so release wakes only when someone sleeps),
// 2 initial value (the bound of a BoundedSemaphore).

import { ValueError } from '../errors.js';
import { blockingOptions, expired, type Deadline } from '../shm/deadline.js';
import { runAsync, runSync, sleepOn, type WaitPlan } from '../shm/wait-driver.js';
import { wake } from '../shm/waiter.js';
import type { AcquireOptions } from './lock.js';
import { Acquirable, allocateWords, registerShared, type Words } from './shared-object.js';

const VALUE = 0;
const WAITERS = 1;
const INITIAL = 2;

const TAKEN = Promise.resolve(true);
const NOT_TAKEN = Promise.resolve(false);

function checkValue(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`Expected the semaphore value to be an integer, got ${String(value)}`);
  if (value < 0 || value > 2 ** 31 - 1) throw new ValueError(`Semaphore initial value must be between 0 and 2147483647, got ${value}`, { code: 'ERR_MP_BAD_VALUE' });
  return value;
}

/**
 * A counter of permits shared by processes and threads: `acquire` takes one (waiting while
 * there are none), `release` gives back.
 * @example
 * const sem = new Semaphore(2);
 * await sem.acquire(); try { ... } finally { sem.release(); }
 *
 * Python: multiprocessing.Semaphore
 */
export class Semaphore extends Acquirable {
  /** @internal */
  readonly words: Words;
  readonly #i32: Int32Array;
  readonly #base: number;

  /**
   * A semaphore with `value` permits, in shared memory. Python: `multiprocessing.Semaphore(value=1)`
   * (and `BoundedSemaphore(value=1)`, which refuses a release past `value`).
   */
  constructor(value = 1, /** @internal */ words?: Words) {
    super();
    if (words === undefined) {
      checkValue(value);
      words = allocateWords(3);
      words.i32[words.base + VALUE] = value;
      words.i32[words.base + INITIAL] = value;
    }
    this.words = words;
    this.#i32 = words.i32;
    this.#base = words.base;
  }

  #tryTake(): boolean {
    const i32 = this.#i32;
    const index = this.#base + VALUE;
    for (let v = Atomics.load(i32, index); v > 0; v = Atomics.load(i32, index)) {
      if (Atomics.compareExchange(i32, index, v, v - 1) === v) return true;
    }
    return false;
  }

  /** Take a permit, waiting without blocking the event loop; resolves whether one was taken. Python: `Semaphore.acquire(block, timeout)` */
  acquire(options?: AcquireOptions | boolean): Promise<boolean> {
    if (this.#tryTake()) return TAKEN;
    let plan: WaitPlan<boolean> | undefined;
    try {
      plan = this.#plan(options);
    } catch (err) {
      return Promise.reject(err);
    }
    return plan === undefined ? NOT_TAKEN : runAsync(plan);
  }

  /** Take a permit, blocking this thread while waiting. Python: `Semaphore.acquire(block, timeout)` */
  acquireSync(options?: AcquireOptions | boolean): boolean {
    if (this.#tryTake()) return true;
    const plan = this.#plan(options);
    return plan === undefined ? false : runSync(plan);
  }

  // The wait of an acquire that found no permit, or undefined when it may not wait.
  #plan(options: AcquireOptions | boolean | undefined): WaitPlan<boolean> | undefined {
    const { block, deadline } = blockingOptions(options);
    return block ? this.#takePlan(deadline) : undefined;
  }

  *#takePlan(deadline: Deadline): WaitPlan<boolean> {
    const i32 = this.#i32;
    const b = this.#base;
    for (;;) {
      if (expired(deadline)) return false;
      Atomics.add(i32, b + WAITERS, 1);
      try {
        yield sleepOn(i32, b + VALUE, 0, deadline);
      } finally {
        Atomics.sub(i32, b + WAITERS, 1);
      }
      if (this.#tryTake()) return true;
    }
  }

  /** Give back `n` permits (default 1), waking as many waiters. Python: `Semaphore.release(n)` */
  release(n = 1): void {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new ValueError(`release(n) needs a whole number n ≥ 1, got ${String(n)}`, { code: 'ERR_MP_BAD_VALUE' });
    this.checkRelease(n);
    Atomics.add(this.#i32, this.#base + VALUE, n);
    if (Atomics.load(this.#i32, this.#base + WAITERS) > 0) wake(this.#i32, this.#base + VALUE, n);
  }

  /** @internal */
  protected checkRelease(_n: number): void {}

  /** @internal */
  protected get initial(): number {
    return this.#i32[this.#base + INITIAL] ?? 0;
  }

  /** The number of permits available now. Python: Semaphore.get_value */
  getValue(): number {
    return Atomics.load(this.#i32, this.#base + VALUE);
  }
}

/**
 * A Semaphore that may not be released above its initial value.
 * Python: multiprocessing.BoundedSemaphore
 */
export class BoundedSemaphore extends Semaphore {
  protected override checkRelease(n: number): void {
    if (this.getValue() + n > this.initial) {
      throw new ValueError(`Semaphore released too many times: its value would exceed its initial value ${this.initial}`, { code: 'ERR_MP_OVER_RELEASED' });
    }
  }
}

registerShared(Semaphore, 'Semaphore', import.meta.url, (s) => ({ words: s.words, extra: null }), (words) => new Semaphore(0, words));
registerShared(BoundedSemaphore, 'BoundedSemaphore', import.meta.url, (s) => ({ words: s.words, extra: null }), (words) => new BoundedSemaphore(0, words));
