// Barrier: `parties` processes or threads wait until all have arrived. CPython: threading.Barrier
// as Lib/multiprocessing/synchronize.py uses it.
//
// Layout (Int32 words): 0 arrived in this round, 1 generation (waiters sleep on it: +1 when a
// round completes, +BREAK_STEP when the barrier is aborted or reset under them, so a waiter can
// tell the two apart however late it wakes), 2 broken flag, 3 parties.

import { BrokenBarrierError, ValueError } from '../errors.js';
import { deadlineOf, expired, type Deadline } from '../shm/deadline.js';
import { runAsync, runSync, sleepOn, type WaitPlan } from '../shm/wait-driver.js';
import { wake } from '../shm/waiter.js';
import { allocateWords, registerShared, type Words } from './shared-object.js';

const ARRIVED = 0;
const GENERATION = 1;
const BROKEN = 2;
const PARTIES = 3;
const BREAK_STEP = 1 << 16;

/** Options of a {@link Barrier}. Python: the keyword arguments of `Barrier` */
export interface BarrierOptions {
  /** Called by the last party to arrive, before the others are released (in that party's process). Python: `action` */
  action?: () => unknown;
  /** Default timeout of `wait()`, in milliseconds. Python: `timeout` (seconds there) */
  timeout?: number;
}

/**
 * A barrier for `parties` processes or threads. A wait that times out breaks the barrier for all.
 * Python: multiprocessing.Barrier
 */
export class Barrier {
  /** @internal */
  readonly words: Words;
  readonly #i32: Int32Array;
  readonly #base: number;
  readonly #action: (() => unknown) | undefined;
  readonly #timeout: number | undefined;

  /** A barrier for `parties` parties, in shared memory. Python: `multiprocessing.Barrier(parties, action=None, timeout=None)` (timeout in ms) */
  constructor(parties: number, options: BarrierOptions = {}, /** @internal */ words?: Words) {
    if (words === undefined) {
      if (typeof parties !== 'number' || !Number.isInteger(parties)) throw new TypeError(`Expected "parties" to be an integer, got ${String(parties)}`);
      if (parties < 1) throw new ValueError(`"parties" must be at least 1, got ${parties}`, { code: 'ERR_MP_BAD_VALUE' });
      words = allocateWords(4);
      words.i32[words.base + PARTIES] = parties;
    }
    this.words = words;
    this.#i32 = words.i32;
    this.#base = words.base;
    this.#action = options.action;
    this.#timeout = options.timeout;
  }

  /** The number of parties needed to pass the barrier. Python: `Barrier.parties` */
  get parties(): number {
    return this.#i32[this.#base + PARTIES] ?? 0;
  }

  /** How many parties are waiting now. Python: Barrier.n_waiting */
  get nWaiting(): number {
    return Atomics.load(this.#i32, this.#base + ARRIVED);
  }

  /** Whether the barrier is broken (aborted, reset while waited on, or timed out). Python: `Barrier.broken` */
  get broken(): boolean {
    return Atomics.load(this.#i32, this.#base + BROKEN) === 1;
  }

  #arrive(): { generation: number; index: number; last: boolean } {
    if (this.broken) throw brokenError();
    const generation = Atomics.load(this.#i32, this.#base + GENERATION);
    const index = Atomics.add(this.#i32, this.#base + ARRIVED, 1);
    return { generation, index, last: index + 1 === this.parties };
  }

  #release(): void {
    try {
      this.#action?.();
    } catch (err) {
      this.abort();
      throw err;
    }
    Atomics.store(this.#i32, this.#base + ARRIVED, 0);
    Atomics.add(this.#i32, this.#base + GENERATION, 1);
    wake(this.#i32, this.#base + GENERATION, Infinity);
  }

  #passed(generation: number): boolean {
    const moved = (Atomics.load(this.#i32, this.#base + GENERATION) - generation) | 0;
    if (moved === 0) return false;
    if (moved >= BREAK_STEP || moved < 0) throw brokenError();
    return true;
  }

  /** Wait for all parties; resolves an index unique among them (0 … parties − 1). Python: `Barrier.wait` */
  async wait(timeout?: number): Promise<number> {
    return runAsync(this.#waitPlan(timeout));
  }

  /** {@link wait}, blocking this thread. Python: `Barrier.wait` */
  waitSync(timeout?: number): number {
    return runSync(this.#waitPlan(timeout));
  }

  *#waitPlan(timeout: number | undefined): WaitPlan<number> {
    const deadline: Deadline = deadlineOf(timeout ?? this.#timeout);
    const { generation, index, last } = this.#arrive();
    if (last) {
      this.#release();
      return index;
    }
    while (!this.#passed(generation)) {
      if (expired(deadline)) {
        this.abort();
        throw brokenError();
      }
      yield sleepOn(this.#i32, this.#base + GENERATION, generation, deadline);
    }
    return index;
  }

  /** Break the barrier: current and future waiters get BrokenBarrierError until `reset()`. Python: `Barrier.abort` */
  abort(): void {
    Atomics.store(this.#i32, this.#base + BROKEN, 1);
    Atomics.add(this.#i32, this.#base + GENERATION, BREAK_STEP);
    wake(this.#i32, this.#base + GENERATION, Infinity);
  }

  /** Return the barrier to its empty state; parties waiting now get BrokenBarrierError. Python: `Barrier.reset` */
  reset(): void {
    Atomics.store(this.#i32, this.#base + ARRIVED, 0);
    Atomics.store(this.#i32, this.#base + BROKEN, 0);
    Atomics.add(this.#i32, this.#base + GENERATION, BREAK_STEP);
    wake(this.#i32, this.#base + GENERATION, Infinity);
  }
}

function brokenError(): BrokenBarrierError {
  return new BrokenBarrierError('The barrier is broken (aborted, reset, or a wait timed out): call reset() to use it again', { code: 'ERR_MP_BROKEN_BARRIER' });
}

registerShared(Barrier, 'Barrier', import.meta.url, (b) => ({ words: b.words, extra: null }), (words) => new Barrier(0, {}, words));
