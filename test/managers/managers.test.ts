// Managers, TypeScript on both sides: SyncManager's types through their proxies, BaseManager
// registrations, reference counting, errors, proxies passed to child processes, and a blocking
// call that holds only its own connection. CPython: _TestManagerRestart, _TestMyManager,
// _TestRemoteManager, test_dict/test_list/test_namespace in Lib/test/_test_multiprocessing.py.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  AutoProxy, BaseManager, Empty, Manager, Process, Queue, QueueProxy, RemoteError, SharedMemory, SharedMemoryManager, SyncManager, ValueError,
  type DictProxy,
} from 'multiprocessing-ts';
import { tuple } from '../../src/pickle/index.js';
import { runManagerSuite } from '../suites/managers.suite.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { LONG, SHORT } from '../helpers/timeouts.js';

const opts = { timeout: SHORT };

runManagerSuite('our server', async () => {
  const m = new SyncManager({ authkey: 'suite' });
  await m.start();
  return { address: m.address, authkey: 'suite', stop: () => m.shutdown() };
});

describe('reference counting', () => {
  after(assertNoLeaks);

  it('an object only other objects hold lives while they hold it: freed when the item is removed, overwritten, or its holder is freed', opts, async () => {
    await using m = await Manager();
    const counted = () => m.numberOfObjects(); // ours counts every live object, held by clients or by other objects
    const list = await m.list<unknown>();
    const [q1, q2, q3] = [await m.Queue(), await m.Queue(), await m.Queue()];
    await list.extend([q1, q2, tuple('nested', [q3])]);
    for (const q of [q1, q2, q3]) await q.decref();
    assert.equal(await counted(), 4, 'the list holds the three queues');
    await list.delete(0);
    assert.equal(await counted(), 3, 'removed: freed');
    await list.set(0, 'overwritten');
    assert.equal(await counted(), 2, 'overwritten: freed');
    const d = await m.dict<string, unknown>();
    await d.set('list', list);
    await list.decref();
    assert.equal(await counted(), 3, 'the dict holds the list, which holds the last queue');
    await d.decref();
    assert.equal(await counted(), 0, 'freeing the holder frees what only it held, at any depth');
  });

  it('objects that only hold each other are freed together (b.append(b), a cycle through two lists)', opts, async () => {
    await using m = await Manager();
    const b = await m.list<unknown>();
    await b.append(b);
    const x = await m.list<unknown>();
    const y = await m.dict<string, unknown>();
    await x.append(y);
    await y.set('x', x);
    assert.equal(await m.numberOfObjects(), 3);
    for (const p of [b, x, y]) await p.decref();
    assert.equal(await m.numberOfObjects(), 0);
  });

  it('a proxy in a reply stays alive until the client has taken its reference, even when nothing else holds it', opts, async () => {
    await using m = await Manager();
    const list = await m.list<unknown>();
    const q = await m.Queue<number>();
    await list.append(q);
    await q.decref();
    // pop: the queue leaves the list in the reply itself; the client's incref comes after.
    const popped = (await list.pop()) as QueueProxy<number>;
    await popped.put(1);
    assert.equal(await popped.get(), 1);
    assert.equal(await m.numberOfObjects(), 2);
    await popped.decref();
    await list.decref();
    assert.equal(await m.numberOfObjects(), 0);
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

describe('SharedMemoryManager and join()', () => {
  after(assertNoLeaks);

  it('segments made through a SharedMemoryManager are unlinked when its server stops; join() resolves then', opts, async () => {
    const smm = new SharedMemoryManager();
    await smm.start();
    const shm = await smm.SharedMemory(64);
    shm.buf[0] = 42;
    const other = new SharedMemory({ name: shm.name });
    assert.equal(other.buf[0], 42);
    other.close();
    assert.deepEqual(await smm.listSegments(), [shm.name]);
    shm.close();
    let joined = false;
    const joining = smm.join().then(() => (joined = true));
    assert.equal(existsSync(`/dev/shm/${shm.name}`), true);
    await smm.shutdown();
    await joining;
    assert.equal(joined, true);
    assert.equal(existsSync(`/dev/shm/${shm.name}`), false, 'the server unlinked the segment');
    await smm.join(); // at once, once stopped
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
