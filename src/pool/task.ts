// One task of a local Pool, from submission to its result: what travels to the worker, the
// promise its caller holds, its clock and its abort. As piscina's TaskInfo.

import type { TargetSpec } from '../codec/targets.js';
import type { ResultSource, ResultState } from './async-result.js';
import type { TaskKind } from './core.js';
import type { WorkerSlot } from './worker-slot.js';

/** Where a task is: waiting in the pool's queue, sent to a worker, or settled. */
export type TaskPlace = 'queued' | 'sent' | 'settled';

export interface TaskInit {
  id: number;
  kind: TaskKind;
  spec: TargetSpec;
  args: unknown;
  hasHandles: boolean;
  /** ArrayBuffers handed over with the arguments (thread backend), not copied. */
  transfer: readonly ArrayBuffer[];
  timeout: number | undefined;
  abort: AbortGroup | undefined;
}

export class PoolTask implements ResultSource {
  readonly id: number;
  readonly kind: TaskKind;
  /** Names the target: a worker that has loaded it once is sent only the key. */
  readonly key: string;
  readonly spec: TargetSpec;
  readonly args: unknown;
  readonly hasHandles: boolean;
  readonly transfer: readonly ArrayBuffer[];
  readonly submitted = performance.now();
  /** When it was last sent to a worker (0: never). */
  sentAt = 0;
  readonly timeout: number | undefined;
  readonly abort: AbortGroup | undefined;
  readonly promise: Promise<unknown>;
  /**
   * An AsyncResult stands for it: as Python's, its error is there to be asked for, and one that
   * is never asked for is no unhandled rejection. (The AsyncResult then asks this task how it
   * ended, rather than following the promise.)
   */
  answered = false;
  #place: TaskPlace = 'queued';
  #ok = false;
  #slot: WorkerSlot | undefined;
  #resolve!: (value: unknown) => void;
  #reject!: (err: unknown) => void;
  #timer: NodeJS.Timeout | undefined;

  constructor(init: TaskInit) {
    this.id = init.id;
    this.kind = init.kind;
    this.key = init.spec.kind === 'source' ? init.spec.hash : `${init.spec.url}#${init.spec.exportName}`;
    this.spec = init.spec;
    this.args = init.args;
    this.hasHandles = init.hasHandles;
    this.transfer = init.transfer;
    this.timeout = init.timeout;
    this.abort = init.abort;
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    init.abort?.add(this);
  }

  get place(): TaskPlace {
    return this.#place;
  }

  /** How its caller's promise ended, as its AsyncResult tells. */
  get state(): ResultState {
    return this.#place !== 'settled' ? 'pending' : this.#ok ? 'fulfilled' : 'rejected';
  }

  /** The worker it was sent to, while it is there. */
  get slot(): WorkerSlot | undefined {
    return this.#slot;
  }

  /**
   * A task with a timeout or an AbortSignal runs alone on its worker: its clock starts when it
   * starts, and stopping it means replacing that worker.
   */
  get runsAlone(): boolean {
    return this.timeout !== undefined || this.abort !== undefined;
  }

  /** Sent to `slot`: its clock starts. */
  sent(slot: WorkerSlot, onTimeout: (task: PoolTask) => void): void {
    this.#place = 'sent';
    this.#slot = slot;
    if (this.timeout !== undefined) this.#timer = setTimeout(() => onTimeout(this), this.timeout);
  }

  /** Back in the queue, not started (its worker ended before it began). */
  requeued(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#place = 'queued';
    this.#slot = undefined;
  }

  /** Fulfil or reject the caller's promise, and leave its worker; false when it was settled already. */
  settle(ok: boolean, value: unknown): boolean {
    if (this.#place === 'settled') return false;
    this.#place = 'settled';
    this.#ok = ok;
    this.#slot?.release(this);
    this.#slot = undefined;
    clearTimeout(this.#timer);
    this.abort?.delete(this);
    if (ok) {
      this.#resolve(value);
    } else {
      if (this.answered) this.promise.catch(ignore);
      this.#reject(value);
    }
    return true;
  }
}

/**
 * One 'abort' listener for the tasks of one call (an apply, or every chunk of a map): a signal
 * shared by a thousand chunks gets one listener, not a thousand, and loses it when they are done.
 */
export class AbortGroup {
  readonly #signal: AbortSignal;
  readonly #tasks = new Set<PoolTask>();
  readonly #onAbort: () => void;

  constructor(signal: AbortSignal, abort: (task: PoolTask, reason: unknown) => void) {
    this.#signal = signal;
    this.#onAbort = () => {
      for (const task of [...this.#tasks]) abort(task, signal.reason);
    };
  }

  add(task: PoolTask): void {
    if (this.#tasks.size === 0) this.#signal.addEventListener('abort', this.#onAbort, { once: true });
    this.#tasks.add(task);
  }

  delete(task: PoolTask): void {
    if (this.#tasks.delete(task) && this.#tasks.size === 0) this.#signal.removeEventListener('abort', this.#onAbort);
  }
}

function ignore(): void {}
