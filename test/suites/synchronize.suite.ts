// Lock, RLock, Semaphore, Event, Condition, Barrier, Value, SharedArray across children.
// CPython: _TestLock, _TestSemaphore, _TestEvent, _TestCondition, _TestBarrier, _TestValue, _TestArray.
import assert from 'node:assert/strict';
import {
  BoundedSemaphore, BrokenBarrierError, Barrier, Condition, Event, Lock, OwnerDiedError, RawArray, RawValue, RLock, Semaphore, SharedArray, Value, ValueError,
  type SharedArrayView, type SharedValue,
} from 'multiprocessing-ts';
import { defineSuite } from '../helpers/suite.js';
import { LONG } from '../helpers/timeouts.js';

function isCode(cls: new (...a: never[]) => Error, code: string) {
  return (e: unknown): boolean => e instanceof cls && (e as { code?: string }).code === code;
}

export default defineSuite({ area: 'synchronize', backends: ['process', 'thread'] }, ({ ctx }, test) => {
  const { Process } = ctx;

  async function run<A extends unknown[]>(target: (...args: A) => unknown, args: A): Promise<void> {
    const p = new Process({ target: target as (...a: unknown[]) => unknown, args: args as unknown[] });
    p.start();
    await p.join();
    assert.equal(p.exitcode, 0, 'the child failed');
  }

  test('Lock: acquire, non-blocking and timed acquire, release of an unlocked lock', async () => {
    const lock = new Lock();
    assert.equal(await lock.acquire(), true);
    assert.equal(lock.locked(), true);
    assert.equal(await lock.acquire({ block: false }), false);
    assert.equal(lock.acquireSync(false), false);
    const started = performance.now();
    assert.equal(await lock.acquire({ timeout: 50 }), false);
    assert.ok(performance.now() - started >= 45);
    lock.release();
    assert.throws(() => lock.release(), (e: unknown) => e instanceof ValueError && e.code === 'ERR_MP_OVER_RELEASED' && /unlocked Lock/.test(e.message));
    assert.equal(await lock.withLock(() => 7), 7);
    assert.equal(lock.locked(), false);
  }); // CPython: _TestLock.test_lock

  test('Lock: a child holds the lock while the parent waits without blocking its event loop', async () => {
    const lock = new Lock();
    const held = new Event();
    const release = new Event();
    const p = new Process({
      target: async (l: Lock, h: Event, r: Event) => {
        await l.acquire();
        h.set();
        await r.wait();
        l.release();
      },
      args: [lock, held, release],
    });
    p.start();
    assert.equal(await held.wait(LONG), true);
    assert.equal(await lock.acquire({ block: false }), false);
    const waiting = lock.acquire();
    const first = await Promise.race([waiting.then(() => 'acquired'), new Promise((resolve) => setImmediate(() => resolve('event loop ran')))]);
    assert.equal(first, 'event loop ran');
    release.set();
    assert.equal(await waiting, true);
    lock.release();
    await p.join();
    assert.equal(p.exitcode, 0);
  });

  test('Lock: 2 children × 1,000,000 locked increments of a Value end at exactly 2,000,000', async () => {
    const counter = Value('i', 0, { lock: false });
    const lock = new Lock();
    const work = (v: SharedValue, l: Lock, n: number): void => {
      const cell = v.getObj();
      for (let i = 0; i < n; i++) {
        l.acquireSync();
        cell[0] = (cell[0] as number) + 1;
        l.release();
      }
    };
    const ps = [1, 2].map(() => new Process({ target: work, args: [counter, lock, 1_000_000] }));
    for (const p of ps) p.start();
    for (const p of ps) await p.join();
    assert.deepEqual(ps.map((p) => p.exitcode), [0, 0]);
    assert.equal(counter.value, 2_000_000);
  }, { timeout: LONG });

  test('RLock: the parent and a child × 300,000 locked increments each end exact, and neither ever releases the other\'s hold', async () => {
    // The parent is the main thread (threadId 0): with the thread backend, a taker's thread id
    // must never read as the main thread's while it is being recorded.
    const counter = Value('i', 0, { lock: false });
    const lock = new RLock();
    const started = new Event();
    const work = (v: SharedValue, l: RLock, n: number, go?: Event): void => {
      go?.set();
      const cell = v.getObj();
      for (let i = 0; i < n; i++) {
        l.acquireSync();
        cell[0] = (cell[0] as number) + 1;
        l.release();
      }
    };
    const p = new Process({ target: work, args: [counter, lock, 300_000, started] });
    p.start();
    assert.equal(await started.wait(LONG), true);
    work(counter, lock, 300_000);
    await p.join();
    assert.equal(p.exitcode, 0);
    assert.equal(counter.value, 600_000);
  }, { timeout: LONG });

  test('Lock: a waiter whose lock holder process died gets OwnerDiedError instead of waiting forever', async () => {
    const lock = new Lock();
    const p = new Process({
      target: async (l: Lock) => {
        await l.acquire();
        process.kill(process.pid, 'SIGKILL');
      },
      args: [lock],
    });
    p.start();
    await p.join();
    assert.equal(p.exitcode, -9);
    await assert.rejects(lock.acquire(), (e: unknown) => e instanceof OwnerDiedError && e.ownerPid === p.pid && /died without releasing it/.test(e.message));
    assert.throws(() => lock.acquireSync({ timeout: 5_000 }), isCode(OwnerDiedError, 'ERR_MP_OWNER_DIED'));
  }, { only: { backends: ['process'], reason: 'a worker thread shares its pid with the parent, so its death cannot be told by pid' } });

  test('acquireSync() on a Lock, RLock, Value.getLock() or Condition whose holder was SIGKILLed gets OwnerDiedError, though the blocked parent cannot reap it', async () => {
    const lock = new Lock();
    const rlock = new RLock();
    const value = Value('i', 0);
    const cond = new Condition();
    const holding = new Event();
    const p = new Process({
      target: async (l: Lock, r: RLock, v: SharedValue, c: Condition, h: Event) => {
        await l.acquire();
        await r.acquire();
        await v.getLock().acquire();
        await c.acquire();
        h.set();
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
      },
      args: [lock, rlock, value, cond, holding],
    });
    p.start();
    assert.equal(await holding.wait(LONG), true);
    // From here this thread stays blocked until every check is done, so the child, once killed,
    // stays a zombie (Node reaps on the event loop): alive to kill(pid, 0), dead in fact.
    p.kill();
    const held: [string, Lock | RLock | Condition][] = [['Lock', lock], ['RLock', rlock], ['Value.getLock()', value.getLock()], ['Condition', cond]];
    for (const [what, primitive] of held) {
      assert.throws(() => primitive.acquireSync({ timeout: 5_000 }), (e: unknown) => isCode(OwnerDiedError, 'ERR_MP_OWNER_DIED')(e) && (e as OwnerDiedError).ownerPid === p.pid, what);
    }
    await p.join();
    assert.equal(p.exitcode, -9);
  }, { timeout: LONG, only: { backends: ['process'], reason: 'a worker thread shares its pid with the parent, so its death cannot be told by pid' } });

  test('RLock: its owner may take it again; others may not release it', async () => {
    const rlock = new RLock();
    assert.equal(await rlock.acquire(), true);
    assert.equal(rlock.acquireSync(), true);
    rlock.release();
    const other = new Event();
    const done = new Event();
    const p = new Process({
      target: async (r: RLock, o: Event, d: Event) => {
        try {
          r.release();
        } catch (err) {
          if ((err as { code?: string }).code === 'ERR_MP_NOT_OWNER') o.set();
        }
        d.set();
        if (!(await r.acquire({ timeout: 20 }))) return;
        process.exit(2);
      },
      args: [rlock, other, done],
    });
    p.start();
    await p.join();
    assert.equal(p.exitcode, 0, 'the child could not take a lock held by the parent');
    assert.equal(other.isSet(), true);
    rlock.release();
    assert.throws(() => rlock.release(), isCode(ValueError, 'ERR_MP_NOT_OWNER'));
  }); // CPython: _TestLock.test_rlock

  test('Semaphore: at most N holders at once across 6 children, and getValue()', async () => {
    const sem = new Semaphore(2);
    const inside = Value('i', 0);
    const most = Value('i', 0);
    const visit = async (s: Semaphore, inside: SharedValue, most: SharedValue): Promise<void> => {
      await s.acquire();
      const now = inside.getLock().withLockSync(() => (inside.value += 1));
      most.getLock().withLockSync(() => (most.value = Math.max(most.value, now)));
      await new Promise((resolve) => setTimeout(resolve, 20));
      inside.getLock().withLockSync(() => (inside.value -= 1));
      s.release();
    };
    const ps = Array.from({ length: 6 }, () => new Process({ target: visit, args: [sem, inside, most] }));
    for (const p of ps) p.start();
    for (const p of ps) await p.join();
    assert.deepEqual(ps.map((p) => p.exitcode), [0, 0, 0, 0, 0, 0]);
    assert.ok(most.value >= 1 && most.value <= 2, `at most 2 inside, saw ${most.value}`);
    assert.equal(sem.getValue(), 2);
    assert.equal(await sem.acquire({ timeout: 10 }), true);
    assert.equal(await sem.acquire({ timeout: 10 }), true);
    assert.equal(await sem.acquire({ timeout: 10 }), false);
    sem.release(2);
    assert.equal(sem.getValue(), 2);
  }, { timeout: LONG }); // CPython: _TestSemaphore.test_semaphore

  test('BoundedSemaphore: releasing above the initial value is a ValueError; bad values are refused', () => {
    const sem = new BoundedSemaphore(1);
    assert.equal(sem.acquireSync(), true);
    sem.release();
    assert.throws(() => sem.release(), isCode(ValueError, 'ERR_MP_OVER_RELEASED'));
    assert.throws(() => new Semaphore(-1), isCode(ValueError, 'ERR_MP_BAD_VALUE'));
    assert.throws(() => new Semaphore(1.5), TypeError);
  }); // CPython: _TestSemaphore.test_bounded_semaphore

  test('Event: a child waits until the parent sets it; wait(timeout) resolves false when nobody does', async () => {
    const ready = new Event();
    const seen = new Event();
    const p = new Process({
      target: async (r: Event, s: Event) => {
        if (await r.wait()) s.set();
      },
      args: [ready, seen],
    });
    p.start();
    assert.equal(await seen.wait(30), false);
    ready.set();
    assert.equal(await seen.wait(LONG), true);
    await p.join();
    ready.clear();
    assert.equal(ready.isSet(), false);
    assert.equal(ready.waitSync(10), false);
  }); // CPython: _TestEvent.test_event

  test('Condition: a child waits for notify() with the lock given up, and wakes with it held', async () => {
    const cond = new Condition();
    const data = Value('i', 0, { lock: false });
    const waiting = new Event();
    const p = new Process({
      target: async (c: Condition, d: SharedValue, w: Event) => {
        await c.acquire();
        w.set();
        const ok = await c.waitFor(() => d.value === 42, 30_000);
        d.value = ok ? 43 : -1;
        c.release();
      },
      args: [cond, data, waiting],
    });
    p.start();
    assert.equal(await waiting.wait(LONG), true);
    await cond.acquire();
    data.value = 42;
    cond.notifyAll();
    cond.release();
    await p.join();
    assert.equal(p.exitcode, 0);
    assert.equal(data.value, 43);
    await cond.acquire();
    assert.equal(await cond.wait(10), false, 'no notify: wait(timeout) resolves false');
    cond.release();
    await assert.rejects(cond.wait(1), isCode(ValueError, 'ERR_MP_NOT_OWNER'));
  }, { timeout: LONG }); // CPython: _TestCondition.test_notify_all / test_waitfor

  test('Condition: withLock() holds its lock around a wait in a child, withLockSync() around the notify, and both release when fn throws', async () => {
    const lock = new Lock();
    const cond = new Condition(lock);
    const data = Value('i', 0, { lock: false });
    const waiting = new Event();
    const p = new Process({
      target: async (c: Condition, d: SharedValue, w: Event) => {
        const ok = await c.withLock(() => {
          w.set();
          return c.waitFor(() => d.value === 42, 30_000);
        });
        d.value = ok && !(c.lock as Lock).locked() ? 43 : -1;
      },
      args: [cond, data, waiting],
    });
    p.start();
    assert.equal(await waiting.wait(LONG), true);
    assert.equal(cond.withLockSync(() => {
      data.value = 42;
      cond.notifyAll();
      return lock.locked();
    }), true);
    await p.join();
    assert.equal(p.exitcode, 0);
    assert.equal(data.value, 43);
    const boom = new Error('boom');
    await assert.rejects(cond.withLock(() => { throw boom; }), (e: unknown) => e === boom);
    assert.throws(() => cond.withLockSync(() => { throw boom; }), (e: unknown) => e === boom);
    assert.equal(lock.locked(), false);
  }, { timeout: LONG }); // CPython: _TestCondition (with cond:)

  test('Barrier: the parent and two children pass together; a timed-out wait breaks it for everyone', async () => {
    const barrier = new Barrier(3);
    const indexes = SharedArray('i', 3, { lock: false });
    const meet = async (b: Barrier, out: SharedArrayView): Promise<void> => {
      const i = await b.wait();
      out.array[i] = 1;
    };
    const ps = [1, 2].map(() => new Process({ target: meet, args: [barrier, indexes] }));
    for (const p of ps) p.start();
    const mine = await barrier.wait();
    indexes.array[mine] = 1;
    for (const p of ps) await p.join();
    assert.deepEqual(indexes.toArray(), [1, 1, 1]);
    assert.equal(barrier.nWaiting, 0);

    await assert.rejects(barrier.wait(20), isCode(BrokenBarrierError, 'ERR_MP_BROKEN_BARRIER'));
    assert.equal(barrier.broken, true);
    await assert.rejects(barrier.wait(), BrokenBarrierError);
    barrier.reset();
    assert.equal(barrier.broken, false);
    assert.equal(barrier.parties, 3);
  }, { timeout: LONG }); // CPython: _TestBarrier.test_barrier / test_timeout

  test('Value and SharedArray: typed values shared with children, bigint for 64-bit codes, with or without a lock', async () => {
    const d = Value('d', 1.5);
    const q = Value('q', 2n ** 40n);
    const raw = RawValue('i', 3);
    const arr = SharedArray('h', [1, 2, 3]);
    await run(
      (dv: SharedValue, qv: SharedValue<bigint>, rv: SharedValue, a: SharedArrayView) => {
        dv.value *= 2;
        qv.value += 1n;
        rv.value += 1;
        a.set(2, a.get(0) + a.get(1) + 7);
      },
      [d, q, raw, arr],
    );
    assert.equal(d.value, 3);
    assert.equal(q.value, 2n ** 40n + 1n);
    assert.equal(raw.value, 4);
    assert.deepEqual(arr.toArray(), [1, 2, 10]);
    assert.equal(arr.length, 3);
    assert.throws(() => raw.getLock(), isCode(ValueError, 'ERR_MP_NO_LOCK'));
    assert.ok(d.getLock() instanceof RLock);
    assert.throws(() => arr.get(3), TypeError);
    assert.throws(() => Value('x' as 'i'), TypeError);
  }); // CPython: _TestValue.test_value, _TestArray.test_array

  test('Value, RawValue, SharedArray, RawArray: a value of the wrong type is a TypeError, as in Python; out-of-range integers wrap as C does', () => {
    const typeErrors: Array<[string, () => unknown]> = [
      ["Value('i', 'abc')", () => Value('i', 'abc' as never)],
      ["Value('i', 1.5)", () => Value('i', 1.5)],
      ["Value('i', NaN)", () => Value('i', NaN)],
      ["Value('h', Infinity)", () => Value('h', Infinity)],
      ["Value('i', null)", () => Value('i', null as never)],
      ["Value('B', '3')", () => Value('B', '3' as never)],
      ["Value('q', 1.5)", () => Value('q', 1.5)],
      ["Value('Q', 'abc')", () => Value('Q', 'abc' as never)],
      ["Value('d', 'x')", () => Value('d', 'x' as never)],
      ["Value('f', {})", () => Value('f', {} as never)],
      ["RawValue('i', 'abc')", () => RawValue('i', 'abc' as never)],
      ["SharedArray('i', [1, 1.5])", () => SharedArray('i', [1, 1.5])],
      ["SharedArray('q', [1n, 0.5])", () => SharedArray('q', [1n, 0.5])],
      ["RawArray('d', ['x'])", () => RawArray('d', ['x'] as never)],
      ["SharedArray('i', '3')", () => SharedArray('i', '3' as never)],
    ];
    for (const [what, fn] of typeErrors) assert.throws(fn, TypeError, `${what} did not throw a TypeError`);
    assert.throws(() => SharedArray('i', -1), isCode(ValueError, 'ERR_MP_BAD_VALUE'));
    const v = Value('i', 1);
    assert.throws(() => (v.value = 'abc' as never), TypeError);
    assert.throws(() => (v.value = 2.5), TypeError);
    assert.equal(v.value, 1, 'a refused value was stored');
    const a = SharedArray('b', 2);
    assert.throws(() => a.set(0, 0.5), TypeError);
    // What Python accepts: whole numbers wrap to the type's width, ints go into float codes.
    assert.equal(Value('i', 2 ** 40).value, 0);
    assert.equal(Value('b', 300).value, 44);
    assert.equal(Value('B', -1).value, 255);
    assert.equal(Value('i', 7n as never).value, 7);
    assert.equal(Value('q', 2 ** 40).value, 2n ** 40n);
    assert.equal(Value('Q', -1n).value, 2n ** 64n - 1n);
    assert.equal(Value('q', 2n ** 70n).value, 0n);
    assert.equal(Value('d', 5n as never).value, 5);
    assert.equal(Value('f', 1e300).value, Infinity);
    assert.deepEqual(RawArray('h', [70000, -1]).toArray(), [4464, -1]);
  }); // CPython: Value/Array over ctypes, whose int types take only ints and wrap them
});
