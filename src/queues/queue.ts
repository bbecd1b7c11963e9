// Queue, SimpleQueue, JoinableQueue: FIFO queues shared by any number of producers and consumers
// in any processes or threads, over a ring in shared memory. CPython: Lib/multiprocessing/queues.py.
//
// Objects travel as JSON when they are small plain data, else by V8 serialization; library
// objects inside them (a Lock, another Queue...) travel as live handles. Each producer's
// messages arrive in the order it put them.

import { deserialize, serialize } from 'node:v8';
import { decodeHandles, decodeHandlesSync, encodeHandles, registerHandleType } from '../codec/handles.js';
import { fromPlainBytes, plainBytes } from '../codec/plain.js';
import { asPicklingError } from '../backends/clone-error.js';
import { Empty, Full, ValueError } from '../errors.js';
import { blockingOptions } from '../shm/deadline.js';
import { allTaken } from '../shm/handoff.js';
import { runAsync, runSync } from '../shm/wait-driver.js';
import { COUNT, DEFAULT_CAPACITY, Ring, UNFINISHED, type Refusal, type RingTransfer } from '../synchronize/ring.js';

/**
 * Options of `put`/`get`: Python's `block` and `timeout` (milliseconds). The timeout bounds the
 * whole call, every piece of a large message included.
 */
export interface QueueOptions {
  /** false: the message goes in (or comes out) whole now, or the call fails with Full/Empty. Default true. Python: `block` */
  block?: boolean;
  /** Wait at most this many milliseconds, then fail with Full/Empty. Python: `timeout` (seconds there) */
  timeout?: number;
}

// Payload tags: numbers and strings (the common small messages), small plain data (as JSON,
// codec/plain.ts) and plain byte arrays (the common large ones: one copy in, none out) skip
// V8's serializer.
const NUMBER = 1;
const STRING = 2;
const V8 = 3;
const V8_WITH_HANDLES = 4;
const BYTES = 5;
const JSON_TEXT = 6;
const utf8 = new TextDecoder();

/** @internal One message as it goes into a ring: its tag byte and its data. */
export interface Encoded {
  tag: number;
  body: Uint8Array;
}

/** @internal Serialize one message. The ring writes the tag before the body, so no body is copied here. */
export function encode(obj: unknown): Encoded {
  if (typeof obj === 'number') {
    const body = Buffer.allocUnsafe(8);
    body.writeDoubleLE(obj, 0);
    return { tag: NUMBER, body };
  }
  if (typeof obj === 'string') return { tag: STRING, body: Buffer.from(obj) };
  // A Uint8Array (or Buffer) arrives as a Uint8Array, as V8's serializer would deliver it.
  if (obj instanceof Uint8Array && (obj.constructor === Uint8Array || obj.constructor === Buffer)) return { tag: BYTES, body: obj };
  const json = plainBytes(obj);
  if (json !== undefined) return { tag: JSON_TEXT, body: json };
  const { value, hasHandles } = encodeHandles(obj, 'process');
  try {
    return { tag: hasHandles ? V8_WITH_HANDLES : V8, body: serialize(value) };
  } catch (err) {
    throw asPicklingError(err, 'this object through a queue');
  }
}

function decodeBody(bytes: Uint8Array): { value: unknown; hasHandles: boolean } {
  const tag = bytes[0];
  if (tag === NUMBER) return { value: new DataView(bytes.buffer, bytes.byteOffset + 1, 8).getFloat64(0, true), hasHandles: false };
  if (tag === STRING) return { value: utf8.decode(bytes.subarray(1)), hasHandles: false };
  if (tag === JSON_TEXT) return { value: fromPlainBytes(bytes.subarray(1)), hasHandles: false };
  // The message's own fresh buffer (the ring copied it out): a view, no copy.
  if (tag === BYTES) return { value: bytes.subarray(1), hasHandles: false };
  return { value: deserialize(bytes.subarray(1)), hasHandles: tag === V8_WITH_HANDLES };
}

/** @internal */
export async function decode(bytes: Uint8Array): Promise<unknown> {
  const { value, hasHandles } = decodeBody(bytes);
  return hasHandles ? decodeHandles(value, true) : value;
}

/** @internal Decode at once where no handle type needs loading, which is nearly always. */
export function decodeNow(bytes: Uint8Array): Promise<unknown> {
  try {
    return Promise.resolve(decodeSync(bytes));
  } catch {
    return decode(bytes);
  }
}

/** @internal Decode without awaiting: handle types must be loaded (the package's own are). */
export function decodeSync(bytes: Uint8Array): unknown {
  const { value, hasHandles } = decodeBody(bytes);
  return hasHandles ? decodeHandlesSync(value) : value;
}

function closedError(): ValueError {
  return new ValueError('Queue is closed: close() was called, so nothing more can be put, and everything put has been taken', { code: 'ERR_MP_CLOSED' });
}

/**
 * A FIFO queue for any number of producers and consumers in processes or threads.
 * @example
 * const q = new Queue<string>();
 * await q.put('hello');
 * console.log(await q.get());
 *
 * Python: multiprocessing.Queue
 */
export class Queue<T = unknown> {
  /** @internal */
  readonly ring: Ring;
  /** @internal */
  readonly maxsize: number;

  /**
   * A queue in shared memory; `maxsize` 0 means unbounded (by count; the shared ring's bytes bound it too).
   * Python: `multiprocessing.Queue(maxsize=0)` (and `JoinableQueue(maxsize=0)`)
   */
  constructor(maxsize = 0, /** @internal */ ring?: Ring, /** @internal */ capacity = DEFAULT_CAPACITY) {
    if (typeof maxsize !== 'number' || !Number.isInteger(maxsize)) throw new TypeError(`Expected "maxsize" to be an integer, got ${String(maxsize)}`);
    if (maxsize < 0) throw new ValueError(`"maxsize" must be 0 (unbounded) or more, got ${maxsize}`, { code: 'ERR_MP_BAD_VALUE' });
    this.maxsize = maxsize;
    this.ring = ring ?? new Ring(capacity);
    this.#admit = maxsize > 0 ? () => this.ring.count < maxsize : undefined;
  }

  // What a put waits for besides room: fewer than maxsize objects in the queue (if bounded).
  readonly #admit: (() => boolean) | undefined;

  /**
   * Put `obj` at the end, waiting while the queue is full. A Uint8Array is copied as it goes in,
   * not before (as with a stream's `write`): leave it unchanged until the promise resolves.
   * A message larger than a quarter of the queue's ring streams through it as consumers take it;
   * if the consumer taking it gives up (a get timeout) or dies while this put is still sending it,
   * the rest is skipped and the message is sent again: it is taken whole or not at all.
   * Python: `Queue.put(obj, block, timeout)`
   * @throws {Full} when it stays full (non-blocking, or past the timeout); code ERR_MP_TOO_LARGE
   *   when a non-blocking put's message is larger than the whole ring (only a waiting put can send it)
   * @throws {ValueError} after close()
   */
  put(obj: T, opts?: QueueOptions): Promise<void> {
    let message: Encoded;
    try {
      message = encode(obj);
      // Fast path: the lock is free and there is room, so the message goes in now.
      if (this.#tryPutNow(message)) return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#putSlow(message, opts);
  }

  #tryPutNow(message: Encoded): boolean {
    if (this.ring.closed) throw closedError();
    return this.ring.tryWriteNow(message.body, message.tag, this.#admit);
  }

  async #putSlow(message: Encoded, opts?: QueueOptions): Promise<void> {
    const { deadline } = blockingOptions(opts);
    sent(await runAsync(this.ring.send(message.body, message.tag, deadline, this.#admit)), message);
  }

  /**
   * {@link put} without waiting: the object goes in whole now, or this throws Full (and none of
   * it went in). A message larger than the whole ring never goes in so: Full, code ERR_MP_TOO_LARGE.
   * Python: Queue.put_nowait
   */
  putNowait(obj: T): void {
    const message = encode(obj);
    if (this.#tryPutNow(message)) return;
    sent(runSync(this.ring.send(message.body, message.tag, performance.now(), this.#admit)), message);
  }

  /**
   * Take the first object, waiting while the queue is empty.
   * Python: `Queue.get(block, timeout)`
   * @throws {Empty} when it stays empty (non-blocking, or past the timeout)
   * @throws {ValueError} when the queue is closed and drained
   */
  get(opts?: QueueOptions): Promise<T> {
    // Fast path: a whole message is there and nobody else is reading.
    const bytes = this.ring.tryReadNow();
    if (bytes !== undefined) return decodeNow(bytes) as Promise<T>;
    return this.#getSlow(opts);
  }

  async #getSlow(opts?: QueueOptions): Promise<T> {
    const { deadline } = blockingOptions(opts);
    return (await decode(received(await runAsync(this.ring.receive(deadline))))) as T;
  }

  /**
   * {@link get} without waiting: a message that is not all here yet (a large one still arriving)
   * is left where it is.
   * @throws {Empty} when no whole message is there now; code ERR_MP_TOO_LARGE when the next one is
   *   larger than the whole ring (only a waiting get can take it)
   * @throws {ValueError} when the queue is closed and drained
   * Python: Queue.get_nowait
   */
  getNowait(): T {
    const bytes = this.ring.tryReadNow();
    return decodeSync(bytes ?? received(runSync(this.ring.receive(performance.now())))) as T;
  }

  /** The approximate number of objects in the queue. Python: Queue.qsize */
  qsize(): number {
    return this.ring.count;
  }

  /** Whether the queue is (approximately) empty. Python: `Queue.empty` */
  empty(): boolean {
    return this.ring.count === 0;
  }

  /** Whether the queue is (approximately) full. Python: `Queue.full` */
  full(): boolean {
    return this.maxsize > 0 && this.ring.count >= this.maxsize;
  }

  /**
   * Close the queue for everyone: puts fail, gets drain what is left, and async iteration ends.
   * Python: Queue.close (which closes only this process's end)
   */
  close(): void {
    this.ring.close();
  }

  /**
   * Resolves once this process's puts have reached the queue: the large messages it handed over
   * in segments of their own have been taken by a consumer (a process waits for that at exit too,
   * as Python's does for its feeder thread). Python: Queue.join_thread
   */
  joinThread(): Promise<void> {
    return allTaken(this.ring);
  }

  /**
   * Let this process exit without waiting until the large messages it put have been taken by a
   * consumer; those not taken by then are lost. Python: Queue.cancel_join_thread
   */
  cancelJoinThread(): void {
    this.ring.joinAtExit = false;
  }

  /** `for await (const item of queue)`: items until the queue is closed and drained. Python: `iter(queue.get, sentinel)` */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return untilClosed(() => this.get());
  }
}

/** @internal A queue's `for await`: what `get` gives, until it fails because the queue is closed. */
export async function* untilClosed<T>(get: () => Promise<T>): AsyncGenerator<T, void, void> {
  for (;;) {
    let item: T;
    try {
      item = await get();
    } catch (err) {
      if (err instanceof ValueError && err.code === 'ERR_MP_CLOSED') return;
      throw err;
    }
    yield item;
  }
}

function fullError(): Full {
  return new Full('Queue is full: nothing was taken in time; wait longer, or make the queue bigger', { code: 'ERR_MP_FULL' });
}

function emptyError(): Empty {
  return new Empty('Queue is empty: nothing arrived in time', { code: 'ERR_MP_EMPTY' });
}

function sent(outcome: 'sent' | Refusal, message: Encoded): void {
  if (outcome === 'sent') return;
  if (outcome === 'closed' || outcome === 'peer-gone') throw closedError();
  if (outcome === 'timeout') throw fullError();
  throw new Full(
    `The message (${message.body.length} bytes) is larger than the queue's ring, so it cannot go in without waiting: put() it with blocking, and it streams through as consumers take it`,
    { code: 'ERR_MP_TOO_LARGE' },
  );
}

function received(got: Uint8Array | Refusal): Uint8Array {
  if (got instanceof Uint8Array) return got;
  if (got === 'closed' || got === 'peer-gone') throw closedError();
  if (got === 'timeout') throw emptyError();
  throw new Empty('The next message is larger than the queue\'s ring, so it cannot be taken without waiting: get() it with blocking, and it streams through', { code: 'ERR_MP_TOO_LARGE' });
}

/**
 * A Queue without size limits or counts. Python: multiprocessing.SimpleQueue
 */
export class SimpleQueue<T = unknown> {
  readonly #queue: Queue<T>;

  /** A new, empty queue in shared memory. Python: `multiprocessing.SimpleQueue()` */
  constructor(/** @internal */ queue?: Queue<T>) {
    this.#queue = queue ?? new Queue<T>();
  }

  /** @internal */
  get queue(): Queue<T> {
    return this.#queue;
  }

  /** Put `obj`. Python: `SimpleQueue.put` */
  put(obj: T): Promise<void> {
    return this.#queue.put(obj);
  }

  /** Take the first item, waiting (without blocking the event loop) while it is empty. Python: `SimpleQueue.get` */
  get(): Promise<T> {
    return this.#queue.get();
  }

  /** Whether the queue is empty now. Python: `SimpleQueue.empty` */
  empty(): boolean {
    return this.#queue.empty();
  }

  /** Close the queue for everyone, as {@link Queue.close} does. Python: `SimpleQueue.close` (which closes only this process's end) */
  close(): void {
    this.#queue.close();
  }
}

/**
 * A Queue that counts unfinished tasks: consumers call `taskDone()` per item, `join()` waits for all.
 * Python: multiprocessing.JoinableQueue
 */
export class JoinableQueue<T = unknown> extends Queue<T> {
  /** Put `obj`, counting it as unfinished until a `taskDone()`. Python: `JoinableQueue.put` */
  override async put(obj: T, opts?: QueueOptions): Promise<void> {
    this.ring.add(UNFINISHED, 1);
    try {
      await super.put(obj, opts);
    } catch (err) {
      this.#done();
      throw err;
    }
  }

  override putNowait(obj: T): void {
    this.ring.add(UNFINISHED, 1);
    try {
      super.putNowait(obj);
    } catch (err) {
      this.#done();
      throw err;
    }
  }

  #done(): void {
    if (this.ring.add(UNFINISHED, -1) === 1) this.ring.wakeUnfinished();
  }

  /**
   * Mark one taken item as processed.
   * Python: `JoinableQueue.task_done`
   * @throws {ValueError} when called more times than items were put
   */
  taskDone(): void {
    const before = this.ring.load(UNFINISHED);
    if (before <= 0) throw new ValueError('taskDone() called more times than there were items in the queue', { code: 'ERR_MP_OVER_RELEASED' });
    this.#done();
  }

  /** Wait until every item put has been marked done. Python: `JoinableQueue.join` */
  async join(): Promise<void> {
    await runAsync(this.ring.unfinishedPlan());
  }
}

interface QueueTransfer {
  ring: RingTransfer;
  maxsize: number;
}

for (const [cls, name] of [[Queue, 'Queue'], [JoinableQueue, 'JoinableQueue']] as const) {
  registerHandleType(cls as typeof Queue, {
    name,
    module: import.meta.url,
    reduce: (q: Queue, dest) => ({ ring: q.ring.reduce(dest), maxsize: q.maxsize }),
    rebuild: ({ ring, maxsize }: QueueTransfer) => new cls(maxsize, Ring.rebuild(ring)),
  });
}

registerHandleType(SimpleQueue, {
  name: 'SimpleQueue',
  module: import.meta.url,
  reduce: (q: SimpleQueue, dest) => ({ ring: q.queue.ring.reduce(dest), maxsize: 0 }),
  rebuild: ({ ring }: QueueTransfer) => new SimpleQueue(new Queue(0, Ring.rebuild(ring))),
});

export { COUNT };
