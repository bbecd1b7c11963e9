// Three `mpts worker` processes drain 100,000 tasks submitted through one distributed Pool.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Pool, moduleTargets } from 'multiprocessing-ts/redis';
import { assertNoLeaks } from '../helpers/leaks.js';
import { skipRedis, startRedis, startWorker, type RedisServer, type WorkerProcess } from '../helpers/redis.js';
import { HUGE } from '../helpers/timeouts.js';

const tasksUrl = new URL('../fixtures/redis-tasks.ts', import.meta.url);
const tasks = moduleTargets<typeof import('../fixtures/redis-tasks.js')>(tasksUrl);

describe('redis Pool drain', { skip: skipRedis }, () => {
  let redis: RedisServer;
  let workers: WorkerProcess[] = [];
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await redis?.stop();
  });
  after(assertNoLeaks);

  it('three worker processes drain 100,000 tasks, every result in its place', { timeout: HUGE }, async (t) => {
    workers = await Promise.all([1, 2, 3].map(() => startWorker(redis.url, 'drain', fileURLToPath(tasksUrl), ['--concurrency', '1'])));
    await using pool = new Pool({ redis: redis.url, name: 'drain' });
    const n = 100_000;
    const started = performance.now();
    // Default chunking: about 256 jobs of ~390 items, spread over the three workers.
    const results = await pool.map(tasks.tagged, Array.from({ length: n }, (_, i) => i));
    const ms = performance.now() - started;
    assert.equal(results.length, n);
    const byWorker = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const [value, worker] = results[i] as [number, number];
      if (value !== 2 * i) assert.fail(`result ${i} is ${value}, expected ${2 * i}`);
      byWorker.set(worker, (byWorker.get(worker) ?? 0) + 1);
    }
    const pids = new Set(workers.map((w) => w.pid));
    for (const pid of byWorker.keys()) assert.ok(pids.has(pid), `results came from our workers, not from ${pid}`);
    t.diagnostic(`${n} tasks in ${Math.round(ms)} ms; per worker: ${[...byWorker.values()].join(', ')}`);
    for (const w of workers) assert.equal(await w.stop(), 0);
  });
});
