// A local Pool's bound on its queue (maxQueue, as piscina's): a submission that finds the queue
// full rejects with Full; the chunks of a map or imap already under way wait for room instead;
// drained() lets a producer wait until the queue is empty.

import { Full, ValueError } from '../errors.js';
import { positiveInt } from '../arguments.js';
import { Fifo } from '../fifo.js';

/** The `maxQueue` option: Infinity when absent, `processes²` for 'auto' (as piscina). */
export function maxQueueOption(value: unknown, processes: number): number {
  if (value === undefined || value === null || value === Infinity) return Infinity;
  if (value === 'auto') return processes * processes;
  if (typeof value === 'string') throw new ValueError(`"maxQueue" must be a number or 'auto', got '${value}'`, { code: 'ERR_MP_BAD_VALUE' });
  return positiveInt(value, 'maxQueue');
}

/** What a submission to a full queue rejects with. */
export function queueFullError(limit: number): Full {
  return new Full(`Pool queue full: ${limit} tasks already wait for a worker (its maxQueue); await pool.drained() before submitting more, or raise maxQueue`, {
    code: 'ERR_MP_QUEUE_FULL',
  });
}

export class QueueGate {
  /** The most tasks that may wait in the queue. */
  readonly limit: number;
  // Submissions waiting for room, run in order; each enqueues its task synchronously.
  readonly #waiting = new Fifo<() => void>();
  #drained: (() => void)[] = [];
  #releasing = false;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Whether the queue is bounded at all (else nothing here is ever used). */
  get bounded(): boolean {
    return this.limit !== Infinity;
  }

  /** Whether submissions wait here for room. */
  get waiting(): boolean {
    return this.#waiting.size > 0;
  }

  /** Run `enqueue` once the queue has room, after those that wait already. */
  whenRoom(enqueue: () => void): void {
    this.#waiting.push(enqueue);
  }

  /**
   * Let waiting submissions in, in order, while `queued()` is under the limit (every one, when
   * `all`: the pool is terminated, and each rejects). Returns how many went in.
   */
  release(queued: () => number, all = false): number {
    if (this.#releasing) return 0;
    this.#releasing = true;
    let n = 0;
    try {
      while (this.#waiting.size > 0 && (all || queued() < this.limit)) {
        const enqueue = this.#waiting.shift() as () => void;
        n++;
        enqueue();
      }
    } finally {
      this.#releasing = false;
    }
    return n;
  }

  /** A promise that resolves at the next {@link settle} that finds the queue empty. */
  drained(): Promise<void> {
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  /** Resolve the drained() promises if nothing waits, in the queue (`queued`) or here. */
  settle(queued: number): void {
    if (this.#drained.length === 0 || queued > 0 || this.waiting) return;
    for (const resolve of this.#drained.splice(0)) resolve();
  }
}
