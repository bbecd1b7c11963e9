// Pool: a fixed set of workers running tasks, with Python's whole API, typed, and never a hang.
// CPython: Lib/multiprocessing/pool.py.
//
// The parts, as piscina splits its pool: a task (task.ts) waits in the scheduler's queue
// (scheduler.ts), which hands it to a worker slot (worker-slot.ts); the lifetime (lifetime.ts)
// starts, replaces and stops the workers. This class is the public API, and joins the parts.
//
// Failure. Every task in flight is recorded against its worker. A worker that ends while it
// holds tasks rejects the one it was running with WorkerLostError, the ones it had not started
// run elsewhere, and a replacement starts.

import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { ChildOutputs, type OutputOptions } from '../backends/output.js';
import { decodeError, type ErrorRecord } from '../codec/error-codec.js';
import { encodeHandles, isFlat } from '../codec/handles.js';
import { describeTarget, type Target, type TargetArgs, type TargetResult, type TargetSpec } from '../codec/targets.js';
import { TimeoutError, WorkerLostError } from '../errors.js';
import { logSettings } from '../logger.js';
import { positiveInt } from '../arguments.js';
import { cpuCount, currentProcess, refuseStartWhileImporting } from '../process/current.js';
import { childEntryUrl, signalName, type BackendKind } from '../runtime.js';
import type { AsyncResult } from './async-result.js';
import {
  APPLY,
  MAP,
  STARMAP,
  chunkSize,
  imapChunks,
  itemList,
  mapInChunks,
  stillRunningError,
  onSettled,
  terminatedError,
  withCallbacks,
  type ItemOf,
  type ResultCallbacks,
  RESULT_FIELDS,
  type ResultBatch,
  type TaskKind,
} from './core.js';
import { QueueGate, queueFullError } from './backpressure.js';
import { announce, kindName, observed, type PoolEventMap } from './events.js';
import { checkPoolSize, PoolLifetime } from './lifetime.js';
import { itemsBar, progressCallback, type ProgressBarOptions, type ProgressCallback, type ProgressOptions } from './progress.js';
import { Scheduler } from './scheduler.js';
import { Stats, type PoolStats } from './stats.js';
import { AbortGroup, PoolTask, type TaskExtras } from './task.js';
import { handedOver, movedIn, NO_BUFFERS, transferOption } from './transfer.js';
import { workerSettings, type WorkerOptions } from './worker-options.js';
import type { WorkerSlot } from './worker-slot.js';

/**
 * Options of {@link Pool}: Python's, and those Node users expect (see {@link WorkerOptions}).
 * `stdout`, `stderr` and `prefix`: see {@link OutputOptions} (the workers' output, gathered into
 * one stream whole lines at a time).
 */
export interface PoolOptions extends WorkerOptions, OutputOptions {
  /** Run once in each worker before its first task (e.g. to open a connection). */
  initializer?: Target;
  /** Arguments of the initializer. Python: `initargs` */
  initargs?: unknown[];
  /** Replace a worker after it has run this many tasks (frees what leaky tasks hold). Python: `maxtasksperchild` */
  maxTasksPerChild?: number;
  /**
   * The largest `processes` this pool accepts. Default: as many workers as the machine's memory
   * holds at their start-up footprint (about 32 MiB per process, 8 MiB per thread), and at least
   * one per CPU. `Infinity` lifts the bound. Python has no such bound (a pool too large for the
   * machine fails as its workers start).
   */
  processesLimit?: number;
}

/** Options of {@link Pool.apply}: those of {@link Pool.applyAsync} but its callbacks. No Python twin (Python's apply takes none). */
export interface TaskOptions extends ProgressOptions {
  /** Abort the task: a queued task is dropped, a running one is stopped (its worker replaced). */
  signal?: AbortSignal;
  /** Milliseconds the task may run, counted from when it starts; then it is stopped and rejects with TimeoutError. */
  timeout?: number;
  /**
   * ArrayBuffers (anywhere in `args`) to hand over to a worker thread instead of copying: they are
   * detached here once the task is sent. The process backend copies them. See also {@link move}.
   * No Python twin; like the transfer list of `postMessage` and piscina's `transferList`.
   */
  transfer?: readonly ArrayBuffer[];
}

/** Options of {@link Pool.applyAsync}: those of {@link Pool.apply}, and its callbacks. */
export interface ApplyOptions<R> extends ResultCallbacks<R>, TaskOptions {}

/** Options of {@link Pool.map} and {@link Pool.starmap}: those of {@link Pool.mapAsync} but its callbacks. Python: map's chunksize argument, and more. */
export interface MapCallOptions extends ProgressBarOptions {
  /** Items per task; default about four chunks per worker, as Python. */
  chunksize?: number;
  /** Abort the map: its queued chunks are dropped, its running ones stopped (their workers replaced). */
  signal?: AbortSignal;
}

/** Options of {@link Pool.imap} and {@link Pool.imapUnordered}. Python: imap's chunksize argument, and more. */
export interface ImapOptions extends ProgressBarOptions {
  /** Items per task; default 1, as Python. */
  chunksize?: number;
}

/** `apply(fn, args, options)`: a target that takes no arguments may leave out `args`. Python: apply(func, args). */
export type ApplyArgs<T> = TargetArgs<T> extends [] ? [args?: [], options?: TaskOptions] : [args: TargetArgs<T>, options?: TaskOptions];

/** Options of {@link Pool.mapAsync} and {@link Pool.starmapAsync}. */
export interface MapOptions<R> extends ResultCallbacks<R>, ProgressBarOptions {
  /** Items per task; default about four chunks per worker, as Python. */
  chunksize?: number;
  /** Abort the map: its queued chunks are dropped, its running ones stopped (their workers replaced). No Python twin (Python's Pool cannot cancel). */
  signal?: AbortSignal;
}

interface SubmitOptions {
  timeout?: number | undefined;
  transfer?: readonly ArrayBuffer[] | undefined;
  signal?: AbortSignal | undefined;
  /** The abort listener of the call this task is part of (every chunk of a map shares one). */
  abort?: AbortGroup | undefined;
  onProgress?: ProgressCallback | undefined;
}

/** A task queued, or the rejected promise of one that could not be. */
type Submitted = PoolTask | Promise<unknown>;

function promiseOf(submitted: Submitted): Promise<unknown> {
  return submitted instanceof PoolTask ? submitted.settled : submitted;
}

// Shared and frozen: a task with no options, or no buffers to hand over, allocates none.
const NO_OPTIONS = Object.freeze({});

let poolCounter = 0;
let submitTaskTo: (pool: BasePool, kind: TaskKind, fn: Target, args: unknown[]) => Promise<unknown>;

/**
 * A pool of worker processes (or threads) that run tasks, as Python's `multiprocessing.Pool`.
 * A worker that dies never hangs the pool: the task it was running rejects with WorkerLostError,
 * the tasks it had not started run on the others, and a new worker starts. A promise that a task
 * leaves rejected with no handler does not end its worker: it is reported on stderr (as Python
 * reports an exception no one retrieved), and no task fails for it.
 *
 * @example
 * await using pool = new Pool(4);
 * const squares = await pool.map((x: number) => x * x, [1, 2, 3]);
 *
 * Python: multiprocessing.Pool
 */
export class BasePool extends EventEmitter<PoolEventMap> {
  /** The backend this class runs its workers on. */
  static readonly backendKind: BackendKind = 'process';

  readonly #processes: number;
  readonly #backend: BackendKind;
  readonly #maxTasksPerChild: number | undefined;
  readonly #scheduler: Scheduler;
  readonly #life: PoolLifetime;
  readonly #gate: QueueGate;
  readonly #stats = new Stats();
  readonly #progress = new Map<number, ProgressCallback>();
  readonly #output: ChildOutputs | undefined;
  #nextId = 1;
  #flushScheduled = false;
  // Whether a task has waited since the queue last emptied (for 'drain').
  #waiting = false;

  static {
    submitTaskTo = (pool, kind, fn, args) => promiseOf(pool.#submit(kind, describeTarget(fn), args, undefined, false));
  }

  /**
   * Start `processes` workers (default: one per CPU): the first at once, the others over the next
   * turns of the event loop, which never waits for them. With `minProcesses` (or `idleTimeout`),
   * start that many and the others as tasks need them.
   * @throws {ValueError} ERR_MP_POOL_TOO_LARGE above `processesLimit`, ERR_MP_BAD_VALUE for an
   * option out of range (see {@link PoolOptions}) @throws {TypeError} for an option of the wrong type
   * @throws {ProcessError} ERR_MP_START_IN_IMPORT in a child importing its target's module, whose
   * top-level code starts a pool (a program without its `isMain` guard)
   */
  constructor(processes?: number, options: PoolOptions = {}) {
    super();
    this.#backend = (this.constructor as typeof BasePool).backendKind;
    this.#processes = processes === undefined || processes === null ? cpuCount() : positiveInt(processes, 'processes');
    checkPoolSize(this.#processes, this.#backend, cpuCount(), sizeLimit(options.processesLimit));
    refuseStartWhileImporting(`A ${this.constructor.name}`);
    if (options.maxTasksPerChild !== undefined && options.maxTasksPerChild !== null) this.#maxTasksPerChild = positiveInt(options.maxTasksPerChild, 'maxTasksPerChild');
    if (options.initargs !== undefined && !Array.isArray(options.initargs)) throw new TypeError(`Expected "initargs" to be an array, got ${typeof options.initargs}`);
    const settings = workerSettings(options, this.#processes);
    if (options.stdout !== undefined || options.stderr !== undefined || options.prefix !== undefined) this.#output = new ChildOutputs(options, true);
    const initargs = encodeHandles(options.initargs ?? [], this.#backend);
    const me = currentProcess();
    this.#scheduler = new Scheduler(this.#maxTasksPerChild);
    this.#gate = new QueueGate(settings.maxQueue);
    this.#life = new PoolLifetime({
      backend: this.#backend,
      size: this.#processes,
      min: settings.min,
      idleTimeout: settings.idleTimeout,
      launch: { ...settings.launch, ...this.#output?.launch },
      prefix: `PoolWorker-${++poolCounter}`,
      start: {
        t: 'start',
        mode: 'pool',
        module: childEntryUrl(import.meta.url, 'worker').href,
        parent: { name: me.name, pid: me.pid },
        initializer: options.initializer === undefined ? null : describeTarget(options.initializer),
        initargs: initargs.value,
        hasHandles: initargs.hasHandles,
        maxMemory: settings.maxMemory,
        log: logSettings(),
      },
      hooks: {
        message: (slot, msg) => {
          if (msg.t === 'results') this.#onResults(slot, msg.r);
          else if (msg.t === 'progress') this.#progress.get(msg.id)?.(msg.v, msg.id);
          else if (msg.t === 'report') (this.#output?.stderr.readable ?? process.stderr).write(msg.text);
          else this.#broken('the initializer failed in a worker', 'fix the initializer and create a new Pool', decodeError(msg.error));
        },
        started: (slot) => {
          this.#output?.add(slot.child, slot.name);
          this.#stats.workerStarted(slot.name, slot.child.pid);
          // On the next tick: the first worker starts in the constructor, before anyone can listen.
          process.nextTick(() => announce(this, 'workerStart', () => [{ worker: slot.name, pid: slot.child.pid, ident: slot.child.ident }]));
          this.#schedule();
        },
        exited: (slot, exitcode) => this.#onExit(slot, exitcode),
        failed: (error) => this.#broken('a worker could not be started', 'create a new Pool when the machine has room for it', error),
        busy: () => this.#isBusy(),
        queued: () => this.#scheduler.queued > 0 || this.#gate.waiting,
        demand: () => this.#demand(),
      },
    });
    this.#life.fill();
    this.#life.updateRef();
  }

  /** Number of worker processes or threads: the most this pool runs at once. */
  get processes(): number {
    return this.#processes;
  }

  /**
   * Workers alive now: started and not yet exited (those starting and retiring included). Below
   * `processes` while a pool with `minProcesses` has not needed them all.
   * No Python twin (Python's `len(pool._pool)`); like piscina's `threads.length`.
   */
  get size(): number {
    return this.#life.slots.size;
  }

  /**
   * Resolves once no task waits in the queue for a worker: every task submitted so far has been
   * handed to one (it may still be running). With `maxQueue`, a producer awaits it before
   * submitting more. The 'drain' event as a promise: it composes with `await` in a producer
   * loop, leaves no listener behind, and cannot be missed by subscribing too late. It also
   * resolves when `terminate()` empties the queue.
   * No Python twin; like piscina's 'drain' event.
   */
  drained(): Promise<void> {
    if (this.#scheduler.queued === 0 && !this.#gate.waiting) return Promise.resolve();
    return this.#gate.drained();
  }

  /**
   * The workers' stdout, with `stdout: 'pipe'`: one stream of whole lines (prefixed with `prefix`),
   * which ends once the pool has stopped and its workers have exited. Read it: what is not read is
   * held in memory. Null otherwise. No Python twin; like subprocess.Popen.stdout.
   */
  get stdout(): Readable | null {
    return this.#output?.stdout.readable ?? null;
  }

  /** The workers' stderr, with `stderr: 'pipe'`, as {@link stdout}; null otherwise. No Python twin; like subprocess.Popen.stderr. */
  get stderr(): Readable | null {
    return this.#output?.stderr.readable ?? null;
  }

  /**
   * Counters, run/wait time histograms (ms, over every task) and each worker's utilization, as
   * piscina offers. No Python twin.
   */
  get stats(): PoolStats {
    let running = 0;
    for (const slot of this.#life.slots) running += slot.load;
    return this.#stats.snapshot(this.#scheduler.queued, running);
  }

  // ---- submitting -------------------------------------------------------------------------------

  /**
   * Run `fn(...args)` in a worker and wait for its result. `options` (an addition to Python's):
   * `signal`, `timeout`, `transfer` and `onProgress`, as {@link applyAsync} takes them.
   * Python: Pool.apply
   */
  apply<T extends Target>(fn: T, ...[args, options]: ApplyArgs<T>): Promise<TargetResult<T>> {
    return promiseOf(this.#submit(APPLY, describeTarget(fn), args ?? [], options, false)) as Promise<TargetResult<T>>;
  }

  /**
   * Submit `fn(...args)` and return at once; the AsyncResult settles when it has run.
   * Python: Pool.apply_async
   */
  applyAsync<T extends Target>(fn: T, args?: TargetArgs<T>, options: ApplyOptions<TargetResult<T>> = NO_OPTIONS): AsyncResult<TargetResult<T>> {
    const submitted = this.#submit(APPLY, describeTarget(fn), args ?? [], options, true);
    if (!(submitted instanceof PoolTask)) return withCallbacks(submitted as Promise<TargetResult<T>>, options);
    if (options !== NO_OPTIONS) onSettled(submitted.settled as Promise<TargetResult<T>>, options);
    return submitted as AsyncResult<TargetResult<T>>;
  }

  /**
   * Apply `fn` to every item, in chunks, and return the results in order. The third argument is
   * the chunk size, or options: `chunksize` (default Python's choice: about four chunks per
   * worker), `signal`, `onProgress`, and `progress: true` for a progress bar on a terminal.
   * Python: Pool.map
   */
  map<T extends Target>(fn: T, items: Iterable<ItemOf<T>>, options?: number | MapCallOptions): Promise<TargetResult<T>[]> {
    return this.#mapChunks(MAP, fn, items, callOptions(options)) as Promise<TargetResult<T>[]>;
  }

  /** Like {@link map}, returning an AsyncResult. Python: Pool.map_async */
  mapAsync<T extends Target>(fn: T, items: Iterable<ItemOf<T>>, options: MapOptions<TargetResult<T>[]> = {}): AsyncResult<TargetResult<T>[]> {
    return withCallbacks(this.#mapChunks(MAP, fn, items, options) as Promise<TargetResult<T>[]>, options);
  }

  /** Like {@link map}, but each item is an argument list: `fn(...item)`. Python: Pool.starmap */
  starmap<T extends Target>(fn: T, items: Iterable<TargetArgs<T>>, options?: number | MapCallOptions): Promise<TargetResult<T>[]> {
    return this.#mapChunks(STARMAP, fn, items, callOptions(options)) as Promise<TargetResult<T>[]>;
  }

  /** Like {@link starmap}, returning an AsyncResult. Python: Pool.starmap_async */
  starmapAsync<T extends Target>(fn: T, items: Iterable<TargetArgs<T>>, options: MapOptions<TargetResult<T>[]> = {}): AsyncResult<TargetResult<T>[]> {
    return withCallbacks(this.#mapChunks(STARMAP, fn, items, options) as Promise<TargetResult<T>[]>, options);
  }

  /**
   * Results of `fn(item)` in order, as they are ready. Reads `items` (sync or async, even endless)
   * only a bounded distance ahead of what has been consumed. The third argument is the chunk size
   * (default 1), or options: `chunksize`, `onProgress`, and `progress: true` for a progress bar on
   * a terminal (with a total when `items` is an array).
   * Python: Pool.imap
   */
  imap<T extends Target>(fn: T, items: Iterable<ItemOf<T>> | AsyncIterable<ItemOf<T>>, options: number | ImapOptions = 1): AsyncIterableIterator<TargetResult<T>> {
    return this.#imap(fn, items, callOptions(options), true) as AsyncIterableIterator<TargetResult<T>>;
  }

  /** Like {@link imap}, in the order tasks finish. Python: Pool.imap_unordered */
  imapUnordered<T extends Target>(fn: T, items: Iterable<ItemOf<T>> | AsyncIterable<ItemOf<T>>, options: number | ImapOptions = 1): AsyncIterableIterator<TargetResult<T>> {
    return this.#imap(fn, items, callOptions(options), false) as AsyncIterableIterator<TargetResult<T>>;
  }

  // The task, or a rejected promise when it could not be queued. `answered`: see PoolTask.
  #submit(kind: TaskKind, spec: TargetSpec, args: unknown, options: SubmitOptions | undefined, answered: boolean): Submitted {
    this.#life.assertRunning();
    const queued = this.#scheduler.queued;
    if (this.#gate.bounded && queued >= this.#gate.limit) return Promise.reject(queueFullError(this.#gate.limit));
    const task = this.#enqueue(kind, spec, args, options, answered);
    this.#life.updateRef();
    // Behind tasks that wait already, this one cannot go to a worker now (each change that makes
    // room schedules), and nothing that #schedule settles can change: only the demand for workers.
    if (queued > 0) this.#life.adjust();
    else this.#schedule();
    return task;
  }

  // A chunk of a map or imap under way: in a bounded queue it waits for room rather than failing,
  // so that a long map never fails halfway. A closed pool still runs it.
  #submitChunk(kind: TaskKind, spec: TargetSpec, chunk: unknown[], options: SubmitOptions | undefined): Promise<unknown> {
    if (!this.#gate.bounded) return promiseOf(this.#submit(kind, spec, chunk, options, false));
    return new Promise((resolve, reject) => {
      this.#gate.whenRoom(() => {
        try {
          this.#life.assertNotTerminated();
          resolve(promiseOf(this.#enqueue(kind, spec, chunk, options, false)));
        } catch (err) {
          reject(err);
        }
      });
      this.#life.updateRef();
      this.#schedule();
    });
  }

  #enqueue(kind: TaskKind, spec: TargetSpec, args: unknown, options: SubmitOptions | undefined, answered: boolean): Submitted {
    if (kind === APPLY && !Array.isArray(args)) return Promise.reject(new TypeError(`Expected "args" to be an array, got ${typeof args}`));
    const timeout = options?.timeout;
    if (timeout !== undefined && (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0)) {
      return Promise.reject(new TypeError(`Expected "timeout" to be a non-negative number of milliseconds, got ${String(timeout)}`));
    }
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    let explicit: readonly ArrayBuffer[] = NO_BUFFERS;
    let onProgress: ProgressCallback | undefined;
    try {
      if (options?.transfer !== undefined) explicit = transferOption(options.transfer);
      onProgress = progressCallback(options);
    } catch (err) {
      return Promise.reject(err);
    }
    // A process copies what it is sent: only a thread is handed buffers.
    const transfer = this.#backend === 'thread' ? handedOver(explicit, movedIn(args, kind === STARMAP ? 2 : 1)) : NO_BUFFERS;
    const abort = options?.abort ?? (signal === undefined ? undefined : this.#abortGroup(signal));
    const extras = transfer.length > 0 || timeout !== undefined || abort !== undefined ? { transfer, timeout, abort } : undefined;
    const task = isFlat(args) ? new PoolTask(this.#nextId++, kind, spec, args, false, answered, extras) : this.#encodedTask(kind, spec, args, answered, extras);
    if (onProgress !== undefined) this.#progress.set(task.id, onProgress);
    this.#waiting = true;
    this.#scheduler.enqueue(task);
    return task;
  }

  // Arguments that may hold handles (a Lock, a Queue) travel in their encoded form.
  #encodedTask(kind: TaskKind, spec: TargetSpec, args: unknown, answered: boolean, extras: TaskExtras | undefined): PoolTask {
    const encoded = encodeHandles(args, this.#backend);
    return new PoolTask(this.#nextId++, kind, spec, encoded.value, encoded.hasHandles, answered, extras);
  }

  #abortGroup(signal: AbortSignal): AbortGroup {
    return new AbortGroup(signal, (task, reason) => this.#abort(task, reason));
  }

  #mapChunks(kind: TaskKind, fn: Target, items: Iterable<unknown>, options: MapCallOptions): Promise<unknown[]> {
    try {
      this.#life.assertRunning();
      const { chunksize, signal } = options;
      const list = itemList(items);
      if (this.#gate.bounded && this.#scheduler.queued >= this.#gate.limit) throw queueFullError(this.#gate.limit);
      // Python's default: about four chunks per worker.
      const size = chunkSize(list.length, chunksize, this.#processes * 4);
      const spec = describeTarget(fn);
      const onProgress = progressCallback(options);
      const bar = itemsBar(options, list.length);
      const submitOptions = { signal, abort: signal === undefined ? undefined : this.#abortGroup(signal), onProgress };
      const submit = (chunk: unknown[]): Promise<unknown> => this.#submitChunk(kind, spec, chunk, submitOptions);
      if (bar === undefined) return mapInChunks(list, size, submit);
      return bar.follow(mapInChunks(list, size, (chunk) => bar.count(submit(chunk), chunk.length)));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async *#imap(fn: Target, items: Iterable<unknown> | AsyncIterable<unknown>, options: ImapOptions, ordered: boolean): AsyncGenerator<unknown> {
    this.#life.assertRunning();
    const size = positiveInt(options.chunksize ?? 1, 'chunksize');
    const spec = describeTarget(fn);
    const submitOptions = { onProgress: progressCallback(options) };
    const bar = itemsBar(options, Array.isArray(items) ? items.length : undefined);
    // Enough chunks in flight to keep every worker busy, and no more: an endless source is fine.
    const results = imapChunks(items, size, this.#processes * 2, (chunk) => this.#submitChunk(MAP, spec, chunk, submitOptions), ordered);
    yield* bar === undefined ? results : bar.items(results);
  }

  // ---- running ----------------------------------------------------------------------------------

  #schedule(): void {
    const gate = this.#gate;
    // Chunks waiting for room go in as the workers take what was queued.
    do this.#scheduler.assign(this.#life.slots, this.#give);
    while (gate.waiting && gate.release(this.#queued) > 0);
    this.#life.adjust();
    if (this.#life.state === 'CLOSE' && this.#scheduler.queued === 0 && !gate.waiting) this.#life.retireIdle();
    gate.settle(this.#scheduler.queued);
    this.#checkDrain();
  }

  // 'drain': the queue has emptied since a task last waited in it.
  #checkDrain(): void {
    if (!this.#waiting || this.#scheduler.queued > 0) return;
    this.#waiting = false;
    announce(this, 'drain', () => []);
  }

  readonly #queued = (): number => this.#scheduler.queued;

  // The workers the work wants now: one per worker running tasks, and one per waiting task.
  #demand(): number {
    let busy = 0;
    for (const slot of this.#life.slots) if (slot.load > 0) busy++;
    return busy + this.#scheduler.queued;
  }

  // Tasks given to workers in one turn go out together, one message per worker.
  readonly #give = (slot: WorkerSlot, task: PoolTask, now: number): void => {
    const waitTime = now - task.time;
    slot.take(task, now, this.#expire);
    this.#stats.waited(waitTime);
    if (observed(this, 'taskStart')) announce(this, 'taskStart', () => [{ id: task.id, kind: kindName(task.kind), worker: slot.name, waitTime }]);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(this.#flush);
    }
  };

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    let failed = false;
    for (const slot of this.#life.slots) {
      for (const [task, err] of slot.flush()) {
        failed = true;
        this.#settle(task, false, err);
      }
    }
    if (!failed) return;
    // The tasks that could not be sent freed room on their workers.
    this.#schedule();
    this.#life.updateRef();
  };

  #onResults(slot: WorkerSlot, results: ResultBatch): void {
    for (let i = 0; i < results.length; i += RESULT_FIELDS) {
      const task = slot.held(results[i] as number);
      if (task === undefined) continue;
      const ok = results[i + 1] === 1;
      const value = results[i + 2];
      const us = results[i + 3] as number;
      this.#scheduler.ran(us);
      this.#stats.ran(slot.name, us);
      this.#settle(task, ok, ok ? value : decodeError(value as ErrorRecord), us);
    }
    if (this.#maxTasksPerChild !== undefined && slot.dispatched >= this.#maxTasksPerChild && slot.load === 0) slot.retire();
    this.#schedule();
    this.#life.updateRef();
  }

  // `us`: the run time its worker measured (microseconds), when it reported one.
  #settle(task: PoolTask, ok: boolean, value: unknown, us?: number): void {
    const worker = task.slot?.name ?? null;
    if (!task.settle(ok, value)) return;
    if (ok) this.#stats.completed++;
    else this.#stats.failed++;
    if (this.#progress.size > 0) this.#progress.delete(task.id);
    if (!observed(this, 'taskEnd')) return;
    const duration = us !== undefined ? us / 1000 : worker !== null ? performance.now() - task.time : 0;
    announce(this, 'taskEnd', () => [{ id: task.id, kind: kindName(task.kind), worker, ok, duration, error: ok ? undefined : value }]);
  }

  #abort(task: PoolTask, reason: unknown): void {
    if (task.place === 'sent') {
      this.#stopRunning(task, reason);
    } else if (this.#scheduler.remove(task)) {
      this.#settle(task, false, reason);
      this.#schedule();
      this.#life.updateRef();
    }
  }

  readonly #expire = (task: PoolTask): void => {
    this.#stopRunning(task, new TimeoutError(`The task ran longer than its timeout of ${task.timeout} ms and was stopped`, { code: 'ERR_MP_TASK_TIMEOUT' }));
  };

  // A running task cannot be interrupted from outside: its worker is replaced.
  #stopRunning(task: PoolTask, reason: unknown): void {
    const slot = task.slot;
    if (slot === undefined) return;
    this.#settle(task, false, reason);
    slot.kill();
  }

  #onExit(slot: WorkerSlot, exitcode: number): void {
    this.#stats.workerExited(slot.name);
    announce(this, 'workerExit', () => [{ worker: slot.name, pid: slot.child.pid, ident: slot.child.ident, exitcode }]);
    const { lost, unstarted } = slot.loss();
    if (this.#life.state === 'TERMINATE') {
      for (const task of [...lost, ...unstarted]) this.#settle(task, false, terminatedError('all work'));
    } else {
      if (unstarted.length > 0) this.#waiting = true;
      // A task that handed its buffers to the thread that ended has them no more: it cannot run again.
      const handedOver = unstarted.filter((task) => task.transfer.length > 0);
      this.#scheduler.requeue(handedOver.length === 0 ? unstarted : unstarted.filter((task) => task.transfer.length === 0));
      for (const task of [...lost, ...handedOver]) this.#settle(task, false, workerLostError(slot.name, exitcode));
    }
    this.#schedule();
    if (this.#output !== undefined && this.#life.slots.size === 0 && (this.#life.state === 'TERMINATE' || (this.#life.state === 'CLOSE' && this.#scheduler.queued === 0))) this.#output.end();
  }

  #broken(what: string, todo: string, cause: Error): void {
    const error = this.#life.break(what, todo, cause);
    if (error === undefined) return;
    for (const task of this.#scheduler.takeAll()) this.#settle(task, false, error);
    for (const slot of this.#life.slots) for (const task of slot.drop()) this.#settle(task, false, error);
    this.#gate.release(this.#queued, true);
    this.#gate.settle(0);
    this.#checkDrain();
    this.#life.updateRef();
    announce(this, 'error', () => [error]);
  }

  #isBusy(): boolean {
    if (this.#scheduler.queued > 0 || this.#gate.waiting) return true;
    for (const slot of this.#life.slots) if (slot.load > 0) return true;
    return false;
  }

  // ---- lifetime ---------------------------------------------------------------------------------

  /**
   * Accept no more tasks; the workers exit once the queued and running tasks are done.
   * Python: Pool.close
   */
  close(): void {
    if (this.#life.close()) this.#schedule();
  }

  /**
   * Stop the workers now; queued and running tasks reject.
   * Python: Pool.terminate
   */
  async terminate(): Promise<void> {
    if (this.#life.terminate()) {
      for (const task of this.#scheduler.takeAll()) this.#settle(task, false, terminatedError('all work'));
      this.#gate.release(this.#queued, true);
      this.#gate.settle(0);
      this.#checkDrain();
    }
    await this.#life.waitForWorkers();
  }

  /**
   * Wait for the workers to exit, after `close()` or `terminate()`.
   * @throws {ValueError} while the pool is still running
   * Python: Pool.join
   */
  async join(): Promise<void> {
    if (this.#life.state === 'RUN') throw stillRunningError();
    await this.#life.waitForWorkers();
  }

  /** `await using pool = new Pool()`: terminate when the scope ends, as Python's `with Pool()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.terminate();
  }
}

/** Pool of worker processes. Python: multiprocessing.Pool */
export class Pool extends BasePool {
  /** `'process'`. Python: the `'spawn'` context's Pool */
  static override readonly backendKind: BackendKind = 'process';
}

/** Pool of worker threads. Python: multiprocessing.pool.ThreadPool / multiprocessing.dummy.Pool */
export class ThreadPool extends BasePool {
  /** `'thread'`. Python: `multiprocessing.dummy.Pool` */
  static override readonly backendKind: BackendKind = 'thread';
}

/**
 * @internal Submit one task as it came over a wire (the Redis tier runs its jobs so): a map's
 * chunk stays one task, run by the same worker code as any other.
 */
export function submitTask(pool: BasePool, kind: TaskKind, fn: Target, args: unknown[]): Promise<unknown> {
  return submitTaskTo(pool, kind, fn, args);
}

// The third argument of map, starmap, imap and imapUnordered: a chunk size, or options.
function callOptions<O extends { chunksize?: number }>(options: number | O | undefined): O {
  return typeof options === 'object' && options !== null ? options : ({ chunksize: options } as O);
}

function sizeLimit(value: number | undefined): number | undefined {
  if (value === undefined || value === null) return undefined;
  return value === Infinity ? value : positiveInt(value, 'processesLimit');
}

function workerLostError(name: string, exitcode: number): WorkerLostError {
  const signal = exitcode < 0 ? signalName(-exitcode) : null;
  const how = signal === null ? `exited with code ${exitcode}` : `was killed by signal ${signal}`;
  return new WorkerLostError(`Worker ${name} ${how} while running this task; a new worker has taken its place`, signal === null ? exitcode : null, signal, {
    code: 'ERR_MP_WORKER_LOST',
  });
}
