// A FIFO queue in Redis with the interface of our Queue, for producers and consumers on any
// machines. A Redis list: RPUSH to put, BLPOP to get. Python's semantics: a get takes the item
// (there is no acknowledgement), so an item taken by a consumer that then dies is gone; use the
// distributed Pool for work that must survive a dead worker.
//
// Everything that talks to Redis returns a Promise, including qsize/empty/full and the *Nowait
// forms, which are synchronous on a local queue.

import { deserialize, serialize } from 'node:v8';
import type { Redis } from 'ioredis';
import { asPicklingError } from '../backends/clone-error.js';
import { Empty, Full, ValueError } from '../errors.js';
import { untilClosed, type QueueOptions } from '../queues/queue.js';
import { blockingOptions, expired, msLeft } from '../shm/deadline.js';
import { connect, resolveTarget, unreachable, type RedisTarget, type ResolvedTarget } from './connection.js';

/** Options of the Redis {@link Queue}. Python: `Queue(maxsize)` */
export interface RedisQueueOptions extends RedisTarget {
  /** Most items the queue holds; `put` waits (or fails with Full) beyond. 0: unbounded (default). Python: `maxsize` */
  maxsize?: number;
}

// Put only if there is room, in one step, so that concurrent producers cannot overfill the queue.
const PUT_IF_ROOM = `
local max = tonumber(ARGV[2])
if max > 0 and redis.call('LLEN', KEYS[1]) >= max then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[1])
return 1`;

// While full, `put` polls: Redis has no blocking "wait for room". Grows to this many ms.
const MAX_POLL_MS = 50;

type PutClient = Redis & { mptsPutIfRoom(key: string, payload: Buffer, maxsize: number): Promise<number> };

function closedError(): ValueError {
  return new ValueError('Queue is closed: close() was called on this handle, so it can neither put nor get', { code: 'ERR_MP_CLOSED' });
}

/**
 * A FIFO queue in Redis, shared by producers and consumers in any processes on any machines.
 * Items travel by V8 serialization (structured-clone data: Map, Set, Date, BigInt...).
 * @example
 * const q = new Queue<Job>({ redis: 'redis://127.0.0.1:6379', name: 'jobs', maxsize: 1000 });
 * await q.put({ id: 1 });
 * const job = await q.get({ timeout: 5000 });
 * q.close();
 *
 * Python: multiprocessing.Queue (through a manager, across machines)
 */
export class Queue<T = unknown> {
  /** Most items the queue holds; 0 means unbounded. Python: `Queue._maxsize` */
  readonly maxsize: number;
  readonly #target: ResolvedTarget;
  readonly #key: string;
  readonly #client: PutClient;
  // One connection per blocked `get`: a BLPOP holds its connection until it returns.
  readonly #idle: Redis[] = [];
  readonly #busy = new Set<Redis>();
  #closed = false;
  #disconnected: Promise<void> | undefined;

  /** Open (or create) the named queue in Redis. Python: `multiprocessing.Queue(maxsize)`, held by a manager reachable from every machine */
  constructor(options: RedisQueueOptions) {
    this.#target = resolveTarget(options, 'Queue');
    const maxsize = options.maxsize ?? 0;
    if (typeof maxsize !== 'number' || !Number.isInteger(maxsize)) throw new TypeError(`Expected "maxsize" to be an integer, got ${String(maxsize)}`);
    if (maxsize < 0) throw new ValueError(`"maxsize" must be 0 (unbounded) or more, got ${maxsize}`, { code: 'ERR_MP_BAD_VALUE' });
    this.maxsize = maxsize;
    this.#key = `${this.#target.prefix}:queue:${this.#target.name}`;
    const client = connect(this.#target.url);
    client.defineCommand('mptsPutIfRoom', { numberOfKeys: 1, lua: PUT_IF_ROOM });
    this.#client = client as PutClient;
  }

  /** The queue's name in Redis. No Python twin. */
  get name(): string {
    return this.#target.name;
  }

  /**
   * Put `obj` at the end, waiting while the queue is full.
   * Python: `Queue.put(obj, block, timeout)`
   * @throws {Full} when it stays full (non-blocking, or past the timeout)
   * @throws {ValueError} after close()
   * @throws {OSError} ERR_MP_REDIS_UNREACHABLE when Redis cannot be reached for about 10 s
   */
  async put(obj: T, opts?: QueueOptions): Promise<void> {
    const { block, deadline } = blockingOptions(opts);
    if (this.#closed) throw closedError();
    let payload: Buffer;
    try {
      payload = serialize(obj);
    } catch (err) {
      throw asPicklingError(err, 'this object through a queue');
    }
    for (let delay = 1; ; delay = Math.min(MAX_POLL_MS, delay * 2)) {
      if ((await this.#reach(this.#client.mptsPutIfRoom(this.#key, payload, this.maxsize))) === 1) return;
      if (!block || expired(deadline)) throw new Full('Queue is full: no room was made in time; wait longer, or make the queue bigger', { code: 'ERR_MP_FULL' });
      if (this.#closed) throw closedError();
      await new Promise((resolve) => setTimeout(resolve, msLeft(deadline, delay)));
    }
  }

  // A command's result, or, when Redis could not be reached, an OSError that says where and why.
  #reach<R>(command: Promise<R>): Promise<R> {
    return command.catch((err: unknown) => {
      throw unreachable(this.#client, this.#target.url, err) ?? err;
    });
  }

  /** `put` without waiting: Full at once if there is no room. Python: `Queue.put_nowait` */
  putNowait(obj: T): Promise<void> {
    return this.put(obj, { block: false });
  }

  /**
   * Take the first item, waiting for one if the queue is empty.
   * Python: `Queue.get(block, timeout)`
   * @throws {Empty} when nothing arrives (non-blocking, or past the timeout)
   * @throws {ValueError} after close()
   * @throws {OSError} ERR_MP_REDIS_UNREACHABLE (non-blocking) when Redis cannot be reached for about 10 s
   */
  async get(opts?: QueueOptions): Promise<T> {
    const { block, deadline } = blockingOptions(opts);
    if (this.#closed) throw closedError();
    const left = msLeft(deadline);
    if (!block || (left >= 0 && left < 1)) {
      const item = await this.#reach(this.#client.lpopBuffer(this.#key));
      if (item === null) throw emptyError();
      return deserialize(item) as T;
    }
    const conn = this.#idle.pop() ?? connect(this.#target.url, true);
    this.#busy.add(conn);
    let reply: [Buffer, Buffer] | null;
    try {
      // BLPOP takes seconds, with decimals; 0 means forever.
      reply = await conn.blpopBuffer(this.#key, left < 0 ? 0 : left / 1000);
    } catch (err) {
      if (this.#closed) throw closedError();
      throw err;
    } finally {
      this.#busy.delete(conn);
      if (this.#closed) conn.disconnect();
      else this.#idle.push(conn);
    }
    if (reply === null) throw emptyError();
    return deserialize(reply[1]) as T;
  }

  /** `get` without waiting: Empty at once if there is nothing. Python: `Queue.get_nowait` */
  getNowait(): Promise<T> {
    return this.get({ block: false });
  }

  /** Number of items in the queue now. Python: `Queue.qsize` */
  async qsize(): Promise<number> {
    return this.#client.llen(this.#key);
  }

  /** Whether the queue is empty now. Python: `Queue.empty` */
  async empty(): Promise<boolean> {
    return (await this.qsize()) === 0;
  }

  /** Whether the queue is full now (never, when unbounded). Python: `Queue.full` */
  async full(): Promise<boolean> {
    return this.maxsize > 0 && (await this.qsize()) >= this.maxsize;
  }

  /**
   * Close this handle: it puts and gets no more, and a `get` waiting on it rejects with ValueError.
   * The queue itself, and its items, stay in Redis for other handles.
   * Python: `Queue.close`
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#disconnected = (async () => {
      for (const conn of this.#busy) conn.disconnect();
      for (const conn of this.#idle.splice(0)) conn.disconnect();
      await this.#client.quit().catch(() => this.#client.disconnect());
    })();
  }

  /** Wait until close() has finished disconnecting. Python: Queue.join_thread */
  async joinThread(): Promise<void> {
    await this.#disconnected;
  }

  /** Remove every item from the queue in Redis (for every handle). No Python twin. */
  async clear(): Promise<void> {
    if (this.#closed) throw closedError();
    await this.#client.del(this.#key);
  }

  /** `await using q = new Queue({...})`: close when the scope ends. No Python twin. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.joinThread();
  }

  /** Yield items as they arrive, until this handle is closed. Python: `iter(queue.get, sentinel)` */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return untilClosed(() => this.get());
  }
}

function emptyError(): Empty {
  return new Empty('Queue is empty: nothing arrived in time', { code: 'ERR_MP_EMPTY' });
}
