// The objects a SyncManager server holds: Python's queue.Queue and threading primitives, here as
// plain in-memory objects of the server's event loop, whose every wait is a Promise.
// CPython: Lib/queue.py, Lib/threading.py (Lock, RLock, Condition, Semaphore, Event, Barrier).
//
// Why not the package's shared-memory Lock/Queue: the server holds these for its clients, all in
// one process. Ownership (RLock, Condition) belongs to a client connection, not to a process or
// thread, and values keep their exact Python types (a tuple stays a tuple) when held by reference.
// Each wait also takes an AbortSignal, so a client that disconnects while blocked takes nothing.

import { Fifo } from '../fifo.js';
import { PyException } from '../pickle/index.js';
import { runtimeError, valueError } from './args.js';

/** Resolution of a wait that ran out of time. */
export const TIMED_OUT: unique symbol = Symbol('timed out');

interface Waiter<D, R> {
  data: D;
  settle(result: R | typeof TIMED_OUT): void;
}

/** FIFO waiters, each woken once: by a wake, its timeout (ms) or its signal (rejects). */
export class WaitList<D = undefined, R = true> {
  readonly #waiters = new Set<Waiter<D, R>>();

  get size(): number {
    return this.#waiters.size;
  }

  wait(data: D, timeout: number | undefined, signal?: AbortSignal): Promise<R | typeof TIMED_OUT> {
    if (timeout !== undefined && timeout <= 0) return Promise.resolve(TIMED_OUT);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        this.#waiters.delete(waiter);
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        done();
        reject(signal?.reason ?? new Error('aborted'));
      };
      const waiter: Waiter<D, R> = {
        data,
        settle: (result) => {
          done();
          resolve(result);
        },
      };
      if (signal?.aborted) {
        reject(signal.reason ?? new Error('aborted'));
        return;
      }
      this.#waiters.add(waiter);
      if (timeout !== undefined && Number.isFinite(timeout)) {
        timer = setTimeout(() => waiter.settle(TIMED_OUT), timeout);
        // A wait belongs to a client connection, which keeps the program alive if anything does.
        timer.unref();
      }
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Wake the longest waiter with `result(data)`; false when nobody waits. */
  wakeOne(result: (data: D) => R): boolean {
    for (const waiter of this.#waiters) {
      waiter.settle(result(waiter.data));
      return true;
    }
    return false;
  }

  /** Wake every waiter. */
  wakeAll(result: (data: D) => R): void {
    for (const waiter of [...this.#waiters]) waiter.settle(result(waiter.data));
  }
}

/** Milliseconds left until `deadline` (performance.now() based), or undefined for none. */
function left(deadline: number | undefined): number | undefined {
  return deadline === undefined ? undefined : Math.max(0, deadline - performance.now());
}

function deadlineOf(timeout: number | undefined): number | undefined {
  return timeout === undefined ? undefined : performance.now() + Math.max(0, timeout);
}

/** Who holds an RLock or Condition: a client connection of the server. */
export type Owner = object;

/** Python: threading.Lock */
export class LocalLock {
  #locked = false;
  readonly #waiters = new WaitList();

  get locked(): boolean {
    return this.#locked;
  }

  async acquire(block = true, timeout?: number, signal?: AbortSignal): Promise<boolean> {
    if (!this.#locked) return (this.#locked = true);
    if (!block) return false;
    // Hand-off: release() gives the lock to the first waiter, which then owns it.
    return (await this.#waiters.wait(undefined, timeout, signal)) === true;
  }

  release(): void {
    if (!this.#locked) throw runtimeError('release unlocked lock');
    if (!this.#waiters.wakeOne(() => true)) this.#locked = false;
  }
}

/** Python: threading.RLock (its owner is a client connection). */
export class LocalRLock {
  #owner: Owner | undefined;
  #count = 0;
  readonly #waiters = new WaitList<{ owner: Owner; count: number }>();

  async acquire(owner: Owner, block = true, timeout?: number, signal?: AbortSignal, count = 1): Promise<boolean> {
    if (this.#owner === owner) {
      this.#count += count;
      return true;
    }
    if (this.#owner === undefined) {
      this.#owner = owner;
      this.#count = count;
      return true;
    }
    if (!block) return false;
    return (await this.#waiters.wait({ owner, count }, timeout, signal)) === true;
  }

  isOwner(owner: Owner): boolean {
    return this.#owner === owner;
  }

  release(owner: Owner): void {
    if (this.#owner !== owner) throw runtimeError('cannot release un-acquired lock');
    if (--this.#count === 0) this.#handOff();
  }

  /** Release every level (Condition.wait); returns how many to restore. */
  releaseAll(owner: Owner): number {
    if (this.#owner !== owner) throw runtimeError('cannot release un-acquired lock');
    const count = this.#count;
    this.#count = 0;
    this.#handOff();
    return count;
  }

  #handOff(): void {
    this.#owner = undefined;
    this.#waiters.wakeOne((next) => {
      this.#owner = next.owner;
      this.#count = next.count;
      return true;
    });
  }
}

/** Python: threading.Semaphore and (bounded) threading.BoundedSemaphore */
export class LocalSemaphore {
  #value: number;
  readonly #waiters = new WaitList();

  constructor(value = 1, readonly bound?: number) {
    if (value < 0) throw valueError('semaphore initial value must be >= 0');
    this.#value = value;
  }

  get value(): number {
    return this.#value;
  }

  async acquire(block = true, timeout?: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#value > 0) {
      this.#value--;
      return true;
    }
    if (!block) return false;
    return (await this.#waiters.wait(undefined, timeout, signal)) === true;
  }

  release(n = 1): void {
    if (n < 1) throw valueError('n must be one or more');
    if (this.bound !== undefined && this.#value + n > this.bound) throw valueError('Semaphore released too many times');
    for (let i = 0; i < n; i++) if (!this.#waiters.wakeOne(() => true)) this.#value++;
  }
}

/** Python: threading.Condition (over an RLock unless given a lock). */
export class LocalCondition {
  readonly #waiters = new WaitList();

  constructor(readonly lock: LocalRLock = new LocalRLock()) {}

  acquire(owner: Owner, block = true, timeout?: number, signal?: AbortSignal): Promise<boolean> {
    return this.lock.acquire(owner, block, timeout, signal);
  }

  release(owner: Owner): void {
    this.lock.release(owner);
  }

  async wait(owner: Owner, timeout?: number, signal?: AbortSignal): Promise<boolean> {
    if (!this.lock.isOwner(owner)) throw runtimeError('cannot wait on un-acquired lock');
    const depth = this.lock.releaseAll(owner);
    let woken: boolean;
    try {
      woken = (await this.#waiters.wait(undefined, timeout, signal)) === true;
    } finally {
      // Python reacquires whatever happens, before wait() returns or raises. A disconnected
      // client (abort) gets it back too, and then drops it: its connection is gone.
      await this.lock.acquire(owner, true, undefined, undefined, depth);
      if (signal?.aborted) this.lock.releaseAll(owner);
    }
    return woken;
  }

  notify(owner: Owner, n = 1): void {
    if (!this.lock.isOwner(owner)) throw runtimeError('cannot notify on un-acquired lock');
    for (let i = 0; i < n; i++) if (!this.#waiters.wakeOne(() => true)) break;
  }

  notifyAll(owner: Owner): void {
    if (!this.lock.isOwner(owner)) throw runtimeError('cannot notify on un-acquired lock');
    this.#waiters.wakeAll(() => true);
  }
}

/** Python: threading.Event */
export class LocalEvent {
  #flag = false;
  readonly #waiters = new WaitList();

  isSet(): boolean {
    return this.#flag;
  }

  set(): void {
    this.#flag = true;
    this.#waiters.wakeAll(() => true);
  }

  clear(): void {
    this.#flag = false;
  }

  async wait(timeout?: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#flag) return true;
    await this.#waiters.wait(undefined, timeout, signal);
    return this.#flag;
  }
}

/** Python: threading.BrokenBarrierError */
export function brokenBarrier(): PyException {
  return new PyException('threading.BrokenBarrierError', []);
}

/** Python: threading.Barrier (without an action: a callable cannot come over the wire). */
export class LocalBarrier {
  #count = 0;
  #broken = false;
  readonly #waiters = new WaitList<undefined, 'pass' | 'broken'>();

  constructor(readonly parties: number, readonly defaultTimeout?: number) {
    if (!Number.isInteger(parties) || parties < 1) throw valueError('parties must be > 0');
  }

  get nWaiting(): number {
    return this.#count;
  }

  get broken(): boolean {
    return this.#broken;
  }

  async wait(timeout = this.defaultTimeout, signal?: AbortSignal): Promise<number> {
    if (this.#broken) throw brokenBarrier();
    const index = this.#count++;
    if (this.#count === this.parties) {
      this.#count = 0;
      this.#waiters.wakeAll(() => 'pass');
      return index;
    }
    let outcome: 'pass' | 'broken' | typeof TIMED_OUT;
    try {
      outcome = await this.#waiters.wait(undefined, timeout, signal);
    } catch (err) {
      this.abort();
      throw err;
    }
    if (outcome === 'pass') return index;
    if (outcome === TIMED_OUT) this.abort();
    throw brokenBarrier();
  }

  abort(): void {
    this.#broken = true;
    this.#count = 0;
    this.#waiters.wakeAll(() => 'broken');
  }

  reset(): void {
    this.#waiters.wakeAll(() => 'broken');
    this.#count = 0;
    this.#broken = false;
  }
}

/** Python: queue.Empty (pickled as `_queue.Empty`, which Python clients raise as queue.Empty). */
export function emptyError(): PyException {
  return new PyException('queue.Empty', []);
}

/** Python: queue.Full */
export function fullError(): PyException {
  return new PyException('queue.Full', []);
}

/** Python: queue.Queue (and the JoinableQueue of SyncManager, which is the same class). */
export class LocalQueue<T = unknown> {
  readonly #items = new Fifo<T>();
  #unfinished = 0;
  readonly #getters = new WaitList<undefined, { item: T }>();
  readonly #putters = new WaitList();
  readonly #joiners = new WaitList();

  constructor(readonly maxsize = 0) {}

  qsize(): number {
    return this.#items.size;
  }

  empty(): boolean {
    return this.qsize() === 0;
  }

  full(): boolean {
    return this.maxsize > 0 && this.qsize() >= this.maxsize;
  }

  async put(item: T, block = true, timeout?: number, signal?: AbortSignal): Promise<void> {
    if (timeout !== undefined && timeout < 0) throw valueError("'timeout' must be a non-negative number");
    const deadline = deadlineOf(timeout);
    while (this.full()) {
      if (!block) throw fullError();
      if ((await this.#putters.wait(undefined, left(deadline), signal)) === TIMED_OUT && this.full()) throw fullError();
    }
    this.#unfinished++;
    // A waiting getter takes the item directly (the queue is empty whenever getters wait).
    if (this.#getters.wakeOne(() => ({ item }))) return;
    this.#items.push(item);
  }

  async get(block = true, timeout?: number, signal?: AbortSignal): Promise<T> {
    if (timeout !== undefined && timeout < 0) throw valueError("'timeout' must be a non-negative number");
    if (this.qsize() > 0) return this.#take();
    if (!block) throw emptyError();
    const got = await this.#getters.wait(undefined, timeout, signal);
    if (got === TIMED_OUT) throw emptyError();
    this.#putters.wakeOne(() => true);
    return got.item;
  }

  #take(): T {
    const item = this.#items.shift() as T;
    this.#putters.wakeOne(() => true);
    return item;
  }

  taskDone(): void {
    if (this.#unfinished <= 0) throw valueError('task_done() called too many times');
    if (--this.#unfinished === 0) this.#joiners.wakeAll(() => true);
  }

  async join(signal?: AbortSignal): Promise<void> {
    if (this.#unfinished > 0) await this.#joiners.wait(undefined, undefined, signal);
  }

  /** The items, first to last (Python's `_getvalue()` of a queue is the queue object itself). */
  snapshot(): T[] {
    return this.#items.toArray();
  }
}
