// SyncManager: the manager with Python's shared types (dict, list, Namespace, Queue, locks...),
// and Manager(), which starts one. CPython: SyncManager and its register() calls in
// Lib/multiprocessing/managers.py; multiprocessing.Manager in Lib/multiprocessing/context.py.

import { PyException } from '../pickle/index.js';
import { bind, intArg, timeoutMs, typeError, type Kwds } from './args.js';
import { BaseManager } from './base-manager.js';
import { LocalBarrier, LocalCondition, LocalEvent, LocalLock, LocalQueue, LocalRLock, LocalSemaphore } from './primitives.js';
import {
  AcquirerProxy, ArrayProxy, BarrierProxy, ConditionProxy, DictProxy, EventProxy, IteratorProxy, ListProxy, NamespaceProxy, QueueProxy, ValueProxy,
} from './proxy.js';
import { pyItems } from './pyops.js';
import { ITERATOR_EXPOSED, updateMap } from './servants.js';
import { ManagedValue, Namespace } from './token.js';
import type { ManagerOptions } from './types.js';

type TypedArrayCtor = new (items: ArrayLike<number> | ArrayLike<bigint>) => ArrayBufferView;

// array.array typecodes as typed arrays (64-bit Linux/macOS sizes; 'B' is Uint8ClampedArray
// because a Uint8Array is Python bytes).
const ARRAY_TYPES: Record<string, [TypedArrayCtor, boolean]> = {
  b: [Int8Array, false], B: [Uint8ClampedArray, false], h: [Int16Array, false], H: [Uint16Array, false], i: [Int32Array, false], I: [Uint32Array, false],
  l: [BigInt64Array, true], L: [BigUint64Array, true], q: [BigInt64Array, true], Q: [BigUint64Array, true], f: [Float32Array, false], d: [Float64Array, false],
};

function makeArray(typecode: unknown, sequence: unknown): ArrayBufferView {
  if (typeof typecode !== 'string' || ARRAY_TYPES[typecode] === undefined) throw new PyException('builtins.ValueError', [`bad typecode (must be one of ${Object.keys(ARRAY_TYPES).join(', ')}): ${String(typecode)}`]);
  const [Ctor, big] = ARRAY_TYPES[typecode];
  const converted = pyItems(sequence).map((v) => {
    if (typeof v !== 'number' && typeof v !== 'bigint' && typeof v !== 'boolean') throw typeError('array items must be numbers');
    return big ? BigInt(typeof v === 'number' ? Math.trunc(v) : v) : Number(v);
  });
  return new Ctor(converted as ArrayLike<number> & ArrayLike<bigint>);
}

/**
 * A manager with Python's shared types. Every method creates the object on the server and
 * resolves a typed proxy; its methods are async and take milliseconds.
 * @example
 * await using m = await Manager();
 * const d = await m.dict<string, number>();
 * await d.set('a', 1);
 *
 * Python: multiprocessing.managers.SyncManager
 */
export class SyncManager extends BaseManager {
  static {
    const f = (typeid: string, factory: (args: unknown[], kwds: Kwds) => unknown, options = {}): void => this.registerFactory(typeid, factory, options);
    f('Queue', (a, k) => new LocalQueue(intArg(bind('Queue', ['maxsize'], a, k)[0] ?? 0, 'maxsize')), { proxytype: QueueProxy });
    f('JoinableQueue', (a, k) => new LocalQueue(intArg(bind('JoinableQueue', ['maxsize'], a, k)[0] ?? 0, 'maxsize')), { proxytype: QueueProxy });
    f('Event', (a, k) => (bind('Event', [], a, k), new LocalEvent()), { proxytype: EventProxy });
    f('Lock', (a, k) => (bind('Lock', [], a, k), new LocalLock()), { proxytype: AcquirerProxy });
    f('RLock', (a, k) => (bind('RLock', [], a, k), new LocalRLock()), { proxytype: AcquirerProxy });
    f('Semaphore', (a, k) => new LocalSemaphore(intArg(bind('Semaphore', ['value'], a, k)[0] ?? 1, 'value')), { proxytype: AcquirerProxy });
    f('BoundedSemaphore', (a, k) => {
      const value = intArg(bind('BoundedSemaphore', ['value'], a, k)[0] ?? 1, 'value');
      return new LocalSemaphore(value, value);
    }, { proxytype: AcquirerProxy });
    f('Condition', (a, k) => {
      const [lock] = bind('Condition', ['lock'], a, k);
      if (lock !== undefined && lock !== null) throw typeError('Condition(lock) is not supported by a TypeScript manager server: create Condition() with its own lock');
      return new LocalCondition();
    }, { proxytype: ConditionProxy });
    f('Barrier', (a, k) => {
      const [parties, action, timeout] = bind('Barrier', ['parties', 'action', 'timeout'], a, k, 1);
      if (action !== undefined && action !== null) throw typeError('Barrier(action=...) is not supported: a function cannot travel');
      return new LocalBarrier(intArg(parties, 'parties'), timeoutMs(timeout));
    }, { proxytype: BarrierProxy });
    f('dict', (a, k) => updateMap(new Map(), a, k), { proxytype: DictProxy, methodToTypeid: { __iter__: 'Iterator' } });
    f('list', (a, k) => {
      const [items] = bind('list', ['iterable'], a, k);
      return items === undefined ? [] : [...pyItems(items)];
    }, { proxytype: ListProxy });
    f('Value', (a, k) => {
      const [typecode, value] = bind('Value', ['typecode', 'value', 'lock'], a, k, 2);
      return new ManagedValue(String(typecode), value);
    }, { proxytype: ValueProxy });
    f('Array', (a, k) => {
      const [typecode, sequence] = bind('Array', ['typecode', 'sequence', 'lock'], a, k, 2);
      return makeArray(typecode, sequence);
    }, { proxytype: ArrayProxy });
    f('Namespace', (a, k) => {
      if (a.length > 0) throw typeError('Namespace() takes keyword arguments only');
      return new Namespace(new Map([...k].map(([key, v]) => [String(key), v])));
    }, { proxytype: NamespaceProxy });
    // What method_to_typeid results (dict iteration) become: the result itself, no callable.
    this.register('Iterator', undefined, { proxytype: IteratorProxy, exposed: ITERATOR_EXPOSED, createMethod: false });
  }

  /** A queue.Queue on the server (`maxsize` 0: unbounded). Python: `SyncManager.Queue` */
  Queue<T = unknown>(maxsize = 0): Promise<QueueProxy<T>> {
    return this.create<QueueProxy<T>>('Queue', maxsize === 0 ? [] : [maxsize]);
  }

  /** A queue with taskDone()/join(). Python: `SyncManager.JoinableQueue` */
  JoinableQueue<T = unknown>(maxsize = 0): Promise<QueueProxy<T>> {
    return this.create<QueueProxy<T>>('JoinableQueue', maxsize === 0 ? [] : [maxsize]);
  }

  /** A dict, from a Map, a plain object or [key, value] pairs. Python: `SyncManager.dict` */
  dict<K = unknown, V = unknown>(init?: Map<K, V> | Record<string, V> | Iterable<[K, V]>): Promise<DictProxy<K, V>> {
    if (init === undefined) return this.create<DictProxy<K, V>>('dict');
    const map = init instanceof Map ? init : Symbol.iterator in init ? new Map(init as Iterable<[K, V]>) : new Map(Object.entries(init));
    return this.create<DictProxy<K, V>>('dict', [map]);
  }

  /** A list. Python: `SyncManager.list` */
  list<T = unknown>(items?: Iterable<T>): Promise<ListProxy<T>> {
    return this.create<ListProxy<T>>('list', items === undefined ? [] : [[...items]]);
  }

  /** A Namespace with these attributes. Python: `SyncManager.Namespace` */
  Namespace(attributes: Record<string, unknown> = {}): Promise<NamespaceProxy> {
    return this.create<NamespaceProxy>('Namespace', [], new Map(Object.entries(attributes)));
  }

  /** A Lock held by the server. Python: `SyncManager.Lock` */
  Lock(): Promise<AcquirerProxy> {
    return this.create<AcquirerProxy>('Lock');
  }

  /** A reentrant lock held by the server. Python: `SyncManager.RLock` */
  RLock(): Promise<AcquirerProxy> {
    return this.create<AcquirerProxy>('RLock');
  }

  /** A semaphore with `value` permits. Python: `SyncManager.Semaphore` */
  Semaphore(value = 1): Promise<AcquirerProxy> {
    return this.create<AcquirerProxy>('Semaphore', [value]);
  }

  /** A semaphore that refuses a release past `value`. Python: `SyncManager.BoundedSemaphore` */
  BoundedSemaphore(value = 1): Promise<AcquirerProxy> {
    return this.create<AcquirerProxy>('BoundedSemaphore', [value]);
  }

  /** A Condition over its own RLock. Python: `SyncManager.Condition` (our server refuses a `lock` argument) */
  Condition(): Promise<ConditionProxy> {
    return this.create<ConditionProxy>('Condition');
  }

  /** An Event held by the server. Python: `SyncManager.Event` */
  Event(): Promise<EventProxy> {
    return this.create<EventProxy>('Event');
  }

  /** A Barrier for `parties`; `timeout` (ms) is the default of its waits. Python: `SyncManager.Barrier` (our server refuses an `action`) */
  Barrier(parties: number, options: { timeout?: number } = {}): Promise<BarrierProxy> {
    return this.create<BarrierProxy>('Barrier', options.timeout === undefined ? [parties] : [parties, null, options.timeout / 1000]);
  }

  /** A Value: a typecode (as Python's, informational here) and a value. */
  Value<T = unknown>(typecode: string, value: T): Promise<ValueProxy<T>> {
    return this.create<ValueProxy<T>>('Value', [typecode, value]);
  }

  /** An array.array of numbers with this typecode ('i', 'd', 'q'...). Python: `SyncManager.Array` */
  Array<T extends number | bigint = number>(typecode: string, sequence: Iterable<NoInfer<T>>): Promise<ArrayProxy<T>> {
    return this.create<ArrayProxy<T>>('Array', [typecode, [...sequence]]);
  }
}

/**
 * A started SyncManager (its server runs in this process). `await using m = await Manager()`
 * shuts it down at the end of the scope.
 *
 * Python: multiprocessing.Manager()
 */
export async function Manager(options: ManagerOptions = {}): Promise<SyncManager> {
  const manager = new SyncManager(options);
  await manager.start();
  return manager;
}
