// The submitting side of the distributed pool: Python's Pool API over a BullMQ queue in Redis.
//
// Every task (or map chunk) is one BullMQ job. Job ids are made here, before the job is added,
// so that a completion can never arrive for an id this side does not know yet; a caller-given
// `key` makes them deterministic, which is how a restarted submitter finds its finished results.
// Results come back on the pool's reply channel (Redis pub/sub, subscribed before the first job is
// added), where the worker publishes each outcome; a periodic sweep reads the job itself for any
// result whose reply was missed (pub/sub keeps nothing for a submitter that was away, and a job
// that failed for good after its worker vanished gets no reply). Only a keyed task's result stays
// in Redis once finished: no other submitter can ask for an unkeyed one, so its job is removed as
// it finishes (its reply already sent), and the sweep adds it again, once, should the reply be
// missed; its second result stays.

import { randomUUID } from 'node:crypto';
import type { Queue as BullQueue, Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { isModuleTarget, type ModuleTarget, type TargetArgs, type TargetResult } from '../codec/targets.js';
import { PicklingError, ValueError, WorkerLostError } from '../errors.js';
import { positiveInt } from '../arguments.js';
import type { AsyncResult } from '../pool/async-result.js';
import {
  APPLY,
  MAP,
  STARMAP,
  chunkSize,
  imapChunks,
  itemList,
  mapInChunks,
  notRunningError,
  stillRunningError,
  terminatedError,
  withCallbacks,
  type ItemOf,
  type OptionalArgs,
  type PoolState,
  type ResultCallbacks,
  type TaskKind,
} from '../pool/core.js';
import { bullmq, connect, resolveTarget, unreachable, type RedisTarget, type ResolvedTarget } from './connection.js';
import { channelRefused, decodeOutcome, decodeReply, encodeArgs, isWireOutcome, replyChannel, type JobData } from './wire.js';

/** Options of the distributed {@link Pool}. Python: `Pool(processes, …)`; these are the distributed tier's own */
export interface PoolOptions extends RedisTarget {
  /**
   * How many times a task may be started when the local worker process running it dies
   * (a crash inside the task). A whole `mpts worker` that dies is covered separately, by its
   * lease: see `maxStalledCount` of {@link serve}. Default 3.
   * No Python twin.
   */
  attempts?: number;
  /**
   * Milliseconds the results of keyed tasks (see {@link ApplyOptions.key}) stay in Redis for a
   * restarted submitter, as do failed tasks, and results whose reply may not arrive (over 1 MiB, a
   * worker not allowed the reply channel, a task run again after a missed reply). An unkeyed
   * task's result leaves Redis as its reply goes out. Default one hour. No Python twin.
   */
  keepResults?: number;
  /**
   * Milliseconds between checks of the jobs themselves, for results whose reply was missed (the
   * submitter's connection was down: an unkeyed task then runs once more) or never came (a task given
   * up after its workers died, a Redis user not allowed the reply channel). Default 5000.
   * No Python twin.
   */
  sweepInterval?: number;
}

/** Options of {@link Pool.applyAsync}. Python: the keyword arguments of `Pool.apply_async` */
export interface ApplyOptions<R> extends ResultCallbacks<R> {
  /**
   * A name for this task, unique within the pool's `name`. A task submitted again with the same
   * key is not run again: its result (finished or to come) is returned. This is how a submitter
   * that restarted finds what it had submitted. No ':' allowed.
   * No Python twin.
   */
  key?: string;
}

/** Options of {@link Pool.map}, {@link Pool.mapAsync} and their starmap twins. Python: the keyword arguments of `Pool.map_async` */
export interface MapOptions<R> extends ResultCallbacks<R> {
  /** Items per job. Default: about 256 jobs in all, and at least one item each. Python: `chunksize` */
  chunksize?: number;
  /**
   * A name for this map, as {@link ApplyOptions.key}: chunk `i` becomes task `${key}-${i}`, so the
   * same key with the same items and chunksize finds the finished chunks instead of redoing them.
   * No Python twin.
   */
  key?: string;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  added: boolean;
  keyed: boolean;
  since: number;
  // An unkeyed task, which its job leaves Redis with its result: what to add again if the reply is missed.
  data: JobData | undefined;
  // Added again after a missed reply: its result stays in Redis this time.
  again: boolean;
}

interface Outgoing {
  id: string;
  data: JobData;
}

// Default chunks per map: enough to spread over many workers, few enough that per-job Redis
// traffic is small next to the work.
const DEFAULT_CHUNKS = 256;
// Chunks of an imap in flight: remote workers are not counted here.
const IMAP_AHEAD = 64;
const ADD_BATCH = 1000;
const SWEEP_BATCH = 500;
// A keyed job found unfinished when added may have published its reply just before: it is looked
// at again after this many ms, then twice as long each time, until the sweep's interval.
const RECHECK_MS = 25;

/**
 * A pool whose workers are `mpts worker` processes on any number of machines, sharing tasks
 * through Redis (BullMQ). Same methods as the local Pool; targets must be module exports, which
 * each worker loads from its own disk.
 *
 * Delivery is at least once: a task whose worker dies runs again elsewhere, so tasks should be
 * idempotent.
 *
 * Python: multiprocessing.pool.Pool, with its workers on other machines
 * @example
 * const tasks = moduleTargets<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));
 * await using pool = new Pool({ redis: 'redis://127.0.0.1:6379', name: 'scan' });
 * const open = await pool.map(tasks.scanPort, ports);
 */
export class Pool {
  readonly #target: ResolvedTarget;
  readonly #attempts: number;
  readonly #keepSeconds: number;
  readonly #client: Redis;
  readonly #queue: BullQueue;
  readonly #pending = new Map<string, Pending>();
  readonly #ready: Promise<void>;
  readonly #idPrefix = randomUUID();
  readonly #replies: Redis;
  // Whether the reply channel is subscribed: else every result stays in Redis for the sweep.
  #hearsReplies = false;
  #outbox: Outgoing[] = [];
  #flushScheduled = false;
  #nextId = 1;
  #state: PoolState = 'RUN';
  #sweeping = false;
  #sweepTimer: NodeJS.Timeout | undefined;
  #sweepMs: number;
  #closed: Promise<void> | undefined;
  #drainWaiters: (() => void)[] = [];

  /** Connect to Redis and open the named task queue; workers (`mpts worker`) run the tasks. Python: `Pool(processes)`, with workers on other machines */
  constructor(options: PoolOptions) {
    this.#target = resolveTarget(options, 'Pool');
    this.#attempts = options.attempts === undefined ? 3 : positiveInt(options.attempts, 'attempts');
    this.#keepSeconds = Math.ceil((options.keepResults === undefined ? 3_600_000 : positiveInt(options.keepResults, 'keepResults')) / 1000);
    this.#sweepMs = options.sweepInterval === undefined ? 5000 : positiveInt(options.sweepInterval, 'sweepInterval');
    this.#client = connect(this.#target.url);
    this.#queue = new bullmq.Queue(this.#target.name, { connection: this.#client, prefix: this.#target.prefix });
    this.#queue.on('error', () => undefined); // failures reach the callers through rejected adds
    this.#replies = connect(this.#target.url);
    this.#ready = this.#listen();
    this.#ready.catch(() => undefined);
  }

  /** The pool's name in Redis: the `--name` its workers serve. No Python twin. */
  get name(): string {
    return this.#target.name;
  }

  /** Tasks submitted here whose result has not arrived yet. No Python twin. */
  get pending(): number {
    return this.#pending.size;
  }

  // Subscribe to the pool's replies before any job of ours exists. ioredis subscribes again after a
  // reconnection; the sweep covers what was published meanwhile.
  async #listen(): Promise<void> {
    const { name, prefix } = this.#target;
    const channel = replyChannel(prefix, name, this.#replies.options.db ?? 0);
    this.#replies.on('message', (_channel: string, text: string) => {
      const reply = decodeReply(text);
      if (reply === undefined) return;
      if ('outcome' in reply) this.#completed(reply.id, reply.outcome);
      else this.#failed(reply.id, reply.failed);
    });
    try {
      await this.#replies.subscribe(channel);
      this.#hearsReplies = true;
    } catch (err) {
      // A Redis user without access to the channel (ACL) still gets its results, from the sweep.
      const refused = channelRefused(err, channel);
      if (refused === undefined) throw err;
      this.#replies.disconnect();
      process.emitWarning(`Pool "${name}" gets its results only from its sweep, every ${this.#sweepMs} ms: ${refused}`, { code: 'ERR_MP_REDIS_NO_REPLIES' });
    }
  }

  // ---- submitting -------------------------------------------------------------------------------

  /**
   * Run `fn(...args)` on a worker and wait for its result.
   * Python: Pool.apply
   */
  apply<T extends ModuleTarget>(fn: T, ...[args]: OptionalArgs<T>): Promise<TargetResult<T>> {
    return this.#submitOne(fn, APPLY, args ?? [], undefined) as Promise<TargetResult<T>>;
  }

  /**
   * Submit `fn(...args)` and return at once; the AsyncResult settles when it has run.
   * Python: Pool.apply_async
   */
  applyAsync<T extends ModuleTarget>(fn: T, args?: TargetArgs<T>, options: ApplyOptions<TargetResult<T>> = {}): AsyncResult<TargetResult<T>> {
    return withCallbacks(this.#submitOne(fn, APPLY, args ?? [], options.key) as Promise<TargetResult<T>>, options);
  }

  /**
   * Apply `fn` to every item, in chunks (one job each), and return the results in order.
   * Python: Pool.map
   */
  map<T extends ModuleTarget>(fn: T, items: Iterable<ItemOf<T>>, chunksize?: number | MapOptions<TargetResult<T>[]>): Promise<TargetResult<T>[]> {
    return this.#mapChunks(MAP, fn, items, chunksize) as Promise<TargetResult<T>[]>;
  }

  /** Like {@link map}, returning an AsyncResult. Python: Pool.map_async */
  mapAsync<T extends ModuleTarget>(fn: T, items: Iterable<ItemOf<T>>, options: MapOptions<TargetResult<T>[]> = {}): AsyncResult<TargetResult<T>[]> {
    return withCallbacks(this.#mapChunks(MAP, fn, items, options) as Promise<TargetResult<T>[]>, options);
  }

  /** Like {@link map}, but each item is an argument list: `fn(...item)`. Python: Pool.starmap */
  starmap<T extends ModuleTarget>(fn: T, items: Iterable<TargetArgs<T>>, chunksize?: number | MapOptions<TargetResult<T>[]>): Promise<TargetResult<T>[]> {
    return this.#mapChunks(STARMAP, fn, items, chunksize) as Promise<TargetResult<T>[]>;
  }

  /** Like {@link starmap}, returning an AsyncResult. Python: Pool.starmap_async */
  starmapAsync<T extends ModuleTarget>(fn: T, items: Iterable<TargetArgs<T>>, options: MapOptions<TargetResult<T>[]> = {}): AsyncResult<TargetResult<T>[]> {
    return withCallbacks(this.#mapChunks(STARMAP, fn, items, options) as Promise<TargetResult<T>[]>, options);
  }

  /**
   * Results of `fn(item)` in order, as they are ready. Reads `items` (sync or async, even endless)
   * only a bounded number of chunks ahead of what has been consumed.
   * Python: Pool.imap
   */
  imap<T extends ModuleTarget>(fn: T, items: Iterable<ItemOf<T>> | AsyncIterable<ItemOf<T>>, chunksize = 1): AsyncIterableIterator<TargetResult<T>> {
    return this.#imap(fn, items, chunksize, true) as AsyncIterableIterator<TargetResult<T>>;
  }

  /** Like {@link imap}, in the order tasks finish. Python: Pool.imap_unordered */
  imapUnordered<T extends ModuleTarget>(fn: T, items: Iterable<ItemOf<T>> | AsyncIterable<ItemOf<T>>, chunksize = 1): AsyncIterableIterator<TargetResult<T>> {
    return this.#imap(fn, items, chunksize, false) as AsyncIterableIterator<TargetResult<T>>;
  }

  #check(fn: unknown): ModuleTarget {
    if (this.#state !== 'RUN') throw notRunningError(this.#state);
    if (!isModuleTarget(fn)) {
      throw new PicklingError(
        `A distributed pool runs only module exports, which each worker loads from its own disk; got ${typeof fn === 'function' ? `function "${fn.name || '<anonymous>'}"` : typeof fn}. ` +
          'Export the function from a module and pass fromModule(url, name) or moduleTargets(url).name',
        { code: 'ERR_MP_REMOTE_TARGET' },
      );
    }
    return fn;
  }

  #submitOne(fn: unknown, kind: TaskKind, args: unknown, key: string | undefined): Promise<unknown> {
    try {
      const target = this.#check(fn);
      if (!Array.isArray(args)) throw new TypeError(`Expected "args" to be an array, got ${typeof args}`);
      if (key !== undefined) checkKey(key);
      return this.#enqueue(key ?? this.#freshId(), jobData(target, kind, args, 'the arguments of a task'), key !== undefined);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #mapChunks(kind: TaskKind, fn: unknown, items: Iterable<unknown>, options: number | Pick<MapOptions<unknown>, 'chunksize' | 'key'> | undefined): Promise<unknown[]> {
    try {
      const { chunksize, key } = typeof options === 'object' && options !== null ? options : { chunksize: options, key: undefined };
      const target = this.#check(fn);
      const list = itemList(items);
      if (key !== undefined) checkKey(key);
      const size = chunkSize(list.length, chunksize, DEFAULT_CHUNKS);
      return mapInChunks(list, size, (chunk, n) =>
        this.#enqueue(key === undefined ? this.#freshId() : `${key}-${n}`, jobData(target, kind, chunk, 'the items of a map'), key !== undefined),
      );
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async *#imap(fn: unknown, items: Iterable<unknown> | AsyncIterable<unknown>, chunksize: number, ordered: boolean): AsyncGenerator<unknown> {
    const target = this.#check(fn);
    const size = positiveInt(chunksize, 'chunksize');
    yield* imapChunks(items, size, IMAP_AHEAD, (chunk) => this.#enqueue(this.#freshId(), jobData(target, MAP, chunk, 'the items of a map'), false), ordered);
  }

  #freshId(): string {
    return `${this.#idPrefix}.${this.#nextId++}`;
  }

  #enqueue(id: string, data: JobData, keyed: boolean): Promise<unknown> {
    const existing = this.#pending.get(id);
    if (existing !== undefined) {
      // The same key twice from one submitter: both wait for the one job.
      return new Promise((resolve, reject) => {
        const { resolve: r0, reject: j0 } = existing;
        existing.resolve = (v) => (r0(v), resolve(v));
        existing.reject = (e) => (j0(e), reject(e));
      });
    }
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, added: false, keyed, since: performance.now(), data: undefined, again: false });
      this.#send(id, data);
    });
  }

  #send(id: string, data: JobData): void {
    this.#outbox.push({ id, data });
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => void this.#flush());
    }
  }

  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    // Not what was settled meanwhile (terminate(), or a reply heard while it waited to be added again).
    const batch = this.#outbox.filter(({ id }) => this.#pending.has(id));
    this.#outbox = [];
    const kept = { attempts: this.#attempts, removeOnComplete: { age: this.#keepSeconds }, removeOnFail: { age: this.#keepSeconds } };
    const removed = { ...kept, removeOnComplete: true };
    try {
      await this.#ready;
      // Known once subscribed: without the reply channel, results are read from the jobs.
      const optsOf = (id: string, data: JobData): typeof kept | typeof removed => {
        const entry = this.#pending.get(id);
        if (entry === undefined || entry.keyed || entry.again || !this.#hearsReplies) return kept;
        entry.data = data;
        return removed;
      };
      for (let i = 0; i < batch.length; i += ADD_BATCH) {
        const part = batch.slice(i, i + ADD_BATCH);
        // One job (an apply): one script call, not addBulk's MULTI/EXEC transaction around it.
        if (part.length === 1) await this.#queue.add(part[0]!.data.e, part[0]!.data, { ...optsOf(part[0]!.id, part[0]!.data), jobId: part[0]!.id });
        else await this.#queue.addBulk(part.map(({ id, data }) => ({ name: data.e, data, opts: { ...optsOf(id, data), jobId: id } })));
        const keyed: string[] = [];
        for (const { id } of part) {
          const entry = this.#pending.get(id);
          if (entry === undefined) continue;
          entry.added = true;
          if (entry.keyed) keyed.push(id);
        }
        // A keyed job may have existed already, and finished long ago: no reply will come for it.
        if (keyed.length > 0) {
          await this.#lookup(keyed);
          this.#recheck(keyed, RECHECK_MS);
        }
      }
    } catch (err) {
      const error =
        unreachable(this.#client, this.#target.url, err) ??
        new ValueError(`Could not add tasks to Redis queue "${this.#target.name}": ${(err as Error).message}`, { code: 'ERR_MP_REDIS', cause: err });
      for (const { id } of batch) this.#settle(id, false, error);
    }
    this.#armSweep();
  }

  // ---- results ----------------------------------------------------------------------------------

  #completed(jobId: string, returnvalue: unknown): void {
    if (!this.#pending.has(jobId)) return;
    if (!isWireOutcome(returnvalue)) {
      this.#settle(jobId, false, new ValueError(`Task ${jobId} returned data this pool cannot read: is another program using the queue "${this.#target.name}"?`, { code: 'ERR_MP_REDIS' }));
      return;
    }
    let outcome: ReturnType<typeof decodeOutcome>;
    try {
      outcome = decodeOutcome(returnvalue);
    } catch (err) {
      this.#settle(jobId, false, err);
      return;
    }
    if (outcome.ok) this.#settle(jobId, true, outcome.value);
    else this.#settle(jobId, false, outcome.error);
  }

  #failed(jobId: string, reason: string): void {
    if (!this.#pending.has(jobId)) return;
    this.#settle(
      jobId,
      false,
      new WorkerLostError(`Task ${jobId} could not be completed by the workers of "${this.#target.name}": ${reason}`, null, null, { code: 'ERR_MP_WORKER_LOST' }),
    );
  }

  #settle(id: string, ok: boolean, value: unknown): void {
    const entry = this.#pending.get(id);
    if (entry === undefined) return;
    this.#pending.delete(id);
    if (ok) entry.resolve(value);
    else entry.reject(value);
    if (this.#pending.size === 0) {
      for (const wake of this.#drainWaiters.splice(0)) wake();
      if (this.#sweepTimer !== undefined) clearTimeout(this.#sweepTimer);
      this.#sweepTimer = undefined;
    }
  }

  // Read finished jobs straight from Redis.
  async #lookup(ids: string[]): Promise<void> {
    const jobs = await Promise.all(ids.map((id) => this.#queue.getJob(id) as Promise<Job | undefined>));
    const gone: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as string;
      const job = jobs[i];
      if (job === undefined || job === null) {
        const entry = this.#pending.get(id);
        if (entry?.added !== true) continue;
        if (entry.data !== undefined) gone.push(id);
        // Gone after it was added: removed from Redis by someone else, or expired (keepResults).
        else this.#settle(id, false, new ValueError(`Task ${id} is no longer in Redis: it was removed, or its result expired (see keepResults)`, { code: 'ERR_MP_REDIS' }));
        continue;
      }
      if (job.finishedOn === undefined || job.finishedOn === null) continue;
      if (isWireOutcome(job.returnvalue)) this.#completed(id, job.returnvalue);
      else this.#failed(id, job.failedReason ?? 'failed');
    }
    if (gone.length > 0) await this.#addAgainUnheard(gone);
  }

  // Unkeyed jobs gone from Redis: finished, and removed with their results, which their workers
  // published before removing them. A PING on the reply connection answers after every message
  // Redis put there before this look: a reply still unheard then was lost (the connection was
  // down), and its task runs again, its result kept this time.
  async #addAgainUnheard(ids: string[]): Promise<void> {
    try {
      await this.#replies.ping();
    } catch {
      return; // disconnected: terminated, or the next sweep looks again
    }
    for (const id of ids) {
      const entry = this.#pending.get(id);
      if (entry === undefined || entry.data === undefined || !entry.added || this.#state === 'TERMINATE') continue;
      const data = entry.data;
      entry.data = undefined;
      entry.again = true;
      entry.added = false;
      entry.since = performance.now();
      this.#send(id, data);
    }
  }

  #recheck(ids: string[], delay: number): void {
    const left = ids.filter((id) => this.#pending.has(id));
    if (left.length === 0 || delay >= this.#sweepMs || this.#state === 'TERMINATE') return;
    setTimeout(() => {
      this.#lookup(left).then(
        () => this.#recheck(left, delay * 2),
        () => undefined, // Redis unreachable for now: the sweep looks again
      );
    }, delay).unref();
  }

  #armSweep(): void {
    if (this.#sweepTimer !== undefined || this.#pending.size === 0 || this.#state === 'TERMINATE') return;
    this.#sweepTimer = setTimeout(() => void this.#sweep(), this.#sweepMs);
    this.#sweepTimer.unref();
  }

  async #sweep(): Promise<void> {
    this.#sweepTimer = undefined;
    if (this.#sweeping) return;
    this.#sweeping = true;
    try {
      const old = performance.now() - this.#sweepMs;
      const due: [string, Pending][] = [];
      for (const pair of this.#pending) {
        if (pair[1].added && pair[1].since < old) due.push(pair);
        if (due.length >= SWEEP_BATCH) break;
      }
      // To the back of the line: the next sweep looks at the others first.
      for (const [id, entry] of due) {
        this.#pending.delete(id);
        this.#pending.set(id, entry);
      }
      if (due.length > 0) await this.#lookup(due.map(([id]) => id));
    } catch {
      // Redis unreachable for now: try again at the next sweep.
    } finally {
      this.#sweeping = false;
      this.#armSweep();
    }
  }

  // ---- lifetime ---------------------------------------------------------------------------------

  /**
   * Accept no more tasks. Tasks already submitted still run, and their results still arrive.
   * Python: Pool.close
   */
  close(): void {
    if (this.#state === 'RUN') this.#state = 'CLOSE';
  }

  /**
   * Wait for every submitted task to finish, then disconnect from Redis (after `close()`).
   * @throws {ValueError} while the pool is still running
   * Python: Pool.join
   */
  async join(): Promise<void> {
    if (this.#state === 'RUN') throw stillRunningError();
    if (this.#pending.size > 0) await new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    await this.#disconnect();
  }

  /**
   * Stop waiting: pending tasks reject here, tasks not yet taken by a worker are removed from the
   * queue (except keyed ones, kept for a later submitter), and the pool disconnects. Tasks already
   * running on workers run to their end: they cannot be stopped from here.
   * Python: Pool.terminate
   */
  async terminate(): Promise<void> {
    if (this.#state !== 'TERMINATE') {
      this.#state = 'TERMINATE';
      if (this.#sweepTimer !== undefined) clearTimeout(this.#sweepTimer);
      this.#sweepTimer = undefined;
      const entries = [...this.#pending];
      const error = terminatedError('all waiting');
      for (const [id] of entries) this.#settle(id, false, error);
      // Remove what no worker has started; a started (locked) job cannot be removed, and is left.
      await Promise.all(entries.filter(([, entry]) => entry.added && !entry.keyed).map(([id]) => this.#queue.remove(id).catch(() => 0)));
    }
    await this.#disconnect();
  }

  #disconnect(): Promise<void> {
    this.#closed ??= (async () => {
      // Not waiting for #ready: ioredis leaves a command queued while it reconnects unsettled
      // when it is disconnected (redis/ioredis#2169), and the subscription may be that command.
      this.#replies.disconnect();
      await this.#queue.close().catch(() => undefined);
      await this.#client.quit().catch(() => this.#client.disconnect());
    })();
    return this.#closed;
  }

  /** `await using pool = new Pool({...})`: terminate when the scope ends, as Python's `with Pool()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.terminate();
  }
}

function checkKey(key: unknown): void {
  if (typeof key !== 'string' || key === '') throw new TypeError(`Expected "key" to be a non-empty string, got ${String(key)}`);
  // BullMQ refuses job ids with ':' and ids that read as integers.
  if (key.includes(':')) throw new ValueError(`"key" must not contain ':', got ${JSON.stringify(key)}`, { code: 'ERR_MP_BAD_VALUE' });
  if (/^\d+$/.test(key)) throw new ValueError(`"key" must not be a plain integer, got ${JSON.stringify(key)}`, { code: 'ERR_MP_BAD_VALUE' });
}

function jobData(target: ModuleTarget, kind: TaskKind, args: unknown[], what: string): JobData {
  return { u: target.url, e: target.exportName, k: kind, a: encodeArgs(args, what) };
}
