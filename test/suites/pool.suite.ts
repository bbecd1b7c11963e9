// Pool: Python's API, and every failure mode ending promptly with the right error.
// CPython: _TestPool, _TestPoolWorkerLifetime, _TestPoolWorkerErrors in Lib/test/_test_multiprocessing.py.
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { getEventListeners, once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { PicklingError, RawArray, TimeoutError, ValueError, WorkerLostError, moduleTargets } from 'multiprocessing-ts';
import { runFixture } from '../helpers/program.js';
import { defineSuite } from '../helpers/suite.js';
import { LONG } from '../helpers/timeouts.js';

const tasks = moduleTargets<typeof import('../fixtures/pool-tasks.js')>(new URL('../fixtures/pool-tasks.ts', import.meta.url));
const poolScript = fileURLToPath(new URL('../fixtures/pool-program.ts', import.meta.url));
const rejectionScript = fileURLToPath(new URL('../fixtures/pool-rejection-program.ts', import.meta.url));

const square = (x: number): number => x * x;
// A shared array of counters (RawArray), as a task sees it.
interface Counts {
  get(i: number): number;
  set(i: number, value: number): void;
}
const forever = (): Promise<never> => new Promise<never>(() => void setInterval(() => {}, 1000));
const spin = (): never => {
  for (;;) {
    // a CPU-bound task that never yields
  }
};
const ident = async (): Promise<number> => {
  const { currentProcess } = await import('multiprocessing-ts');
  return currentProcess().ident;
};


function isCode(cls: new (...a: never[]) => Error, code: string) {
  return (e: unknown): boolean => e instanceof cls && (e as { code?: string }).code === code;
}

export default defineSuite({ area: 'Pool', backends: ['process', 'thread'] }, ({ backend, ctx }, test) => {
  const { Pool } = ctx;

  test('apply, applyAsync, map, starmap return what the target returns', async () => {
    await using pool = new Pool(2);
    assert.equal(await pool.apply((a: number, b: number) => a + b, [2, 3]), 5);
    assert.equal(await pool.applyAsync(square, [7]).get(), 49);
    assert.deepEqual(await pool.map(square, [1, 2, 3, 4, 5]), [1, 4, 9, 16, 25]);
    assert.deepEqual(await pool.map(square, []), []);
    assert.deepEqual(await pool.map(square, new Set([3, 4]), 1), [9, 16]);
    assert.deepEqual(await pool.starmap((a: number, b: string) => `${b}${a}`, [[1, 'a'], [2, 'b']]), ['a1', 'b2']);
    assert.deepEqual(await pool.mapAsync(square, [2, 3]).get(), [4, 9]);
    assert.deepEqual(await pool.starmapAsync((a: number, b: number) => a * b, [[2, 3]]).get(), [6]);
    assert.equal(await pool.apply(tasks.double, [21]), 42);
  }); // CPython: _TestPool.test_apply, test_map, test_starmap

  test('arguments and results arrive as V8 would clone them, plain or not (-0, NaN, undefined, holes, one object twice, Map, Date, BigInt)', async () => {
    await using pool = new Pool(1);
    const echo = <T>(value: T): T => value;
    const shared = { n: 1 };
    const holes = [1, 2, 3];
    delete holes[1];
    const [zero, nan, missing, sparse, pair, rich, proto, text] = (await pool.apply(echo, [
      [-0, NaN, [undefined, { a: undefined }], holes, [shared, shared], { m: new Map([[1, new Set(['x'])]]), d: new Date(7), b: 2n ** 70n }, JSON.parse('{"__proto__": 1}') as object, 'lone \ud800 é'],
    ])) as [number, number, [undefined, object], number[], object[], unknown, object, string];
    assert.ok(Object.is(zero, -0));
    assert.ok(Number.isNaN(nan));
    assert.deepEqual(missing, [undefined, { a: undefined }]);
    assert.equal('a' in (missing[1] as object), true);
    assert.equal(1 in sparse, false);
    assert.equal(pair[0], pair[1]);
    assert.deepEqual(rich, { m: new Map([[1, new Set(['x'])]]), d: new Date(7), b: 2n ** 70n });
    assert.equal(Object.getOwnPropertyDescriptor(proto, '__proto__')?.value, 1);
    assert.equal(text, 'lone \ud800 é');
    const plain = { list: [1, 2.5, 'three', true, null, { deep: [[]] }] };
    assert.deepEqual(await pool.apply(echo, [plain]), plain);
    assert.equal(await pool.apply(() => undefined), undefined);
    const big = Array.from({ length: 10_000 }, (_, i) => ({ i, s: String(i) }));
    assert.deepEqual(await pool.apply(echo, [big]), big);
  });

  test('long arrays of numbers arrive exactly: whole numbers, -0, NaN, infinities, fractions, and named properties', async () => {
    await using pool = new Pool(2);
    const echo = <T>(value: T): T => value;
    const ints = Array.from({ length: 3000 }, (_, i) => (i % 2 === 0 ? i : -i) * 1000);
    const floats = Array.from({ length: 3000 }, (_, i) => [-0, NaN, Infinity, -Infinity, 0.1, 2 ** 31, -(2 ** 53), Number.MIN_VALUE][i % 8]!);
    const named = Object.assign(Array.from({ length: 3000 }, (_, i) => i), { label: 'kept' });
    const [a, b, c, d] = (await pool.apply(echo, [[ints, floats, named, { s: 'beside', n: [1, 2] }]])) as [number[], number[], typeof named, unknown];
    assert.deepEqual(a, ints);
    assert.equal(b.length, floats.length);
    for (let i = 0; i < floats.length; i++) assert.ok(Object.is(b[i], floats[i]), `item ${i}: ${b[i]} for ${floats[i]}`);
    assert.equal(c.label, 'kept');
    assert.deepEqual([...c], [...named]);
    assert.deepEqual(d, { s: 'beside', n: [1, 2] });
    const negate = (x: number): number => -x;
    const mapped = await pool.map(negate, floats);
    for (let i = 0; i < floats.length; i++) assert.ok(Object.is(mapped[i], -floats[i]!), `item ${i}`);
    // Chunks of 25,000: more at once than a worker's ring takes whole.
    const many = Array.from({ length: 200_000 }, (_, i) => i);
    assert.deepEqual(await pool.map(negate, many), many.map(negate));
    // A string that looks like the packed form's mark travels as itself.
    const mark = '\u0000mpts:f64';
    assert.deepEqual(await pool.apply(echo, [[ints, mark]]), [ints, mark]);
  });

  test('map keeps order across every chunk size, including Python\'s default', async () => {
    await using pool = new Pool(2);
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const expected = items.map((x) => x * x);
    for (const chunksize of [undefined, 1, 7, 1000, 5000]) assert.deepEqual(await pool.map(square, items, chunksize), expected);
  }); // CPython: _TestPool.test_map_chunksize

  test('applyAsync calls callback or errorCallback, and AsyncResult reports its state', async () => {
    await using pool = new Pool(2);
    const got: unknown[] = [];
    const ok = pool.applyAsync(square, [3], { callback: (r) => got.push(r) });
    const bad = pool.applyAsync(tasks.fail, ['expected failure (test)'], { errorCallback: (e) => got.push(e.message) });
    await ok.wait();
    await bad.wait();
    assert.equal(ok.ready(), true);
    assert.equal(ok.successful(), true);
    assert.equal(bad.successful(), false);
    assert.deepEqual(got.sort(), [9, 'expected failure (test)'].sort());
  });

  test('successful() before the result is ready is a ValueError; get(timeout) is a TimeoutError', async () => {
    await using pool = new Pool(1);
    const slow = pool.applyAsync(forever);
    assert.throws(() => slow.successful(), isCode(ValueError, 'ERR_MP_NOT_READY'));
    await assert.rejects(slow.get(20), isCode(TimeoutError, 'ERR_MP_TIMEOUT'));
    await slow.wait(20);
    assert.equal(slow.ready(), false);
  }); // CPython: _TestPool.test_async_timeout

  test('a task\'s error rejects with its own class, message and cause', async () => {
    await using pool = new Pool(1);
    await assert.rejects(pool.apply(tasks.failWithCause, ['broken']), (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.equal(e.message, 'broken');
      assert.ok(e.cause instanceof RangeError);
      assert.equal((e.cause as Error).message, 'the cause');
      return true;
    });
    assert.equal(await pool.apply(square, [2]), 4, 'the worker goes on after a task error');
    await assert.rejects(pool.map(tasks.failOn, [1, 2, 3, 4], 1), (e: unknown) => e instanceof Error && e.message === 'item 3');
  }); // CPython: _TestPool.test_map_unplicklable / test_traceback

  test('imap yields in order and imapUnordered yields every result', async () => {
    await using pool = new Pool(2);
    const ordered: number[] = [];
    for await (const v of pool.imap(square, [1, 2, 3, 4, 5, 6], 2)) ordered.push(v);
    assert.deepEqual(ordered, [1, 4, 9, 16, 25, 36]);
    const unordered: number[] = [];
    for await (const v of pool.imapUnordered(square, [1, 2, 3, 4, 5, 6])) unordered.push(v);
    assert.deepEqual(unordered.sort((a, b) => a - b), [1, 4, 9, 16, 25, 36]);
    async function* source(): AsyncGenerator<number> {
      for (let i = 0; i < 5; i++) yield i;
    }
    const fromAsync: number[] = [];
    for await (const v of pool.imap(square, source())) fromAsync.push(v);
    assert.deepEqual(fromAsync, [0, 1, 4, 9, 16]);
  }); // CPython: _TestPool.test_imap, test_imap_unordered

  test('imap reads an endless source only a bounded distance ahead', async () => {
    await using pool = new Pool(2);
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
    for await (const v of pool.imap(square, endless(), 3)) {
      seen.push(v);
      if (seen.length === 10) break;
    }
    assert.deepEqual(seen, [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
    assert.equal(closed, true, 'the source was closed');
    assert.ok(pulled <= 10 + 2 * 2 * 3 + 3, `pulled ${pulled} items for 10 results`);
  });

  test('a worker that exits mid-task rejects that task with WorkerLostError and the pool goes on', async () => {
    await using pool = new Pool(2);
    const others = Array.from({ length: 20 }, (_, i) => pool.applyAsync(square, [i]));
    await assert.rejects(pool.apply(tasks.exitWith, [3]), (e: unknown) => {
      assert.ok(e instanceof WorkerLostError);
      assert.equal(e.code, 'ERR_MP_WORKER_LOST');
      assert.equal(e.exitcode, 3);
      assert.match(e.message, /exited with code 3/);
      return true;
    });
    assert.deepEqual(await Promise.all(others.map((r) => r.get())), Array.from({ length: 20 }, (_, i) => i * i));
    assert.equal(await pool.apply(square, [9]), 81);
    assert.equal(pool.processes, 2);
  });

  test('tasks sent with the one that ended its worker are not lost: done ones report, unstarted ones run elsewhere', async () => {
    await using pool = new Pool(1);
    // Tiny tasks first, so that the pool sends several tasks to its worker in one message.
    await pool.map(square, Array.from({ length: 200 }, (_, i) => i), 1);
    const before = pool.applyAsync(square, [2]);
    const fatal = pool.applyAsync(tasks.exitWith, [4]);
    const after = pool.applyAsync(square, [3]);
    assert.equal(await before.get(), 4);
    await assert.rejects(fatal.get(), (e: unknown) => e instanceof WorkerLostError && e.exitcode === 4);
    assert.equal(await after.get(), 9);
  });

  test('a worker that exits in the middle of a large batch of tiny tasks: those before it report, it is lost, those after it run elsewhere, each once', async () => {
    await using pool = new Pool(1);
    // Tiny tasks first: the pool then sends its worker hundreds of tasks in one message.
    await pool.map(square, Array.from({ length: 2000 }, (_, i) => i), 1);
    const runs = RawArray('i', 401);
    const count = (counts: Counts, i: number): number => (counts.set(i, counts.get(i) + 1), i * i);
    const before = Array.from({ length: 200 }, (_, i) => pool.applyAsync(count, [runs, i]));
    const fatal = pool.applyAsync(tasks.exitWith, [5]);
    const after = Array.from({ length: 200 }, (_, i) => pool.applyAsync(count, [runs, 201 + i]));
    assert.deepEqual(await Promise.all(before.map((r) => r.get())), Array.from({ length: 200 }, (_, i) => i * i));
    await assert.rejects(fatal.get(), (e: unknown) => e instanceof WorkerLostError && e.exitcode === 5);
    assert.deepEqual(await Promise.all(after.map((r) => r.get())), Array.from({ length: 200 }, (_, i) => (201 + i) ** 2));
    assert.deepEqual(runs.toArray(), Array.from({ length: 401 }, (_, i) => (i === 200 ? 0 : 1)));
  });

  test('a worker killed in the middle of a large batch of tiny tasks: every task it held is lost, none runs twice', async () => {
    await using pool = new Pool(1);
    await pool.map(square, Array.from({ length: 2000 }, (_, i) => i), 1);
    const runs = RawArray('i', 401);
    const count = (counts: Counts, i: number): number => (counts.set(i, counts.get(i) + 1), i * i);
    const before = Array.from({ length: 200 }, (_, i) => pool.applyAsync(count, [runs, i]).get());
    const fatal = pool.applyAsync(tasks.killSelf);
    const after = Array.from({ length: 200 }, (_, i) => pool.applyAsync(count, [runs, 201 + i]).get());
    await assert.rejects(fatal.get(), (e: unknown) => e instanceof WorkerLostError && e.signal === 'SIGKILL');
    const settled = await Promise.allSettled([...before, ...after]);
    settled.forEach((outcome, k) => {
      const i = k < 200 ? k : k + 1;
      if (outcome.status === 'fulfilled') {
        assert.equal(outcome.value, i * i);
        assert.equal(runs.get(i), 1, `task ${i} ran once`);
      } else {
        // Lost with its worker: it may have run there (its result died with it), but not again.
        assert.ok(outcome.reason instanceof WorkerLostError, String(outcome.reason));
        assert.ok(runs.get(i) <= 1, `task ${i} ran ${runs.get(i)} times`);
      }
    });
    assert.equal(await pool.apply(square, [3]), 9);
  }, { only: { backends: ['process'], reason: 'a signal kills a whole process, not one thread' } });

  test('a worker killed by SIGKILL rejects its task naming the signal, and is replaced', async () => {
    await using pool = new Pool(1);
    await assert.rejects(pool.apply(tasks.killSelf), (e: unknown) => e instanceof WorkerLostError && e.signal === 'SIGKILL' && /SIGKILL/.test(e.message));
    assert.equal(await pool.apply(square, [3]), 9);
  }, { only: { backends: ['process'], reason: 'a signal kills a whole process, not one thread' } });

  test('a worker killed while large arguments and results pass loses only what it held, and the pool goes on', async () => {
    await using pool = new Pool(1);
    const echo = (bytes: Uint8Array): Uint8Array => bytes;
    // Killed as the k-th task is handed over (the worker may be reading it, or writing the one
    // before's result), or as the k-th result arrives (it may be writing the next).
    for (let round = 0; round < 8; round++) {
      const pid = await pool.apply(ident);
      const at = round % 4;
      let seen = 0;
      const killAt = (): void => {
        if (seen++ === at) process.kill(pid, 'SIGKILL');
      };
      const event = round < 4 ? 'taskStart' : 'taskEnd';
      const exited = once(pool, 'workerExit');
      pool.on(event, killAt);
      const sizes = [300 << 10, 4 << 20, 1 << 10, 2 << 20];
      const runs = sizes.map((size, i) => pool.applyAsync(echo, [new Uint8Array(size).fill(i + 1)]).get());
      const settled = await Promise.allSettled(runs);
      pool.off(event, killAt);
      settled.forEach((outcome, i) => {
        if (outcome.status === 'rejected') assert.ok(outcome.reason instanceof WorkerLostError, String(outcome.reason));
        else assert.ok(outcome.value.length === sizes[i] && outcome.value.every((b) => b === i + 1), `task ${i} came back whole`);
      });
      // Every round kills its worker once: the next one starts on its replacement. An idle pool
      // does not keep the program alive, so this wait holds it.
      const hold = setInterval(() => {}, 60_000);
      await exited.finally(() => clearInterval(hold));
    }
    assert.equal(await pool.apply(square, [3]), 9);
  }, { timeout: LONG, only: { backends: ['process'], reason: 'a signal kills a whole process, not one thread' } });

  test('large arguments sent in many turns to a busy worker all arrive, in order', async () => {
    await using pool = new Pool(1);
    const seen: number[] = [];
    // Tiny tasks first, so that the pool sends the worker many tasks at once; then it is busy,
    // not waiting: it reads no message until it returns.
    await pool.map((x: number) => x, Array.from({ length: 200 }, (_, i) => i), 1);
    const first = pool.apply((ms: number) => {
      for (const end = Date.now() + ms; Date.now() < end; );
    }, [300]);
    const runs: Promise<number>[] = [];
    // One message per turn, each too large for the worker's ring: more than it holds at once wait to be sent.
    for (let i = 0; i < 6; i++) {
      runs.push(pool.apply((bytes: Uint8Array) => bytes[bytes.length - 1]!, [new Uint8Array(1 << 20).fill(i + 1)]).then((n) => (seen.push(n), n)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await first;
    assert.deepEqual(await Promise.all(runs), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
  }, { timeout: LONG });

  test('an uncaught error at the top level of a worker rejects the task it held', async () => {
    await using pool = new Pool(1);
    await assert.rejects(pool.apply(tasks.throwOutsideTask), (e: unknown) => e instanceof WorkerLostError && e.exitcode === 1);
    assert.equal(await pool.apply(square, [4]), 16);
  });

  test('a task timeout counts from when it starts, then stops it and the pool goes on', async () => {
    await using pool = new Pool(1);
    // The first task holds the only worker for far longer than the second task's timeout.
    const first = pool.apply(tasks.sleep, [600]);
    const second = pool.applyAsync(square, [5], { timeout: 300 });
    await first;
    assert.equal(await second.get(), 25);
    await assert.rejects(pool.applyAsync(spin, [], { timeout: 100 }).get(), isCode(TimeoutError, 'ERR_MP_TASK_TIMEOUT'));
    assert.equal(await pool.apply(square, [6]), 36);
  });

  test('an AbortSignal drops a queued task and stops a running one', async () => {
    await using pool = new Pool(1);
    const running = new AbortController();
    const queued = new AbortController();
    const a = pool.applyAsync(spin, [], { signal: running.signal });
    const b = pool.applyAsync(square, [2], { signal: queued.signal });
    queued.abort(new Error('dropped while queued'));
    await assert.rejects(b.get(), /dropped while queued/);
    running.abort(new Error('stopped while running'));
    await assert.rejects(a.get(), /stopped while running/);
    await assert.rejects(pool.applyAsync(square, [1], { signal: AbortSignal.abort(new Error('already')) }).get(), /already/);
    assert.equal(await pool.apply(square, [7]), 49);
  });

  test('an applyAsync whose error no one asks for is no unhandled rejection, even one stopped as it starts', async () => {
    await using pool = new Pool(1);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const controller = new AbortController();
      // Stopped from inside the submission: the task settles before applyAsync returns.
      pool.once('taskStart', () => controller.abort(new Error('stopped as it started (test)')));
      const stopped = pool.applyAsync(square, [2], { signal: controller.signal });
      const failed = pool.applyAsync(tasks.fail, ['expected failure (test)']);
      assert.equal(stopped.ready(), true);
      // Neither result is asked for. The one worker runs its tasks in order, so the failure is in
      // once this is back; then one turn of the event loop, after which Node reports rejections.
      assert.equal(await pool.apply(square, [3]), 9);
      assert.equal(failed.ready(), true);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
      assert.equal(stopped.successful(), false);
      assert.equal(failed.successful(), false);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test('terminate() rejects queued and running tasks at once and join() resolves', async () => {
    const pool = new Pool(1);
    const running = pool.applyAsync(spin);
    const queued = pool.applyAsync(square, [1]);
    await pool.terminate();
    await assert.rejects(running.get(), isCode(ValueError, 'ERR_MP_POOL_TERMINATED'));
    await assert.rejects(queued.get(), isCode(ValueError, 'ERR_MP_POOL_TERMINATED'));
    await pool.join();
    assert.throws(() => pool.applyAsync(square, [1]), isCode(ValueError, 'ERR_MP_POOL_NOT_RUNNING'));
  }); // CPython: _TestPool.test_terminate

  test('close() finishes queued work; submitting after close and join before close are errors', async () => {
    const pool = new Pool(2);
    await assert.rejects(pool.join(), isCode(ValueError, 'ERR_MP_POOL_RUNNING'));
    const results = Array.from({ length: 10 }, (_, i) => pool.applyAsync(tasks.sleep, [i * 5]));
    pool.close();
    assert.throws(() => pool.applyAsync(square, [1]), (e: unknown) => e instanceof ValueError && e.code === 'ERR_MP_POOL_NOT_RUNNING' && /create a new Pool/.test(e.message));
    await assert.rejects(pool.map(square, [1]), isCode(ValueError, 'ERR_MP_POOL_NOT_RUNNING'));
    await pool.join();
    assert.deepEqual(await Promise.all(results.map((r) => r.get())), Array.from({ length: 10 }, (_, i) => i * 5));
  }); // CPython: _TestPool.test_close / test_empty_iterable

  test('the initializer runs once in each worker with its initargs', async () => {
    await using pool = new Pool(2, { initializer: tasks.setGreeting, initargs: ['hello'] });
    assert.deepEqual(await pool.map(tasks.greet, ['a', 'b', 'c'], 1), ['hello a', 'hello b', 'hello c']);
  }); // CPython: _TestInitializers

  test('a failing initializer breaks the pool with an error that names the cause, instead of restarting forever', async () => {
    await using pool = new Pool(1, { initializer: tasks.fail, initargs: ['bad init'] });
    await assert.rejects(pool.apply(square, [1]), (e: unknown) => e instanceof ValueError && e.code === 'ERR_MP_POOL_BROKEN' && (e.cause as Error).message === 'bad init');
  });

  test('maxTasksPerChild replaces a worker after that many tasks', async () => {
    await using pool = new Pool(1, { maxTasksPerChild: 2 });
    const idents = [];
    for (let i = 0; i < 6; i++) idents.push(await pool.apply(ident));
    assert.equal(new Set(idents).size, 3);
  }); // CPython: _TestPoolWorkerLifetime.test_pool_worker_lifetime

  test('arguments and results that cannot be cloned fail only their own task with PicklingError', async () => {
    await using pool = new Pool(1);
    const bad = pool.applyAsync((_f: () => void) => 1, [() => {}]);
    const good = pool.applyAsync(square, [3]);
    await assert.rejects(bad.get(), isCode(PicklingError, 'ERR_MP_UNPICKLABLE_ARGS'));
    assert.equal(await good.get(), 9);
    await assert.rejects(pool.apply(() => () => 1), (e: unknown) => e instanceof Error && e.name === 'PicklingError' && /cannot be sent back/.test(e.message) && !e.message.includes('..'));
    assert.equal(await pool.apply(square, [4]), 16);
  });

  test('wrong arguments are TypeError or ValueError, named and echoed', () => {
    assert.throws(() => new Pool(0), (e: unknown) => e instanceof ValueError && /"processes" must be at least 1, got 0/.test(e.message));
    assert.throws(() => new Pool(1.5), (e: unknown) => e instanceof TypeError && /"processes"/.test(e.message));
    assert.throws(() => new Pool(1, { processesLimit: 0 }), isCode(ValueError, 'ERR_MP_BAD_VALUE'));
  });

  test('initargs that cannot travel are a PicklingError from the constructor, and leave no worker behind', () => {
    assert.throws(() => new Pool(2, { initargs: [() => 1] }), isCode(PicklingError, 'ERR_MP_UNPICKLABLE_ARGS'));
  });

  test('a pool larger than the machine can hold is a ValueError that says how to allow it', async () => {
    // Refused before a single worker starts.
    assert.throws(() => new Pool(10_000_000), (e: unknown) => e instanceof ValueError && e.code === 'ERR_MP_POOL_TOO_LARGE' && /"?processesLimit"?: 10000000/.test(e.message));
    assert.throws(() => new Pool(3, { processesLimit: 2 }), isCode(ValueError, 'ERR_MP_POOL_TOO_LARGE'));
    await using pool = new Pool(2, { processesLimit: 2 });
    assert.equal(await pool.apply(square, [2]), 4);
  });

  test('stats count completed and failed tasks and summarise run and wait times', async () => {
    await using pool = new Pool(2);
    await pool.map(square, [1, 2, 3, 4], 1);
    await pool.apply(tasks.fail, ['expected failure (test)']).catch(() => undefined);
    const stats = pool.stats;
    assert.equal(stats.completed, 4);
    assert.equal(stats.failed, 1);
    assert.equal(stats.queued, 0);
    assert.equal(stats.running, 0);
    assert.ok(stats.runTime.median >= 0 && stats.runTime.p99 >= stats.runTime.median);
    assert.ok(stats.waitTime.max >= stats.waitTime.median);
  });

  test('a program that leaves a pool open still exits when its work is done', async () => {
    const { code, stdout: out } = await runFixture([poolScript, backend]);
    assert.equal(out.trim(), '[1,4,9]');
    assert.equal(code, 0);
  }, { timeout: LONG });

  test('a large pool starts its workers without blocking the event loop', async () => {
    // Each worker start is a fork() or a new thread: counted as it happens, through Node's own channels.
    const channel = diagnosticsChannel.channel(backend === 'process' ? 'child_process' : 'worker_threads');
    let launched = 0;
    const count = (): void => void launched++;
    channel.subscribe(count);
    try {
      const size = 8;
      await using pool = new Pool(size);
      const atNextTurn = await new Promise<number>((resolve) => setImmediate(() => resolve(launched)));
      assert.ok(atNextTurn < size, `${atNextTurn} of ${size} workers had started before the event loop turned once`);
      assert.deepEqual(await pool.map(square, Array.from({ length: 64 }, (_, i) => i), 1), Array.from({ length: 64 }, (_, i) => i * i));
    } finally {
      channel.unsubscribe(count);
    }
  }, { timeout: LONG });

  test('a promise a task leaves rejected neither ends its worker nor fails another task', async () => {
    await using pool = new Pool(1);
    const worker = await pool.apply(ident);
    assert.equal(await pool.apply(tasks.leaveRejection, ['left behind by a task (expected by the test)']), 'returned');
    assert.equal(await pool.apply(square, [3]), 9);
    assert.equal(await pool.apply(ident), worker, 'the same worker runs the next tasks');
  });

  test('a promise a task leaves rejected is reported on stderr', async () => {
    const { code, stdout: out, stderr: err } = await runFixture([rejectionScript, backend]);
    assert.equal(out.trim(), '["returned",42]');
    assert.match(err, /left behind by a task \(expected by the test\)/);
    assert.equal(code, 0);
  }, { timeout: LONG });

  test('an error a finished task throws later, from a timer, fails no other task', async () => {
    await using pool = new Pool(1);
    assert.equal(await pool.apply(tasks.throwWhenIdle), 'returned');
    // The worker ends while idle; what was sent to it meanwhile runs on its replacement.
    assert.deepEqual(await Promise.all([pool.apply(square, [2]), pool.apply(square, [3])]), [4, 9]);
  });

  test('mapAsync with a signal listens once, however many chunks', async () => {
    await using pool = new Pool(2);
    const controller = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const result = pool.mapAsync(square, Array.from({ length: 100 }, (_, i) => i), { chunksize: 1, signal: controller.signal });
      assert.ok(getEventListeners(controller.signal, 'abort').length <= 1);
      assert.deepEqual(await result.get(), Array.from({ length: 100 }, (_, i) => i * i));
      assert.equal(getEventListeners(controller.signal, 'abort').length, 0, 'the listener goes when the map is done');
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(warnings.filter((w) => w.name === 'MaxListenersExceededWarning'), []);
    } finally {
      process.off('warning', onWarning);
    }
  });

  test('aborting a mapAsync rejects it with the reason, and the pool goes on', async () => {
    await using pool = new Pool(1);
    const controller = new AbortController();
    const result = pool.mapAsync(tasks.sleep, Array.from({ length: 20 }, () => 50), { chunksize: 1, signal: controller.signal });
    controller.abort(new Error('map aborted (expected by the test)'));
    await assert.rejects(result.get(), (e: unknown) => e instanceof Error && e.message === 'map aborted (expected by the test)');
    assert.equal(await pool.apply(square, [5]), 25);
  });
});
