// Managers against live CPython, both ways, on every installed version: unchanged Python
// BaseManager/SyncManager clients against our server, and our client against Python's server.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { AutoProxy, Empty, Queue, QueueProxy, RemoteError, SharedMemory, SharedMemoryManager, SyncManager } from 'multiprocessing-ts';
import { existsSync } from 'node:fs';
import { LocalQueue } from '../../src/managers/primitives.js';
import { Tuple, tuple } from '../../src/pickle/index.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { pythons, runPython } from '../helpers/python.js';
import { LONG } from '../helpers/timeouts.js';

const PYENV = { PYENV_VERSION: '3.11.7:3.12.1:3.13.0' };

for (const python of pythons) if (!python.available) console.log(`# NOTICE: ${python.name} is not installed: its manager interop tests are skipped`);

// An unchanged Python client: SyncManager proxies plus the classic registered queue.
const pyClient = `
import sys, queue
from multiprocessing.managers import SyncManager

class QueueManager(SyncManager):
    pass

QueueManager.register('get_task_queue')
QueueManager.register('get_local_queue')
QueueManager.register('Calc')
m = QueueManager(address=('127.0.0.1', int(sys.argv[1])), authkey=sys.argv[2].encode())
m.connect()

d = m.dict({'a': 1})
d['b'] = [1, 2]
d[(1, 2)] = 'tuple key'
assert d['a'] == 1 and d[(1, 2)] == 'tuple key' and len(d) == 3 and 'a' in d and d.get('zz', 'dflt') == 'dflt'
try:
    d['missing']
    raise SystemExit('no KeyError')
except KeyError as e:
    assert e.args == ('missing',)
assert d.keys() == ['a', 'b', (1, 2)] and d.items()[0] == ('a', 1) and list(d) == ['a', 'b', (1, 2)]
assert d._getvalue() == {'a': 1, 'b': [1, 2], (1, 2): 'tuple key'}
assert str(d).startswith('{')

ns = m.Namespace(x=1)
ns.y = 'two'
assert (ns.x, ns.y) == (1, 'two')
try:
    ns.nope
    raise SystemExit('no AttributeError')
except AttributeError:
    pass
snapshot = ns._getvalue()
assert (snapshot.x, snapshot.y) == (1, 'two'), snapshot
del ns.y

lst = m.list([1, 2])
lst.append(3)
lst += [4]
assert (lst[0], lst[-1], lst[0:2], len(lst)) == (1, 4, [1, 2], 4)
d['sub'] = lst  # a proxy inside a value: kept as data by the server

q = m.Queue()
q.put((1, 'a'))
assert q.get(timeout=0.5) == (1, 'a')
for call in (lambda: q.get(timeout=0.1), lambda: q.get(True, 0.1), q.get_nowait):
    try:
        call()
        raise SystemExit('no queue.Empty')
    except queue.Empty:
        pass

# Plain data arrives whole: ranges, strings, iterators and zip are rebuilt as data (nothing runs).
assert m.list(range(3))[:] == [0, 1, 2]
assert m.list('abc')[:] == ['a', 'b', 'c']
assert m.list(iter([1, 2]))[:] == [1, 2]
assert m.dict(zip('ab', [1, 2])).copy() == {'a': 1, 'b': 2}
# A dict that changes size under its iterator: RuntimeError, as Python's.
dd = m.dict({'x': 1})
it = iter(dd)
dd.clear()
try:
    next(it)
    raise SystemExit('no RuntimeError')
except RuntimeError:
    pass
# A refused pickle fails its call only: the thread's one connection (never reopened) goes on.
class Foo:
    pass
try:
    q.put(Foo())
    raise SystemExit('accepted an unknown class')
except Exception as e:
    assert 'allowlist' in str(e), e
q.put(5)
assert q.get() == 5
# Objects held inside others are freed with them (a list holding a queue, and itself).
import gc
n = m._number_of_objects()
a = m.list()
a.append(m.Queue())
a.append(a)
del a
gc.collect()
assert m._number_of_objects() == n, (n, m._debug_info())

lock = m.Lock()
assert lock.acquire() and not lock.acquire(timeout=0.05)
lock.release()
with m.RLock():
    pass
ev = m.Event()
ev.set()
assert ev.is_set() and ev.wait(0.01)
v = m.Value('i', 5)
v.value = 7
assert v.value == 7
arr = m.Array('i', [1, 2, 3])
arr[0] = 5
assert (arr[0], len(arr)) == (5, 3)

# The classic registered queues: one of our shared-memory Queues, and a plain in-memory one.
for name in ('get_task_queue', 'get_local_queue'):
    tq = getattr(m, name)()
    tq.put(42)
    tq.put(item='kw')
    assert tq.get(timeout=5) == 42 and tq.get(True, 5) == 'kw'
    assert tq.qsize() == 0 and tq.empty() and not tq.full()
    try:
        tq.get(timeout=0.2)
        raise SystemExit('no queue.Empty from ' + name)
    except queue.Empty:
        pass

calc = m.Calc(10)
assert calc.add(1, 2) == 13
try:
    calc.fail()
    raise SystemExit('no error')
except Exception as e:
    assert 'calc failed' in str(e), e
    assert any('TypeScript stack' in n for n in getattr(e, '__notes__', [])), 'the JS stack travels in __notes__'
print('ok')
`;

describe('a Python client against our manager server', () => {
  after(assertNoLeaks);

  for (const python of pythons) {
    const skip = python.available ? false : `${python.name} not available`;
    it(`${python.name}: SyncManager proxies (dict, list, Namespace, Queue, locks...) and registered queues work unchanged`, { timeout: LONG, skip }, async () => {
      const taskQueue = new Queue<unknown>();
      class QueueManager extends SyncManager {}
      QueueManager.register('get_task_queue', () => taskQueue);
      const localQueue = new LocalQueue();
      QueueManager.register('get_local_queue', () => localQueue);
      class Calc {
        constructor(readonly base: number) {}
        add(a: number, b: number): number {
          return this.base + a + b;
        }
        fail(): never {
          throw new Error('calc failed');
        }
      }
      QueueManager.register('Calc', (base: number) => new Calc(base));
      await using m = new QueueManager({ authkey: 'secret' });
      await m.start();
      const [, port] = m.address as [string, number];
      assert.equal((await runPython(python.name, pyClient, [String(port), 'secret'])).trim(), 'ok');
      taskQueue.close();
    });

    it(`${python.name}: a wrong authkey fails in Python with AuthenticationError, and the server goes on`, { timeout: LONG, skip }, async () => {
      const logged: string[] = [];
      await using m = new SyncManager({ authkey: 'secret', log: (message) => logged.push(message) });
      await m.start();
      const [, port] = m.address as [string, number];
      const out = await runPython(python.name, `
import sys
from multiprocessing.managers import SyncManager
from multiprocessing import AuthenticationError
m = SyncManager(address=('127.0.0.1', int(sys.argv[1])), authkey=b'wrong')
try:
    m.connect()
    print('connected')
except AuthenticationError as e:
    print('rejected')
`, [String(port)]);
      assert.equal(out.trim(), 'rejected');
      assert.ok(logged.some((line) => /digest received was wrong/.test(line)), logged.join('\n'));
      const d = await m.dict();
      await d.set('still', 'serving');
      assert.equal(await d.get('still'), 'serving');
    });
  }
});

// A Python server: SyncManager's types plus a registered queue and a class whose method raises.
const pyServer = `
import sys, queue
from multiprocessing.managers import SyncManager
task_queue = queue.Queue()
class QueueManager(SyncManager):
    pass
class Calc:
    def add(self, a, b):
        return a + b
    def fail(self):
        raise ValueError('calc failed')
    def hidden(self):
        return 0
QueueManager.register('get_task_queue', callable=lambda: task_queue)
QueueManager.register('Calc', Calc, exposed=['add', 'fail'])
m = QueueManager(address=('127.0.0.1', 0), authkey=sys.argv[1].encode())
s = m.get_server()
print(s.address[1], flush=True)
s.serve_forever()
`;

function startPython(python: string, code: string, args: string[]): { port: Promise<number>; exited: Promise<number | null>; child: ChildProcess } {
  const child = spawn(python, ['-c', code, ...args], { env: { ...process.env, ...PYENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const port = new Promise<number>((resolve, reject) => {
    child.stdout.setEncoding('utf8').once('data', (line: string) => resolve(Number(line.trim())));
    void exited.then((code) => reject(new Error(`${python} exited with ${code} before listening: ${stderr}`)));
  });
  return { port, exited, child };
}

describe('a Python SharedMemoryManager client against our SharedMemoryManager', () => {
  after(assertNoLeaks);

  for (const python of pythons) {
    const skip = python.available ? false : `${python.name} not available`;
    it(`${python.name}: a segment the Python client made and had tracked is unlinked when our server stops`, { timeout: LONG, skip }, async () => {
      const smm = new SharedMemoryManager({ authkey: 'shm' });
      await smm.start();
      const [, port] = smm.address as [string, number];
      const name = (await runPython(python.name, `
import sys
from multiprocessing import resource_tracker
from multiprocessing.managers import SharedMemoryManager
smm = SharedMemoryManager(address=('127.0.0.1', int(sys.argv[1])), authkey=b'shm')
smm.connect()
s = smm.SharedMemory(16)
s.buf[0] = 7
# The manager owns it now: this process's resource tracker must not unlink it at exit.
resource_tracker.unregister(s._name, 'shared_memory')
s.close()
print(s.name)
`, [String(port)])).trim();
      assert.deepEqual(await smm.listSegments(), [name]);
      const seen = new SharedMemory({ name });
      assert.equal(seen.buf[0], 7);
      seen.close();
      await smm.shutdown();
      assert.equal(existsSync(`/dev/shm/${name}`), false);
    });
  }
});

describe('our client against a Python manager server', () => {
  after(assertNoLeaks);

  for (const python of pythons) {
    const skip = python.available ? false : `${python.name} not available`;
    it(`${python.name}: typed proxies work; Python errors arrive as RemoteError with their type name (and traceback text)`, { timeout: LONG, skip }, async () => {
      const py = startPython(python.name, pyServer, ['secret']);
      try {
        class QueueManager extends SyncManager {
          declare get_task_queue: () => Promise<QueueProxy<number>>;
          declare Calc: () => Promise<AutoProxy>;
        }
        QueueManager.register('get_task_queue');
        QueueManager.register('Calc');
        const m = new QueueManager({ address: ['127.0.0.1', await py.port], authkey: 'secret' });
        await m.connect();

        const d = await m.dict<unknown, unknown>({ a: 1 });
        await d.set('b', [1, 2]);
        assert.equal(await d.get('a'), 1);
        assert.deepEqual(await d.getItem('b'), [1, 2]);
        assert.deepEqual(await d.keys(), ['a', 'b']);
        await assert.rejects(d.getItem('zz'), (e: unknown) => e instanceof RemoteError && e.remoteName === 'KeyError');
        const keys: unknown[] = [];
        const iter = (await d.callMethod('__iter__')) as AsyncIterable<unknown> & { decref(): Promise<void> };
        for await (const k of iter) keys.push(k);
        assert.deepEqual(keys, ['a', 'b']);
        await iter.decref();

        const l = await m.list([1, 2, 3]);
        await l.append(4);
        assert.deepEqual(await l.slice(1, 3), [2, 3]);
        assert.equal(await l.get(-1), 4);

        const ns = await m.Namespace({ x: 1 });
        await ns.set('y', 'two');
        assert.equal(await ns.get('y'), 'two');
        assert.deepEqual({ ...(await ns.getValue()) }, { x: 1, y: 'two' });
        await assert.rejects(ns.get('nope'), (e: unknown) => e instanceof RemoteError && e.remoteName === 'AttributeError');

        const q = await m.Queue<unknown>();
        await q.put(tuple(1, 'a'));
        assert.ok((await q.get({ timeout: 1000 })) instanceof Tuple);
        await assert.rejects(q.get({ timeout: 50 }), Empty);

        const tq = await m.get_task_queue();
        assert.ok(tq instanceof QueueProxy);
        await tq.put(3);
        assert.equal(await tq.get(), 3);

        const lock = await m.Lock();
        assert.equal(await lock.acquire(), true);
        assert.equal(await lock.acquire({ timeout: 20 }), false);
        await lock.release();
        const v = await m.Value('i', 5);
        await v.set(7);
        assert.equal(await v.get(), 7);
        const ev = await m.Event();
        assert.equal(await ev.wait(10), false);

        const calc = await m.Calc();
        assert.equal(await calc.call('add', [2, 3]), 5);
        // #ERROR: the exception object (Python sends no traceback with it).
        await assert.rejects(calc.call('fail'), (e: unknown) => e instanceof RemoteError && e.remoteName === 'ValueError' && /calc failed/.test(e.message));
        // #TRACEBACK: a server-side failure, with Python's traceback text.
        await assert.rejects(calc.call('hidden'), (e: unknown) => e instanceof RemoteError && /^Traceback \(most recent call last\)/.test(e.remoteStack) && /not in exposed/.test(e.remoteStack));

        const before = await m.numberOfObjects();
        await d.decref();
        assert.equal(await m.numberOfObjects(), before - 1, 'decref freed the dict on the Python server');

        await m.client.serverCall('shutdown');
        await m.shutdown();
        assert.equal(await py.exited, 0);
      } finally {
        py.child.kill();
      }
    });
  }
});
