// One worker of a local Pool as the pool sees it: the child, the tasks it holds, the targets it
// has loaded, the batch of tasks on their way to it, and what is lost when it ends. As piscina's
// WorkerInfo. CPython: the worker Process objects in Pool._pool.

import type { ChildHandle } from '../backends/backend.js';
import type { TaskTuple } from './core.js';
import type { TasksMessage } from './messages.js';
import type { PoolTask } from './task.js';
import { joinTransfers } from './transfer.js';

/**
 * What a worker that ended leaves: the task it was running, which is lost (it may have done
 * part of its work, so it is not run again), and the tasks it had not started, which run
 * elsewhere. Tasks it finished have reported their results before it ended.
 */
export interface WorkerLoss {
  readonly lost: PoolTask[];
  readonly unstarted: PoolTask[];
}

/** A worker that is taking tasks, being asked to exit after its tasks, or being killed. */
export type SlotState = 'working' | 'retiring' | 'killed';

export class WorkerSlot {
  readonly name: string;
  readonly child: ChildHandle;
  readonly exited: Promise<void>;
  readonly #inflight = new Map<number, PoolTask>();
  readonly #known = new Set<string>();
  #batch: TaskTuple[] = [];
  // The ArrayBuffers the batch's tasks hand over (thread backend).
  #transfers: ArrayBuffer[][] = [];
  #dispatched = 0;
  #alone = false;
  #state: SlotState = 'working';
  // The worker's own word on what it was running when it ended (undefined: it said nothing).
  #runningAtExit: number | null | undefined;

  constructor(name: string, child: ChildHandle, exited: Promise<void>) {
    this.name = name;
    this.child = child;
    this.exited = exited;
  }

  /** Tasks sent to this worker whose results have not come back. */
  get load(): number {
    return this.#inflight.size;
  }

  /** Tasks ever sent to this worker (for maxTasksPerChild). */
  get dispatched(): number {
    return this.#dispatched;
  }

  /** Taking tasks, retiring (asked to exit after its tasks), or killed. */
  get state(): SlotState {
    return this.#state;
  }

  /** Whether the scheduler may give this worker another task. */
  get open(): boolean {
    return this.#state === 'working' && !this.#alone;
  }

  /** Whether nothing is in flight to or on this worker. */
  get idle(): boolean {
    return this.#inflight.size === 0 && this.#batch.length === 0;
  }

  /** Record `task` as this worker's and add it to the batch that goes out at the next flush. */
  take(task: PoolTask, onTimeout: (task: PoolTask) => void): void {
    this.#inflight.set(task.id, task);
    this.#dispatched++;
    if (task.runsAlone) this.#alone = true;
    const firstTime = !this.#known.has(task.key);
    if (firstTime) this.#known.add(task.key);
    this.#batch.push(task.sent(this, firstTime, onTimeout));
    if (task.transfer.length > 0) this.#transfers.push(task.transfer);
  }

  /**
   * Send the batch. Arguments that cannot be cloned fail their own tasks and only those: they are
   * returned with their errors, and no longer held here.
   */
  flush(): [PoolTask, unknown][] {
    if (this.#batch.length === 0) return [];
    const batch = this.#batch;
    const transfers = this.#transfers;
    this.#batch = [];
    this.#transfers = [];
    try {
      this.#post(batch, joinTransfers(transfers));
      return [];
    } catch {
      return this.#sendOneByOne(batch);
    }
  }

  #sendOneByOne(batch: TaskTuple[]): [PoolTask, unknown][] {
    const failed: [PoolTask, unknown][] = [];
    for (const tuple of batch) {
      const task = this.#inflight.get(tuple[0]);
      if (task === undefined) continue;
      try {
        this.#post([tuple], task.transfer);
      } catch (err) {
        // The next task of this target must carry the source again if this one did.
        if (tuple[3] !== 0) this.#known.delete(tuple[2]);
        this.release(task);
        failed.push([task, err]);
      }
    }
    return failed;
  }

  #post(batch: TaskTuple[], transfer: readonly ArrayBuffer[] | undefined): void {
    this.child.send({ t: 'tasks', b: batch } satisfies TasksMessage, transfer);
  }

  /** The task whose result came back, no longer held here. */
  complete(id: number): PoolTask | undefined {
    const task = this.#inflight.get(id);
    if (task !== undefined) this.release(task);
    return task;
  }

  /** Stop holding `task` (its result came, or it was settled from outside). */
  release(task: PoolTask): void {
    if (this.#inflight.delete(task.id) && this.#inflight.size === 0) this.#alone = false;
  }

  /** Ask the worker to exit once it has run what it holds. */
  retire(): void {
    if (this.#state !== 'working') return;
    this.#state = 'retiring';
    this.child.send({ t: 'exit' });
  }

  /** Stop the worker now (SIGKILL, or a thread's terminate()). */
  kill(): void {
    this.#state = 'killed';
    this.child.kill();
  }

  /** The worker said, as it ended, which task it was running. */
  exiting(running: number | null): void {
    this.#runningAtExit = running;
  }

  /** Every task this worker holds, no longer held here (the pool is broken). */
  drop(): PoolTask[] {
    const held = [...this.#inflight.values()];
    this.#inflight.clear();
    this.#batch = [];
    this.#transfers = [];
    this.#alone = false;
    return held;
  }

  /**
   * Split what this worker held when it ended. When it named the task it was running (it ended on
   * its own), only that task is lost. When it could say nothing (a signal), any task may have run,
   * and every one is lost.
   */
  loss(): WorkerLoss {
    const held = this.drop();
    const running = this.#runningAtExit;
    if (running === undefined) return { lost: held, unstarted: [] };
    return { lost: held.filter((task) => task.id === running), unstarted: held.filter((task) => task.id !== running) };
  }
}
