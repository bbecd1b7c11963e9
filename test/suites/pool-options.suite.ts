// Pool options Node users expect (issue 17): elastic sizing (minProcesses, idleTimeout), a bounded
// queue (maxQueue, drained()), worker limits and environment (resourceLimits, maxWorkerMemory, env,
// argv, execArgv), and handing ArrayBuffers over to threads (transfer, move()). No Python twin.
import assert from 'node:assert/strict';
import { Full, move, ValueError, WorkerLostError, type Barrier, type Event } from 'multiprocessing-ts';
import { defineSuite } from '../helpers/suite.js';
import { LONG } from '../helpers/timeouts.js';

const square = (x: number): number => x * x;
// Holds its worker until the test sets the event.
const hold = (release: Event): Promise<boolean> => release.wait();
// Says it runs (the barrier, with the test as one more party), then holds its worker.
const meetThenHold = async (met: Barrier, release: Event): Promise<number> => {
  await met.wait();
  await release.wait();
  return 1;
};
const ident = async (): Promise<number> => {
  const { currentProcess } = await import('multiprocessing-ts');
  return currentProcess().ident;
};

function isCode(cls: new (...a: never[]) => Error, code: string) {
  return (e: unknown): boolean => e instanceof cls && (e as { code?: string }).code === code;
}

// Waits for a condition that the pool reaches on its own (a worker exiting): the test's timeout
// bounds the wait, no margin is assumed.
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

export default defineSuite({ area: 'Pool options', backends: ['process', 'thread'] }, ({ backend, ctx }, test) => {
  const { Pool, Barrier, Event } = ctx;

  // ---- sizing -----------------------------------------------------------------------------------

  test('minProcesses starts that many; more start on demand up to processes, and idle ones above it retire', async () => {
    await using pool = new Pool(3, { minProcesses: 1, idleTimeout: 20 });
    assert.equal(pool.size, 1);
    for (let round = 0; round < 2; round++) {
      const met = new Barrier(4);
      const release = new Event();
      const held = [0, 1, 2].map(() => pool.applyAsync(meetThenHold, [met, release]));
      await met.wait(); // three tasks run at once: three workers
      assert.equal(pool.size, 3);
      release.set();
      assert.deepEqual(await Promise.all(held.map((r) => r.get())), [1, 1, 1]);
      await until(() => pool.size === 1);
    }
    assert.equal(await pool.apply(square, [4]), 16);
  }, { timeout: LONG });

  test('minProcesses 0 starts no worker until a task comes', async () => {
    await using pool = new Pool(2, { minProcesses: 0 });
    assert.equal(pool.size, 0);
    assert.equal(await pool.apply(square, [3]), 9);
    assert.ok(pool.size >= 1);
    pool.close();
    await pool.join();
    assert.equal(pool.size, 0);
  });

  test('a worker retiring when idle never costs a task, even with idleTimeout 0', async () => {
    await using pool = new Pool(2, { idleTimeout: 0 });
    for (let i = 0; i < 30; i++) assert.equal(await pool.apply(square, [i]), i * i);
    for (let i = 0; i < 10; i++) {
      const batch = await Promise.all(Array.from({ length: 5 }, (_, j) => pool.apply(square, [j])));
      assert.deepEqual(batch, [0, 1, 4, 9, 16]);
    }
    assert.equal(pool.stats.failed, 0);
  }, { timeout: LONG });

  test('without the new options a pool keeps Python\'s fixed size', async () => {
    await using pool = new Pool(2);
    await until(() => pool.size === 2);
    assert.equal(await pool.apply(square, [2]), 4);
    assert.equal(pool.size, 2);
  });

  // ---- backpressure -----------------------------------------------------------------------------

  test('maxQueue: a submission beyond it rejects with Full, and drained() says when the queue is empty', async () => {
    await using pool = new Pool(1, { maxQueue: 2 });
    const release = new Event();
    const first = pool.applyAsync(hold, [release]); // taken by the worker at once
    const queued = [pool.applyAsync(square, [2]), pool.applyAsync(square, [3])];
    await assert.rejects(pool.applyAsync(square, [4]).get(), isCode(Full, 'ERR_MP_QUEUE_FULL'));
    await assert.rejects(pool.apply(square, [4]), isCode(Full, 'ERR_MP_QUEUE_FULL'));
    await assert.rejects(pool.map(square, [1, 2]), isCode(Full, 'ERR_MP_QUEUE_FULL'));
    let drained = false;
    const waiting = pool.drained().then(() => (drained = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(drained, false, 'the worker still holds the first task: the queue cannot have emptied');
    release.set();
    await waiting;
    assert.equal(await first.get(), true);
    assert.deepEqual(await Promise.all(queued.map((r) => r.get())), [4, 9]);
    assert.equal(await pool.apply(square, [5]), 25);
    await pool.drained(); // an empty queue: at once
  });

  test('maxQueue \'auto\' is processes squared', async () => {
    await using pool = new Pool(2, { maxQueue: 'auto' });
    const met = new Barrier(3);
    const release = new Event();
    const held = [pool.applyAsync(meetThenHold, [met, release]), pool.applyAsync(meetThenHold, [met, release])];
    await met.wait(); // both workers hold a task: what follows waits in the queue
    const queued = [1, 2, 3, 4].map((x) => pool.applyAsync(square, [x]));
    await assert.rejects(pool.applyAsync(square, [5]).get(), isCode(Full, 'ERR_MP_QUEUE_FULL'));
    release.set();
    assert.deepEqual(await Promise.all([...held, ...queued].map((r) => r.get())), [1, 1, 1, 4, 9, 16]);
  });

  test('a map or imap of more chunks than maxQueue waits for room instead of failing', async () => {
    await using pool = new Pool(2, { maxQueue: 1 });
    const items = Array.from({ length: 200 }, (_, i) => i);
    assert.deepEqual(await pool.map(square, items, 1), items.map(square));
    assert.deepEqual(await pool.starmapAsync((a: number, b: number) => a + b, items.map((i) => [i, 1] as [number, number]), { chunksize: 3 }).get(), items.map((i) => i + 1));
    const got: number[] = [];
    for await (const y of pool.imap(square, items, 2)) got.push(y);
    assert.deepEqual(got, items.map(square));
    assert.equal(pool.stats.queued, 0);
  }, { timeout: LONG });

  test('chunks waiting for room run after close(), and reject when the pool is terminated', async () => {
    const pool = new Pool(1, { maxQueue: 1 });
    const items = Array.from({ length: 20 }, (_, i) => i);
    const closing = pool.map(square, items, 1);
    pool.close();
    assert.deepEqual(await closing, items.map(square));
    await pool.join();

    const other = new Pool(1, { maxQueue: 1 });
    const release = new Event();
    const held = other.applyAsync(hold, [release]);
    const waiting = other.mapAsync(square, [1, 2, 3, 4], { chunksize: 1 });
    const terminated = other.terminate();
    await assert.rejects(waiting.get(), isCode(ValueError, 'ERR_MP_POOL_TERMINATED'));
    await assert.rejects(held.get(), isCode(ValueError, 'ERR_MP_POOL_TERMINATED'));
    await terminated;
    await other.drained();
  });

  // ---- limits and environment -------------------------------------------------------------------

  test('resourceLimits bounds each worker\'s V8 heap', async () => {
    await using pool = new Pool(1, { resourceLimits: { maxOldGenerationSizeMb: 64 } });
    const limit = await pool.apply(async () => (await import('node:v8')).getHeapStatistics().heap_size_limit);
    assert.ok(limit < 512 * 2 ** 20, `heap limit ${limit / 2 ** 20} MiB`);
    await using unbounded = new Pool(1);
    const usual = await unbounded.apply(async () => (await import('node:v8')).getHeapStatistics().heap_size_limit);
    assert.ok(usual > limit);
  });

  test('env, argv and execArgv are each worker\'s', async () => {
    await using pool = new Pool(1, {
      env: { MPTS_POOL_OPTION: 'from-the-pool', PATH: process.env.PATH },
      argv: ['--alpha', 'beta'],
      // A process takes the parent's options only if given them; a thread accepts only per-thread ones.
      execArgv: backend === 'process' ? [...process.execArgv, '--no-deprecation'] : ['--no-deprecation'],
    });
    const seen = await pool.apply(() => ({ env: process.env.MPTS_POOL_OPTION, home: process.env.HOME, argv: process.argv.slice(2), execArgv: process.execArgv }));
    assert.equal(seen.env, 'from-the-pool');
    assert.equal(seen.home, undefined, 'env replaces the parent\'s environment');
    assert.deepEqual(seen.argv, ['--alpha', 'beta']);
    assert.ok(seen.execArgv.includes('--no-deprecation'));
    assert.equal(process.env.MPTS_POOL_OPTION, undefined);
  });

  test('maxWorkerMemory replaces a worker past it, after its task', async () => {
    await using small = new Pool(1, { maxWorkerMemory: 1 });
    const idents = [];
    for (let i = 0; i < 3; i++) idents.push(await small.apply(ident));
    assert.equal(new Set(idents).size, 3);
    assert.equal(small.stats.failed, 0);
    await using large = new Pool(1, { maxWorkerMemory: 2 ** 45 });
    const same = [];
    for (let i = 0; i < 3; i++) same.push(await large.apply(ident));
    assert.equal(new Set(same).size, 1);
  }, { timeout: LONG });

  test('wrong option values are TypeError or ValueError with a code, and start no worker', () => {
    const bad: [object, new (...a: never[]) => Error][] = [
      [{ minProcesses: -1 }, ValueError],
      [{ minProcesses: 3 }, ValueError],
      [{ minProcesses: 1.5 }, TypeError],
      [{ idleTimeout: 'soon' }, TypeError],
      [{ idleTimeout: -1 }, ValueError],
      [{ maxQueue: 0 }, ValueError],
      [{ maxQueue: 'big' }, ValueError],
      [{ maxQueue: 2.5 }, TypeError],
      [{ maxWorkerMemory: 0 }, ValueError],
      [{ env: { A: 1 } }, TypeError],
      [{ argv: 'x' }, TypeError],
      [{ execArgv: [1] }, TypeError],
      [{ resourceLimits: { maxHeap: 1 } }, TypeError],
      [{ resourceLimits: { maxOldGenerationSizeMb: 0 } }, ValueError],
    ];
    for (const [options, cls] of bad) {
      assert.throws(() => new Pool(2, options), (e: unknown) => e instanceof cls && (cls !== ValueError || (e as ValueError).code === 'ERR_MP_BAD_VALUE'), JSON.stringify(options));
    }
    assert.throws(() => move(42 as never), TypeError);
  });

  // ---- handing buffers over ---------------------------------------------------------------------

  const handedOver = backend === 'thread';

  test(`move() and transfer ${handedOver ? 'hand ArrayBuffers over to a thread' : 'copy ArrayBuffers to a process'}`, async () => {
    await using pool = new Pool(1);
    const sum = (b: ArrayBuffer): number => new Uint8Array(b).reduce((s, x) => s + x, 0);
    const bytes = (n: number): ArrayBuffer => new Uint8Array(n).fill(1).buffer;

    const moved = bytes(1024);
    assert.equal(await pool.apply(sum, [move(moved)]), 1024);
    assert.equal(moved.byteLength, handedOver ? 0 : 1024);

    const listed = bytes(64);
    assert.equal(await pool.applyAsync(sum, [listed], { transfer: [listed] }).get(), 64);
    assert.equal(listed.byteLength, handedOver ? 0 : 64);

    const view = new Uint8Array(bytes(32));
    assert.equal(await pool.apply((v: Uint8Array) => v.length, [move(view)]), 32);
    assert.equal(view.byteLength, handedOver ? 0 : 32);

    const items = [bytes(8), bytes(16)];
    assert.deepEqual(await pool.map(sum, items.map((b) => move(b))), [8, 16]);
    assert.deepEqual(items.map((b) => b.byteLength), handedOver ? [0, 0] : [8, 16]);

    const copied = bytes(8);
    assert.equal(await pool.apply(sum, [copied]), 8);
    assert.equal(copied.byteLength, 8, 'a buffer not marked is copied');

    await assert.rejects(pool.applyAsync(sum, [copied], { transfer: 'all' as never }).get(), TypeError);
  });

  test(`a task that returns move(buffer) ${handedOver ? 'hands it over' : 'has it copied'}`, async () => {
    await using pool = new Pool(1);
    const make = async (n: number): Promise<ArrayBuffer> => {
      const { move } = await import('multiprocessing-ts');
      const kept = new Uint8Array(n).fill(7).buffer;
      (globalThis as { kept?: ArrayBuffer }).kept = kept;
      return move(kept);
    };
    const result = await pool.apply(make, [256]);
    assert.equal(result.byteLength, 256);
    assert.equal(new Uint8Array(result)[255], 7);
    const left = await pool.apply(() => (globalThis as { kept?: ArrayBuffer }).kept?.byteLength);
    assert.equal(left, handedOver ? 0 : 256);
    const results = await pool.map(async (n: number) => (await import('multiprocessing-ts')).move(new ArrayBuffer(n)), [1, 2, 3], 3);
    assert.deepEqual(results.map((b) => b.byteLength), [1, 2, 3]);
  });

  test('a task whose buffers went to a worker that died is lost with it, not run again without them', async () => {
    await using pool = new Pool(1);
    // Tiny tasks measured: the worker now takes several tasks at a time, so the next one is sent
    // to it while the first still runs.
    await pool.map(square, Array.from({ length: 200 }, (_, i) => i), 1);
    const release = new Event();
    const dies = pool.applyAsync(async (e: Event) => {
      await e.wait();
      process.exit(3);
    }, [release]);
    const buffer = new ArrayBuffer(8);
    const after = pool.applyAsync((b: ArrayBuffer) => b.byteLength, [move(buffer)]);
    assert.equal(pool.stats.queued, 0, 'the second task went to the worker with the first');
    release.set();
    await assert.rejects(dies.get(), isCode(WorkerLostError, 'ERR_MP_WORKER_LOST'));
    if (handedOver) await assert.rejects(after.get(), isCode(WorkerLostError, 'ERR_MP_WORKER_LOST'));
    else assert.equal(await after.get(), 8);
  }, { timeout: LONG });
});
