// SyncManager's types through our proxies, against any SyncManager server: ours
// (test/managers/managers.test.ts) and CPython's 3.11-3.13 (test/interop/managers-cpython-server.test.ts),
// so that every proxy method we offer is proved against the real thing. Each test connects a
// client of its own to the one server of the run. CPython: test_dict/test_list/test_namespace of
// _TestContainers, _TestQueue, _TestLock... in their manager flavour (Lib/test/_test_multiprocessing.py).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BrokenBarrierError, Empty, Full, ListProxy, Namespace, QueueProxy, RemoteError, SyncManager, type Address, type DictProxy,
} from 'multiprocessing-ts';
import { Tuple, tuple } from '../../src/pickle/index.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { SHORT } from '../helpers/timeouts.js';

/** A SyncManager server the suite runs against. */
export interface ManagerServer {
  readonly address: Address;
  readonly authkey: string;
  /** Stop it; the suite has ended. */
  stop(): Promise<void>;
}

const isRemote = (name: string) => (e: unknown): boolean => e instanceof RemoteError && e.remoteName === name;

/** Install the suite: `start` starts the server once, before the first test. */
export function runManagerSuite(name: string, start: () => Promise<ManagerServer>, options: { skip?: string | false } = {}): void {
  describe(`${name}: SyncManager's types through our proxies`, { skip: options.skip }, () => {
    let server: ManagerServer;
    before(async () => {
      server = await start();
    });
    after(async () => {
      await server?.stop();
      await assertNoLeaks();
    });
    const connect = async (): Promise<SyncManager> => {
      const m = new SyncManager({ address: server.address, authkey: server.authkey });
      await m.connect();
      return m;
    };
    const test = (title: string, fn: (m: SyncManager) => Promise<void>): void => {
      it(title, { timeout: SHORT }, async () => {
        await using m = await connect();
        await fn(m);
      });
    };
    body(test);
  });
}

function body(test: (title: string, fn: (m: SyncManager) => Promise<void>) => void): void {
  test('dict: set, get, getItem, has, len, keys, items, pop, update, copy, getValue; KeyError as RemoteError', async (m) => {
    const d = await m.dict<unknown, unknown>({ a: 1 });
    await d.set('b', [1, 2]);
    await d.set(tuple(1, 2), 'tuple key');
    assert.equal(await d.get('a'), 1);
    assert.equal(await d.get('zz', 'dflt'), 'dflt');
    assert.deepEqual(await d.getItem('b'), [1, 2]);
    // A tuple key arrives as a new Tuple on every call, and is still the same key.
    assert.equal(await d.getItem(tuple(1, 2)), 'tuple key');
    assert.equal(await d.has('a'), true);
    assert.equal(await d.len(), 3);
    assert.deepEqual((await d.keys()).slice(0, 2), ['a', 'b']);
    assert.deepEqual((await d.items())[0], ['a', 1]);
    await d.update({ c: 3 });
    assert.equal(await d.pop('c'), 3);
    assert.equal(await d.pop('c', 'gone'), 'gone');
    assert.equal(await d.setdefault('s', 5), 5);
    assert.equal(await d.setdefault('s', 6), 5);
    await d.delete('s');
    const copy = await d.copy();
    assert.ok(copy instanceof Map && copy.get('a') === 1);
    await assert.rejects(d.getItem('missing'), (e: unknown) => isRemote('KeyError')(e) && /missing/.test((e as Error).message));
    await assert.rejects(d.delete('missing'), isRemote('KeyError'));
    assert.deepEqual(await d.values(), [1, [1, 2], 'tuple key']);
    const keys: unknown[] = [];
    for await (const key of d) keys.push(key);
    assert.equal(keys.length, 3);
    assert.deepEqual(await d.popitem(), [tuple(1, 2), 'tuple key']);
    await d.clear();
    assert.deepEqual(await d.getValue(), new Map());
    await assert.rejects(d.popitem(), isRemote('KeyError'));
  });

  test("dict iteration: __iter__ gives an iterator proxy; a dict that changes size makes it raise RuntimeError, as Python's", async (m) => {
    const d = await m.dict<string, number>({ a: 1, b: 2 });
    // Python's list(d): __iter__ returns an Iterator proxy (method_to_typeid), then __next__ until StopIteration.
    const iter = (await d.callMethod('__iter__')) as AsyncIterable<unknown> & { decref(): Promise<void> };
    const viaIterator: unknown[] = [];
    for await (const key of iter) viaIterator.push(key);
    assert.deepEqual(viaIterator, ['a', 'b']);
    await iter.decref();
    const changing = (await d.callMethod('__iter__')) as { next(): Promise<IteratorResult<unknown>>; decref(): Promise<void> };
    await d.clear();
    await assert.rejects(changing.next(), isRemote('RuntimeError'));
    await changing.decref();
  });

  test('list: append, extend, get (negative), slice, set, insert, pop, index, count, sort, includes, getValue', async (m) => {
    const l = await m.list([3, 1, 2]);
    await l.append(5);
    await l.extend([4]);
    assert.equal(await l.get(-1), 4);
    assert.deepEqual(await l.slice(1, 3), [1, 2]);
    assert.deepEqual(await l.slice(null, null, -1), [4, 5, 2, 1, 3]);
    await l.set(0, 30);
    await l.insert(0, 0);
    assert.equal(await l.pop(), 4);
    assert.equal(await l.pop(0), 0);
    await l.insert(0, 0);
    assert.equal(await l.index(2), 3);
    assert.equal(await l.count(30), 1);
    await l.sort({ reverse: true });
    assert.deepEqual(await l.getValue(), [30, 5, 2, 1, 0]);
    await l.reverse();
    assert.deepEqual(await l.getValue(), [0, 1, 2, 5, 30]);
    await l.remove(5);
    await l.sort();
    assert.equal(await l.includes(30), true);
    await l.setSlice(0, 2, [7]);
    assert.deepEqual(await l.getValue(), [7, 2, 30]);
    await l.delete(-1);
    await assert.rejects(l.get(10), isRemote('IndexError'));
    await assert.rejects(l.remove(99), isRemote('ValueError'));
    await assert.rejects(l.index(99), isRemote('ValueError'));
    assert.equal(await l.len(), 2);
    assert.deepEqual(await l.concat([1]), [7, 2, 1]);
    assert.deepEqual(await l.repeat(2), [7, 2, 7, 2]);
    assert.deepEqual(await l.reversed(), [2, 7]);
    await l.repeatInPlace(2);
    assert.deepEqual(await l.getValue(), [7, 2, 7, 2]);
    await l.setSlice(2, null, []);
    const items: unknown[] = [];
    for await (const item of l) items.push(item);
    assert.deepEqual(items, [7, 2]);
  });

  test('Namespace, Value, Array: attributes, get/set, items; getValue returns Namespace / ManagedValue / typed array', async (m) => {
    const ns = await m.Namespace({ x: 1 });
    await ns.set('y', 'two');
    assert.equal(await ns.get('x'), 1);
    const value = await ns.getValue();
    assert.ok(value instanceof Namespace);
    assert.deepEqual({ ...value }, { x: 1, y: 'two' });
    await ns.delete('y');
    await assert.rejects(ns.get('y'), isRemote('AttributeError'));
    assert.match(await ns.repr(), /^Namespace\(x=1\)$/);

    const v = await m.Value('i', 5);
    await v.set(7);
    assert.equal(await v.get(), 7);
    assert.equal((await v.getValue()).value, 7);

    const a = await m.Array('d', [1, 2, 3]);
    await a.set(0, 9.5);
    assert.equal(await a.get(0), 9.5);
    assert.equal(await a.len(), 3);
    assert.deepEqual(await a.slice(1), [2, 3]);
    assert.deepEqual([...((await a.getValue()) as Float64Array)], [9.5, 2, 3]);
  });

  test('Queue and JoinableQueue: put/get with timeouts in ms, Empty and Full, nowait, qsize, taskDone/join', async (m) => {
    const q = await m.Queue<unknown>(2);
    await q.put(tuple(1, 'a'));
    await q.putNowait(2);
    assert.equal(await q.full(), true);
    await assert.rejects(q.put(3, { timeout: 20 }), Full);
    await assert.rejects(q.putNowait(3), Full);
    assert.equal(await q.qsize(), 2);
    const first = await q.get();
    assert.ok(first instanceof Tuple, 'a tuple stays a tuple on the server');
    assert.equal(await q.getNowait(), 2);
    await assert.rejects(q.get({ timeout: 20 }), (e: unknown) => e instanceof Empty && (e as Empty).code === 'ERR_MP_EMPTY');
    await assert.rejects(q.get({ block: false }), Empty);
    assert.equal(await q.empty(), true);

    const jq = await m.JoinableQueue<number>();
    await jq.put(1);
    const joined = jq.join();
    assert.equal(await jq.get(), 1);
    await jq.taskDone();
    await joined;
    await assert.rejects(jq.taskDone(), isRemote('ValueError'));
  });

  test('Lock, RLock, Semaphore, BoundedSemaphore, Condition, Event, Barrier', async (m) => {
    const lock = await m.Lock();
    assert.equal(await lock.acquire(), true);
    assert.equal(await lock.acquire({ timeout: 10 }), false);
    assert.equal(await lock.acquire(false), false);
    await lock.release();
    await assert.rejects(lock.release(), isRemote('RuntimeError'));
    assert.equal(await lock.withLock(() => 'inside'), 'inside');

    // An RLock belongs to the connection that took it: our client takes one pooled connection per
    // call in flight, so re-entry is checked with calls made one after another.
    const rlock = await m.RLock();
    assert.equal(await rlock.acquire(), true);
    assert.equal(await rlock.acquire(), true);
    await rlock.release();
    await rlock.release();
    await assert.rejects(rlock.release(), isRemote('RuntimeError'));

    const sem = await m.BoundedSemaphore(2);
    assert.equal(await sem.acquire(), true);
    assert.equal(await sem.acquire(), true);
    assert.equal(await sem.acquire({ timeout: 10 }), false);
    await sem.release();
    await sem.release();
    await assert.rejects(sem.release(), isRemote('ValueError'));
    const plain = await m.Semaphore(0);
    assert.equal(await plain.acquire(false), false);
    await plain.release();
    assert.equal(await plain.acquire(false), true);

    const cond = await m.Condition();
    await cond.acquire();
    assert.equal(await cond.wait(10), false, 'nobody notifies: the wait times out');
    await cond.notify();
    await cond.notifyAll();
    await cond.release();
    await assert.rejects(cond.notify(), isRemote('RuntimeError'));

    const ev = await m.Event();
    assert.equal(await ev.wait(10), false);
    const waiting = ev.wait();
    await ev.set();
    assert.equal(await waiting, true);
    assert.equal(await ev.isSet(), true);
    await ev.clear();
    assert.equal(await ev.isSet(), false);

    const barrier = await m.Barrier(2, { timeout: 5000 });
    assert.equal(await barrier.parties(), 2);
    assert.equal(await barrier.nWaiting(), 0);
    const indices = await Promise.all([barrier.wait(), barrier.wait()]);
    assert.deepEqual(indices.sort(), [0, 1]);
    await assert.rejects(barrier.wait(20), BrokenBarrierError);
    assert.equal(await barrier.broken(), true);
    await barrier.reset();
    assert.equal(await barrier.broken(), false);
    await barrier.abort();
    assert.equal(await barrier.broken(), true);
  });

  test('a Condition wait is woken by a notify from another client', async (m) => {
    const cond = await m.Condition();
    const other = new SyncManager({ address: m.address, authkey: m.authkey });
    await other.connect();
    try {
      await cond.acquire();
      const woken = cond.wait(5000);
      // The waiter released the lock: another client can take it and notify (one call after another: one connection).
      assert.equal(await other.client.call(cond.token.id, 'acquire', [true]), true);
      await other.client.call(cond.token.id, 'notify', [1]);
      await other.client.call(cond.token.id, 'release');
      assert.equal(await woken, true);
      await cond.release();
    } finally {
      await other.shutdown();
    }
  });

  test('create holds the first reference: the proxy owns it, and decref frees the object', async (m) => {
    const before = await m.numberOfObjects();
    const d = await m.dict();
    assert.equal(await m.numberOfObjects(), before + 1);
    // Python clients send incref (proxy) then decref (creation reference): the object must survive.
    await m.client.serverCall('incref', [d.token.id]);
    await m.client.serverCall('decref', [d.token.id]);
    await d.set('still', 'alive');
    assert.equal(await d.get('still'), 'alive');
    await d.decref();
    assert.equal(await m.numberOfObjects(), before);
    await assert.rejects(m.client.serverCall('decref', [d.token.id]), isRemote('KeyError'));
    await assert.rejects(d.get('x'), isRemote('KeyError'));
  });

  test('a proxy put in a list or a dict comes back as a live proxy with its own reference; nested objects are reached through their holder', async (m) => {
    const before = await m.numberOfObjects();
    const outer = await m.list<unknown>();
    const q = await m.Queue<number>();
    const inner = await m.dict<string, number>({ n: 1 });
    await outer.append(q);
    await outer.append(tuple('dict', inner));
    await q.decref();
    await inner.decref();
    const q2 = (await outer.get(0)) as QueueProxy<number>;
    assert.ok(q2 instanceof QueueProxy);
    await q2.put(123);
    assert.equal(await q2.get(), 123);
    const [, d2] = (await outer.get(1)) as [string, DictProxy<string, number>];
    assert.equal(await d2.get('n'), 1);
    const value = await outer.getValue();
    assert.ok(value[0] instanceof QueueProxy, 'getValue rebuilds the proxies inside, each with its reference');
    for (const p of [q2, d2, value[0] as QueueProxy<number>, (value[1] as [string, DictProxy])[1]]) await p.decref();
    await outer.decref();
    // CPython counts client references only; ours frees the objects only the list held too.
    assert.equal(await m.numberOfObjects(), before);
  });

  test('proxies of Python-shaped results: #PROXY replies, repr through the fallback, a registered list from two clients', async (m) => {
    const l = await m.list([1, 2]);
    assert.equal(await l.repr(), '[1, 2]');
    const other = new SyncManager({ address: m.address, authkey: m.authkey });
    await other.connect();
    try {
      const d = await other.dict<string, unknown>();
      await d.set('shared', l);
      const back = (await d.get('shared')) as ListProxy<number>;
      assert.ok(back instanceof ListProxy);
      await back.append(3);
      assert.deepEqual(await l.getValue(), [1, 2, 3], 'the same list, reached from another client');
      await back.decref();
      await d.decref();
    } finally {
      await other.shutdown();
    }
  });
}
