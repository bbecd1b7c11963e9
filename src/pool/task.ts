// One task of a local Pool, from submission to its result: what travels to the worker, the
// promise its caller holds, its clock and its abort. As piscina's TaskInfo.
//
// A pool may hold a hundred thousand of these at once, and every scavenge copies the young ones:
// a task is one small object, what few tasks have (a timeout, an abort, buffers to hand over)
// lives in a second one that most never make, and its promise is made without a closure.

import type { TargetSpec } from '../codec/targets.js';
import { AsyncResult, type ResultState } from './async-result.js';
import type { TaskKind } from './core.js';
import { NO_BUFFERS } from './transfer.js';
import type { WorkerSlot } from './worker-slot.js';

/** Where a task is: waiting in the pool's queue, sent to a worker, or settled. */
export type TaskPlace = 'queued' | 'sent' | 'settled';

/** What a task may carry beside its target and arguments. */
export interface TaskExtras {
  /** ArrayBuffers handed over with the arguments (thread backend), not copied. */
  transfer: readonly ArrayBuffer[];
  timeout: number | undefined;
  abort: AbortGroup | undefined;
}

// The rarer part of a task: its options, and the timer of its timeout.
interface Extras extends TaskExtras {
  timer: NodeJS.Timeout | undefined;
}

// The bits of a task's state: where it is (the low two), and its kind and flags.
const QUEUED = 0;
const SENT = 1;
const FULFILLED = 2;
const REJECTED = 3;
const PLACE = 3;
const ANSWERED = 4;
const HAS_HANDLES = 8;
const KIND_SHIFT = 4;

// One executor for every task's promise, which hands its resolve function over here. Its reject
// function is left to die young: a task rejects by resolving with a rejected promise, which
// takes two more microtask turns, so a success settled just after a failure may be seen first.
// (Keeping both costs about a tenth of the throughput of a burst of small tasks.)
let resolveNext: (value: unknown) => void = ignore;
function capture(resolve: (value: unknown) => void): void {
  resolveNext = resolve;
}

/** A task of a local pool, and the AsyncResult of its caller. Python: ApplyResult, as the pool's cache holds it. */
export class PoolTask extends AsyncResult<unknown> {
  readonly id: number;
  readonly spec: TargetSpec;
  readonly args: unknown;
  /** When it was submitted or put back in the queue; once sent, when it was sent to its worker. */
  time: number;
  #bits: number;
  readonly #extras: Extras | undefined;
  #slot: WorkerSlot | undefined = undefined;
  readonly #resolve: (value: unknown) => void;

  /**
   * `answered`: an AsyncResult stands for it (applyAsync). As Python's, its error is there to be
   * asked for, and one that is never asked for is no unhandled rejection.
   */
  constructor(id: number, kind: TaskKind, spec: TargetSpec, args: unknown, hasHandles: boolean, answered: boolean, options: TaskExtras | undefined) {
    super(new Promise(capture));
    this.#resolve = resolveNext;
    this.id = id;
    this.spec = spec;
    this.args = args;
    this.time = performance.now();
    this.#bits = QUEUED | (hasHandles ? HAS_HANDLES : 0) | (answered ? ANSWERED : 0) | (kind << KIND_SHIFT);
    this.#extras = options === undefined ? undefined : { transfer: options.transfer, timeout: options.timeout, abort: options.abort, timer: undefined };
    options?.abort?.add(this);
  }

  /** The caller's promise. */
  get settled(): Promise<unknown> {
    return this.promise;
  }

  get kind(): TaskKind {
    return (this.#bits >> KIND_SHIFT) as TaskKind;
  }

  /** Whether its arguments hold handles (a Lock, a Queue) in their travelling form. */
  get hasHandles(): boolean {
    return (this.#bits & HAS_HANDLES) !== 0;
  }

  get place(): TaskPlace {
    const place = this.#bits & PLACE;
    return place === QUEUED ? 'queued' : place === SENT ? 'sent' : 'settled';
  }

  protected get state(): ResultState {
    const place = this.#bits & PLACE;
    return place === FULFILLED ? 'fulfilled' : place === REJECTED ? 'rejected' : 'pending';
  }

  /** The worker it was sent to, while it is there. */
  get slot(): WorkerSlot | undefined {
    return this.#slot;
  }

  /** ArrayBuffers handed over with the arguments (thread backend), not copied. */
  get transfer(): readonly ArrayBuffer[] {
    return this.#extras?.transfer ?? NO_BUFFERS;
  }

  /** Milliseconds it may run, counted from when it starts. */
  get timeout(): number | undefined {
    return this.#extras?.timeout;
  }

  /**
   * A task with a timeout or an AbortSignal runs alone on its worker: its clock starts when it
   * starts, and stopping it means replacing that worker.
   */
  get runsAlone(): boolean {
    const extras = this.#extras;
    return extras !== undefined && (extras.timeout !== undefined || extras.abort !== undefined);
  }

  /** Sent to `slot` at `now`: its clock starts. */
  sent(slot: WorkerSlot, now: number, onTimeout: (task: PoolTask) => void): void {
    this.#bits = (this.#bits & ~PLACE) | SENT;
    this.#slot = slot;
    this.time = now;
    const extras = this.#extras;
    if (extras?.timeout !== undefined) extras.timer = setTimeout(() => onTimeout(this), extras.timeout);
  }

  /** Back in the queue, not started (its worker ended before it began). */
  requeued(): void {
    this.#stopClock();
    this.#bits &= ~PLACE;
    this.#slot = undefined;
    this.time = performance.now();
  }

  /** Fulfil or reject the caller's promise, and leave its worker; false when it was settled already. */
  settle(ok: boolean, value: unknown): boolean {
    const bits = this.#bits;
    if ((bits & PLACE) >= FULFILLED) return false;
    this.#bits = (bits & ~PLACE) | (ok ? FULFILLED : REJECTED);
    this.#slot?.release(this);
    this.#slot = undefined;
    if (this.#extras !== undefined) {
      this.#stopClock();
      this.#extras.abort?.delete(this);
    }
    if (ok) {
      this.#resolve(value);
    } else {
      if ((bits & ANSWERED) !== 0) this.promise.catch(ignore);
      this.#resolve(Promise.reject(value));
    }
    return true;
  }

  #stopClock(): void {
    const extras = this.#extras;
    if (extras?.timer === undefined) return;
    clearTimeout(extras.timer);
    extras.timer = undefined;
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
