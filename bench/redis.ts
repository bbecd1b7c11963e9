// redis-*: tasks/s through the distributed pool (multiprocessing-ts/redis, on BullMQ) with one and
// two `mpts worker` processes, next to our local Pool doing the same work with as many processes.
// Each distributed system starts its own redis-server (skipped where none is installed) and its
// workers from the built dist/cli/mpts.js.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool as LocalPool, moduleTargets } from 'multiprocessing-ts';
import { Pool } from 'multiprocessing-ts/redis';
import type { Case, System } from './harness.js';

const benchDir = new URL(import.meta.url.includes('/bench/dist/') ? '../' : './', import.meta.url);
const tasksUrl = new URL('anchors/node/tasks.mjs', benchDir);
const mpts = fileURLToPath(new URL('../dist/cli/mpts.js', benchDir));
const tasks = moduleTargets<{ inc: (x: number) => number }>(tasksUrl);
const hasRedis = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

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

/** A distributed pool served by `workers` worker processes of `concurrency` each, on a private redis-server. */
function distributed(name: string, workers: number, concurrency: number, run: (pool: Pool) => Promise<unknown>): System {
  let redis: ChildProcess | undefined;
  let dir: string | undefined;
  let pool: Pool | undefined;
  const served: ChildProcess[] = [];
  return {
    name,
    kind: 'ours',
    baseline: 'local Pool, 2 processes',
    async setup() {
      if (!hasRedis) throw new Error('redis-server is not installed');
      dir = mkdtempSync(join(tmpdir(), 'mpts-bench-redis-'));
      const port = await freePort();
      redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'ignore'] });
      await ready(redis, 'stdout', /Ready to accept connections/, 'redis-server');
      const url = `redis://127.0.0.1:${port}`;
      for (let i = 0; i < workers; i++) {
        const child = spawn(process.execPath, [mpts, 'worker', '--redis', url, '--name', 'bench', '--module', fileURLToPath(tasksUrl), '--concurrency', String(concurrency)], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        served.push(child);
        await ready(child, 'stderr', /serving/, 'mpts worker');
      }
      pool = new Pool({ redis: url, name: 'bench' });
    },
    run: () => run(pool as Pool).then(() => undefined),
    async teardown() {
      await pool?.terminate();
      await Promise.all(served.map(stop));
      if (redis !== undefined) await stop(redis);
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function local(run: (pool: LocalPool) => Promise<unknown>): System {
  let pool: LocalPool | undefined;
  return {
    name: 'local Pool, 2 processes',
    kind: 'anchor',
    setup: async () => {
      pool = new LocalPool(2);
      await pool.map(tasks.inc, [1, 2]);
    },
    run: () => run(pool as LocalPool).then(() => undefined),
    teardown: () => pool?.terminate(),
  };
}

const ITEMS = 20_000;
const items = Array.from({ length: ITEMS }, (_, i) => i);
const JOBS = 200;
const repetitions = { reps: 10, warmup: 2, quick: { reps: 3, warmup: 1 } };

/** The same work on the local pool and on the distributed one (the two classes' map are alike but not one type). */
function systems(chunk: number[], chunksize: number | undefined): System[] {
  const remote = (pool: Pool): Promise<unknown> => pool.map(tasks.inc, chunk, chunksize);
  return [
    local((pool) => pool.map(tasks.inc, chunk, chunksize)),
    distributed('redis Pool, 1 worker × 2', 1, 2, remote),
    distributed('redis Pool, 2 workers × 1', 2, 1, remote),
  ];
}

export const redisCases: Case[] = [
  {
    name: 'redis-map',
    description: `map(inc) over ${ITEMS} items in default chunks (about 256 jobs), 2 processes running tasks in all.`,
    measure: { unit: 'tasks/s', of: (ms) => (ITEMS * 1000) / ms, speed: true, digits: 0 },
    repetitions,
    systems: systems(items, undefined),
  },
  {
    name: 'redis-jobs',
    description: `${JOBS} tasks of one item each (chunksize 1): the cost of a job.`,
    measure: { unit: 'tasks/s', of: (ms) => (JOBS * 1000) / ms, speed: true, digits: 0 },
    repetitions,
    systems: systems(items.slice(0, JOBS), 1),
  },
];
