// multiprocessing-ts/redis: the distributed Pool and serve(), against a real redis-server.
// The API in one process; then worker processes killed mid-task, and a submitter restarted mid-run.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OSError, PicklingError, Pool, ValueError, WorkerLostError, moduleTargets, serve, type Worker } from 'multiprocessing-ts/redis';
import { Worker as BullWorker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { assertNoLeaks, pidAlive, waitUntil } from '../helpers/leaks.js';
import { exited, skipRedis, startRedis, startWorker, tsNode, type RedisServer, type WorkerProcess } from '../helpers/redis.js';
import { LONG, SHORT } from '../helpers/timeouts.js';

const tasksUrl = new URL('../fixtures/redis-tasks.ts', import.meta.url);
const tasksFile = fileURLToPath(tasksUrl);
const tasks = moduleTargets<typeof import('../fixtures/redis-tasks.js')>(tasksUrl);
const submitter = fileURLToPath(new URL('../fixtures/redis-submitter.ts', import.meta.url));

describe('redis Pool', { skip: skipRedis }, () => {
  let redis: RedisServer;
  let scratch: string;
  const workers: WorkerProcess[] = [];
  before(async () => {
    redis = await startRedis();
    scratch = mkdtempSync(join(tmpdir(), 'mpts-redis-test-'));
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await redis?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });
  after(assertNoLeaks);

  // A Redis user with every key and command but no pub/sub channel: its URL.
  async function userWithoutChannels(user: string): Promise<string> {
    const admin = new Redis(redis.url);
    try {
      await admin.call('ACL', 'SETUSER', user, 'on', '>secret', '~*', '+@all', 'resetchannels');
    } finally {
      admin.disconnect();
    }
    return redis.url.replace('redis://', `redis://${user}:secret@`);
  }

  describe('in one process, with serve()', () => {
    let worker: Worker;
    before(async () => {
      worker = await serve({ redis: redis.url, name: 'api', module: tasksFile, concurrency: 2 });
    });
    after(async () => worker?.close());

    it('apply, applyAsync, map, starmap, imap return what the target returns', { timeout: LONG }, async () => {
      await using pool = new Pool({ redis: redis.url, name: 'api' });
      assert.equal(await pool.apply(tasks.double, [21]), 42);
      assert.equal(await pool.applyAsync(tasks.add, [2, 3]).get(), 5);
      const items = Array.from({ length: 1000 }, (_, i) => i);
      assert.deepEqual(await pool.map(tasks.double, items), items.map((x) => 2 * x));
      assert.deepEqual(await pool.map(tasks.double, [1, 2, 3], 1), [2, 4, 6]);
      assert.deepEqual(await pool.map(tasks.double, []), []);
      assert.deepEqual(await pool.starmap(tasks.add, [[1, 2], [3, 4]]), [3, 7]);
      assert.deepEqual(await pool.mapAsync(tasks.double, [5]).get(), [10]);
      const seen: number[] = [];
      for await (const x of pool.imap(tasks.double, [1, 2, 3, 4, 5], 2)) seen.push(x);
      assert.deepEqual(seen, [2, 4, 6, 8, 10]);
      const unordered: number[] = [];
      for await (const x of pool.imapUnordered(tasks.double, [1, 2, 3])) unordered.push(x);
      assert.deepEqual(unordered.sort(), [2, 4, 6]);
    });

    it('structured-clone data travels both ways; a task error keeps its class, message and cause', { timeout: LONG }, async () => {
      await using pool = new Pool({ redis: redis.url, name: 'api' });
      const value = { when: new Date(0), tags: new Set(['a']), big: 2n ** 70n, map: new Map([[1, [1.5]]]) };
      assert.deepEqual(await pool.apply(tasks.echo, [value]), value);
      // What JSON would change (sign of zero, NaN, undefined, holes, one object twice) goes the other way.
      const shared = { n: 1 };
      const sparse = [1, 2, 3];
      delete sparse[1];
      const [zero, nan, missing, holes, pair] = (await pool.apply(tasks.echo, [[-0, NaN, [undefined], sparse, [shared, shared]]])) as unknown[];
      assert.ok(Object.is(zero, -0));
      assert.ok(Number.isNaN(nan));
      assert.deepEqual(missing, [undefined]);
      assert.equal(1 in (holes as number[]), false);
      assert.equal((pair as object[])[0], (pair as object[])[1]);
      assert.equal(await pool.apply(tasks.echo, [undefined]), undefined);
      assert.deepEqual(await pool.apply(tasks.echo, [{ plain: ['x', 1.5, true, null, { deep: [] }] }]), { plain: ['x', 1.5, true, null, { deep: [] }] });
      const err = await pool.apply(tasks.fail, ['bad input (expected by the test)']).then(
        () => assert.fail('resolved'),
        (e: unknown) => e as Error,
      );
      assert.ok(err instanceof RangeError);
      assert.equal(err.message, 'bad input (expected by the test)');
      assert.equal((err.cause as Error).message, 'the cause');
      let called: Error | undefined;
      await pool.applyAsync(tasks.fail, ['again'], { errorCallback: (e) => (called = e) }).wait();
      assert.equal(called?.message, 'again');
    });

    it('an inline function fails with PicklingError before anything is sent; a closed pool refuses work', { timeout: SHORT }, async () => {
      const pool = new Pool({ redis: redis.url, name: 'api' });
      const inline = ((x: number) => x) as unknown as typeof tasks.double;
      await assert.rejects(pool.apply(inline, [1]), (e: unknown) => e instanceof PicklingError && (e as PicklingError).code === 'ERR_MP_REMOTE_TARGET');
      await assert.rejects(pool.map(inline, [1]), PicklingError);
      assert.throws(() => new Pool({ redis: 'localhost:6379', name: 'x' }), TypeError);
      assert.throws(() => new Pool({ redis: redis.url, name: 'a:b' }), ValueError);
      pool.close();
      await assert.rejects(pool.apply(tasks.double, [1]), (e: unknown) => e instanceof ValueError && e.code === 'ERR_MP_POOL_NOT_RUNNING');
      await pool.join();
    });

    it('a task whose pool process dies every time is retried, then fails with WorkerLostError', { timeout: LONG }, async () => {
      await using pool = new Pool({ redis: redis.url, name: 'api', attempts: 2 });
      await assert.rejects(pool.apply(tasks.dieHard), (e: unknown) => e instanceof WorkerLostError && e.code === 'ERR_MP_WORKER_LOST');
      assert.equal(await pool.apply(tasks.double, [4]), 8, 'the worker serves on');
    });

    it('imap reads an endless source a bounded distance ahead, and closes it when the consumer stops', { timeout: LONG }, async () => {
      await using pool = new Pool({ redis: redis.url, name: 'api' });
      let pulled = 0;
      let closed = false;
      function* endless(): Generator<number> {
        try {
          for (;;) yield pulled++;
        } finally {
          closed = true;
        }
      }
      const seen: number[] = [];
      for await (const x of pool.imap(tasks.double, endless())) {
        seen.push(x);
        if (seen.length === 3) break;
      }
      assert.deepEqual(seen, [0, 2, 4]);
      assert.equal(closed, true, 'the source was closed');
      assert.ok(pulled <= 3 + 64, `pulled ${pulled} items for 3 results`);
    });

    // With a sweep too slow to finish within the test's time: the results must come from the
    // replies and the lookups that follow an add.
    it('a keyed task submitted again is not run again: the result is found', { timeout: LONG }, async () => {
      const dir = mkdtempSync(join(scratch, 'keyed-'));
      const slowSweep = { redis: redis.url, name: 'api', sweepInterval: 3_600_000 };
      {
        await using pool = new Pool(slowSweep);
        assert.equal(await pool.applyAsync(tasks.recordRun, [dir, 7], { key: 'keyed-7' }).get(), 70);
        // Again at once, while the worker may not yet have recorded the job as finished.
        assert.equal(await pool.applyAsync(tasks.recordRun, [dir, 7], { key: 'keyed-7' }).get(), 70);
      }
      await using pool = new Pool(slowSweep);
      assert.equal(await pool.applyAsync(tasks.recordRun, [dir, 7], { key: 'keyed-7' }).get(), 70);
      assert.equal(readFileSync(join(dir, '7.runs'), 'utf8'), 'x', 'the task ran once');
    });

    it("an unkeyed task's job leaves Redis with its result, a keyed one's stays", { timeout: LONG }, async () => {
      const dir = mkdtempSync(join(scratch, 'kept-'));
      const admin = new Redis(redis.url);
      try {
        await using pool = new Pool({ redis: redis.url, name: 'api' });
        const before = await admin.zcard('mpts:api:completed');
        assert.deepEqual(await pool.map(tasks.double, [1, 2, 3, 4], 1), [2, 4, 6, 8]);
        // The worker's completion went out with its reply: it has run in Redis before this count.
        assert.equal(await admin.zcard('mpts:api:completed'), before);
        assert.equal(await pool.applyAsync(tasks.recordRun, [dir, 3], { key: 'kept-3' }).get(), 30);
        assert.equal(await admin.zcard('mpts:api:completed'), before + 1);
        assert.equal(await admin.exists('mpts:api:kept-3'), 1);
      } finally {
        admin.disconnect();
      }
    });

    it('a worker whose Redis user may not publish replies keeps each result in Redis: every task runs once', { timeout: LONG }, async () => {
      const dir = mkdtempSync(join(scratch, 'mute-'));
      const url = await userWithoutChannels('nopublish');
      const reported: Error[] = [];
      const mute = await serve({ redis: url, name: 'mute', module: tasksFile, concurrency: 1, onError: (e) => reported.push(e) });
      try {
        // Told before it takes a task.
        assert.equal(reported.length, 1);
        assert.match(reported[0]!.message, /sweep[\s\S]*NOPERM/);
        await using pool = new Pool({ redis: redis.url, name: 'mute', sweepInterval: 200 });
        assert.deepEqual(await pool.starmap(tasks.recordRun, [[dir, 1], [dir, 2]], 1), [10, 20]);
        assert.equal(readFileSync(join(dir, '1.runs'), 'utf8') + readFileSync(join(dir, '2.runs'), 'utf8'), 'xx');
        assert.equal(reported.length, 1);
      } finally {
        await mute.close();
      }
    });

    it('a task whose reply never comes, its job gone with its result, runs once more, and that result is read from Redis', { timeout: LONG }, async () => {
      // A worker of the queue that sends no reply (another program, or one of a version before replies).
      let runs = 0;
      const silent = new BullWorker(
        'silent',
        async (job: Job<{ a: number[] }>) => {
          runs++;
          return [1, (job.data.a[0] as number) * 2];
        },
        { connection: { url: redis.url }, prefix: 'mpts' },
      );
      try {
        await silent.waitUntilReady();
        await using pool = new Pool({ redis: redis.url, name: 'silent', sweepInterval: 200 });
        assert.equal(await pool.apply(tasks.double, [21]), 42);
        assert.equal(runs, 2);
      } finally {
        await silent.close();
      }
    });

    it('a Redis user not allowed the reply channel is told once, and gets its results from the sweep', { timeout: LONG }, async () => {
      const url = await userWithoutChannels('nochannel');
      const warned: Error[] = [];
      const onWarning = (warning: Error): void => void ((warning as NodeJS.ErrnoException).code === 'ERR_MP_REDIS_NO_REPLIES' && warned.push(warning));
      process.on('warning', onWarning);
      try {
        await using pool = new Pool({ redis: url, name: 'api', sweepInterval: 200 });
        assert.equal(await pool.apply(tasks.double, [4]), 8);
        assert.deepEqual(await pool.map(tasks.double, [1, 2, 3], 1), [2, 4, 6]);
        assert.equal(warned.length, 1);
        assert.match(warned[0]!.message, /sweep[\s\S]*NOPERM[\s\S]*&mpts:api:replies:0/);
      } finally {
        process.off('warning', onWarning);
      }
    });
  });

  it('a pool whose Redis cannot be reached: terminate() ends at once, and the waiting task rejects', { timeout: SHORT }, async () => {
    // A port nothing listens on: the pool's connections keep retrying until terminate().
    const pool = new Pool({ redis: 'redis://127.0.0.1:1', name: 'nowhere' });
    const task = pool.apply(tasks.double, [1]);
    const rejected = assert.rejects(task, (err: unknown) => err instanceof ValueError && (err as ValueError).code === 'ERR_MP_POOL_TERMINATED');
    await pool.terminate();
    await rejected;
  });

  it('a pool whose Redis cannot be reached: a task rejects within seconds with OSError ERR_MP_REDIS_UNREACHABLE, naming the URL without its password', { timeout: LONG }, async () => {
    const pool = new Pool({ redis: 'redis://user:secret@127.0.0.1:1', name: 'nowhere' });
    try {
      await assert.rejects(pool.apply(tasks.double, [1]), (err: unknown) => {
        assert.ok(err instanceof OSError, String(err));
        assert.equal(err.code, 'ERR_MP_REDIS_UNREACHABLE');
        assert.match(err.message, /redis:\/\/user:\*\*\*@127\.0\.0\.1:1\/? \(connect ECONNREFUSED/);
        assert.doesNotMatch(err.message, /secret/);
        return true;
      });
    } finally {
      await pool.terminate();
    }
  });

  it('kill -9 a worker in the middle of a task: another worker completes it, nothing is lost', { timeout: LONG }, async () => {
    // Short leases, so that the dead worker's task comes back within seconds.
    const lease = ['--concurrency', '1', '--lock-duration', '2000', '--stalled-interval', '1000'];
    const [a, b] = await Promise.all([startWorker(redis.url, 'kill', tasksFile, lease), startWorker(redis.url, 'kill', tasksFile, lease)]);
    workers.push(a, b);
    const dir = mkdtempSync(join(scratch, 'kill-'));
    await using pool = new Pool({ redis: redis.url, name: 'kill' });
    const hung = pool.apply(tasks.hangFirstTime, [dir, 'victim']);
    const others = pool.map(tasks.double, Array.from({ length: 50 }, (_, i) => i), 1);

    const marker = join(dir, 'victim.started');
    await waitUntil(() => existsSync(marker) && readFileSync(marker, 'utf8') !== '', SHORT, 'the task to start');
    const started = JSON.parse(readFileSync(marker, 'utf8')) as { worker: number; child: number };
    const victim = started.worker === a.pid ? a : b;
    assert.equal(started.worker, victim.pid, 'the task runs in one of our workers');
    victim.child.kill('SIGKILL');
    assert.equal(await exited(victim.child), 'SIGKILL');

    const survivor = victim === a ? b : a;
    assert.deepEqual(await hung, { worker: survivor.pid });
    assert.deepEqual(await others, Array.from({ length: 50 }, (_, i) => 2 * i));
    // The dead worker's pool process went with it.
    await waitUntil(() => !pidAlive(started.child), SHORT, 'the killed worker\'s pool process to end');
    assert.equal(await survivor.stop(), 0);
  });

  it('a submitter restarted mid-run finds its finished results, and nothing runs twice', { timeout: LONG }, async () => {
    const worker = await startWorker(redis.url, 'resume', tasksFile, ['--concurrency', '1'], 'env');
    workers.push(worker);
    const dir = mkdtempSync(join(scratch, 'resume-'));
    const n = 12;
    const args = [...tsNode, submitter, redis.url, 'resume', dir, String(n)];

    const first = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    await waitUntil(() => [0, 1, 2].every((i) => existsSync(join(dir, `${i}.runs`))), LONG, 'three tasks to run');
    first.kill('SIGKILL');
    await exited(first);

    const second = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    second.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    assert.equal(await exited(second), 0);
    assert.deepEqual(JSON.parse(out), Array.from({ length: n }, (_, i) => i * 10));
    for (let i = 0; i < n; i++) assert.equal(readFileSync(join(dir, `${i}.runs`), 'utf8'), 'x', `task ${i} ran once`);
    assert.equal(await worker.stop(), 0);
  });
});
