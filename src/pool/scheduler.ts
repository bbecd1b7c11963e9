// The local Pool's queue, and how many tasks each worker holds at once. As piscina's task queue
// and balancer; CPython: Pool._taskqueue and _handle_tasks in Lib/multiprocessing/pool.py.
//
// Tasks wait in one FIFO queue. Each worker gets a window of tasks in flight, sized from the
// measured run time of recent tasks: tiny tasks travel many to a message (one message per worker
// per tick), long ones one at a time, so that a long task never holds others back while another
// worker is idle. A task that runs alone (a timeout or an AbortSignal) waits for an empty worker.

import { Fifo } from '../fifo.js';
import { APPLY } from './core.js';
import type { PoolTask } from './task.js';
import type { WorkerSlot } from './worker-slot.js';

// Aim at this much work in flight per worker (µs), and never more than MAX_WINDOW tasks.
const TARGET_US = 2000;
const MAX_WINDOW = 512;

export class Scheduler {
  readonly #maxTasksPerChild: number | undefined;
  readonly #queue = new Fifo<PoolTask>();
  // Mean run time of recent tasks (µs); NaN until one has run.
  #meanRunUs = Number.NaN;

  constructor(maxTasksPerChild: number | undefined) {
    this.#maxTasksPerChild = maxTasksPerChild;
  }

  /** Tasks waiting for a worker. */
  get queued(): number {
    return this.#queue.size;
  }

  enqueue(task: PoolTask): void {
    this.#queue.push(task);
  }

  /** Put tasks back at the front, in their order (their worker ended before they started). */
  requeue(tasks: PoolTask[]): void {
    for (const task of tasks) task.requeued();
    this.#queue.unshift(tasks);
  }

  /** Take a task out of the queue (aborted while waiting); false when it is not there. */
  remove(task: PoolTask): boolean {
    return this.#queue.remove(task);
  }

  /** Empty the queue, returning what waited in it. */
  takeAll(): PoolTask[] {
    return this.#queue.drain();
  }

  /** A task ran for `us` microseconds in a worker. */
  ran(us: number): void {
    this.#meanRunUs = Number.isNaN(this.#meanRunUs) ? us : this.#meanRunUs * 0.9 + us * 0.1;
  }

  /** Hand queued tasks to the workers that have room, in order, through `give` (`now`: when). */
  assign(slots: Iterable<WorkerSlot>, give: (slot: WorkerSlot, task: PoolTask, now: number) => void): void {
    const queue = this.#queue;
    if (queue.size === 0) return;
    const now = performance.now();
    for (const slot of slots) {
      if (queue.size === 0) break;
      if (!slot.open) continue;
      const window = this.#window(slot);
      // A chunk of map() keeps the next one queued at its worker (as Python's workers find the
      // next chunk waiting in their pipe): no round trip between chunks.
      const chunkWindow = window > 0 && this.#maxTasksPerChild === undefined ? Math.max(window, 2) : window;
      for (let task = queue.peek(); task !== undefined; task = queue.peek()) {
        if (slot.load >= (task.kind === APPLY ? window : chunkWindow)) break;
        if (task.runsAlone && slot.load > 0) break;
        queue.shift();
        give(slot, task, now);
        if (task.runsAlone) break;
      }
    }
  }

  #window(slot: WorkerSlot): number {
    // One task at a time until tasks are measured.
    const mean = this.#meanRunUs;
    const window = Number.isNaN(mean) ? 1 : Math.max(1, Math.min(MAX_WINDOW, Math.floor(TARGET_US / Math.max(mean, 1))));
    return this.#maxTasksPerChild === undefined ? window : Math.min(window, this.#maxTasksPerChild - slot.dispatched);
  }
}
