// The working side of the distributed pool: a BullMQ worker that takes jobs from Redis and runs
// each either here, in this process (as a bare BullMQ worker does), or in a local Pool of
// processes (isolated). What `mpts worker` runs.
//
// Two kinds of death, two mechanisms. An isolated task whose local pool process dies (a crash
// inside the task) makes the job fail here with WorkerLostError, and BullMQ retries it (the
// submitter's `attempts`). A whole worker that dies (kill -9, a lost machine, or a task run here
// that crashed it) stops renewing its lease on the job; after `lockDuration` the stalled-job check
// of any other worker puts the job back in the queue, up to `maxStalledCount` times. An error
// thrown by the task itself is its result: it goes back to the submitter and is not retried, as in
// a local Pool.

import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Worker as BullWorker, Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { loadTarget } from '../codec/target-loader.js';
import { fromModule, type AnyFunction, type ModuleTarget } from '../codec/targets.js';
import { WorkerLostError } from '../errors.js';
import { positiveInt } from '../arguments.js';
import { Pool as LocalPool, submitTask } from '../pool/pool.js';
import { runTask, type Call } from '../pool/task-runner.js';
import { cpuCount } from '../process/current.js';
import { bullmq, connect, resolveTarget, type RedisTarget, type ResolvedTarget } from './connection.js';
import { channelRefused, decodeArgs, encodeOutcome, encodeReply, replyChannel, type JobData, type Reply, type WireOutcome } from './wire.js';

/** Options of {@link serve}. */
export interface ServeOptions extends RedisTarget {
  /** Tasks run at once (the size of the local pool of processes, when isolated). Default: the number of CPUs. */
  concurrency?: number;
  /**
   * Run each task in a process of a local pool (true), or in this worker's own process (false), as
   * a bare BullMQ worker does: one hop less per task, but a task that crashes the process takes the
   * worker with it (its job then comes back after the lease, see `maxStalledCount`), and tasks
   * here share one thread, so `concurrency` above 1 overlaps only their waiting. Default: false
   * when `concurrency` is 1 (the worker process is the one process), true otherwise.
   */
  isolate?: boolean;
  /**
   * The module whose exports tasks name (path or URL, on this machine). Tasks then name only the
   * export, so submitters on other machines need not share a path with this one. Without it, a task
   * is loaded from the `file:` URL the submitter gave, which works only on a shared file system.
   * No Python twin.
   */
  module?: string | URL;
  /** Milliseconds a worker's lease on a task lasts without renewal (renewed every half). Default 30000. No Python twin. */
  lockDuration?: number;
  /** Milliseconds between checks for tasks whose worker's lease ran out. Default 30000. No Python twin. */
  stalledInterval?: number;
  /** Times a task may be taken back from a dead worker before it fails with WorkerLostError. Default 3. No Python twin. */
  maxStalledCount?: number;
  /** Called with errors of the worker itself (a lost Redis connection...). Default: print to stderr. No Python twin. */
  onError?: (error: Error) => void;
}

/**
 * A running worker of a distributed pool, as returned by {@link serve}.
 * Python: the worker processes of `multiprocessing.pool.Pool`, here on their own machines
 */
export class Worker {
  readonly #bull: BullWorker<JobData, WireOutcome>;
  readonly #replies: Redis;
  readonly #pool: LocalPool | undefined;
  readonly #target: ResolvedTarget;
  readonly #concurrency: number;
  #completed = 0;
  #closing: Promise<void> | undefined;

  /** @internal */
  constructor(bull: BullWorker<JobData, WireOutcome>, replies: Redis, pool: LocalPool | undefined, target: ResolvedTarget, concurrency: number) {
    this.#bull = bull;
    this.#replies = replies;
    this.#pool = pool;
    this.#target = target;
    this.#concurrency = concurrency;
    bull.on('completed', () => void this.#completed++);
  }

  /** The pool name this worker serves. No Python twin. */
  get name(): string {
    return this.#target.name;
  }

  /** Tasks run at once. Python: `Pool(processes)` of each machine */
  get concurrency(): number {
    return this.#concurrency;
  }

  /** Whether tasks run in a local pool of processes (true) or in this process (false): see `isolate` of {@link ServeOptions}. */
  get isolated(): boolean {
    return this.#pool !== undefined;
  }

  /** Tasks (jobs) this worker has finished, successfully or with the task's own error. */
  get completed(): number {
    return this.#completed;
  }

  /** Finish the running tasks, take no more, stop the local pool and disconnect. Python: `Pool.close` then `Pool.join` */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.#bull.close();
        this.#pool?.close();
        await this.#pool?.join();
      } finally {
        await this.#replies.quit().catch(() => this.#replies.disconnect());
      }
    })();
    return this.#closing;
  }

  /** Stop now: running tasks are abandoned, and other workers take them over once their lease runs out. */
  async terminate(): Promise<void> {
    try {
      await Promise.all([this.#bull.close(true), this.#pool?.terminate()]);
    } finally {
      this.#replies.disconnect();
    }
  }

  /** `await using worker = await serve({...})`: close when the scope ends. Python: `with Pool(…)` (which terminates; this closes) */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Serve a distributed pool: take its tasks from Redis and run them here, `concurrency` at a time,
 * in this process or each in a process of a local Pool (see `isolate`). Resolves once connected
 * to Redis.
 * Python: starting a `Pool` whose tasks come from the network (`BaseManager.serve_forever` for queues)
 * @example
 * const worker = await serve({ redis: 'redis://10.0.0.1:6379', name: 'scan', module: './tasks.js', concurrency: 4 });
 * process.on('SIGTERM', () => void worker.close());
 */
export async function serve(options: ServeOptions): Promise<Worker> {
  const target = resolveTarget(options, 'serve');
  const concurrency = options.concurrency === undefined ? cpuCount() : positiveInt(options.concurrency, 'concurrency');
  const isolate = options.isolate ?? concurrency > 1;
  if (typeof isolate !== 'boolean') throw new TypeError(`Expected "isolate" to be a boolean, got ${String(isolate)}`);
  const lockDuration = options.lockDuration === undefined ? 30_000 : positiveInt(options.lockDuration, 'lockDuration');
  const stalledInterval = options.stalledInterval === undefined ? 30_000 : positiveInt(options.stalledInterval, 'stalledInterval');
  const maxStalledCount = options.maxStalledCount === undefined ? 3 : positiveInt(options.maxStalledCount, 'maxStalledCount');
  const onError = options.onError ?? stderrReport(target.name);
  let moduleUrl: string | undefined;
  if (options.module !== undefined) {
    moduleUrl = fromModule(options.module, 'x').url;
    // Fail now, not at the first task, when the module is not there.
    if (moduleUrl.startsWith('file:')) await access(fileURLToPath(moduleUrl));
  }

  const pool = isolate ? new LocalPool(concurrency) : undefined;
  const run = pool === undefined ? inProcess(moduleUrl) : inPool(pool, moduleUrl);
  // BullMQ's connection for the worker's commands, which also carries the submitters' copy of
  // each outcome (one that is lost, a dropped connection, is found by their sweep). One connection
  // so that a reply and the job's completion, issued in one turn of the event loop, leave in one
  // write: a write is a system call, and on a small machine that is much of a job's cost.
  const replies = connect(target.url, true);
  const reply = replier(replies, replyChannel(target.prefix, target.name, replies.options.db ?? 0), onError);
  const processor = async (job: Job<JobData, WireOutcome>): Promise<WireOutcome> => {
    let outcome: WireOutcome;
    try {
      outcome = encodeOutcome(true, await run(job.data));
    } catch (err) {
      // The local process died under the task: let BullMQ retry it (job attempts).
      if (err instanceof WorkerLostError) throw err;
      outcome = encodeOutcome(false, err);
    }
    // Sent before BullMQ records the job as finished: the submitter need not wait for that.
    const heard = job.id !== undefined && reply.send({ id: job.id, outcome });
    // A job the submitter let go with its result (removeOnComplete) stays, as a failed one would,
    // when the reply may not reach it: its sweep reads the result from the job.
    if (!heard && job.opts.removeOnComplete === true) job.opts.removeOnComplete = job.opts.removeOnFail ?? { age: KEEP_UNHEARD_S };
    return outcome;
  };

  let bull: BullWorker<JobData, WireOutcome>;
  try {
    bull = new bullmq.Worker<JobData, WireOutcome>(target.name, processor, {
      connection: replies,
      prefix: target.prefix,
      concurrency,
      lockDuration,
      stalledInterval,
      maxStalledCount,
      autorun: false,
    });
  } catch (err) {
    replies.disconnect();
    await pool?.terminate();
    throw err;
  }
  bull.on('error', onError);
  // A job that failed for good (no attempt left) has finishedOn.
  bull.on('failed', (job, err) => {
    if (job?.id !== undefined && typeof job.finishedOn === 'number') reply.send({ id: job.id, failed: err.message });
  });
  try {
    await bull.waitUntilReady();
  } catch (err) {
    await Promise.all([bull.close(true).catch(() => undefined), pool?.terminate()]);
    replies.disconnect();
    throw err;
  }
  // Before the first task: a reply Redis refuses must not count as heard.
  await reply.check();
  void bull.run().catch(onError);
  return new Worker(bull, replies, pool, target, concurrency);
}

// Seconds a result whose reply may not reach the submitter stays in Redis, where the submitter did
// not say (its failed jobs' time).
const KEEP_UNHEARD_S = 3600;

// Bytes of a reply past which its result also stays in Redis. Redis drops a subscriber whose
// unread replies pass its pub/sub output buffer limit (by default 32 MB, or 8 MB for a minute):
// the submitter then misses replies, and runs their tasks again, but reads this one from Redis.
const REPLY_HEARD_UP_TO = 1 << 20;

interface Replier {
  /** Publish a reply; whether the submitter can hear it (false past the size above, or on a refused channel). */
  send(message: Reply): boolean;
  /** Learn whether Redis lets this user publish on the channel. */
  check(): Promise<void>;
}

// Publish each reply on the connection, held back until BullMQ has sent the job's completion on
// it in the same turn of the event loop, so that both leave in one write.
function replier(replies: Redis, channel: string, onError: (error: Error) => void): Replier {
  let refused = false;
  const refusal = (err: unknown): void => {
    // Said once: the submitters then find each result by their sweep, seconds later.
    const why = refused ? undefined : channelRefused(err, channel);
    if (why === undefined) return;
    refused = true;
    onError(new Error(`Submitters will find results only by their sweep: ${why}`));
  };
  return {
    // An empty message, which submitters ignore.
    check: () => replies.publish(channel, '').then(() => undefined, refusal),
    send(message) {
      if (replies.status === 'ready' && !replies.stream.writableCorked) {
        const stream = replies.stream;
        stream.cork();
        // After the microtasks of this turn, where BullMQ sends the completion.
        process.nextTick(() => stream.uncork());
      }
      const text = encodeReply(message);
      void replies.publish(channel, text).catch(refusal);
      // (A UTF-16 unit is at most 3 bytes of UTF-8: most replies need no count.)
      return !refused && (text.length <= REPLY_HEARD_UP_TO / 3 || Buffer.byteLength(text) <= REPLY_HEARD_UP_TO);
    },
  };
}

type Runner = (data: JobData) => unknown;

// The module URL of a job: the worker's own module, or the submitter's file: URL.
function moduleOf(data: JobData, moduleUrl: string | undefined): string {
  const url = moduleUrl ?? data.u;
  if (moduleUrl === undefined && !url.startsWith('file:')) throw new TypeError(`Task module ${url} is not a file: URL; start the worker with a module`);
  return url;
}

// One local task per job, of the job's kind: a map's chunk was sized by the submitter.
function inPool(pool: LocalPool, moduleUrl: string | undefined): Runner {
  const targets = new Map<string, ModuleTarget>();
  return (data) => {
    const url = moduleOf(data, moduleUrl);
    const id = `${url}#${data.e}`;
    let t = targets.get(id);
    if (t === undefined) targets.set(id, (t = fromModule(url, data.e)));
    return submitTask(pool, data.k, t, decodeArgs(data.a));
  };
}

// The call made here, as a pool process would make it.
function inProcess(moduleUrl: string | undefined): Runner {
  const loaded = new Map<string, AnyFunction>();
  const noWait = (): void => undefined;
  return async (data) => {
    const url = moduleOf(data, moduleUrl);
    const id = `${url}#${data.e}`;
    let fn = loaded.get(id);
    if (fn === undefined) loaded.set(id, (fn = await loadTarget({ kind: 'module', url, exportName: data.e })));
    return runTask(data.k, fn as Call, decodeArgs(data.a), noWait);
  };
}

/**
 * @internal The default report of a worker's errors: each message once, and while it repeats
 * (every reconnect to a Redis that is down fails alike) at most once a minute, with how often it came.
 */
export function stderrReport(name: string, write: (line: string) => void = (line) => console.error(line)): (err: Error) => void {
  let last = '';
  let since = 0;
  let repeats = 0;
  return (err) => {
    const now = Date.now();
    if (err.message === last && now - since < 60_000) {
      repeats++;
      return;
    }
    const again = err.message === last && repeats > 0 ? ` (${repeats + 1} times since the last report)` : '';
    write(`mpts worker (${name}): ${err.message}${again}`);
    last = err.message;
    since = now;
    repeats = 0;
  };
}
