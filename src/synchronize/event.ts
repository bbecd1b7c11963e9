// Event: a flag that processes and threads wait on. CPython: Lib/multiprocessing/synchronize.py.
// Layout: word 0 is the flag (0 clear, 1 set).

import { deadlineOf, expired, type Deadline } from '../shm/deadline.js';
import { runAsync, runSync, sleepOn, type WaitPlan } from '../shm/wait-driver.js';
import { wake } from '../shm/waiter.js';
import { allocateWords, registerShared, type Words } from './shared-object.js';

/**
 * A flag shared by processes and threads: `wait()` until someone calls `set()`.
 * Python: multiprocessing.Event
 */
export class Event {
  /** @internal */
  readonly words: Words;
  readonly #i32: Int32Array;
  readonly #index: number;

  /** A new, cleared event in shared memory. Python: `multiprocessing.Event()` */
  constructor(/** @internal */ words?: Words) {
    this.words = words ?? allocateWords(1);
    this.#i32 = this.words.i32;
    this.#index = this.words.base;
  }

  /** Whether the flag is set. Python: Event.is_set */
  isSet(): boolean {
    return Atomics.load(this.#i32, this.#index) === 1;
  }

  /** Set the flag and wake every waiter. Python: `Event.set` */
  set(): void {
    Atomics.store(this.#i32, this.#index, 1);
    wake(this.#i32, this.#index, Infinity);
  }

  /** Clear the flag. Python: `Event.clear` */
  clear(): void {
    Atomics.store(this.#i32, this.#index, 0);
  }

  /** Wait until the flag is set, or `timeout` ms have passed; resolves whether it is set. Python: `Event.wait` */
  async wait(timeout?: number): Promise<boolean> {
    return runAsync(this.#waitPlan(deadlineOf(timeout)));
  }

  /** {@link wait}, blocking this thread. Python: `Event.wait` */
  waitSync(timeout?: number): boolean {
    return runSync(this.#waitPlan(deadlineOf(timeout)));
  }

  *#waitPlan(deadline: Deadline): WaitPlan<boolean> {
    while (!this.isSet()) {
      if (expired(deadline)) return false;
      yield sleepOn(this.#i32, this.#index, 0, deadline);
    }
    return true;
  }
}

registerShared(Event, 'Event', import.meta.url, (e) => ({ words: e.words, extra: null }), (words) => new Event(words));
