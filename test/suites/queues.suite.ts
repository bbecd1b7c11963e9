// Queue, SimpleQueue, JoinableQueue, Pipe/Connection between children.
// CPython: _TestQueue, _TestConnection in Lib/test/_test_multiprocessing.py.
import assert from 'node:assert/strict';
import {
  BufferTooShort, Empty, EOFError, Event, Full, JoinableQueue, Pipe, Queue, SimpleQueue, ValueError, type Connection,
} from 'multiprocessing-ts';
import { waitUntil } from '../helpers/leaks.js';
import { defineSuite } from '../helpers/suite.js';
import { HUGE, LONG } from '../helpers/timeouts.js';

function isCode(cls: new (...a: never[]) => Error, code: string) {
  return (e: unknown): boolean => e instanceof cls && (e as { code?: string }).code === code;
}

export default defineSuite({ area: 'queues', backends: ['process', 'thread'] }, ({ ctx }, test) => {
  const { Process } = ctx;

  test('Queue: objects of every structured-clone kind come out in order, as they went in', async () => {
    const q = new Queue<unknown>();
    const shared = { n: 1 };
    const holes = [1, 2, 3];
    delete holes[1];
    const items: unknown[] = [
      1, -0, 2.5, 'héllo', '', null, true, 2n ** 80n, [1, [2]], { a: new Map([[1, new Set([2])]]) }, new Date(5), new Uint8Array([1, 2]),
      // Plain data goes as JSON, and what JSON would change does not.
      { id: 1, tags: ['a', 'b'], nested: { ok: false, none: null } }, [NaN, -0], [undefined], { a: undefined }, holes, [shared, shared],
      JSON.parse('{"__proto__": 1}') as object, { text: 'lone \ud800 é' },
    ];
    for (const item of items) await q.put(item);
    assert.equal(q.qsize(), items.length);
    const out = [];
    for (let i = 0; i < items.length; i++) out.push(await q.get());
    assert.deepEqual(out, items);
    const [sparse, pair, proto] = out.slice(-4, -1) as [number[], object[], object];
    assert.equal(1 in sparse, false);
    assert.equal(pair[0], pair[1]);
    assert.equal(Object.getOwnPropertyDescriptor(proto, '__proto__')?.value, 1);
    assert.ok(Object.is((out[13] as number[])[1], -0));
    assert.equal(q.empty(), true);
  }); // CPython: _TestQueue.test_put / test_get

  test('Queue: Empty and Full after their timeouts or without blocking; qsize, empty, full', async () => {
    const q = new Queue<string>(3);
    await assert.rejects(q.get({ timeout: 30 }), isCode(Empty, 'ERR_MP_EMPTY'));
    await assert.rejects(q.get({ block: false }), Empty);
    assert.throws(() => q.getNowait(), Empty);
    q.putNowait('m1');
    await q.put('m2');
    assert.equal(q.full(), false);
    await q.put('m3');
    assert.equal(q.full(), true);
    assert.throws(() => q.putNowait('m4'), isCode(Full, 'ERR_MP_FULL'));
    await assert.rejects(q.put('m4', { timeout: 30 }), Full);
    assert.equal(q.qsize(), 3);
    assert.equal(q.getNowait(), 'm1');
    assert.equal(q.full(), false);
    assert.throws(() => new Queue(-1), ValueError);
  }); // CPython: _TestQueue.test_qsize, the seed's Queue(3) example

  test('Queue: a put waiting on a full queue goes in once a consumer makes room', async () => {
    const q = new Queue<number>(1);
    await q.put(1);
    const waiting = q.put(2);
    const p = new Process({ target: async (queue: Queue<number>) => void (await queue.get()), args: [q] });
    p.start();
    await waiting;
    await p.join();
    assert.equal(await q.get(), 2);
  });

  test('Queue: children put and get through a queue passed to them, and queues travel inside queues', async () => {
    const q = new Queue<unknown>();
    const inner = new Queue<string>();
    await q.put('11');
    await q.put(inner);
    const p = new Process({
      target: async (queue: Queue<unknown>) => {
        const first = await queue.get();
        const nested = (await queue.get()) as Queue<string>;
        await nested.put(`nested saw ${String(first)}`);
        await queue.put('22');
      },
      args: [q],
    });
    p.start();
    await p.join();
    assert.equal(p.exitcode, 0);
    assert.equal(await q.get(), '22');
    assert.equal(await inner.get(), 'nested saw 11');
  }); // the seed's f(test): test.put("22")

  test('Queue: 4 producers × 250,000 messages into 2 consumers: nothing lost or duplicated, each producer in order', async () => {
    const q = new Queue<[number, number] | null>();
    const results = new Queue<{ counts: number[]; sums: number[]; ordered: boolean }>();
    const N = 250_000;
    const produce = async (queue: Queue<[number, number] | null>, id: number, n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await queue.put([id, i]);
    };
    const consume = async (queue: Queue<[number, number] | null>, out: Queue<{ counts: number[]; sums: number[]; ordered: boolean }>): Promise<void> => {
      const last = [-1, -1, -1, -1];
      const counts = [0, 0, 0, 0];
      const sums = [0, 0, 0, 0];
      let ordered = true;
      for (;;) {
        const item = await queue.get();
        if (item === null) break;
        const [id, seq] = item;
        if (seq <= (last[id] as number)) ordered = false;
        last[id] = seq;
        counts[id]!++;
        sums[id]! += seq;
      }
      await out.put({ counts, sums, ordered });
    };
    const producers = [0, 1, 2, 3].map((id) => new Process({ target: produce, args: [q, id, N] }));
    const consumers = [0, 1].map(() => new Process({ target: consume, args: [q, results] }));
    for (const p of [...producers, ...consumers]) p.start();
    for (const p of producers) await p.join();
    await q.put(null);
    await q.put(null);
    const reports = [await results.get(), await results.get()];
    for (const p of consumers) await p.join();
    assert.deepEqual([...producers, ...consumers].map((p) => p.exitcode), [0, 0, 0, 0, 0, 0]);
    assert.ok(reports.every((r) => r.ordered), 'a consumer saw a producer\'s messages out of order');
    const expectedSum = (N * (N - 1)) / 2;
    for (let id = 0; id < 4; id++) {
      assert.equal(reports[0]!.counts[id]! + reports[1]!.counts[id]!, N, `producer ${id}: messages lost or duplicated`);
      assert.equal(reports[0]!.sums[id]! + reports[1]!.sums[id]!, expectedSum, `producer ${id}: wrong messages`);
    }
  }, { timeout: HUGE });

  test('Queue: a 64 MiB message arrives whole', async () => {
    const q = new Queue<Uint8Array | string>();
    const p = new Process({
      target: async (queue: Queue<Uint8Array | string>) => {
        const big = new Uint8Array(64 * 1024 * 1024);
        for (let i = 0; i < big.length; i += 4096) big[i] = (i / 4096) & 0xff;
        await queue.put(big);
      },
      args: [q],
    });
    p.start();
    const big = (await q.get()) as Uint8Array;
    await p.join();
    assert.equal(big.length, 64 * 1024 * 1024);
    let ok = true;
    for (let i = 0; i < big.length; i += 4096) if (big[i] !== ((i / 4096) & 0xff)) ok = false;
    assert.ok(ok, 'the message arrived corrupted');
  }, { timeout: LONG });

  test('Queue: a consumer killed while waiting in get() does not break the queue for the others', async () => {
    const q = new Queue<string>();
    const waiting = new Event();
    const p = new Process({
      target: async (queue: Queue<string>, w: Event) => {
        const got = queue.get();
        w.set();
        await got;
      },
      args: [q, waiting],
    });
    p.start();
    assert.equal(await waiting.wait(LONG), true);
    p.kill();
    await p.join();
    await q.put('still works');
    assert.equal(await q.get({ timeout: 10_000 }), 'still works');
  }, { only: { backends: ['process'], reason: 'only a process can be killed in the middle of a get' } });

  test('Queue: a consumer killed halfway through a large message: its producer sends it again, whole, to the next one', async () => {
    // A 64 KiB ring: messages over 16 KiB stream through it in pieces, so a 200 KiB one cannot
    // be in it at once. The writer fills the ring and is then stopped (SIGSTOP); the first
    // consumer takes pieces of what is there and waits for the rest; it is killed there. The
    // writer, continued, fills the ring again and is still sending when the next consumer comes.
    // (Had it sent all of it, the message would be lost with the consumer, as in Python.)
    const q = new Queue<Uint8Array | string>(0, undefined, 64 * 1024);
    const ring = q.ring;
    const big = 200 * 1024;
    const writer = new Process({
      target: async (queue: Queue<Uint8Array | string>, size: number) => {
        await queue.put(new Uint8Array(size).fill(1));
        await queue.put('after');
      },
      args: [q, big],
    });
    writer.start();
    await waitUntil(() => ring.available() > ring.capacity - ring.wholeLimit, LONG, 'the writer to fill the ring');
    process.kill(writer.pid!, 'SIGSTOP');
    const consumer = new Process({ target: async (queue: Queue<Uint8Array | string>) => void (await queue.get()), args: [q] });
    try {
      consumer.start();
      await waitUntil(() => ring.available() < ring.wholeLimit, LONG, 'the consumer to take what is in the ring');
      consumer.kill();
      await consumer.join();
    } finally {
      process.kill(writer.pid!, 'SIGCONT');
    }
    const again = await q.get({ timeout: LONG });
    assert.ok(again instanceof Uint8Array && again.length === big && again.every((b) => b === 1), 'the large message was not sent again whole');
    assert.equal(await q.get({ timeout: LONG }), 'after');
    await writer.join();
    assert.equal(writer.exitcode, 0);
    assert.equal(q.qsize(), 0);
  }, { timeout: LONG, only: { backends: ['process'], reason: 'only a process can be stopped and killed in the middle of a get' } });

  // ---- a producer stopped or killed between the pieces of a large message (issue 14.2) ----------
  // A 64 KiB ring: a 100 KiB message cannot be in it at once, so it travels in pieces. The writer
  // fills the ring and then waits for room between pieces, where it is stopped (SIGSTOP); readers
  // take what is there and wait for the rest; then the writer is killed (or continued).
  const SMALL_RING = 64 * 1024;
  const BIG = 100 * 1024;

  async function stoppedWriter(q: Queue<Uint8Array | string>, fill: number): Promise<InstanceType<typeof Process>> {
    const writer = new Process({
      target: async (queue: Queue<Uint8Array | string>, size: number, value: number) => {
        await queue.put(new Uint8Array(size).fill(value));
      },
      args: [q, BIG, fill],
    });
    writer.start();
    await waitUntil(() => q.ring.available() > q.ring.capacity - q.ring.wholeLimit, LONG, 'the writer to fill the ring');
    process.kill(writer.pid!, 'SIGSTOP');
    return writer;
  }

  async function killStopped(writer: InstanceType<typeof Process>): Promise<void> {
    process.kill(writer.pid!, 'SIGKILL');
    await writer.join();
    assert.equal(writer.exitcode, -9);
  }

  /** Runs `target` in a child and fails if it has not ended within `ms` (a synchronous call that blocks). */
  async function runWithin<A extends unknown[]>(ms: number, what: string, target: (...args: A) => unknown, args: A): Promise<void> {
    const p = new Process({ target: target as (...a: unknown[]) => unknown, args: args as unknown[] });
    p.start();
    await p.join(ms);
    if (p.exitcode === null) {
      p.kill();
      await p.join();
      assert.fail(`${what} blocked for ${ms} ms`);
    }
    assert.equal(p.exitcode, 0, `${what}: the child failed`);
  }

  /** A child's target: getNowait() must throw Empty (the child exits 3 if it returns something). */
  async function getNowaitFindsNothing(queue: Queue<unknown>): Promise<void> {
    const { Empty: EmptyError } = await import('multiprocessing-ts');
    try {
      queue.getNowait();
    } catch (err) {
      if (err instanceof EmptyError) return;
      throw err;
    }
    process.exit(3);
  }

  test('Queue: a producer killed between the pieces of a large message: the waiting get() skips it, and other producers and consumers go on', async () => {
    const q = new Queue<Uint8Array | string>(0, undefined, SMALL_RING);
    const results = new Queue<Uint8Array | string>();
    const writer = await stoppedWriter(q, 1);
    try {
      // A second producer waits (asynchronously) for the write lock the stopped writer holds.
      const producer = new Process({ target: async (queue: Queue<Uint8Array | string>) => queue.put('after'), args: [q] });
      producer.start();
      const first = q.get({ timeout: LONG });
      await waitUntil(() => q.ring.available() === 0, LONG, 'the reader to take what is in the ring');
      // A second consumer waits for the read lock the parent's get() holds.
      const consumer = new Process({ target: async (queue: Queue<Uint8Array | string>, out: Queue<Uint8Array | string>) => out.put(await queue.get({ timeout: 50_000 })), args: [q, results] });
      consumer.start();
      await killStopped(writer);
      assert.equal(await first, 'after');
      await producer.join();
      assert.equal(producer.exitcode, 0, 'the second producer did not get the write lock of the dead one');
      await q.put('for the second consumer');
      assert.equal(await results.get({ timeout: LONG }), 'for the second consumer');
      await consumer.join();
      assert.equal(consumer.exitcode, 0);
      assert.equal(q.qsize(), 0);
    } finally {
      if (writer.exitcode === null) process.kill(writer.pid!, 'SIGKILL');
    }
  }, { timeout: LONG, only: { backends: ['process'], reason: 'only a process can be stopped and killed between pieces' } });

  test('Queue: get({ timeout }) gives up at its deadline in the middle of a stalled large message, and the message still arrives whole', async () => {
    const q = new Queue<Uint8Array | string>(0, undefined, SMALL_RING);
    const writer = await stoppedWriter(q, 7);
    try {
      const started = performance.now();
      await assert.rejects(q.get({ timeout: 300 }), isCode(Empty, 'ERR_MP_EMPTY'));
      assert.ok(performance.now() - started >= 290, 'get() gave up before its deadline');
      // While the writer is stopped, getNowait() finds no whole message and does not wait.
      await runWithin(10_000, 'getNowait() on a message still arriving', getNowaitFindsNothing, [q]);
    } finally {
      process.kill(writer.pid!, 'SIGCONT');
    }
    const big = await q.get({ timeout: LONG });
    assert.ok(big instanceof Uint8Array && big.length === BIG && big.every((b) => b === 7), 'the stalled message did not arrive whole');
    await writer.join();
    assert.equal(writer.exitcode, 0);
    assert.equal(q.qsize(), 0);
  }, { timeout: LONG, only: { backends: ['process'], reason: 'only a process can be stopped between pieces' } });

  test('Queue: getNowait() never blocks on a large message whose producer is stopped or dead, and the queue goes on', async () => {
    const q = new Queue<Uint8Array | string>(0, undefined, SMALL_RING);
    const writer = await stoppedWriter(q, 2);
    const nowait = getNowaitFindsNothing;
    try {
      await runWithin(10_000, 'getNowait() on a stopped producer\'s message', nowait, [q]);
      await killStopped(writer);
      await runWithin(10_000, 'getNowait() on a dead producer\'s message', nowait, [q]);
    } finally {
      if (writer.exitcode === null) process.kill(writer.pid!, 'SIGKILL');
    }
    await q.put('after');
    assert.equal(q.getNowait(), 'after');
    assert.equal(q.qsize(), 0);
  }, { timeout: LONG, only: { backends: ['process'], reason: 'only a process can be stopped and killed between pieces' } });

  test('Pipe: a writer killed between the pieces of a large send: a second writer blocked in send() goes on, and recv() skips the dead one\'s message', async () => {
    const [reader, writerEnd] = Pipe<Uint8Array | string>(false);
    const ring = reader.rings.incoming!;
    ring.handoffFrom = 0; // a message larger than the ring streams through it in pieces
    const writer = new Process({ target: (w: Connection<Uint8Array | string>, size: number) => w.send(new Uint8Array(size)), args: [writerEnd, 3 * ring.capacity] });
    writer.start();
    try {
      await waitUntil(() => ring.available() > ring.capacity - ring.wholeLimit, LONG, 'the writer to fill the pipe');
      process.kill(writer.pid!, 'SIGSTOP');
      // send() is synchronous: the second writer's thread blocks on the write lock. (It becomes the
      // pipe's writing process when its end arrives, so the reader does not see EOF when the first dies.)
      const sending = new Event();
      const second = new Process({
        target: (w: Connection<Uint8Array | string>, s: Event) => {
          s.set();
          w.send('after');
        },
        args: [writerEnd, sending],
      });
      second.start();
      assert.equal(await sending.wait(LONG), true);
      const got = reader.recv();
      await waitUntil(() => ring.available() === 0, LONG, 'the reader to take what is in the pipe');
      await killStopped(writer);
      assert.equal(await got, 'after');
      await second.join();
      assert.equal(second.exitcode, 0, 'the second writer did not get the write lock of the dead one');
    } finally {
      if (writer.exitcode === null) process.kill(writer.pid!, 'SIGKILL');
    }
  }, { timeout: LONG, only: { backends: ['process'], reason: 'only a process can be stopped and killed between pieces' } });

  // ---- large messages handed over in a segment of their own (issue 19.3) ---------------------------
  // A message that does not fit the ring whole (from 256 KiB up) goes into a segment of its
  // writer's; only its descriptor travels through the ring.
  const MIB = 1 << 20;
  const filled = (size: number, seed: number): Uint8Array => new Uint8Array(size).map((_, i) => (i * 7 + seed) & 0xff);
  const isFilled = (m: unknown, size: number, seed: number): boolean => m instanceof Uint8Array && m.length === size && m.every((b, i) => b === ((i * 7 + seed) & 0xff));

  test('Queue and Pipe: large messages handed over arrive whole and in order among small ones, both ways', async () => {
    const q = new Queue<Uint8Array | string>();
    const back = new Queue<Uint8Array | string>();
    const [parentEnd, childEnd] = Pipe<Uint8Array | string>();
    const p = new Process({
      target: async (queue: Queue<Uint8Array | string>, out: Queue<Uint8Array | string>, conn: Connection<Uint8Array | string>, mib: number) => {
        const make = (size: number, seed: number): Uint8Array => new Uint8Array(size).map((_, i) => (i * 7 + seed) & 0xff);
        for (let i = 0; i < 3; i++) await out.put(await queue.get());
        await queue.put('a');
        await queue.put(make(mib, 1));
        await queue.put('b');
        await queue.put(make(5 * mib, 2));
        await queue.put(make(300 * 1024, 3));
        conn.send(make(2 * mib, 4));
        conn.send('c');
        conn.send(await conn.recv());
      },
      args: [q, back, childEnd, MIB],
    });
    await q.put(filled(3 * MIB, 5));
    await q.put('to the child');
    await q.put(filled(MIB, 6));
    p.start();
    assert.ok(isFilled(await back.get({ timeout: LONG }), 3 * MIB, 5));
    assert.equal(await back.get({ timeout: LONG }), 'to the child');
    assert.ok(isFilled(await back.get({ timeout: LONG }), MIB, 6));
    assert.equal(await q.get({ timeout: LONG }), 'a');
    assert.ok(isFilled(await q.get({ timeout: LONG }), MIB, 1));
    assert.equal(await q.get({ timeout: LONG }), 'b');
    assert.ok(isFilled(await q.get({ timeout: LONG }), 5 * MIB, 2));
    assert.ok(isFilled(await q.get({ timeout: LONG }), 300 * 1024, 3));
    assert.ok(isFilled(await parentEnd.recv(), 2 * MIB, 4));
    assert.equal(await parentEnd.recv(), 'c');
    parentEnd.send(filled(MIB, 7));
    assert.ok(isFilled(await parentEnd.recv(), MIB, 7));
    await p.join();
    assert.equal(p.exitcode, 0);
    assert.equal(q.qsize(), 0);
  }, { timeout: LONG });

  test('Queue: a producer does not end before its large message is taken (unless cancelJoinThread); joinThread() waits for it', async () => {
    const q = new Queue<Uint8Array>();
    const put = new Event();
    const p = new Process({
      target: async (queue: Queue<Uint8Array>, done: Event, size: number) => {
        await queue.put(new Uint8Array(size).fill(3));
        done.set();
        await queue.joinThread();
      },
      args: [q, put, MIB],
    });
    p.start();
    assert.equal(await put.wait(LONG), true);
    // Its target has ended (or is in joinThread); the message is still there to take.
    const got = await q.get({ timeout: LONG });
    assert.ok(got instanceof Uint8Array && got.length === MIB && got.every((b) => b === 3));
    await p.join();
    assert.equal(p.exitcode, 0);

    const cancelled = new Process({
      target: async (queue: Queue<Uint8Array>, size: number) => {
        queue.cancelJoinThread();
        await queue.put(new Uint8Array(size));
      },
      args: [q, MIB],
    });
    cancelled.start();
    await cancelled.join(LONG);
    assert.equal(cancelled.exitcode, 0, 'a producer that cancelled its join waited at exit');
    // Its segment went with it: the message is skipped.
    await assert.rejects(q.get({ timeout: 200 }), isCode(Empty, 'ERR_MP_EMPTY'));
    assert.equal(q.qsize(), 0);
  }, { timeout: LONG, only: { backends: ['process'], reason: 'a thread\'s segments live in its process, which does not end with it' } });

  test('Queue: a producer killed after it handed over a large message, before a consumer took it: the get skips it, and nothing hangs or leaks', async () => {
    const q = new Queue<Uint8Array | string>();
    const put = new Event();
    const writer = new Process({
      target: async (queue: Queue<Uint8Array | string>, done: Event, size: number) => {
        await queue.put(new Uint8Array(size).fill(1));
        done.set();
        await new Promise(() => {}); // killed here
      },
      args: [q, put, MIB],
    });
    writer.start();
    try {
      assert.equal(await put.wait(LONG), true);
      assert.equal(q.qsize(), 1);
    } finally {
      writer.kill();
      await writer.join();
    }
    await q.put('after');
    // A memfd dies with its writer; a named segment (MPTS_PLATFORM=posix) goes when the resource
    // tracker hears of the death, so it may still be there to take.
    const first = await q.get({ timeout: LONG });
    if (first !== 'after') {
      assert.ok(first instanceof Uint8Array && first.length === MIB && first.every((b) => b === 1), 'a partial message was delivered');
      assert.equal(await q.get({ timeout: LONG }), 'after');
    }
    assert.equal(q.qsize(), 0);
  }, { timeout: LONG, only: { backends: ['process'], reason: 'only a process can be killed after its put' } });

  test('Queue: a consumer killed after it claimed a large message: that message is lost with it, and the producer\'s next ones go to the next consumer', async () => {
    const q = new Queue<Uint8Array | string>();
    const results = new Queue<Uint8Array | string>();
    const claimed = new Event();
    await q.put(filled(MIB, 8));
    const consumer = new Process({
      target: async (queue: Queue<Uint8Array | string>, signal: Event) => {
        queue.ring.afterClaim = () => {
          signal.set();
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // killed here
        };
        await queue.get();
      },
      args: [q, claimed],
    });
    consumer.start();
    try {
      assert.equal(await claimed.wait(LONG), true);
    } finally {
      consumer.kill();
      await consumer.join();
    }
    assert.equal(q.qsize(), 0);
    // The segment the dead consumer held is free again for this producer's next messages.
    const next = new Process({
      target: async (queue: Queue<Uint8Array | string>, out: Queue<Uint8Array | string>) => {
        for (let i = 0; i < 3; i++) await out.put(await queue.get());
      },
      args: [q, results],
    });
    next.start();
    for (let i = 0; i < 3; i++) await q.put(filled(MIB, 9 + i));
    for (let i = 0; i < 3; i++) assert.ok(isFilled(await results.get({ timeout: LONG }), MIB, 9 + i));
    await next.join();
    assert.equal(next.exitcode, 0);
    assert.equal(q.qsize(), 0);
  }, { timeout: LONG, only: { backends: ['process'], reason: 'only a process can be killed in the middle of a get' } });

  // ---- putNowait/getNowait never wait (issue 14.3) ------------------------------------------------

  test('Queue: putNowait() and put({ block: false }) never wait: Full when the message is larger than the free space or the whole ring', async () => {
    const report = new Queue<string>();
    const steps = async (out: Queue<string>, ringSize: number): Promise<void> => {
      const { Full: FullError, Queue: Q } = await import('multiprocessing-ts');
      const outcome = async (fn: () => unknown): Promise<string> => {
        try {
          const value = await fn();
          return value instanceof Uint8Array ? `bytes:${value.length}` : `ok:${String(value)}`;
        } catch (err) {
          return err instanceof FullError ? `Full:${err.code}` : `error:${(err as Error).name}:${(err as { code?: string }).code}`;
        }
      };
      // Larger than the ring: refused when it would stream through it in pieces, taken whole when handed over.
      const streaming = new Q();
      streaming.ring.handoffFrom = 0;
      await out.put(await outcome(() => streaming.putNowait(new Uint8Array(2 << 20))));
      const handing = new Q();
      await out.put(await outcome(() => handing.putNowait(new Uint8Array(2 << 20))));
      await out.put(await outcome(() => handing.getNowait()));
      const q = new Q<Uint8Array>(0, undefined, ringSize);
      await q.put(new Uint8Array(40 * 1024));
      await out.put(await outcome(() => q.putNowait(new Uint8Array(30 * 1024))));
      await out.put(await outcome(() => q.put(new Uint8Array(30 * 1024), { block: false })));
      await out.put(await outcome(() => q.getNowait()));
      await out.put(await outcome(() => q.putNowait(new Uint8Array(30 * 1024))));
      await out.put(await outcome(() => q.getNowait()));
      await out.put('end');
    };
    await runWithin(LONG / 2, 'putNowait()/getNowait() of large messages', steps, [report, SMALL_RING]);
    const seen: string[] = [];
    for (let s = await report.get(); s !== 'end'; s = await report.get()) seen.push(s);
    assert.deepEqual(seen, ['Full:ERR_MP_TOO_LARGE', 'ok:undefined', `bytes:${2 << 20}`, 'Full:ERR_MP_FULL', 'Full:ERR_MP_FULL', `bytes:${40 * 1024}`, 'ok:undefined', `bytes:${30 * 1024}`]);
  }, { timeout: LONG });

  test('Queue: close() ends async iteration after the rest is drained; put after close is a ValueError', async () => {
    const q = new Queue<number>();
    for (const n of [1, 2, 3]) await q.put(n);
    q.close();
    await assert.rejects(q.put(4), isCode(ValueError, 'ERR_MP_CLOSED'));
    const seen = [];
    for await (const n of q) seen.push(n);
    assert.deepEqual(seen, [1, 2, 3]);
    await q.joinThread();
  });

  test('JoinableQueue: join() waits until every item is marked done; extra taskDone() is a ValueError', async () => {
    const q = new JoinableQueue<number>();
    for (let i = 0; i < 5; i++) await q.put(i);
    const p = new Process({
      target: async (queue: JoinableQueue<number>) => {
        for (let i = 0; i < 5; i++) {
          await queue.get();
          queue.taskDone();
        }
      },
      args: [q],
    });
    p.start();
    await q.join();
    assert.equal(q.empty(), true);
    await p.join();
    assert.throws(() => q.taskDone(), isCode(ValueError, 'ERR_MP_OVER_RELEASED'));
  }); // CPython: _TestQueue.test_task_done

  test('SimpleQueue: put, get and empty across a child', async () => {
    const q = new SimpleQueue<number>();
    const p = new Process({ target: async (queue: SimpleQueue<number>) => queue.put(42), args: [q] });
    p.start();
    await p.join();
    assert.equal(q.empty(), false);
    assert.equal(await q.get(), 42);
    assert.equal(q.empty(), true);
  });

  test('Pipe: both ends send and receive; recv gets EOFError after the other end closes', async () => {
    const [parentEnd, childEnd] = Pipe<string>();
    const p = new Process({
      target: async (conn: Connection<string>) => {
        const question = await conn.recv();
        for (let i = 0; i < 3; i++) conn.send(`${question}:${i}`);
        conn.close();
      },
      args: [childEnd],
    });
    p.start();
    parentEnd.send('url');
    const got: string[] = [];
    await assert.rejects(async () => {
      for (;;) got.push(await parentEnd.recv());
    }, isCode(EOFError, 'ERR_MP_EOF'));
    assert.deepEqual(got, ['url:0', 'url:1', 'url:2']);
    await p.join();
    parentEnd.close();
    assert.equal(parentEnd.closed, true);
    assert.throws(() => parentEnd.send('x'), isCode(ValueError, 'ERR_MP_CLOSED'));
  }); // CPython: _TestConnection.test_connection, the seed's Pipe example

  test('Pipe: a writer process that dies without closing leaves the reader at EOF', async () => {
    const [reader, writer] = Pipe<string>(false);
    const p = new Process({ target: (w: Connection<string>) => void w.send('last words'), args: [writer] });
    p.start();
    await p.join();
    assert.equal(await reader.recv(), 'last words');
    await assert.rejects(reader.recv(), EOFError);
  }, { only: { backends: ['process'], reason: 'a thread shares its process, so its end does not die with it' } });

  test('Pipe(false): the parent closes its copy of the writing end after start(), as in CPython; the child still sends, and EOF comes when the child closes its copy', async () => {
    const [reader, writer] = Pipe<number>(false);
    const go = new Event();
    const p = new Process({
      target: async (w: Connection<number>, g: Event) => {
        await g.wait();
        for (let i = 0; i < 3; i++) w.send(i);
        w.close();
      },
      args: [writer, go],
    });
    p.start();
    writer.close(); // before the child has its copy: the copy on its way keeps the pipe open
    assert.equal(writer.closed, true);
    go.set();
    const got: number[] = [];
    await assert.rejects(async () => {
      for (;;) got.push(await reader.recv());
    }, isCode(EOFError, 'ERR_MP_EOF'));
    assert.deepEqual(got, [0, 1, 2]);
    await p.join();
    assert.equal(p.exitcode, 0);
  }); // CPython: the idiom of Lib/multiprocessing's docs (close the parent's end after start())

  test('Pipe(false): with two writer children, the first one\'s exit is not EOF: the reader waits for the other', async () => {
    const [reader, writer] = Pipe<string>(false);
    const ready = new Event();
    const go = new Event();
    const late = new Process({
      target: async (w: Connection<string>, r: Event, g: Event) => {
        r.set();
        await g.wait();
        w.send('late');
      },
      args: [writer, ready, go],
    });
    late.start();
    assert.equal(await ready.wait(LONG), true);
    // The second to take the writing end, and the first to go.
    const early = new Process({ target: (w: Connection<string>) => void w.send('early'), args: [writer] });
    early.start();
    await early.join();
    writer.close();
    assert.equal(await reader.recv(), 'early');
    const next = reader.recv();
    go.set();
    assert.equal(await next, 'late');
    await late.join();
    await assert.rejects(reader.recv(), isCode(EOFError, 'ERR_MP_EOF'));
  }, { only: { backends: ['process'], reason: 'a writer that ends without closing its copy is gone only when its process is' } });

  test('Pipe(false): one-way ends, bytes, poll, and BufferTooShort', async () => {
    const [reader, writer] = Pipe<never>(false);
    assert.equal(reader.writable, false);
    assert.equal(writer.readable, false);
    assert.throws(() => reader.sendBytes(new Uint8Array(1)), isCode(ValueError, 'ERR_MP_READ_ONLY'));
    await assert.rejects(writer.recv(), isCode(ValueError, 'ERR_MP_WRITE_ONLY'));
    assert.equal(await reader.poll(), false);
    assert.equal(await reader.poll(20), false);
    writer.sendBytes(new Uint8Array([1, 2, 3, 4, 5]), 1, 3);
    assert.equal(await reader.poll(), true);
    assert.deepEqual([...(await reader.recvBytes())], [2, 3, 4]);
    writer.sendBytes(new Uint8Array([9, 9, 9]));
    await assert.rejects(reader.recvBytesInto(new Uint8Array(2)), (e: unknown) => e instanceof BufferTooShort && e.payload?.length === 3);
    writer.sendBytes(new Uint8Array([7, 8]));
    const buf = new Uint8Array(4);
    assert.equal(await reader.recvBytesInto(buf, 1), 2);
    assert.deepEqual([...buf], [0, 7, 8, 0]);
  }); // CPython: _TestConnection.test_duplex_false, test_sendbytes
});
