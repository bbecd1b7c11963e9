// Managers, TypeScript on both sides: SyncManager's types through their proxies, BaseManager
// registrations, reference counting, errors, proxies passed to child processes, and a blocking
// call that holds only its own connection. CPython: _TestManagerRestart, _TestMyManager,
// _TestRemoteManager, test_dict/test_list/test_namespace in Lib/test/_test_multiprocessing.py.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  AutoProxy, BaseManager, BrokenBarrierError, Empty, Full, Manager, Namespace, Process, Queue, QueueProxy, RemoteError, SyncManager, ValueError,
  type DictProxy,
} from 'multiprocessing-ts';
import { Tuple, tuple } from '../../src/pickle/index.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { LONG, SHORT } from '../helpers/timeouts.js';

const opts = { timeout: SHORT };

describe('SyncManager: the shared types through their proxies', () => {
  after(assertNoLeaks);

  it('dict: set, get, getItem, has, len, keys, items, pop, update, copy, getValue; KeyError as RemoteError', opts, async () => {
    await using m = await Manager();
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
    const copy = await d.copy();
    assert.ok(copy instanceof Map && copy.get('a') === 1);
    await assert.rejects(d.getItem('missing'), (e: unknown) => e instanceof RemoteError && e.remoteName === 'KeyError' && /missing/.test(e.message));
    const keys: unknown[] = [];
    for await (const key of d) keys.push(key);
    assert.equal(keys.length, 3);
    // Python's list(d): __iter__ returns an Iterator proxy (method_to_typeid), then __next__ until StopIteration.
    const iter = (await d.callMethod('__iter__')) as AsyncIterable<unknown> & { decref(): Promise<void> };
    const viaIterator: unknown[] = [];
    for await (const key of iter) viaIterator.push(key);
    assert.deepEqual(viaIterator.slice(0, 2), ['a', 'b']);
    await iter.decref();
    await d.clear();
    assert.deepEqual(await d.getValue(), new Map());
  });

  it('list: append, extend, get (negative), slice, set, insert, pop, index, count, sort, includes, getValue', opts, async () => {
    await using m = await Manager();
    const l = await m.list([3, 1, 2]);
    await l.append(5);
    await l.extend([4]);
    assert.equal(await l.get(-1), 4);
    assert.deepEqual(await l.slice(1, 3), [1, 2]);
    assert.deepEqual(await l.slice(null, null, -1), [4, 5, 2, 1, 3]);
    await l.set(0, 30);
    await l.insert(0, 0);
    assert.equal(await l.pop(), 4);
    assert.equal(await l.index(2), 3);
    assert.equal(await l.count(30), 1);
    await l.sort({ reverse: true });
    assert.deepEqual(await l.getValue(), [30, 5, 2, 1, 0]);
    assert.equal(await l.includes(5), true);
    await l.setSlice(0, 2, [7]);
    assert.deepEqual(await l.getValue(), [7, 2, 1, 0]);
    await assert.rejects(l.get(10), (e: unknown) => e instanceof RemoteError && e.remoteName === 'IndexError');
    assert.equal(await l.len(), 4);
  });

  it('Namespace, Value, Array: attributes, get/set, items; getValue returns Namespace / ManagedValue / typed array', opts, async () => {
    await using m = await Manager();
    const ns = await m.Namespace({ x: 1 });
    await ns.set('y', 'two');
    assert.equal(await ns.get('x'), 1);
    const value = await ns.getValue();
    assert.ok(value instanceof Namespace);
    assert.deepEqual({ ...value }, { x: 1, y: 'two' });
    await ns.delete('y');
    await assert.rejects(ns.get('y'), (e: unknown) => e instanceof RemoteError && e.remoteName === 'AttributeError');

    const v = await m.Value('i', 5);
    await v.set(7);
    assert.equal(await v.get(), 7);
    assert.equal((await v.getValue()).value, 7);

    const a = await m.Array('d', [1, 2, 3]);
    await a.set(0, 9.5);
    assert.equal(await a.get(0), 9.5);
    assert.equal(await a.len(), 3);
    assert.deepEqual([...((await a.getValue()) as Float64Array)], [9.5, 2, 3]);
  });

  it('Queue and JoinableQueue: put/get with timeouts in ms, Empty and Full, nowait, qsize, taskDone/join', opts, async () => {
    await using m = await Manager();
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
    await assert.rejects(jq.taskDone(), (e: unknown) => e instanceof RemoteError && e.remoteName === 'ValueError');
  });

  it('Lock, RLock, Semaphore, BoundedSemaphore, Condition, Event, Barrier', opts, async () => {
    await using m = await Manager();
    const lock = await m.Lock();
    assert.equal(await lock.acquire(), true);
    assert.equal(await lock.acquire({ timeout: 10 }), false);
    assert.equal(await lock.acquire(false), false);
    await lock.release();
    await assert.rejects(lock.release(), (e: unknown) => e instanceof RemoteError && e.remoteName === 'RuntimeError');
    assert.equal(await lock.withLock(() => 'inside'), 'inside');

    // An RLock belongs to the connection that took it: our client takes one pooled connection per
    // call in flight, so re-entry is checked with calls made one after another.
    const rlock = await m.RLock();
    assert.equal(await rlock.acquire(), true);
    assert.equal(await rlock.acquire(), true);
    await rlock.release();
    await rlock.release();

    const sem = await m.BoundedSemaphore(2);
    assert.equal(await sem.acquire(), true);
    assert.equal(await sem.acquire(), true);
    assert.equal(await sem.acquire({ timeout: 10 }), false);
    await sem.release();
    await sem.release();
    await assert.rejects(sem.release(), (e: unknown) => e instanceof RemoteError && e.remoteName === 'ValueError');

    const cond = await m.Condition();
    await cond.acquire();
    assert.equal(await cond.wait(10), false, 'nobody notifies: the wait times out');
    await cond.notifyAll();
    await cond.release();

    const ev = await m.Event();
    assert.equal(await ev.wait(10), false);
    const waiting = ev.wait();
    await ev.set();
    assert.equal(await waiting, true);
    assert.equal(await ev.isSet(), true);

    const barrier = await m.Barrier(2);
    assert.equal(await barrier.parties(), 2);
    const indices = await Promise.all([barrier.wait(), barrier.wait()]);
    assert.deepEqual(indices.sort(), [0, 1]);
    await assert.rejects(barrier.wait(20), BrokenBarrierError);
    assert.equal(await barrier.broken(), true);
    await barrier.reset();
    assert.equal(await barrier.broken(), false);
  });
});

describe('reference counting', () => {
  after(assertNoLeaks);

  it('create holds the first reference: the proxy owns it, and decref frees the object', opts, async () => {
    await using m = await Manager();
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
    await assert.rejects(m.client.serverCall('decref', [d.token.id]), (e: unknown) => e instanceof RemoteError && e.remoteName === 'KeyError');
    await assert.rejects(d.get('x'), (e: unknown) => e instanceof RemoteError && e.remoteName === 'KeyError');
  });

  it('the same object returned twice has one ident and one refcount', opts, async () => {
    const shared = new Map<string, number>();
    class SharingManager extends BaseManager {
      declare get_shared: () => Promise<DictProxy<string, number>>;
    }
    SharingManager.register('get_shared', () => shared);
    await using m = new SharingManager();
    await m.start();
    const a = await m.get_shared();
    const b = await m.get_shared();
    assert.equal(a.token.id, b.token.id);
    await a.set('n', 1);
    assert.equal(shared.get('n'), 1, 'the server holds the very Map the callable returned');
    await a.decref();
    assert.equal(await b.get('n'), 1);
    await b.decref();
    assert.equal(await m.numberOfObjects(), 0);
  });
});

describe('BaseManager', () => {
  after(assertNoLeaks);

  class Calc {
    constructor(readonly base: number) {}
    add(a: number, b: number): number {
      return this.base + a + b;
    }
    async slow(x: number): Promise<number> {
      await new Promise((resolve) => setImmediate(resolve));
      return x * 2;
    }
    fail(): never {
      throw new Error('calc failed');
    }
    _hidden(): number {
      return 0;
    }
  }

  it('registered callables become methods; an AutoProxy exposes the public methods; errors keep name, message and stack', opts, async () => {
    class CalcManager extends BaseManager {
      declare Calc: (base: number) => Promise<AutoProxy>;
    }
    CalcManager.register('Calc', (base: number) => new Calc(base));
    await using m = new CalcManager({ authkey: 'key' });
    await m.start();
    const calc = await m.Calc(10);
    assert.ok(calc instanceof AutoProxy);
    assert.deepEqual(calc.exposed, ['add', 'fail', 'slow']);
    assert.equal(await (calc.add as (a: number, b: number) => Promise<number>)(1, 2), 13);
    assert.equal(await calc.call('slow', [21]), 42);
    await assert.rejects(calc.call('fail'), (e: unknown) => e instanceof RemoteError && e.remoteName === 'Exception' && /calc failed/.test(e.message) && /Calc\.fail/.test(e.remoteStack));
    await assert.rejects(calc.call('_hidden'), (e: unknown) => e instanceof RemoteError && e.remoteName === 'AttributeError' && /not in exposed/.test(e.message));
    await assert.rejects(m.create('NoSuchType'), (e: unknown) => e instanceof RemoteError && e.remoteName === 'KeyError');
  });

  it('exposed and methodToTypeid: only the listed methods; a method can return a proxy of another type', opts, async () => {
    class M extends BaseManager {}
    M.register('Calc', () => new Calc(1), { exposed: ['add', 'twin'], methodToTypeid: { twin: 'Calc2' } });
    M.register('Calc2', undefined, { exposed: ['add'], createMethod: false });
    Object.defineProperty(Calc.prototype, 'twin', { value: () => new Calc(100), configurable: true });
    await using m = new M();
    await m.start();
    const calc = await m.create<AutoProxy>('Calc');
    assert.deepEqual(calc.exposed, ['add', 'twin', 'twin']);
    await assert.rejects(calc.call('fail'), (e: unknown) => e instanceof RemoteError && e.remoteName === 'AttributeError');
    const twin = (await calc.call('twin')) as AutoProxy;
    assert.equal(twin.token.typeid, 'Calc2');
    assert.equal(await twin.call('add', [1, 1]), 102);
  });

  it('a registered shared-memory Queue is served as a queue (QueueProxy); a waiting get holds only its own connection', opts, async () => {
    const taskQueue = new Queue<number>();
    class QueueManager extends BaseManager {
      declare get_task_queue: () => Promise<QueueProxy<number>>;
    }
    QueueManager.register('get_task_queue', () => taskQueue);
    await using m = new QueueManager({ authkey: 'key' });
    await m.start();
    const q = await m.get_task_queue();
    assert.ok(q instanceof QueueProxy);
    const blocked = q.get(); // waits: nothing there yet
    // Other calls go through meanwhile, on other connections.
    assert.equal(await q.qsize(), 0);
    assert.equal(await q.empty(), true);
    await q.put(7);
    assert.equal(await blocked, 7);
    await assert.rejects(q.get({ timeout: 30 }), Empty);
    taskQueue.close();
  });

  it('a second manager connects with the address and authkey; shutdown through the server stops serveForever', opts, async () => {
    class QM extends SyncManager {}
    const server = new QM({ address: ['127.0.0.1', 0], authkey: 'secret' }).getServer();
    await server.listen();
    const serving = server.serveForever();
    const client = new QM({ address: server.address, authkey: 'secret' });
    await client.connect();
    const q = await client.Queue<string>();
    await q.put('x');
    assert.equal(await q.get(), 'x');
    await client.client.serverCall('shutdown');
    await serving;
    await client.shutdown();
  });

  it('serves on a Unix socket path', opts, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpts-mgr-'));
    try {
      await using m = new SyncManager({ address: join(dir, 'manager.sock'), authkey: 'k' });
      await m.start();
      const d = await m.dict();
      await d.set('unix', true);
      assert.equal(await d.get('unix'), true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to serve beyond loopback without an explicit authkey; connect needs address and key', opts, async () => {
    assert.throws(() => new SyncManager({ address: ['0.0.0.0', 0] }).getServer(), (e: unknown) => e instanceof ValueError && e.code === 'ERR_MP_NO_AUTHKEY');
    await assert.rejects(new SyncManager({ address: ['127.0.0.1', 1] }).connect(), (e: unknown) => e instanceof ValueError && e.code === 'ERR_MP_NO_AUTHKEY');
    await assert.rejects(new SyncManager().connect(), (e: unknown) => e instanceof ValueError);
  });
});

describe('proxies in child processes', () => {
  after(assertNoLeaks);

  it('a proxy passed in Process args is a live handle: the child connects with the key and takes its own reference', { timeout: LONG }, async () => {
    await using m = await Manager();
    const d = await m.dict<string, number>();
    const q = await m.Queue<string>();
    const p = new Process({
      target: async (d: DictProxy<string, number>, q: QueueProxy<string>) => {
        await d.set('from child', process.pid);
        await q.put('done');
        await d.decref();
      },
      args: [d, q],
    });
    p.start();
    assert.equal(await q.get({ timeout: LONG }), 'done');
    await p.join();
    assert.equal(p.exitcode, 0);
    assert.equal(await d.get('from child'), p.pid);
  });
});
