// multiprocessing-ts/redis Queue: our Queue's interface, kept in a real redis-server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Empty, Full, OSError, Queue, ValueError } from 'multiprocessing-ts/redis';
import { assertNoLeaks } from '../helpers/leaks.js';
import { skipRedis, startRedis, type RedisServer } from '../helpers/redis.js';
import { SHORT } from '../helpers/timeouts.js';

describe('redis Queue', { skip: skipRedis }, () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => redis?.stop());
  after(assertNoLeaks);

  it('FIFO across handles, structured-clone data, qsize/empty/full', { timeout: SHORT }, async () => {
    await using producer = new Queue<unknown>({ redis: redis.url, name: 'fifo' });
    await using consumer = new Queue<unknown>({ redis: redis.url, name: 'fifo' });
    assert.equal(await consumer.empty(), true);
    const items = [1, 'two', { three: new Map([[3, new Set([3n])]]) }, new Date(4), null];
    for (const item of items) await producer.put(item);
    assert.equal(await consumer.qsize(), items.length);
    assert.equal(await consumer.full(), false);
    const got: unknown[] = [];
    for (let i = 0; i < items.length; i++) got.push(await consumer.get());
    assert.deepEqual(got, items);
  });

  it('maxsize: put fails with Full when non-blocking or past its timeout, and waits for room', { timeout: SHORT }, async () => {
    await using q = new Queue<number>({ redis: redis.url, name: 'bounded', maxsize: 2 });
    await q.put(1);
    await q.putNowait(2);
    assert.equal(await q.full(), true);
    await assert.rejects(q.putNowait(3), (e: unknown) => e instanceof Full && e.code === 'ERR_MP_FULL');
    await assert.rejects(q.put(3, { timeout: 50 }), Full);
    const waiting = q.put(3);
    assert.equal(await q.get(), 1);
    await waiting;
    assert.deepEqual([await q.get(), await q.get()], [2, 3]);
  });

  it('get fails with Empty when non-blocking or past its timeout; a waiting get is woken by a put from elsewhere', { timeout: SHORT }, async () => {
    await using q = new Queue<string>({ redis: redis.url, name: 'empty' });
    await using other = new Queue<string>({ redis: redis.url, name: 'empty' });
    await assert.rejects(q.getNowait(), (e: unknown) => e instanceof Empty && e.code === 'ERR_MP_EMPTY');
    await assert.rejects(q.get({ timeout: 50 }), Empty);
    const [a, b] = [q.get(), q.get({ timeout: SHORT })];
    await other.put('x');
    await other.put('y');
    assert.deepEqual([await a, await b].sort(), ['x', 'y']);
  });

  it('a Queue whose Redis cannot be reached: put rejects within seconds with OSError ERR_MP_REDIS_UNREACHABLE', { timeout: SHORT }, async () => {
    await using queue = new Queue<number>({ redis: 'redis://127.0.0.1:1', name: 'nowhere' });
    await assert.rejects(queue.put(1), (err: unknown) => err instanceof OSError && err.code === 'ERR_MP_REDIS_UNREACHABLE' && /ECONNREFUSED/.test(err.message));
  });

  it('close: a waiting get rejects with ValueError, async iteration ends, the items stay for other handles', { timeout: SHORT }, async () => {
    const q = new Queue<number>({ redis: redis.url, name: 'closing' });
    const waiting = q.get();
    q.close();
    await assert.rejects(waiting, (e: unknown) => e instanceof ValueError && e.code === 'ERR_MP_CLOSED');
    await assert.rejects(q.put(1), ValueError);
    await q.joinThread();

    await using feeder = new Queue<number>({ redis: redis.url, name: 'closing' });
    for (const x of [1, 2, 3]) await feeder.put(x);
    const reader = new Queue<number>({ redis: redis.url, name: 'closing' });
    const seen: number[] = [];
    for await (const x of reader) {
      seen.push(x);
      if (seen.length === 2) reader.close();
    }
    assert.deepEqual(seen, [1, 2]);
    assert.equal(await feeder.qsize(), 1);
    await feeder.clear();
    await reader.joinThread();
  });
});
