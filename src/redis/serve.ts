// The working side of the distributed pool: a BullMQ worker that takes jobs from Redis and runs
// each in a local Pool of processes. What `mpts worker` runs.
//
// Two kinds of death, two mechanisms. A local pool process that dies mid-task (a crash inside the
// task) makes the job fail here with WorkerLostError, and BullMQ retries it (the submitter's
// `attempts`). A whole worker that dies (kill -9, a lost machine) stops renewing its lease on the
// job; after `lockDuration` the stalled-job check of any other worker puts the job back in the
// queue, up to `maxStalledCount` times. An error thrown by the task itself is its result: it goes
// back to the submitter and is not retried, as in a local Pool.

import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Worker as BullWorker, Job } from 'bullmq';
import { fromModule, type ModuleTarget } from '../codec/targets.js';
import { WorkerLostError } from '../errors.js';
import { positiveInt } from '../arguments.js';
import { Pool as LocalPool, submitTask } from '../pool/pool.js';
import { cpuCount } from '../process/current.js';
import { bullmq, resolveTarget, type RedisTarget, type ResolvedTarget } from './connection.js';
import { decodeValue, encodeOutcome, type JobData } from './wire.js';

/** Options of {@link serve}. */
export interface ServeOptions extends RedisTarget {
  /** Tasks run at once: the size of the local pool of processes. Default: the number of CPUs. */
  concurrency?: number;
  /**
   * The module whose exports tasks name (path or URL, on this machine). Tasks then name only the
   * export, so submitters on other machines need not share a path with this one. Without it, a task
   * is loaded from the `file:` URL the submitter gave, which works only on a shared file system.
   */
  module?: string | URL;
  /** Milliseconds a worker's lease on a task lasts without renewal (renewed every half). Default 30000. */
  lockDuration?: number;
  /** Milliseconds between checks for tasks whose worker's lease ran out. Default 30000. */
  stalledInterval?: number;
  /** Times a task may be taken back from a dead worker before it fails with WorkerLostError. Default 3. */
  maxStalledCount?: number;
  /** Called with errors of the worker itself (a lost Redis connection...). Default: print to stderr. */
  onError?: (error: Error) => void;
}

/**
 * A running worker of a distributed pool, as returned by {@link serve}.
 */
export class Worker {
  readonly #bull: BullWorker<JobData, string>;
  readonly #pool: LocalPool;
  readonly #target: ResolvedTarget;
  readonly #concurrency: number;
  #completed = 0;
  #closing: Promise<void> | undefined;

  /** @internal */
  constructor(bull: BullWorker<JobData, string>, pool: LocalPool, target: ResolvedTarget, concurrency: number) {
    this.#bull = bull;
    this.#pool = pool;
    this.#target = target;
    this.#concurrency = concurrency;
    bull.on('completed', () => void this.#completed++);
  }

  /** The pool name this worker serves. */
  get name(): string {
    return this.#target.name;
  }

  /** Tasks run at once. */
  get concurrency(): number {
    return this.#concurrency;
  }

  /** Tasks (jobs) this worker has finished, successfully or with the task's own error. */
  get completed(): number {
    return this.#completed;
  }

  /** Finish the running tasks, take no more, stop the local pool and disconnect. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#bull.close();
      this.#pool.close();
      await this.#pool.join();
    })();
    return this.#closing;
  }

  /** Stop now: running tasks are abandoned, and other workers take them over once their lease runs out. */
  async terminate(): Promise<void> {
    await Promise.all([this.#bull.close(true), this.#pool.terminate()]);
  }

  /** `await using worker = await serve({...})`: close when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Serve a distributed pool: take its tasks from Redis and run them here, `concurrency` at a time,
 * each in a process of a local Pool. Resolves once connected to Redis.
 * @example
 * const worker = await serve({ redis: 'redis://10.0.0.1:6379', name: 'scan', module: './tasks.js', concurrency: 4 });
 * process.on('SIGTERM', () => void worker.close());
 */
export async function serve(options: ServeOptions): Promise<Worker> {
  const target = resolveTarget(options, 'serve');
  const concurrency = options.concurrency === undefined ? cpuCount() : positiveInt(options.concurrency, 'concurrency');
  const lockDuration = options.lockDuration === undefined ? 30_000 : positiveInt(options.lockDuration, 'lockDuration');
  const stalledInterval = options.stalledInterval === undefined ? 30_000 : positiveInt(options.stalledInterval, 'stalledInterval');
  const maxStalledCount = options.maxStalledCount === undefined ? 3 : positiveInt(options.maxStalledCount, 'maxStalledCount');
  const onError = options.onError ?? ((err: Error) => console.error(`mpts worker (${target.name}): ${err.message}`));
  let moduleUrl: string | undefined;
  if (options.module !== undefined) {
    moduleUrl = fromModule(options.module, 'x').url;
    // Fail now, not at the first task, when the module is not there.
    if (moduleUrl.startsWith('file:')) await access(fileURLToPath(moduleUrl));
  }

  const pool = new LocalPool(concurrency);
  const targets = new Map<string, ModuleTarget>();
  const targetFor = (data: JobData): ModuleTarget => {
    const url = moduleUrl ?? data.u;
    if (moduleUrl === undefined && !url.startsWith('file:')) throw new TypeError(`Task module ${url} is not a file: URL; start the worker with a module`);
    const id = `${url}#${data.e}`;
    let t = targets.get(id);
    if (t === undefined) targets.set(id, (t = fromModule(url, data.e)));
    return t;
  };

  const processor = async (job: Job<JobData, string>): Promise<string> => {
    const data = job.data;
    let value: unknown;
    try {
      // One local task per job, of the job's kind: a map's chunk was sized by the submitter.
      value = await submitTask(pool, data.k, targetFor(data), decodeValue(data.a) as unknown[]);
    } catch (err) {
      // The local process died under the task: let BullMQ retry it (job attempts).
      if (err instanceof WorkerLostError) throw err;
      return encodeOutcome(false, err);
    }
    return encodeOutcome(true, value);
  };

  const bull = new bullmq.Worker<JobData, string>(target.name, processor, {
    connection: { url: target.url },
    prefix: target.prefix,
    concurrency,
    lockDuration,
    stalledInterval,
    maxStalledCount,
    autorun: false,
  });
  bull.on('error', onError);
  try {
    await bull.waitUntilReady();
  } catch (err) {
    await Promise.all([bull.close(true).catch(() => undefined), pool.terminate()]);
    throw err;
  }
  void bull.run().catch(onError);
  return new Worker(bull, pool, target, concurrency);
}
