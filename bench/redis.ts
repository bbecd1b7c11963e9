// redis-*: the distributed pool (multiprocessing-ts/redis, on BullMQ) next to bare BullMQ (a Queue
// and Workers with the same trivial processor), Celery 5 and RQ, all on one redis-server of this
// run, each with 2 worker processes. Skipped where redis-server is missing; Celery runs from
// bench/.venv (made here if missing, from the local package index given by MPTS_BENCH_PYPI,
// default file:///opt/pypi/simple), RQ on the system Python's python3-rq; each skips with a notice
// where it cannot run. Our workers run from the built dist/cli/mpts.js.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue as BullQueue, QueueEvents } from 'bullmq';
import { moduleTargets } from 'multiprocessing-ts';
import { Pool } from 'multiprocessing-ts/redis';
import type { Case, RunOptions, System } from './harness.js';
import { pythonRun, pythonSystem } from './python.js';

const benchDir = new URL(import.meta.url.includes('/bench/dist/') ? '../' : './', import.meta.url);
const tasksUrl = new URL('anchors/node/tasks.mjs', benchDir);
const bareWorker = fileURLToPath(new URL('anchors/node/bullmq-worker.mjs', benchDir));
const mpts = fileURLToPath(new URL('../dist/cli/mpts.js', benchDir));
const venv = fileURLToPath(new URL('.venv/', benchDir));
const tasks = moduleTargets<{ inc: (x: number) => number }>(tasksUrl);
const hasRedis = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
const WORKERS = 2;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function ready(child: ChildProcess, stream: 'stdout' | 'stderr', pattern: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      if (pattern.test(text)) {
        child[stream]?.off('data', onData);
        child[stream]?.resume();
        resolve();
      }
    };
    child[stream]?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it was ready: ${text.trim()}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A redis-server of one case: started by the first system that needs it, stopped by the case's last. */
interface RedisServer {
  url(): Promise<string>;
  stop(): Promise<void>;
}

function redisServer(): RedisServer {
  let started: Promise<{ child: ChildProcess; dir: string; url: string }> | undefined;
  return {
    async url() {
      started ??= (async () => {
        if (!hasRedis) throw new Error('redis-server is not installed');
        const dir = mkdtempSync(join(tmpdir(), 'mpts-bench-redis-'));
        const port = await freePort();
        const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'ignore'] });
        await ready(child, 'stdout', /Ready to accept connections/, 'redis-server');
        return { child, dir, url: `redis://127.0.0.1:${port}` };
      })();
      return (await started).url;
    },
    async stop() {
      const server = await started?.catch(() => undefined);
      if (server === undefined) return;
      await stop(server.child);
      rmSync(server.dir, { recursive: true, force: true });
    },
  };
}

let queues = 0;

/** Ours: 2 `mpts worker` processes of concurrency 1 (each runs its tasks itself). */
function ours(redis: RedisServer, run: (pool: Pool) => Promise<unknown>, extra: Partial<System>): System {
  let pool: Pool | undefined;
  const served: ChildProcess[] = [];
  return {
    name: `redis Pool, ${WORKERS} workers × 1`,
    kind: 'ours',
    baseline: 'bare BullMQ',
    ...extra,
    async setup() {
      const url = await redis.url();
      const name = `ours${++queues}`;
      for (let i = 0; i < WORKERS; i++) {
        const child = spawn(process.execPath, [mpts, 'worker', '--redis', url, '--name', name, '--module', fileURLToPath(tasksUrl), '--concurrency', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
        served.push(child);
        await ready(child, 'stderr', /serving/, 'mpts worker');
      }
      pool = new Pool({ redis: url, name });
    },
    run: () => run(pool as Pool).then(() => undefined),
    async teardown() {
      await pool?.terminate();
      await Promise.all(served.map(stop));
    },
  };
}

/** Bare BullMQ as its docs show it: addBulk, and each result from the QueueEvents 'completed' event. */
class Bare {
  readonly #queue: BullQueue;
  readonly #events: QueueEvents;
  readonly #waiting = new Map<string, (value: unknown) => void>();
  #next = 0;

  constructor(url: string, name: string) {
    this.#queue = new BullQueue(name, { connection: { url } });
    this.#events = new QueueEvents(name, { connection: { url } });
    this.#events.on('completed', ({ jobId, returnvalue }) => {
      const resolve = this.#waiting.get(jobId);
      this.#waiting.delete(jobId);
      resolve?.(returnvalue);
    });
  }

  ready(): Promise<unknown> {
    return Promise.all([this.#queue.waitUntilReady(), this.#events.waitUntilReady()]);
  }

  async run(inputs: unknown[]): Promise<unknown[]> {
    const jobs = inputs.map((data) => ({ name: 'inc', data, opts: { jobId: `b${++this.#next}`, removeOnComplete: true } }));
    const results = jobs.map(({ opts }) => new Promise((resolve) => this.#waiting.set(opts.jobId, resolve)));
    await this.#queue.addBulk(jobs);
    return Promise.all(results);
  }

  async close(): Promise<void> {
    await this.#events.close();
    await this.#queue.close();
  }
}

function bare(redis: RedisServer, inputs: unknown[]): System {
  let side: Bare | undefined;
  const served: ChildProcess[] = [];
  return {
    name: 'bare BullMQ',
    kind: 'anchor',
    async setup() {
      const url = await redis.url();
      const name = `bare${++queues}`;
      for (let i = 0; i < WORKERS; i++) {
        const child = spawn(process.execPath, [bareWorker, url, name], { stdio: ['ignore', 'pipe', 'inherit'] });
        served.push(child);
        await ready(child, 'stdout', /ready/, 'BullMQ worker');
      }
      side = new Bare(url, name);
      await side.ready();
    },
    run: () => (side as Bare).run(inputs).then(() => undefined),
    async teardown() {
      await side?.close();
      await Promise.all(served.map(stop));
    },
  };
}

// Celery's venv: made once per run where missing; null (with a notice) where it cannot be.
let celeryPython: string | null | undefined;
function ensureCelery(): string | null {
  if (celeryPython !== undefined) return celeryPython;
  const python = join(venv, 'bin', 'python');
  const works = (): boolean => spawnSync(python, ['-c', 'import celery, redis'], { stdio: 'ignore' }).status === 0;
  if (!existsSync(python) || !works()) {
    const index = process.env.MPTS_BENCH_PYPI ?? 'file:///opt/pypi/simple';
    console.log(`notice: making ${venv} for Celery from ${index}`);
    const pip = (args: string[]): boolean => spawnSync(python, ['-m', 'pip', 'install', '-q', '--index-url', index, ...args], { stdio: 'inherit' }).status === 0;
    // Celery is installed without its CLI's extras (click-didyoumean, click-repl): workers start from Python.
    const made =
      spawnSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' }).status === 0 &&
      pip(['--no-deps', 'celery>=5,<6']) &&
      pip(['kombu', 'billiard', 'vine', 'click', 'click-plugins', 'python-dateutil', 'tzdata', 'tzlocal', 'redis']);
    if (!made || !works()) {
      console.log('notice: Celery could not be installed in bench/.venv; skipping it');
      return (celeryPython = null);
    }
  }
  return (celeryPython = python);
}

// RQ comes from Debian's package (not in the bench's package index): checked once per run.
let rqInstalled: boolean | undefined;
const RQ_PYTHON = '/usr/bin/python3';

/** Celery (solo pool) or RQ, 2 worker processes, started and timed by anchors/python/redis_queues.py. */
function python(redis: RedisServer, system: 'celery' | 'rq', workload: 'jobs' | 'map' | 'latency', extra: Partial<System> = {}): System {
  const name = system === 'celery' ? 'Celery 5 (solo pool)' : 'RQ (forking worker)';
  let run: ((options: RunOptions) => ReturnType<ReturnType<typeof pythonRun>>) | undefined;
  // RQ forks a process per job: a few repetitions without warm-up (the last --reps and --warmup count).
  const few = system !== 'rq' ? [] : workload === 'latency' ? ['--reps', '50', '--warmup', '5'] : ['--reps', '3', '--warmup', '0'];
  const args = async (): Promise<string[]> => ['--system', system, '--redis', await redis.url(), '--workers', String(WORKERS), '--jobs', String(JOBS), '--items', String(ITEMS), '--chunk', String(CHUNK), ...few];
  const start = async (options: RunOptions): ReturnType<ReturnType<typeof pythonRun>> => {
    const executable = system === 'celery' ? ensureCelery() : RQ_PYTHON;
    if (executable === null) return { skipped: 'Celery is not installed in bench/.venv' };
    if (system === 'rq' && !(rqInstalled ??= spawnSync(RQ_PYTHON, ['-c', 'import rq, redis'], { stdio: 'ignore' }).status === 0)) {
      return { skipped: `RQ is not installed for ${RQ_PYTHON} (Debian: apt-get install python3-rq)` };
    }
    if (!hasRedis) return { skipped: 'redis-server is not installed' };
    const extraArgs = await args();
    run ??= pythonRun('redis_queues.py', workload, () => extraArgs, executable);
    return run(options);
  };
  return pythonSystem(start, system, name, extra);
}

const ITEMS = 20_000;
const items = Array.from({ length: ITEMS }, (_, i) => i);
const JOBS = 200;
// About 256 chunks, as our map's default chunking makes them.
const CHUNK = Math.ceil(ITEMS / 256);
const chunks = Array.from({ length: Math.ceil(ITEMS / CHUNK) }, (_, i) => items.slice(i * CHUNK, (i + 1) * CHUNK));
// A repetition of ours or bare BullMQ's lasts about a tenth of a second, where one busy moment of
// the host moves its figure by a fifth: enough of them that the median holds still.
const repetitions = { reps: 30, warmup: 3, quick: { reps: 3, warmup: 1 } };
const throughput = { target: 0.85, check: 'throughput ≥ 0.85× bare BullMQ' };

/** The four systems of a case on one redis-server; the last one's teardown stops it. */
function systems(workload: 'jobs' | 'map' | 'latency', run: (pool: Pool) => Promise<unknown>, inputs: unknown[], oursExtra: Partial<System>, baseline: string): System[] {
  const redis = redisServer();
  const rq = python(redis, 'rq', workload, { baseline });
  return [
    ours(redis, run, oursExtra),
    bare(redis, inputs),
    python(redis, 'celery', workload, workload === 'latency' ? {} : { baseline }),
    { ...rq, teardown: () => redis.stop() },
  ];
}

export const redisCases: Case[] = [
  {
    name: 'redis-jobs',
    description: `${JOBS} tasks of one item each (one job each): the cost of a job. ${WORKERS} worker processes per system.`,
    measure: { unit: 'tasks/s', of: (ms) => (JOBS * 1000) / ms, speed: true, digits: 0 },
    repetitions,
    systems: systems('jobs', (pool) => pool.map(tasks.inc, items.slice(0, JOBS), 1), items.slice(0, JOBS), throughput, 'bare BullMQ'),
  },
  {
    name: 'redis-map',
    description: `map(inc) over ${ITEMS} items in chunks of ${CHUNK} (${chunks.length} jobs). ${WORKERS} worker processes per system.`,
    measure: { unit: 'tasks/s', of: (ms) => (ITEMS * 1000) / ms, speed: true, digits: 0 },
    repetitions,
    systems: systems('map', (pool) => pool.map(tasks.inc, items, CHUNK), chunks, throughput, 'bare BullMQ'),
  },
  {
    name: 'redis-latency',
    description: `One task submitted and its result awaited, one after another (a repetition per task); ratios compare p90s. ${WORKERS} worker processes per system.`,
    repetitions: { reps: 200, warmup: 20, quick: { reps: 40, warmup: 5 } },
    ratioOf: 'p90',
    systems: systems('latency', (pool) => pool.apply(tasks.inc, [41]), [41], { baseline: 'Celery 5 (solo pool)', target: 0.75, check: 'p90 latency ≤ 0.75× Celery\'s' }, 'Celery 5 (solo pool)'),
  },
];
