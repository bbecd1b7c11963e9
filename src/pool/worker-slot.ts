// One worker of a local Pool as the pool sees it: the child, the tasks it holds, the targets it
// has loaded, the batch of tasks on their way to it, and what is lost when it ends. As piscina's
// WorkerInfo. CPython: the worker Process objects in Pool._pool.

import type { ChildHandle } from '../backends/backend.js';
import type { TargetSpec } from '../codec/targets.js';
import { TASK_FIELDS, type TaskBatch } from './core.js';
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

/**
 * The tasks sent to a worker, in the order they were sent: the worker runs them in that order and
 * its results come back in it, so the task a result or a release looks for is nearly always the
 * first held. (A Map would rehash as it fills and empties with every batch.)
 */
class InFlight {
  #tasks: (PoolTask | undefined)[] = [];
  #head = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(task: PoolTask): void {
    this.#tasks.push(task);
    this.#size++;
  }

  /** The task `id`, if it is held. */
  find(id: number): PoolTask | undefined {
    const tasks = this.#tasks;
    for (let i = this.#head; i < tasks.length; i++) if (tasks[i]?.id === id) return tasks[i];
    return undefined;
  }

  /** Stop holding `task`; false when it was not held. */
  delete(task: PoolTask): boolean {
    const tasks = this.#tasks;
    const index = tasks.indexOf(task, this.#head);
    if (index < 0) return false;
    tasks[index] = undefined;
    if (--this.#size === 0) {
      this.clear();
      return true;
    }
    while (tasks[this.#head] === undefined) this.#head++;
    // Now and then drop the part already gone, so that a worker always busy does not grow it without end.
    if (this.#head > 1024 && this.#head * 2 > tasks.length) {
      this.#tasks = tasks.slice(this.#head);
      this.#head = 0;
    }
    return true;
  }

  /** Every task held, in order. */
  values(): PoolTask[] {
    return this.#tasks.slice(this.#head).filter((task) => task !== undefined);
  }

  clear(): void {
    this.#tasks = [];
    this.#head = 0;
    this.#size = 0;
  }
}

/** A worker that is taking tasks, being asked to exit after its tasks, or being killed. */
export type SlotState = 'working' | 'retiring' | 'killed';

export class WorkerSlot {
  readonly name: string;
  readonly child: ChildHandle;
  readonly exited: Promise<void>;
  readonly #inflight = new InFlight();
  // The targets this worker has been sent, by key, and the number it knows each by.
  readonly #targets = new Map<string, number>();
  #nextTarget = 0;
  #batch: TaskBatch = [];
  // The ArrayBuffers the batch's tasks hand over (thread backend).
  #transfers: (readonly ArrayBuffer[])[] = [];
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
  take(task: PoolTask, now: number, onTimeout: (task: PoolTask) => void): void {
    this.#inflight.add(task);
    this.#dispatched++;
    if (task.runsAlone) this.#alone = true;
    const key = targetKey(task.spec);
    let target = this.#targets.get(key);
    const firstTime = target === undefined;
    if (target === undefined) this.#targets.set(key, (target = this.#nextTarget++));
    task.sent(this, now, onTimeout);
    this.#batch.push(task.id, task.kind, target, firstTime ? task.spec : 0, task.args, task.hasHandles);
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

  #sendOneByOne(batch: TaskBatch): [PoolTask, unknown][] {
    const failed: [PoolTask, unknown][] = [];
    for (let i = 0; i < batch.length; i += TASK_FIELDS) {
      const task = this.#inflight.find(batch[i] as number);
      if (task === undefined) continue;
      try {
        this.#post(batch.slice(i, i + TASK_FIELDS), task.transfer);
      } catch (err) {
        // The next task of this target must carry the source again if this one did.
        if (batch[i + 3] !== 0) this.#targets.delete(targetKey(task.spec));
        this.release(task);
        failed.push([task, err]);
      }
    }
    return failed;
  }

  #post(batch: TaskBatch, transfer: readonly ArrayBuffer[] | undefined): void {
    this.child.send({ t: 'tasks', b: batch } satisfies TasksMessage, transfer);
  }

  /** The task `id` this worker holds (its result came back), if it still does. */
  held(id: number): PoolTask | undefined {
    return this.#inflight.find(id);
  }

  /** Stop holding `task` (it settled: its result came, or from outside). */
  release(task: PoolTask): void {
    if (this.#inflight.delete(task) && this.#inflight.size === 0) this.#alone = false;
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
    const held = this.#inflight.values();
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

// Names a target: a worker that has loaded it once is sent only its number.
function targetKey(spec: TargetSpec): string {
  return spec.kind === 'source' ? spec.hash : `${spec.url}#${spec.exportName}`;
}
