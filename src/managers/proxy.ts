// Proxies: TypeScript handles on objects a manager server holds. Every method is async; options
// objects and milliseconds here become Python's positional arguments and seconds on the wire.
// CPython: BaseProxy, AutoProxy and the proxy classes of Lib/multiprocessing/managers.py.

import { registerHandleType } from '../codec/handles.js';
import { RemoteError } from '../errors.js';
import { PyGlobal, PyObject, Tuple } from '../pickle/index.js';
import type { Address } from '../connection/listener.js';
import { toSeconds, type Kwds } from './args.js';
import { ProxyReply, setProxyRebuilder, sharedClient, type ManagerClient } from './client.js';
import { AS_PROXY_REF, ManagedValue, Namespace, ProxyRef, sameServer, Token } from './token.js';
import type { ProxyClass, ProxyInit } from './types.js';

// A proxy that is garbage-collected without release() gives its reference back (best effort, as
// Python's finalizers do).
const finalizer = new FinalizationRegistry<{ client: ManagerClient; id: string }>(({ client, id }) => {
  if (!client.closed) client.serverCall('decref', [id]).catch(() => undefined);
});

/**
 * A handle on an object held by a manager server. Methods are async; `decref()` (or
 * `await using`) gives the server its reference back.
 *
 * Python: multiprocessing.managers.BaseProxy
 */
export class BaseProxy {
  /** Which object, on which server. Python: `BaseProxy._token` */
  readonly token: Token;
  /** @internal */
  readonly client: ManagerClient;
  /** The method names the server exposes for this object (from the create reply), if known. Python: `BaseProxy._exposed_` (of an AutoProxy) */
  readonly exposed: readonly string[] | undefined;
  #owned: boolean;
  #ready: Promise<unknown> | undefined;
  readonly #unregister = {};

  /** Made by a manager (`manager.dict()`, `manager.Queue()`, …), not by user code. Python: `BaseProxy(token, serializer, manager, authkey, exposed)` */
  constructor(init: ProxyInit) {
    this.token = init.token;
    this.client = init.client;
    this.exposed = init.exposed;
    this.#owned = init.owned;
    if (init.owned) finalizer.register(this, { client: init.client, id: init.token.id }, this.#unregister);
  }

  /** @internal A proxy rebuilt from a handle takes its own reference first (Python's incref in the proxy constructor). */
  setPending(ready: Promise<unknown>): void {
    this.#ready = ready;
    ready.catch(() => undefined);
  }

  /**
   * Call `method` on the referent with Python positional and keyword arguments; a result the
   * server returns as a proxy (`method_to_typeid`) comes back as a proxy.
   * Python: BaseProxy._callmethod
   */
  async callMethod(method: string, args: readonly unknown[] = [], kwds?: Kwds | Record<string, unknown>): Promise<unknown> {
    if (this.#ready !== undefined) await this.#ready;
    const kw = kwds === undefined ? new Map() : kwds instanceof Map ? kwds : new Map(Object.entries(kwds));
    const result = await this.client.call(this.token.id, method, args, kw);
    if (result instanceof ProxyReply) return buildProxy(result.token, this.client, result.exposed, true);
    return result;
  }

  /** A copy of the referent (Python's `_getvalue()`). */
  getValue(): Promise<unknown> {
    return this.callMethod('#GETVALUE');
  }

  /** `repr()` of the referent, computed on the server. Python: `repr(proxy)` computed by the server (`BaseProxy.__repr__` only names the proxy) */
  repr(): Promise<string> {
    return this.callMethod('__repr__') as Promise<string>;
  }

  /**
   * Give the server this proxy's reference back; the object is freed when no reference remains.
   * (`await using` does it too.) Python: BaseProxy._decref
   */
  async decref(): Promise<void> {
    if (!this.#owned) return;
    this.#owned = false;
    finalizer.unregister(this.#unregister);
    if (this.#ready !== undefined) await this.#ready.catch(() => undefined);
    if (!this.client.closed) await this.client.serverCall('decref', [this.token.id]);
  }

  /** `await using` support: {@link BaseProxy.decref} that never throws. No Python twin (Python decrefs from a finalizer). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.decref().catch(() => undefined);
  }

  /** Names the proxy class, typeid and id, as Python's `BaseProxy.__repr__`; {@link BaseProxy.repr} gives the referent's `repr()`. */
  toString(): string {
    return `<${this.constructor.name} object, typeid ${JSON.stringify(this.token.typeid)} at ${this.token.id}>`;
  }

  /** @internal What this proxy pickles as inside a value: Python's RebuildProxy(class, token, 'pickle', kwds). */
  [AS_PROXY_REF](): ProxyRef {
    const name = pythonProxyName(this);
    const kwds = new Map<unknown, unknown>();
    if (name === 'AutoProxy' && this.exposed !== undefined) kwds.set('exposed', Tuple.from(this.exposed));
    return new ProxyRef(new PyGlobal('multiprocessing.managers', name), this.token, 'pickle', kwds);
  }
}

/** Options of queue `put`/`get`: Python's block and timeout, in milliseconds. */
export interface ProxyQueueOptions {
  /** false: fail at once with Full/Empty instead of waiting. Default true. Python: `block` */
  block?: boolean;
  /** Wait at most this many milliseconds. Python: `timeout` (seconds there) */
  timeout?: number;
}

/** Options of `acquire`. Python: `acquire(blocking=True, timeout=None)` */
export interface ProxyAcquireOptions {
  /** false: return false at once when it is taken. Default true. Python: `blocking` */
  block?: boolean;
  /** Wait at most this many milliseconds. Python: `timeout` (seconds there) */
  timeout?: number;
}

/**
 * A queue held by a manager (`queue.Queue` on a Python server, or a queue a TypeScript server holds).
 * @example
 * await q.put(42);
 * const x = await q.get({ timeout: 1000 }); // throws Empty after 1 s
 */
export class QueueProxy<T = unknown> extends BaseProxy {
  /** Put `obj`, waiting while the queue is full. Python: `Queue.put(obj, block, timeout)` @throws {Full} */
  async put(obj: T, opts: ProxyQueueOptions = {}): Promise<void> {
    await this.callMethod('put', [obj, opts.block ?? true, toSeconds(opts.timeout)]);
  }

  /** Take the first item, waiting while it is empty. Python: `Queue.get(block, timeout)` @throws {Empty} */
  async get(opts: ProxyQueueOptions = {}): Promise<T> {
    return (await this.callMethod('get', [opts.block ?? true, toSeconds(opts.timeout)])) as T;
  }

  /** @throws {Full} */
  /** `put(obj, block=False)`. @throws {Full} Python: `Queue.put_nowait` */
  async putNowait(obj: T): Promise<void> {
    await this.callMethod('put_nowait', [obj]);
  }

  /** @throws {Empty} */
  /** `get(block=False)`. @throws {Empty} Python: `Queue.get_nowait` */
  async getNowait(): Promise<T> {
    return (await this.callMethod('get_nowait')) as T;
  }

  /** The approximate number of items. Python: `Queue.qsize` */
  async qsize(): Promise<number> {
    return Number(await this.callMethod('qsize'));
  }

  /** Whether the queue is empty (approximate, as in Python). Python: `Queue.empty` */
  async empty(): Promise<boolean> {
    return (await this.callMethod('empty')) === true;
  }

  /** Whether the queue is full (approximate, as in Python). Python: `Queue.full` */
  async full(): Promise<boolean> {
    return (await this.callMethod('full')) === true;
  }

  /** JoinableQueue: mark one item taken with get() as done. Python: `JoinableQueue.task_done` */
  async taskDone(): Promise<void> {
    await this.callMethod('task_done');
  }

  /** JoinableQueue: wait until every item put has been marked done. Python: `JoinableQueue.join` */
  async join(): Promise<void> {
    await this.callMethod('join');
  }
}

/** A dict held by a manager. Keys and values are Python values (a dict comes back as a Map). Python: DictProxy */
export class DictProxy<K = unknown, V = unknown> extends BaseProxy {
  /** `d.get(key, default)`: the value, or `dflt` (null by default) when missing. Python: `DictProxy.get` */
  async get(key: K, dflt: V | null = null): Promise<V | null> {
    return (await this.callMethod('get', [key, dflt])) as V | null;
  }

  /** `d[key]`. Python: `DictProxy.__getitem__` @throws {RemoteError} KeyError when missing */
  async getItem(key: K): Promise<V> {
    return (await this.callMethod('__getitem__', [key])) as V;
  }

  /** `d[key] = value`. Python: `DictProxy.__setitem__` */
  async set(key: K, value: V): Promise<void> {
    await this.callMethod('__setitem__', [key, value]);
  }

  /** `del d[key]`. Python: `DictProxy.__delitem__` @throws {RemoteError} KeyError when missing */
  async delete(key: K): Promise<void> {
    await this.callMethod('__delitem__', [key]);
  }

  /** `key in d`. Python: `DictProxy.__contains__` */
  async has(key: K): Promise<boolean> {
    return (await this.callMethod('__contains__', [key])) === true;
  }

  /** `len(d)`. Python: `DictProxy.__len__` */
  async len(): Promise<number> {
    return Number(await this.callMethod('__len__'));
  }

  /** The keys, as an Array (Python returns a view). Python: `dict.keys` */
  async keys(): Promise<K[]> {
    return (await this.callMethod('keys')) as K[];
  }

  /** The values, as an Array (Python returns a view). Python: `dict.values` */
  async values(): Promise<V[]> {
    return (await this.callMethod('values')) as V[];
  }

  /** The `[key, value]` pairs, as an Array (Python returns a view). Python: `dict.items` */
  async items(): Promise<[K, V][]> {
    return ((await this.callMethod('items')) as unknown[][]).map((pair) => [pair[0] as K, pair[1] as V]);
  }

  /** Remove every item. Python: `dict.clear` */
  async clear(): Promise<void> {
    await this.callMethod('clear');
  }

  /** A copy, as a Map. Python: `DictProxy.copy` (a dict there) */
  async copy(): Promise<Map<K, V>> {
    return (await this.callMethod('copy')) as Map<K, V>;
  }

  /** `d.pop(key[, default])`. Python: `DictProxy.pop` @throws {RemoteError} KeyError when missing and no default */
  async pop(key: K, ...dflt: [V?]): Promise<V> {
    return (await this.callMethod('pop', [key, ...dflt])) as V;
  }

  /** Remove and return the last inserted `[key, value]` pair. @throws {RemoteError} KeyError when empty. Python: `dict.popitem` */
  async popitem(): Promise<[K, V]> {
    const pair = (await this.callMethod('popitem')) as unknown[];
    return [pair[0] as K, pair[1] as V];
  }

  /** `d.setdefault(key, default)`: the value, after storing `dflt` when missing. Python: `dict.setdefault` */
  async setdefault(key: K, dflt: V | null = null): Promise<V | null> {
    return (await this.callMethod('setdefault', [key, dflt])) as V | null;
  }

  /** `d.update(other)`: a Map, a plain object, or [key, value] pairs. Python: `DictProxy.update` */
  async update(other: Map<K, V> | Record<string, V> | Iterable<[K, V]>): Promise<void> {
    const map = other instanceof Map ? other : Symbol.iterator in other ? new Map(other as Iterable<[K, V]>) : new Map(Object.entries(other));
    await this.callMethod('update', [map]);
  }

  /** A copy of the whole dict. Python: `DictProxy._getvalue()` */
  override async getValue(): Promise<Map<K, V>> {
    return (await super.getValue()) as Map<K, V>;
  }

  /** `for await (const key of d)`: the keys, as they are now. Python: `iter(d)` (a live iterator there; a snapshot of the keys here) */
  async *[Symbol.asyncIterator](): AsyncIterator<K> {
    for (const key of await this.keys()) yield key;
  }
}

/** A slice argument: `list[start:stop:step]`. */
function slice(start?: number | null, stop?: number | null, step?: number | null): PyObject {
  return new PyObject('builtins', 'slice', [start ?? null, stop ?? null, step ?? null]);
}

/** A list held by a manager. Python: ListProxy */
export class ListProxy<T = unknown> extends BaseProxy {
  /** `l.append(obj)`. Python: `list.append` */
  async append(obj: T): Promise<void> {
    await this.callMethod('append', [obj]);
  }

  /** `l.extend(items)` (the iterable is read here, then sent as a list). Python: `list.extend` */
  async extend(items: Iterable<T>): Promise<void> {
    await this.callMethod('extend', [[...items]]);
  }

  /** `l[i]` (negative counts from the end). Python: `ListProxy.__getitem__` @throws {RemoteError} IndexError */
  async get(index: number): Promise<T> {
    return (await this.callMethod('__getitem__', [index])) as T;
  }

  /** `l[i] = value`. Python: `ListProxy.__setitem__` */
  async set(index: number, value: T): Promise<void> {
    await this.callMethod('__setitem__', [index, value]);
  }

  /** `del l[i]`. Python: `ListProxy.__delitem__` */
  async delete(index: number): Promise<void> {
    await this.callMethod('__delitem__', [index]);
  }

  /** `l[start:stop:step]`. Python: `ListProxy.__getitem__(slice)` */
  async slice(start?: number | null, stop?: number | null, step?: number | null): Promise<T[]> {
    return (await this.callMethod('__getitem__', [slice(start, stop, step)])) as T[];
  }

  /** `l[start:stop] = items`. Python: `ListProxy.__setitem__(slice, items)` */
  async setSlice(start: number | null, stop: number | null, items: Iterable<T>): Promise<void> {
    await this.callMethod('__setitem__', [slice(start, stop), [...items]]);
  }

  /** `len(l)`. Python: `list.__len__` */
  async len(): Promise<number> {
    return Number(await this.callMethod('__len__'));
  }

  /** `value in l`. Python: `ListProxy.__contains__` */
  async includes(value: T): Promise<boolean> {
    return (await this.callMethod('__contains__', [value])) === true;
  }

  /** Python: `ListProxy.index` @throws {RemoteError} ValueError when missing */
  async index(value: T, start?: number, stop?: number): Promise<number> {
    return Number(await this.callMethod('index', stop !== undefined ? [value, start ?? 0, stop] : start !== undefined ? [value, start] : [value]));
  }

  /** How many items equal `value`. Python: `list.count` */
  async count(value: T): Promise<number> {
    return Number(await this.callMethod('count', [value]));
  }

  /** Insert `value` before `index`. Python: `list.insert` */
  async insert(index: number, value: T): Promise<void> {
    await this.callMethod('insert', [index, value]);
  }

  /** Remove and return the item at `index` (the last by default). @throws {RemoteError} IndexError. Python: `list.pop` */
  async pop(index?: number): Promise<T> {
    return (await this.callMethod('pop', index === undefined ? [] : [index])) as T;
  }

  /** Remove the first item equal to `value`. @throws {RemoteError} ValueError when missing. Python: `list.remove` */
  async remove(value: T): Promise<void> {
    await this.callMethod('remove', [value]);
  }

  /** Reverse in place. Python: `list.reverse` */
  async reverse(): Promise<void> {
    await this.callMethod('reverse');
  }

  /** `l + items`: a new Array (the list is unchanged). Python: ListProxy.__add__ */
  async concat(items: Iterable<T>): Promise<T[]> {
    return (await this.callMethod('__add__', [[...items]])) as T[];
  }

  /** `l * n`: a new Array of the items `n` times. Python: ListProxy.__mul__ */
  async repeat(n: number): Promise<T[]> {
    return (await this.callMethod('__mul__', [n])) as T[];
  }

  /** `l *= n`: the list itself holds its items `n` times. Python: ListProxy.__imul__ */
  async repeatInPlace(n: number): Promise<void> {
    await this.callMethod('__imul__', [n]);
  }

  /** `list(reversed(l))`: the items last to first, as an Array. Python: ListProxy.__reversed__ */
  async reversed(): Promise<T[]> {
    return Array.from((await this.callMethod('__reversed__')) as Iterable<T>);
  }

  /** Sort in place (Python's ordering; a key function cannot travel). */
  async sort(opts: { reverse?: boolean } = {}): Promise<void> {
    await this.callMethod('sort', [], opts.reverse === undefined ? undefined : { reverse: opts.reverse });
  }

  override async getValue(): Promise<T[]> {
    return (await super.getValue()) as T[];
  }

  /** `for await (const x of l)`: the items as they are now (one `getValue()` call). Python: `list.__iter__` */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (const item of await this.getValue()) yield item;
  }
}

/** A Namespace held by a manager: attributes by name. Python: NamespaceProxy */
export class NamespaceProxy extends BaseProxy {
  /** `ns.name`. Python: `NamespaceProxy.__getattr__` @throws {RemoteError} AttributeError when missing */
  async get<V = unknown>(name: string): Promise<V> {
    return (await this.callMethod('__getattribute__', [name])) as V;
  }

  /** `ns.name = value`. Python: `NamespaceProxy.__setattr__` */
  async set(name: string, value: unknown): Promise<void> {
    await this.callMethod('__setattr__', [name, value]);
  }

  /** `del ns.name`. Python: `NamespaceProxy.__delattr__` */
  async delete(name: string): Promise<void> {
    await this.callMethod('__delattr__', [name]);
  }

  override async getValue(): Promise<Namespace> {
    return (await super.getValue()) as Namespace;
  }
}

/** A Value held by a manager. Python: ValueProxy */
export class ValueProxy<T = unknown> extends BaseProxy {
  /** `v.value`. Python: `ValueProxy.get` (the `value` property) */
  async get(): Promise<T> {
    return (await this.callMethod('get')) as T;
  }

  /** `v.value = value`. Python: `ValueProxy.set` (the `value` property) */
  async set(value: T): Promise<void> {
    await this.callMethod('set', [value]);
  }

  override async getValue(): Promise<ManagedValue<T>> {
    return (await super.getValue()) as ManagedValue<T>;
  }
}

/** An array.array held by a manager. Python: ArrayProxy */
export class ArrayProxy<T extends number | bigint = number> extends BaseProxy {
  /** `len(a)`. Python: `ArrayProxy.__len__` */
  async len(): Promise<number> {
    return Number(await this.callMethod('__len__'));
  }

  /** `a[i]`. @throws {RemoteError} IndexError. Python: `ArrayProxy.__getitem__` */
  async get(index: number): Promise<T> {
    return (await this.callMethod('__getitem__', [index])) as T;
  }

  /** `a[i] = value`. Python: `ArrayProxy.__setitem__` */
  async set(index: number, value: T): Promise<void> {
    await this.callMethod('__setitem__', [index, value]);
  }

  /** `a[start:stop:step]`, as an Array (Python gives an array.array). */
  async slice(start?: number | null, stop?: number | null, step?: number | null): Promise<T[]> {
    return Array.from((await this.callMethod('__getitem__', [slice(start, stop, step)])) as ArrayLike<T>);
  }
}

function acquireArgs(opts: ProxyAcquireOptions | boolean | undefined): unknown[] {
  const o = typeof opts === 'boolean' ? { block: opts } : (opts ?? {});
  const block = o.block ?? true;
  return o.timeout === undefined ? [block] : [block, toSeconds(o.timeout)];
}

/** A Lock, RLock, Semaphore or BoundedSemaphore held by a manager. Python: AcquirerProxy */
export class AcquirerProxy extends BaseProxy {
  /** Take it; false when not taken (non-blocking, or past the timeout). Python: `AcquirerProxy.acquire(blocking, timeout)` */
  async acquire(opts?: ProxyAcquireOptions | boolean): Promise<boolean> {
    return (await this.callMethod('acquire', acquireArgs(opts))) === true;
  }

  /** Let it go. Python: `AcquirerProxy.release` @throws {RemoteError} RuntimeError/ValueError when not held (or released too many times) */
  async release(): Promise<void> {
    await this.callMethod('release');
  }

  /** Run `fn` while holding it. Python: `with proxy:` (`AcquirerProxy.__enter__`/`__exit__`) */
  async withLock<R>(fn: () => R | Promise<R>): Promise<R> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      await this.release();
    }
  }
}

/** A Condition held by a manager. Python: ConditionProxy */
export class ConditionProxy extends AcquirerProxy {
  /** Release, wait for a notify (or the timeout, ms), take it back; false on timeout. Python: `ConditionProxy.wait` (seconds there) */
  async wait(timeout?: number): Promise<boolean> {
    return (await this.callMethod('wait', [toSeconds(timeout)])) === true;
  }

  /** Wake up to `n` waiters (the caller must hold the condition). Python: `Condition.notify` */
  async notify(n = 1): Promise<void> {
    await this.callMethod('notify', [n]);
  }

  /** Wake every waiter. Python: `Condition.notify_all` */
  async notifyAll(): Promise<void> {
    await this.callMethod('notify_all');
  }

  /** Wait until `predicate()` is true (checked on each wake-up), at most `timeout` ms; returns its last value. Python: `ConditionProxy.wait_for` */
  async waitFor<R>(predicate: () => R | Promise<R>, timeout?: number): Promise<R> {
    const deadline = timeout === undefined ? undefined : performance.now() + timeout;
    let result = await predicate();
    while (!result) {
      let left: number | undefined;
      if (deadline !== undefined) {
        left = deadline - performance.now();
        if (left <= 0) break;
      }
      await this.wait(left);
      result = await predicate();
    }
    return result;
  }
}

/** An Event held by a manager. Python: EventProxy */
export class EventProxy extends BaseProxy {
  /** Whether the flag is set. Python: `Event.is_set` */
  async isSet(): Promise<boolean> {
    return (await this.callMethod('is_set')) === true;
  }

  /** Set the flag and wake every waiter. Python: `Event.set` */
  async set(): Promise<void> {
    await this.callMethod('set');
  }

  /** Clear the flag. Python: `Event.clear` */
  async clear(): Promise<void> {
    await this.callMethod('clear');
  }

  /** Wait until set, at most `timeout` ms; whether it is set. Python: `EventProxy.wait` (seconds there) */
  async wait(timeout?: number): Promise<boolean> {
    return (await this.callMethod('wait', [toSeconds(timeout)])) === true;
  }
}

/** A Barrier held by a manager. Python: BarrierProxy */
export class BarrierProxy extends BaseProxy {
  /** Wait for the others; resolves this party's index. Python: `BarrierProxy.wait` (seconds there) @throws {BrokenBarrierError} */
  async wait(timeout?: number): Promise<number> {
    return Number(await this.callMethod('wait', [toSeconds(timeout)]));
  }

  /** Put the barrier in the broken state: waiters get BrokenBarrierError. Python: `Barrier.abort` */
  async abort(): Promise<void> {
    await this.callMethod('abort');
  }

  /** Back to the empty, unbroken state; current waiters get BrokenBarrierError. Python: `Barrier.reset` */
  async reset(): Promise<void> {
    await this.callMethod('reset');
  }

  /** How many parties must wait (an async method here, an attribute in Python). Python: `Barrier.parties` */
  async parties(): Promise<number> {
    return Number(await this.callMethod('__getattribute__', ['parties']));
  }

  /** How many parties are waiting now (an async method here). Python: `Barrier.n_waiting` */
  async nWaiting(): Promise<number> {
    return Number(await this.callMethod('__getattribute__', ['n_waiting']));
  }

  /** Whether the barrier is broken (an async method here). Python: `Barrier.broken` */
  async broken(): Promise<boolean> {
    return (await this.callMethod('__getattribute__', ['broken'])) === true;
  }
}

/** An iterator held by a manager (what iterating a dict on the server hands out). Python: IteratorProxy */
export class IteratorProxy<T = unknown> extends BaseProxy {
  /** The next item, or `{ done: true }` at the end. Python: `IteratorProxy.__next__` */
  async next(): Promise<IteratorResult<T, undefined>> {
    return this.#step('__next__', []);
  }

  /** A generator's `send(value)`: the next item, or `{ done: true }`. Python: IteratorProxy.send */
  async send(value: unknown): Promise<IteratorResult<T, undefined>> {
    return this.#step('send', [value]);
  }

  /** A generator's `throw(exc)` (a PyException: Python's exception to raise in it). Python: IteratorProxy.throw */
  async throw(exc: unknown): Promise<IteratorResult<T, undefined>> {
    return this.#step('throw', [exc]);
  }

  /** A generator's `close()`. Python: IteratorProxy.close */
  async close(): Promise<void> {
    await this.callMethod('close');
  }

  async #step(method: string, args: unknown[]): Promise<IteratorResult<T, undefined>> {
    try {
      return { done: false, value: (await this.callMethod(method, args)) as T };
    } catch (err) {
      if (err instanceof RemoteError && err.remoteName === 'StopIteration') return { done: true, value: undefined };
      throw err;
    }
  }

  /** `for await (const x of it)`: calls `__next__` until StopIteration. Python: `IteratorProxy.__iter__` */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const step = await this.next();
      if (step.done === true) return;
      yield step.value;
    }
  }
}

/**
 * A proxy for a type whose methods are only known from the server's list (`exposed`): each
 * exposed name is a method taking Python's positional arguments (`await p.some_method(1, 2)`);
 * `call()` also takes keyword arguments. Python: AutoProxy
 */
export class AutoProxy extends BaseProxy {
  /** Made by a manager for a typeid registered without a proxy type. Python: `AutoProxy(token, serializer, …, exposed)` */
  constructor(init: ProxyInit) {
    super(init);
    const exposed = new Set(init.exposed ?? []);
    // Exposed names become methods; everything else is the proxy's own.
    return new Proxy(this, {
      get(target, prop, receiver) {
        if (typeof prop === 'string' && !(prop in target) && exposed.has(prop)) {
          return (...args: unknown[]) => target.callMethod(prop, args);
        }
        const value: unknown = Reflect.get(target, prop, receiver === target ? target : target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /** Call an exposed method with positional and keyword arguments. Python: `BaseProxy._callmethod(method, args, kwds)` */
  call(method: string, args: readonly unknown[] = [], kwds?: Record<string, unknown>): Promise<unknown> {
    return this.callMethod(method, args, kwds);
  }

  /** Call an exposed method by name (the exposed names are also methods of the proxy). */
  [method: string]: unknown;
}

// Exposed names that tell what an unregistered proxy is (a queue.Queue, a dict, a list), so that
// it gets the typed proxy with this package's conventions instead of an AutoProxy.
const QUEUE_NAMES = ['empty', 'full', 'get', 'get_nowait', 'put', 'put_nowait', 'qsize'];
const DICT_NAMES = ['__getitem__', '__setitem__', '__contains__', 'keys', 'items', 'values'];
const LIST_NAMES = ['__getitem__', '__setitem__', 'append', 'extend', 'insert'];

const proxyClasses: Record<string, ProxyClass<BaseProxy>> = {
  BaseProxy, AutoProxy, QueueProxy, DictProxy, ListProxy, NamespaceProxy, ValueProxy, ArrayProxy, AcquirerProxy, ConditionProxy, EventProxy, BarrierProxy, IteratorProxy,
};

/** The proxy class for a typeid: the registered one, else ours for SyncManager typeids, else by the exposed names (queue, dict, list), else AutoProxy. */
export function proxyClassFor(typeid: string, exposed: readonly string[] | undefined, registered?: ProxyClass): ProxyClass<BaseProxy> {
  if (registered !== undefined) return registered as ProxyClass<BaseProxy>;
  const byTypeid = SYNC_PROXIES[typeid];
  if (byTypeid !== undefined) return byTypeid;
  if (exposed !== undefined) {
    if (QUEUE_NAMES.every((n) => exposed.includes(n))) return QueueProxy;
    if (DICT_NAMES.every((n) => exposed.includes(n))) return DictProxy;
    if (LIST_NAMES.every((n) => exposed.includes(n))) return ListProxy;
  }
  return AutoProxy;
}

const SYNC_PROXIES: Record<string, ProxyClass<BaseProxy>> = {
  Queue: QueueProxy, JoinableQueue: QueueProxy, dict: DictProxy, list: ListProxy, Namespace: NamespaceProxy, Value: ValueProxy,
  Array: ArrayProxy, Lock: AcquirerProxy, RLock: AcquirerProxy, Semaphore: AcquirerProxy, BoundedSemaphore: AcquirerProxy,
  Condition: ConditionProxy, Event: EventProxy, Barrier: BarrierProxy, Iterator: IteratorProxy,
};

/** The Python proxy class a proxy of ours stands for (AutoProxy for a queue or a registered type). */
function pythonProxyName(proxy: BaseProxy): string {
  for (const [name, cls] of Object.entries(proxyClasses)) {
    if (proxy.constructor === cls && name !== 'QueueProxy' && name !== 'BaseProxy') return name;
  }
  return 'AutoProxy';
}

// A proxy inside a value read by a client becomes a proxy of ours with its own reference, as
// Python's RebuildProxy makes one. A reference to the server the client talks to goes through
// that client (its address and key, whatever address the server names itself by).
setProxyRebuilder((ref, client) => {
  const here = sameServer(ref.token.address, client.address);
  const target = here ? client : sharedClient(ref.token.address, client.authkey);
  const token = new Token(ref.token.typeid, target.address, ref.token.id);
  const exposedKw = ref.kwds.get('exposed');
  const exposed = Array.isArray(exposedKw) ? exposedKw.map(String) : undefined;
  const named = ref.func.name === 'AutoProxy' ? undefined : proxyClasses[ref.func.name];
  const Cls = named ?? proxyClassFor(token.typeid, exposed, client.proxytypes?.get(token.typeid));
  const proxy = new Cls({ token, client: target, exposed, owned: true });
  const ready = target.serverCall('incref', [token.id]);
  proxy.setPending(ready);
  return { proxy, ready };
});

/** @internal Build the proxy for a token the server handed out. */
export function buildProxy(token: Token, client: ManagerClient, exposed: readonly string[] | undefined, owned: boolean, registered?: ProxyClass): BaseProxy {
  const Cls = proxyClassFor(token.typeid, exposed, registered ?? client.proxytypes?.get(token.typeid));
  return new Cls({ token, client, exposed, owned });
}

// Proxies travel to child processes as live handles: the child connects to the same server
// with the same key and takes a reference of its own.
interface ProxyHandle {
  kind: string;
  typeid: string;
  address: Address;
  id: string;
  authkey: Uint8Array;
  exposed: string[] | undefined;
}

registerHandleType<BaseProxy, ProxyHandle>(BaseProxy, {
  name: 'ManagerProxy',
  module: import.meta.url,
  reduce: (p) => ({
    kind: Object.entries(proxyClasses).find(([, cls]) => cls === p.constructor)?.[0] ?? 'AutoProxy',
    typeid: p.token.typeid,
    address: p.token.address,
    id: p.token.id,
    authkey: new Uint8Array(p.client.authkey),
    exposed: p.exposed === undefined ? undefined : [...p.exposed],
  }),
  rebuild: (d) => {
    const client = sharedClient(d.address, d.authkey);
    const Cls = proxyClasses[d.kind] ?? AutoProxy;
    const proxy = new Cls({ token: new Token(d.typeid, d.address, d.id), client, exposed: d.exposed, owned: true });
    proxy.setPending(client.serverCall('incref', [d.id]));
    return proxy;
  },
});

