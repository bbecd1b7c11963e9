// Pool observability: events and diagnostics channels, stats histograms and utilization, progress
// reports from tasks. No Python twin (Python's Pool has none of these); like piscina's.
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { once } from 'node:events';
import { POOL_CHANNEL_PREFIX, reportProgress, ValueError, moduleTargets, type PoolChannelMessage, type TaskEndEvent, type TaskStartEvent, type WorkerEvent } from 'multiprocessing-ts';
import { defineSuite } from '../helpers/suite.js';

const tasks = moduleTargets<typeof import('../fixtures/pool-observe-tasks.js')>(new URL('../fixtures/pool-observe-tasks.ts', import.meta.url));
const failing = moduleTargets<typeof import('../fixtures/pool-tasks.js')>(new URL('../fixtures/pool-tasks.ts', import.meta.url));

function isCode(cls: new (...a: never[]) => Error, code: string) {
  return (e: unknown): boolean => e instanceof cls && (e as { code?: string }).code === code;
}

export default defineSuite({ area: 'Pool events, stats and progress', backends: ['process', 'thread'] }, ({ backend, ctx }, test) => {
  const { Pool } = ctx;

  test('workerStart, taskStart, taskEnd, drain and workerExit carry their worker and task', async () => {
    const pool = new Pool(2);
    const started: WorkerEvent[] = [];
    const begun: TaskStartEvent[] = [];
    const ended: TaskEndEvent[] = [];
    pool.on('workerStart', (e) => started.push(e));
    pool.on('taskStart', (e) => begun.push(e));
    pool.on('taskEnd', (e) => ended.push(e));
    const drained = once(pool, 'drain');
    const results = await Promise.allSettled([pool.apply(tasks.failOnBad, ['good']), pool.apply(tasks.failOnBad, ['bad']), pool.map(tasks.failOnBad, ['a', 'b'], 1)]);
    await drained;
    assert.equal(pool.stats.queued, 0);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(begun.map((e) => e.kind).sort(), ['apply', 'apply', 'map', 'map']);
    assert.deepEqual(ended.map((e) => e.id).sort(), begun.map((e) => e.id).sort());
    const bad = ended.find((e) => !e.ok);
    assert.ok(bad !== undefined && bad.error instanceof RangeError && bad.kind === 'apply');
    for (const e of ended) assert.ok(e.duration >= 0 && typeof e.worker === 'string' && started.some((w) => w.worker === e.worker));
    for (const e of begun) assert.ok(e.waitTime >= 0);
    const expectedPid = backend === 'thread' ? process.pid : undefined;
    for (const w of started) {
      assert.match(w.worker, /^PoolWorker-\d+-\d+$/);
      if (expectedPid !== undefined) assert.equal(w.pid, expectedPid);
      else assert.notEqual(w.pid, process.pid);
    }
    const exits: number[] = [];
    pool.on('workerExit', (e) => exits.push(e.exitcode));
    pool.close();
    await pool.join();
    assert.equal(exits.length, started.length);
    assert.deepEqual(exits, exits.map(() => 0));
  });

  test('drain fires each time the queue of waiting tasks empties', async () => {
    await using pool = new Pool(1);
    let drains = 0;
    pool.on('drain', () => void drains++);
    await Promise.all([1, 2, 3, 4].map((x) => pool.apply(tasks.failOnBad, [String(x)])));
    assert.ok(drains >= 1);
    const before = drains;
    const next = once(pool, 'drain');
    const more = Promise.all([5, 6, 7].map((x) => pool.apply(tasks.failOnBad, [String(x)])));
    await next;
    assert.equal(drains, before + 1);
    await more;
  });

  test('the diagnostics channels publish the events with their pool, only to subscribers', async () => {
    const channel = diagnosticsChannel.channel(`${POOL_CHANNEL_PREFIX}taskEnd`);
    await using pool = new Pool(1);
    const seen: PoolChannelMessage<'taskEnd'>[] = [];
    const listen = (message: unknown): void => void seen.push(message as PoolChannelMessage<'taskEnd'>);
    channel.subscribe(listen);
    try {
      assert.equal(await pool.apply(tasks.failOnBad, ['x']), 'x');
    } finally {
      channel.unsubscribe(listen);
    }
    assert.equal(await pool.apply(tasks.failOnBad, ['y']), 'y');
    const mine = seen.filter((m) => m.pool === pool);
    assert.equal(mine.length, 1, 'published while subscribed, and only then');
    assert.equal(mine[0]?.event.ok, true);
    assert.equal(mine[0]?.event.kind, 'apply');
  });

  test("a broken pool emits 'error' to its listeners, and throws nothing without one", async () => {
    {
      await using pool = new Pool(1, { initializer: failing.fail, initargs: ['bad init (expected by the test)'] });
      const broken = once(pool, 'error');
      // A task keeps the program alive until the worker has failed.
      await assert.rejects(pool.apply(tasks.failOnBad, ['x']), isCode(ValueError, 'ERR_MP_POOL_BROKEN'));
      const [error] = (await broken) as [Error];
      assert.ok(isCode(ValueError, 'ERR_MP_POOL_BROKEN')(error));
    }
    await using quiet = new Pool(1, { initializer: failing.fail, initargs: ['bad init (expected by the test)'] });
    await assert.rejects(quiet.apply(tasks.failOnBad, ['x']), isCode(ValueError, 'ERR_MP_POOL_BROKEN'));
  });

  test('stats: run and wait time histograms, and the utilization of each worker', async () => {
    await using pool = new Pool(2);
    await pool.map(tasks.failOnBad, Array.from({ length: 20 }, (_, i) => String(i)), 1);
    const stats = pool.stats;
    assert.equal(stats.completed, 20);
    assert.equal(stats.runTime.count, 20);
    assert.equal(stats.waitTime.count, 20);
    const { min, median, p90, p99, max, mean } = stats.runTime;
    assert.ok(0 < min && min <= median && median <= p90 && p90 <= p99 && p99 <= max && min <= mean && mean <= max);
    assert.equal(stats.workers.length, 2);
    assert.equal(stats.workers.reduce((n, w) => n + w.tasks, 0), 20);
    for (const w of stats.workers) assert.ok(w.utilization >= 0 && w.utilization <= 1 && w.busyTime >= 0 && /^PoolWorker-/.test(w.name));
    assert.ok(stats.utilization > 0 && stats.utilization <= 1);
  });

  test('onProgress receives what each task reports, in order, before its result', async () => {
    await using pool = new Pool(2);
    const seen = new Map<string, unknown[]>();
    const record = (label: string) => (value: unknown): void => {
      seen.set(label, [...(seen.get(label) ?? []), value]);
    };
    let beforeResult = false;
    const a = pool.applyAsync(tasks.steps, ['a', 50], { onProgress: record('a') });
    const b = pool.applyAsync(tasks.stepsAsync, ['b', 20], {
      onProgress: record('b'),
      callback: () => void (beforeResult = seen.get('b')?.length === 20),
    });
    const c = pool.apply(tasks.steps, ['c', 5], { onProgress: record('c') });
    assert.deepEqual(await Promise.all([a.get(), b.get(), c]), ['a', 'b', 'c']);
    assert.ok(beforeResult, "every report arrived before the task's result");
    for (const [label, n] of [['a', 50], ['b', 20], ['c', 5]] as const) assert.deepEqual(seen.get(label), Array.from({ length: n }, (_, i) => `${label}:${i}`));
  });

  test('a map reports progress per chunk, with the id of each task', async () => {
    await using pool = new Pool(2);
    const byTask = new Map<number, unknown[]>();
    const onProgress = (value: unknown, id: number): void => void byTask.set(id, [...(byTask.get(id) ?? []), value]);
    assert.deepEqual(await pool.map(tasks.twice, [1, 2, 3, 4], { chunksize: 2, onProgress }), [10, 20, 30, 40]);
    assert.deepEqual([...byTask.values()].sort((x, y) => Number(x[0]) - Number(y[0])), [[1, -1, 2, -2], [3, -3, 4, -4]]);
    const fromAsync: unknown[] = [];
    assert.deepEqual(await pool.mapAsync(tasks.twice, [5], { onProgress: (v) => void fromAsync.push(v) }).get(), [50]);
    assert.deepEqual(fromAsync, [5, -5]);
    const fromImap: unknown[] = [];
    const out: number[] = [];
    for await (const v of pool.imap(tasks.twice, [6, 7], { onProgress: (v) => void fromImap.push(v) })) out.push(v);
    assert.deepEqual(out, [60, 70]);
    assert.deepEqual(fromImap, [6, -6, 7, -7]);
  });

  test('reportProgress sends only inside a pool task; elsewhere it does nothing', async () => {
    await using pool = new Pool(1);
    assert.equal(await pool.apply(tasks.reportReturns), true);
    assert.equal(reportProgress('in the main program'), false);
    // With no onProgress the reports are dropped, and the task runs as before.
    assert.equal(await pool.apply(tasks.steps, ['quiet', 3]), 'quiet');
  });

  test('bad onProgress and progress options are TypeErrors with a code', async () => {
    await using pool = new Pool(1);
    const badCallback = { onProgress: 5 as unknown as () => void };
    const argType = isCode(TypeError, 'ERR_INVALID_ARG_TYPE');
    await assert.rejects(pool.applyAsync(tasks.reportReturns, [], badCallback).get(), argType);
    await assert.rejects(pool.apply(tasks.reportReturns, [], badCallback), argType);
    await assert.rejects(pool.map(tasks.twice, [1], badCallback), argType);
    await assert.rejects(pool.map(tasks.twice, [1], { progress: 'yes' as unknown as boolean }), argType);
    await assert.rejects(pool.imap(tasks.twice, [1], { progress: 1 as unknown as boolean }).next(), argType);
    // Not a terminal here: progress: true draws nothing and changes nothing.
    assert.deepEqual(await pool.map(tasks.twice, [1, 2], { progress: true }), [10, 20]);
  });
});
