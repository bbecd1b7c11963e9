// Pool: a fixed set of workers running tasks, with Python's whole API, typed, and never a hang.
// CPython: Lib/multiprocessing/pool.py.
//
// Scheduling. Tasks wait in one FIFO queue here. Each worker gets a window of tasks in flight,
// sized from the measured run time of recent tasks: tiny tasks travel many to a message (one
// message per worker per tick), long ones one at a time, so that a long task never holds others
// back while another worker is idle. A task with a timeout or an AbortSignal runs alone on its
// worker, so that its clock starts when it starts, and stopping it means replacing that worker.
//
// Failure. Every task in flight is recorded against its worker. A worker that exits while it
// holds tasks rejects exactly those with WorkerLostError, and a replacement starts.

import type { ChildHandle } from '../backends/index.js';
import { getBackend } from '../backends/index.js';
import { decodeError } from '../codec/error-codec.js';
import { encodeHandles } from '../codec/handles.js';
import { describeTarget, type Target, type TargetArgs, type TargetResult, type TargetSpec } from '../codec/targets.js';
import { TimeoutError, ValueError, WorkerLostError } from '../errors.js';
import { cpuCount, currentProcess, nextIdentity } from '../process/current.js';
import { siblingUrl, signalName, type BackendKind } from '../runtime.js';
import { AsyncResult } from './async-result.js';
import { APPLY, MAP, STARMAP, type PoolStartMessage, type ResultTuple, type TaskKind, type TaskTuple, type WorkerToPool } from './messages.js';
import { Stats, type PoolStats } from './stats.js';

/** A target that takes one argument: what `map` and `imap` call per item. */
type ArgsOf<T> = TargetArgs<T>;
type ItemOf<T> = TargetArgs<T> extends [infer A, ...unknown[]] ? A : never;
type OptionalArgs<T> = TargetArgs<T> extends [] ? [args?: []] : [args: TargetArgs<T>];

/** Options of {@link Pool}. */
export interface PoolOptions {
  /** Run once in each worker before its first task (e.g. to open a connection). */
  initializer?: Target;
  /** Arguments of the initializer. */
  initargs?: unknown[];
  /** Replace a worker after it has run this many tasks (frees what leaky tasks hold). */
  maxTasksPerChild?: number;
}

/** Options of {@link Pool.applyAsync}. */
export interface ApplyOptions<R> {
  /** Called with the result when the task succeeds. */
  callback?: (result: R) => void;
  /** Called with the error when the task fails. */
  errorCallback?: (error: Error) => void;
  /** Abort the task: a queued task is dropped, a running one is stopped (its worker replaced). */
  signal?: AbortSignal;
  /** Milliseconds the task may run, counted from when it starts; then it is stopped and rejects with TimeoutError. */
  timeout?: number;
}

/** Options of {@link Pool.mapAsync} and {@link Pool.starmapAsync}. */
export interface MapOptions<R> {
  chunksize?: number;
  callback?: (result: R) => void;
  errorCallback?: (error: Error) => void;
  signal?: AbortSignal;
}

type PoolState = 'RUN' | 'CLOSE' | 'TERMINATE';

interface Task {
  id: number;
  kind: TaskKind;
  key: string;
  spec: TargetSpec;
  args: unknown;
  hasHandles: boolean;
  submitted: number;
  timeout: number | undefined;
  signal: AbortSignal | undefined;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  worker: Slot | undefined;
  timer: NodeJS.Timeout | undefined;
  onAbort: (() => void) | undefined;
}

interface Slot {
  name: string;
  child: ChildHandle;
  inflight: Map<number, Task>;
  known: Set<string>;
  batch: TaskTuple[];
  dispatched: number;
  exclusive: boolean;
  retiring: boolean;
  exited: Promise<void>;
  stopping: 'none' | 'graceful' | 'kill';
}

let poolCounter = 0;
const workerUrl = siblingUrl(import.meta.url, 'worker').href;

function taskKey(spec: TargetSpec): string {
  return spec.kind === 'source' ? spec.hash : `${spec.url}#${spec.exportName}`;
}

function checkPositiveInt(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`Expected "${what}" to be an integer, got ${String(value)}`);
  if (value < 1) throw new ValueError(`"${what}" must be at least 1, got ${value}`, { code: 'ERR_MP_BAD_VALUE' });
  return value;
}

/**
 * A pool of worker processes (or threads) that run tasks, as Python's `multiprocessing.Pool`.
 * A worker that dies never hangs the pool: its tasks reject with WorkerLostError and a new worker starts.
 *
 * @example
 * await using pool = new Pool(4);
 * const squares = await pool.map((x: number) => x * x, [1, 2, 3]);
 *
 * Python: multiprocessing.Pool
 */
export class BasePool {
  /** The backend this class runs its workers on. */
  static readonly backendKind: BackendKind = 'process';

  readonly #processes: number;
  readonly #backend: BackendKind;
  readonly #maxTasksPerChild: number | undefined;
  readonly #start: Omit<PoolStartMessage, 'name' | 'identity'>;
  readonly #prefix: string;
  readonly #slots = new Set<Slot>();
  #queue: Task[] = [];
  #queueHead = 0;
  #state: PoolState = 'RUN';
  #nextId = 1;
  #workerCounter = 0;
  #flushScheduled = false;
  #referenced = false;
  #unrefScheduled = false;
  #joined: Promise<void> | undefined;
  #brokenBy: Error | undefined;
  // Mean run time of recent tasks (ms); sizes the per-worker window.
  #meanRunMs = Number.NaN;
  readonly #stats = new Stats();

  constructor(processes?: number, options: PoolOptions = {}) {
    this.#processes = processes === undefined || processes === null ? cpuCount() : checkPositiveInt(processes, 'processes');
    if (options.maxTasksPerChild !== undefined && options.maxTasksPerChild !== null) this.#maxTasksPerChild = checkPositiveInt(options.maxTasksPerChild, 'maxTasksPerChild');
    if (options.initargs !== undefined && !Array.isArray(options.initargs)) throw new TypeError(`Expected "initargs" to be an array, got ${typeof options.initargs}`);
    this.#backend = (this.constructor as typeof BasePool).backendKind;
    const initargs = encodeHandles(options.initargs ?? [], this.#backend);
    const me = currentProcess();
    this.#start = {
      t: 'start',
      mode: 'pool',
      module: workerUrl,
      parent: { name: me.name, pid: me.pid },
      initializer: options.initializer === undefined ? null : describeTarget(options.initializer),
      initargs: initargs.value,
      hasHandles: initargs.hasHandles,
    };
    this.#prefix = `PoolWorker-${++poolCounter}`;
    for (let i = 0; i < this.#processes; i++) this.#spawn();
    this.#updateRef();
  }

  /** Number of worker processes or threads. */
  get processes(): number {
    return this.#processes;
  }

  /** Counters and run/wait time summaries (ms), as piscina offers. */
  get stats(): PoolStats {
    let running = 0;
    for (const slot of this.#slots) running += slot.inflight.size;
    return this.#stats.snapshot(this.#queue.length - this.#queueHead, running);
  }

  // ---- submitting -------------------------------------------------------------------------------

  /**
   * Run `fn(...args)` in a worker and wait for its result.
   * Python: Pool.apply
   */
  apply<T extends Target>(fn: T, ...[args]: OptionalArgs<T>): Promise<TargetResult<T>> {
    return this.#submit(APPLY, fn, args ?? [], undefined) as Promise<TargetResult<T>>;
  }

  /**
   * Submit `fn(...args)` and return at once; the AsyncResult settles when it has run.
   * Python: Pool.apply_async
   */
  applyAsync<T extends Target>(fn: T, args?: ArgsOf<T>, options: ApplyOptions<TargetResult<T>> = {}): AsyncResult<TargetResult<T>> {
    const promise = this.#submit(APPLY, fn, args ?? [], options) as Promise<TargetResult<T>>;
    return this.#withCallbacks(promise, options.callback, options.errorCallback);
  }

  /**
   * Apply `fn` to every item, in chunks, and return the results in order.
   * `chunksize` defaults to Python's choice: about four chunks per worker.
   * Python: Pool.map
   */
  map<T extends Target>(fn: T, items: Iterable<ItemOf<T>>, chunksize?: number): Promise<TargetResult<T>[]> {
    return this.#mapChunks(MAP, fn, items, chunksize, undefined) as Promise<TargetResult<T>[]>;
  }

  /** Like {@link map}, returning an AsyncResult. Python: Pool.map_async */
  mapAsync<T extends Target>(fn: T, items: Iterable<ItemOf<T>>, options: MapOptions<TargetResult<T>[]> = {}): AsyncResult<TargetResult<T>[]> {
    const promise = this.#mapChunks(MAP, fn, items, options.chunksize, options.signal) as Promise<TargetResult<T>[]>;
    return this.#withCallbacks(promise, options.callback, options.errorCallback);
  }

  /** Like {@link map}, but each item is an argument list: `fn(...item)`. Python: Pool.starmap */
  starmap<T extends Target>(fn: T, items: Iterable<ArgsOf<T>>, chunksize?: number): Promise<TargetResult<T>[]> {
    return this.#mapChunks(STARMAP, fn, items, chunksize, undefined) as Promise<TargetResult<T>[]>;
  }

  /** Like {@link starmap}, returning an AsyncResult. Python: Pool.starmap_async */
  starmapAsync<T extends Target>(fn: T, items: Iterable<ArgsOf<T>>, options: MapOptions<TargetResult<T>[]> = {}): AsyncResult<TargetResult<T>[]> {
    const promise = this.#mapChunks(STARMAP, fn, items, options.chunksize, options.signal) as Promise<TargetResult<T>[]>;
    return this.#withCallbacks(promise, options.callback, options.errorCallback);
  }

  /**
   * Results of `fn(item)` in order, as they are ready. Reads `items` (sync or async, even endless)
   * only a bounded distance ahead of what has been consumed.
   * Python: Pool.imap
   */
  imap<T extends Target>(fn: T, items: Iterable<ItemOf<T>> | AsyncIterable<ItemOf<T>>, chunksize = 1): AsyncIterableIterator<TargetResult<T>> {
    return this.#imap(fn, items, chunksize, true) as AsyncIterableIterator<TargetResult<T>>;
  }

  /** Like {@link imap}, in the order tasks finish. Python: Pool.imap_unordered */
  imapUnordered<T extends Target>(fn: T, items: Iterable<ItemOf<T>> | AsyncIterable<ItemOf<T>>, chunksize = 1): AsyncIterableIterator<TargetResult<T>> {
    return this.#imap(fn, items, chunksize, false) as AsyncIterableIterator<TargetResult<T>>;
  }

  #withCallbacks<R>(promise: Promise<R>, callback?: (r: R) => void, errorCallback?: (e: Error) => void): AsyncResult<R> {
    if (callback !== undefined || errorCallback !== undefined) {
      promise.then(
        (value) => callback?.(value),
        (err: unknown) => errorCallback?.(err as Error),
      );
    }
    return new AsyncResult(promise);
  }

  #assertRunning(): void {
    if (this.#state !== 'RUN') {
      throw new ValueError(
        `Pool not running: ${this.#state === 'CLOSE' ? 'close()' : 'terminate()'} was called; create a new Pool to submit more work`,
        { code: 'ERR_MP_POOL_NOT_RUNNING' },
      );
    }
    if (this.#brokenBy !== undefined) throw this.#brokenBy;
  }

  #submit(kind: TaskKind, fn: Target, args: unknown, options: { timeout?: number; signal?: AbortSignal } | undefined, spec = describeTarget(fn)): Promise<unknown> {
    this.#assertRunning();
    if (kind === APPLY && !Array.isArray(args)) return Promise.reject(new TypeError(`Expected "args" to be an array, got ${typeof args}`));
    const timeout = options?.timeout;
    if (timeout !== undefined && (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0)) {
      return Promise.reject(new TypeError(`Expected "timeout" to be a non-negative number of milliseconds, got ${String(timeout)}`));
    }
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const encoded = encodeHandles(args, this.#backend);
    return new Promise((resolve, reject) => {
      const task: Task = {
        id: this.#nextId++,
        kind,
        key: taskKey(spec),
        spec,
        args: encoded.value,
        hasHandles: encoded.hasHandles,
        submitted: performance.now(),
        timeout,
        signal,
        resolve,
        reject,
        worker: undefined,
        timer: undefined,
        onAbort: undefined,
      };
      if (signal !== undefined) {
        task.onAbort = () => this.#abort(task, signal.reason);
        signal.addEventListener('abort', task.onAbort, { once: true });
      }
      this.#queue.push(task);
      this.#updateRef();
      this.#schedule();
    });
  }

  #mapChunks(kind: TaskKind, fn: Target, items: Iterable<unknown>, chunksize: number | undefined, signal: AbortSignal | undefined): Promise<unknown[]> {
    try {
      this.#assertRunning();
      if (items === null || items === undefined || typeof (items as Iterable<unknown>)[Symbol.iterator] !== 'function') {
        throw new TypeError(`Expected "items" to be iterable, got ${items === null ? 'null' : typeof items}`);
      }
      const list = Array.isArray(items) ? items : [...items];
      let size: number;
      if (chunksize === undefined || chunksize === null) {
        // Python's default: about four chunks per worker.
        size = Math.ceil(list.length / (this.#processes * 4)) || 1;
      } else {
        size = checkPositiveInt(chunksize, 'chunksize');
      }
      const spec = describeTarget(fn);
      const chunks: Promise<unknown>[] = [];
      for (let i = 0; i < list.length; i += size) {
        chunks.push(this.#submit(kind, fn, size >= list.length && i === 0 ? list : list.slice(i, i + size), signal === undefined ? undefined : { signal }, spec));
      }
      return Promise.all(chunks).then((parts) => (parts.length === 1 ? (parts[0] as unknown[]) : concat(parts as unknown[][])));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async *#imap(fn: Target, items: Iterable<unknown> | AsyncIterable<unknown>, chunksize: number, ordered: boolean): AsyncGenerator<unknown> {
    this.#assertRunning();
    const size = checkPositiveInt(chunksize, 'chunksize');
    const spec = describeTarget(fn);
    const source = Symbol.asyncIterator in items ? (items as AsyncIterable<unknown>)[Symbol.asyncIterator]() : (items as Iterable<unknown>)[Symbol.iterator]();
    // Enough chunks in flight to keep every worker busy, and no more: an endless source is fine.
    const ahead = this.#processes * 2;
    const pending = new Map<number, Promise<{ seq: number; value: unknown[] }>>();
    let seq = 0;
    let next = 0;
    let done = false;
    const fill = async (): Promise<void> => {
      while (!done && pending.size < ahead) {
        const chunk: unknown[] = [];
        while (chunk.length < size) {
          const step = await source.next();
          if (step.done === true) {
            done = true;
            break;
          }
          chunk.push(step.value);
        }
        if (chunk.length === 0) break;
        const n = seq++;
        const promise = this.#submit(MAP, fn, chunk, undefined, spec).then((value) => ({ seq: n, value: value as unknown[] }));
        promise.catch(() => undefined);
        pending.set(n, promise);
      }
    };
    try {
      await fill();
      while (pending.size > 0) {
        let result: { seq: number; value: unknown[] };
        if (ordered) {
          result = await (pending.get(next) as Promise<{ seq: number; value: unknown[] }>);
          next++;
        } else {
          result = await Promise.race(pending.values());
        }
        pending.delete(result.seq);
        await fill();
        yield* result.value;
      }
    } finally {
      if (!done) await (source as AsyncIterator<unknown> | Iterator<unknown>).return?.();
    }
  }

  // ---- scheduling -------------------------------------------------------------------------------

  #window(slot: Slot): number {
    if (slot.exclusive) return 0;
    // Aim at a few ms of work per worker in flight; one task at a time until tasks are measured.
    const mean = this.#meanRunMs;
    let window = Number.isNaN(mean) ? 1 : Math.max(1, Math.min(512, Math.floor(2 / Math.max(mean, 0.001))));
    if (this.#maxTasksPerChild !== undefined) window = Math.min(window, this.#maxTasksPerChild - slot.dispatched);
    return window;
  }

  #schedule(): void {
    const queue = this.#queue;
    for (const slot of this.#slots) {
      if (this.#queueHead >= queue.length) break;
      if (slot.retiring || slot.stopping !== 'none') continue;
      const window = this.#window(slot);
      // A chunk of map() keeps the next one queued at its worker (as Python's workers find the
      // next chunk waiting in their pipe): no round trip between chunks.
      const chunkWindow = window > 0 && this.#maxTasksPerChild === undefined ? Math.max(window, 2) : window;
      while (this.#queueHead < queue.length) {
        const task = queue[this.#queueHead] as Task;
        if (slot.inflight.size >= (task.kind === APPLY ? window : chunkWindow)) break;
        const needsAlone = task.timeout !== undefined || task.signal !== undefined;
        if (needsAlone && slot.inflight.size > 0) break;
        queue[this.#queueHead++] = undefined as unknown as Task;
        this.#dispatch(slot, task);
        if (needsAlone) {
          slot.exclusive = true;
          break;
        }
      }
    }
    if (this.#queueHead >= queue.length && this.#queueHead > 0) {
      this.#queue = [];
      this.#queueHead = 0;
    } else if (this.#queueHead > 1024 && this.#queueHead * 2 > queue.length) {
      this.#queue = queue.slice(this.#queueHead);
      this.#queueHead = 0;
    }
    if (this.#state === 'CLOSE') this.#retireIdle();
  }

  #dispatch(slot: Slot, task: Task): void {
    task.worker = slot;
    slot.inflight.set(task.id, task);
    slot.dispatched++;
    const firstTime = !slot.known.has(task.key);
    if (firstTime) slot.known.add(task.key);
    slot.batch.push([task.id, task.kind, task.key, firstTime ? task.spec : 0, task.args, task.hasHandles]);
    this.#stats.waited(performance.now() - task.submitted);
    if (task.timeout !== undefined) {
      task.timer = setTimeout(() => this.#expire(task), task.timeout);
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    for (const slot of this.#slots) {
      if (slot.batch.length === 0) continue;
      const batch = slot.batch;
      slot.batch = [];
      try {
        slot.child.send({ t: 'tasks', b: batch });
      } catch (err) {
        // Arguments that cannot be cloned fail their own tasks, and only those.
        this.#sendOneByOne(slot, batch, err);
      }
    }
  }

  #sendOneByOne(slot: Slot, batch: TaskTuple[], _firstError: unknown): void {
    for (const tuple of batch) {
      try {
        slot.child.send({ t: 'tasks', b: [tuple] });
      } catch (err) {
        const task = slot.inflight.get(tuple[0]);
        if (task === undefined) continue;
        // The next task of this target must carry the source again if this one did.
        if (tuple[3] !== 0) slot.known.delete(tuple[2]);
        this.#settle(task, err, false);
      }
    }
    // The failed tasks freed room on this worker.
    this.#schedule();
    this.#updateRef();
  }

  #onResults(slot: Slot, results: ResultTuple[]): void {
    for (const [id, ok, value, ms] of results) {
      const task = slot.inflight.get(id);
      if (task === undefined) continue;
      this.#meanRunMs = Number.isNaN(this.#meanRunMs) ? ms : this.#meanRunMs * 0.9 + ms * 0.1;
      this.#stats.ran(ms);
      if (ok === 1) this.#settle(task, value, true);
      else this.#settle(task, decodeError(value), false);
    }
    if (this.#maxTasksPerChild !== undefined && slot.dispatched >= this.#maxTasksPerChild && slot.inflight.size === 0) {
      this.#retire(slot);
    }
    this.#schedule();
    this.#updateRef();
  }

  #settle(task: Task, value: unknown, ok: boolean): void {
    const slot = task.worker;
    if (slot !== undefined) {
      slot.inflight.delete(task.id);
      if (slot.exclusive && slot.inflight.size === 0) slot.exclusive = false;
    }
    if (task.timer !== undefined) clearTimeout(task.timer);
    if (task.onAbort !== undefined) task.signal?.removeEventListener('abort', task.onAbort);
    task.worker = undefined;
    if (ok) {
      this.#stats.completed++;
      task.resolve(value);
    } else {
      this.#stats.failed++;
      task.reject(value);
    }
  }

  #abort(task: Task, reason: unknown): void {
    if (task.worker === undefined) {
      // Still queued: drop it.
      const index = this.#queue.indexOf(task, this.#queueHead);
      if (index < 0) return;
      this.#queue.splice(index, 1);
      this.#settle(task, reason, false);
      this.#updateRef();
      return;
    }
    this.#stopRunning(task, reason);
  }

  #expire(task: Task): void {
    task.timer = undefined;
    this.#stopRunning(task, new TimeoutError(`The task ran longer than its timeout of ${task.timeout} ms and was stopped`, { code: 'ERR_MP_TASK_TIMEOUT' }));
  }

  // A running task cannot be interrupted from outside: its worker is replaced.
  #stopRunning(task: Task, reason: unknown): void {
    const slot = task.worker;
    if (slot === undefined) return;
    this.#settle(task, reason, false);
    slot.stopping = 'kill';
    slot.child.kill();
  }

  // ---- workers ----------------------------------------------------------------------------------

  #spawn(): Slot {
    const identity = nextIdentity();
    const name = `${this.#prefix}-${++this.#workerCounter}`;
    const child = getBackend(this.#backend).launch({ name });
    let markExited!: () => void;
    const slot: Slot = {
      name,
      child,
      inflight: new Map(),
      known: new Set(),
      batch: [],
      dispatched: 0,
      exclusive: false,
      retiring: false,
      exited: new Promise<void>((resolve) => (markExited = resolve)),
      stopping: 'none',
    };
    this.#slots.add(slot);
    child.onMessage((message) => {
      const msg = message as WorkerToPool;
      if (msg.t === 'results') this.#onResults(slot, msg.r);
      else if (msg.t === 'init-error') this.#broken(decodeError(msg.error));
    });
    child.onExit((exitcode) => {
      this.#slots.delete(slot);
      this.#onWorkerExit(slot, exitcode);
      markExited();
    });
    if (!this.#referenced) child.unref();
    child.send({ ...this.#start, name, identity } satisfies PoolStartMessage);
    return slot;
  }

  #onWorkerExit(slot: Slot, exitcode: number): void {
    let lost = [...slot.inflight.values()];
    // A worker that ended itself (process.exit, an uncaught error) sent the results of the tasks
    // before the one it was running; tasks after that one never started and run elsewhere. After
    // a signal nothing is known, and every task it held is lost.
    if (exitcode >= 0 && lost.length > 1 && this.#state !== 'TERMINATE') {
      const unstarted = lost.slice(1);
      lost = lost.slice(0, 1);
      for (const task of unstarted) {
        slot.inflight.delete(task.id);
        if (task.timer !== undefined) clearTimeout(task.timer);
        task.timer = undefined;
        task.worker = undefined;
      }
      this.#queue.splice(this.#queueHead, 0, ...unstarted);
    }
    if (lost.length > 0) {
      const how = exitcode < 0 ? `was killed by signal ${signalName(-exitcode)}` : `exited with code ${exitcode}`;
      for (const task of lost) {
        const error =
          this.#state === 'TERMINATE'
            ? terminatedError()
            : new WorkerLostError(`Worker ${slot.name} ${how} while running this task; a new worker has taken its place`, exitcode >= 0 ? exitcode : null, exitcode < 0 ? signalName(-exitcode) : null, {
                code: 'ERR_MP_WORKER_LOST',
              });
        this.#settle(task, error, false);
      }
    }
    const work = this.#queue.length > this.#queueHead;
    if (this.#brokenBy === undefined && (this.#state === 'RUN' || (this.#state === 'CLOSE' && work))) {
      this.#spawn();
      this.#updateRef();
    }
    this.#schedule();
  }

  #retire(slot: Slot): void {
    if (slot.retiring) return;
    slot.retiring = true;
    slot.stopping = 'graceful';
    slot.child.send({ t: 'exit' });
  }

  #retireIdle(): void {
    if (this.#queueHead < this.#queue.length) return;
    for (const slot of this.#slots) if (slot.inflight.size === 0 && slot.batch.length === 0) this.#retire(slot);
  }

  // An initializer that fails would fail in every replacement too (Python restarts it forever).
  #broken(cause: Error): void {
    if (this.#brokenBy !== undefined) return;
    this.#brokenBy = new ValueError(`Pool broken: the initializer failed in a worker (${cause.name}: ${cause.message}); fix the initializer and create a new Pool`, {
      code: 'ERR_MP_POOL_BROKEN',
      cause,
    });
    const queued = this.#queue.slice(this.#queueHead);
    this.#queue = [];
    this.#queueHead = 0;
    for (const task of queued) this.#settle(task, this.#brokenBy, false);
    for (const slot of this.#slots) for (const task of [...slot.inflight.values()]) this.#settle(task, this.#brokenBy, false);
    this.#state = 'TERMINATE';
    for (const slot of this.#slots) slot.child.kill();
    this.#updateRef();
  }

  // Workers keep the program alive only while there is work, or someone waits in join(). Going
  // idle is confirmed a turn later, so that a loop of `await pool.apply()` does not toggle handles.
  #updateRef(): void {
    const busy = this.#isBusy();
    if (busy && !this.#referenced) {
      this.#referenced = true;
      for (const slot of this.#slots) slot.child.ref();
    } else if (!busy && this.#referenced && !this.#unrefScheduled) {
      this.#unrefScheduled = true;
      setImmediate(() => {
        this.#unrefScheduled = false;
        if (this.#referenced && !this.#isBusy()) {
          this.#referenced = false;
          for (const slot of this.#slots) slot.child.unref();
        }
      });
    }
  }

  #isBusy(): boolean {
    if (this.#queue.length > this.#queueHead || this.#joined !== undefined) return true;
    for (const slot of this.#slots) if (slot.inflight.size > 0) return true;
    return false;
  }

  // ---- lifetime ---------------------------------------------------------------------------------

  /**
   * Accept no more tasks; the workers exit once the queued and running tasks are done.
   * Python: Pool.close
   */
  close(): void {
    if (this.#state !== 'RUN') return;
    this.#state = 'CLOSE';
    this.#schedule();
  }

  /**
   * Stop the workers now; queued and running tasks reject.
   * Python: Pool.terminate
   */
  async terminate(): Promise<void> {
    if (this.#state !== 'TERMINATE') {
      this.#state = 'TERMINATE';
      const queued = this.#queue.slice(this.#queueHead);
      this.#queue = [];
      this.#queueHead = 0;
      for (const task of queued) this.#settle(task, terminatedError(), false);
      for (const slot of this.#slots) {
        slot.stopping = 'kill';
        slot.child.kill();
      }
    }
    await this.#waitForWorkers();
  }

  /**
   * Wait for the workers to exit, after `close()` or `terminate()`.
   * @throws {ValueError} while the pool is still running
   * Python: Pool.join
   */
  async join(): Promise<void> {
    if (this.#state === 'RUN') throw new ValueError('Pool is still running: call close() or terminate() before join()', { code: 'ERR_MP_POOL_RUNNING' });
    await this.#waitForWorkers();
  }

  async #waitForWorkers(): Promise<void> {
    if (this.#joined === undefined) {
      this.#joined = (async () => {
        while (this.#slots.size > 0) await Promise.all([...this.#slots].map((slot) => slot.exited));
      })();
      this.#updateRef();
    }
    await this.#joined;
  }

  /** `await using pool = new Pool()`: terminate when the scope ends, as Python's `with Pool()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.terminate();
  }
}

/** Pool of worker processes. Python: multiprocessing.Pool */
export class Pool extends BasePool {
  static override readonly backendKind: BackendKind = 'process';
}

/** Pool of worker threads. Python: multiprocessing.pool.ThreadPool / multiprocessing.dummy.Pool */
export class ThreadPool extends BasePool {
  static override readonly backendKind: BackendKind = 'thread';
}

// The chunks' results in one array. Not Array.prototype.flat, which is slow on large arrays
// (generic, element by element: about 13 µs per 1,000 elements, more than running them);
// concat copies whole backing stores.
function concat(parts: unknown[][]): unknown[] {
  return parts.length === 0 ? [] : parts[0]!.concat(...parts.slice(1));
}

function terminatedError(): ValueError {
  return new ValueError('Pool terminated before the task finished: terminate() stops all work', { code: 'ERR_MP_POOL_TERMINATED' });
}
