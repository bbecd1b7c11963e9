// How the server calls methods of the objects it holds: one servant per kind of object, binding
// Python's (args, kwds) to Python's parameter names, and answering with what Python's object
// would answer (same exposed names, same errors). CPython: the classes SyncManager registers in
// Lib/multiprocessing/managers.py, Lib/queue.py, Lib/threading.py, builtins dict/list/array.

import { Empty, Full, BrokenBarrierError, ValueError as MpValueError, TimeoutError as MpTimeoutError } from '../errors.js';
import { PyException, PyIterator, Tuple, tuple } from '../pickle/index.js';
import { pyRepr } from '../pickle/types.js';
import { JoinableQueue, Queue } from '../queues/queue.js';
import { bind, intArg, runtimeError, timeoutMs, truthy, typeError, valueError, type Kwds } from './args.js';
import { LocalBarrier, LocalCondition, LocalEvent, LocalLock, LocalQueue, LocalRLock, LocalSemaphore, emptyError, fullError } from './primitives.js';
import { NOT_FOUND, findKey, isSlice, pyCompare, pyEq, pyItems, pyTypeName, sliceIndices, sliceRange } from './pyops.js';
import { ManagedValue, Namespace } from './token.js';

/** What a call on the server knows about its caller. */
export interface CallContext {
  /** The client connection: owner of RLocks and Conditions it acquires. */
  readonly owner: object;
  /** Aborted when that connection closes: its waits end and take nothing. */
  readonly signal: AbortSignal;
}

/** How the server calls one object. */
export interface Servant {
  /** The referent. */
  readonly target: unknown;
  /** Method names a client may call, in the order the create reply lists them. */
  readonly exposed: readonly string[];
  call(method: string, args: unknown[], kwds: Kwds, ctx: CallContext): unknown;
  /** Python's `#GETVALUE`: the object by value. */
  getValue(): unknown;
  /** Python's `repr(obj)`. */
  repr(): string;
  /** What it holds, for finding the proxies inside (the referent, or what an iterator reads). */
  contents(): unknown;
}

type Method = (args: unknown[], kwds: Kwds, ctx: CallContext) => unknown;

class TableServant implements Servant {
  constructor(
    readonly target: unknown,
    readonly exposed: readonly string[],
    private readonly methods: Record<string, Method>,
    private readonly value: () => unknown = () => target,
    private readonly reprText: () => string = () => pyRepr(target, 0),
    private readonly held: () => unknown = () => target,
  ) {}

  call(method: string, args: unknown[], kwds: Kwds, ctx: CallContext): unknown {
    const fn = Object.hasOwn(this.methods, method) ? this.methods[method] : undefined;
    if (fn === undefined) throw attributeError(this.target, method);
    return fn(args, kwds, ctx);
  }

  getValue(): unknown {
    return this.value();
  }

  repr(): string {
    return this.reprText();
  }

  contents(): unknown {
    return this.held();
  }
}

/** Python's AttributeError for a missing method or attribute. */
export function attributeError(target: unknown, name: string): PyException {
  return new PyException('builtins.AttributeError', [`'${pyTypeName(target)}' object has no attribute '${name}'`]);
}

function noArgs(name: string, fn: () => unknown): Method {
  return (args, kwds) => {
    bind(name, [], args, kwds);
    return fn();
  };
}

// --- dict ------------------------------------------------------------------------------------

/** Exposed names of a SyncManager dict, as Python's create reply lists them (without the `__iter__` that method_to_typeid appends). */
export const DICT_EXPOSED = ['__contains__', '__delitem__', '__getitem__', '__iter__', '__len__', '__setitem__', 'clear', 'copy', 'get', 'items', 'keys', 'pop', 'popitem', 'setdefault', 'update', 'values'];

function keyError(key: unknown): PyException {
  return new PyException('builtins.KeyError', [key]);
}

/** Python's `dict.update(args, **kwds)`: a mapping, or an iterable of pairs (a list, zip(...)...). */
export function updateMap(map: Map<unknown, unknown>, args: unknown[], kwds: Kwds): Map<unknown, unknown> {
  if (args.length > 1) throw typeError(`update expected at most 1 argument, got ${args.length}`);
  const set = (k: unknown, v: unknown): void => {
    const found = findKey(map, k);
    map.set(found === NOT_FOUND ? k : found, v);
  };
  const [source] = args;
  if (source instanceof Map) for (const [k, v] of source) set(k, v);
  else if (source !== undefined && source !== null) {
    for (const pair of pyItems(source)) {
      const kv = typeof pair === 'string' ? [...pair] : pyItems(pair);
      if (kv.length !== 2) throw valueError(`dictionary update sequence element has length ${kv.length}; 2 is required`);
      set(kv[0], kv[1]);
    }
  }
  for (const [k, v] of kwds) set(k, v);
  return map;
}

/**
 * Iterates a dict's keys live, as Python's dict iterator: a dict that changes size meanwhile
 * makes the next step raise RuntimeError (and every one after).
 */
export class DictKeyIterator implements IterableIterator<unknown> {
  readonly #keys: Iterator<unknown>;
  readonly #size: number;
  #state: 'running' | 'done' | 'broken' = 'running';

  constructor(readonly map: Map<unknown, unknown>) {
    this.#keys = map.keys();
    this.#size = map.size;
  }

  next(): IteratorResult<unknown> {
    if (this.#state === 'running' && this.map.size !== this.#size) this.#state = 'broken';
    if (this.#state === 'broken') throw runtimeError('dictionary changed size during iteration');
    const step = this.#state === 'done' ? { done: true as const, value: undefined } : this.#keys.next();
    if (step.done === true) this.#state = 'done';
    return step;
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/** A dict for the server: a Map, with Python's key equality. */
export function dictServant(map: Map<unknown, unknown>, exposed: readonly string[] = DICT_EXPOSED): Servant {
  const lookup = (key: unknown): unknown => {
    const k = findKey(map, key);
    if (k === NOT_FOUND) throw keyError(key);
    return k;
  };
  const methods: Record<string, Method> = {
    __contains__: (args, kwds) => findKey(map, bind('__contains__', ['key'], args, kwds, 1)[0]) !== NOT_FOUND,
    __getitem__: (args, kwds) => map.get(lookup(bind('__getitem__', ['key'], args, kwds, 1)[0])),
    __setitem__: (args, kwds) => {
      const [key, value] = bind('__setitem__', ['key', 'value'], args, kwds, 2);
      const found = findKey(map, key);
      map.set(found === NOT_FOUND ? key : found, value);
    },
    __delitem__: (args, kwds) => void map.delete(lookup(bind('__delitem__', ['key'], args, kwds, 1)[0])),
    __len__: noArgs('__len__', () => map.size),
    __iter__: noArgs('__iter__', () => new DictKeyIterator(map)),
    clear: noArgs('clear', () => map.clear()),
    copy: noArgs('copy', () => new Map(map)),
    get: (args, kwds) => {
      const [key, dflt] = bind('get', ['key', 'default'], args, kwds, 1);
      const k = findKey(map, key);
      return k === NOT_FOUND ? (dflt ?? null) : map.get(k);
    },
    items: noArgs('items', () => [...map].map(([k, v]) => tuple(k, v))),
    keys: noArgs('keys', () => [...map.keys()]),
    values: noArgs('values', () => [...map.values()]),
    pop: (args, kwds) => {
      const [key, dflt] = bind('pop', ['key', 'default'], args, kwds, 1);
      const k = findKey(map, key);
      if (k === NOT_FOUND) {
        if (args.length + kwds.size < 2) throw keyError(key);
        return dflt;
      }
      const v = map.get(k);
      map.delete(k);
      return v;
    },
    popitem: noArgs('popitem', () => {
      const last = [...map.keys()].at(-1);
      if (map.size === 0) throw new PyException('builtins.KeyError', ['popitem(): dictionary is empty']);
      const v = map.get(last);
      map.delete(last);
      return tuple(last, v);
    }),
    setdefault: (args, kwds) => {
      const [key, dflt] = bind('setdefault', ['key', 'default'], args, kwds, 1);
      const k = findKey(map, key);
      if (k !== NOT_FOUND) return map.get(k);
      map.set(key, dflt ?? null);
      return dflt ?? null;
    },
    update: (args, kwds) => updateMap(map, args, kwds),
  };
  return new TableServant(map, exposed, methods);
}

// --- list ------------------------------------------------------------------------------------

/** Exposed names of a SyncManager list (Python's ListProxy._exposed_). */
export const LIST_EXPOSED = [
  '__add__', '__contains__', '__delitem__', '__getitem__', '__len__', '__mul__', '__reversed__', '__rmul__', '__setitem__',
  'append', 'count', 'extend', 'index', 'insert', 'pop', 'remove', 'reverse', 'sort', '__imul__',
];

function indexError(what: string): PyException {
  return new PyException('builtins.IndexError', [what]);
}

function normIndex(index: unknown, length: number, what: string): number {
  let i = intArg(index, 'list indices');
  if (i < 0) i += length;
  if (i < 0 || i >= length) throw indexError(`${what} index out of range`);
  return i;
}

/** `list[index] = value`, with a slice index as Python assigns slices. */
function listSetItem(list: unknown[], index: unknown, value: unknown): void {
  if (!isSlice(index)) {
    list[normIndex(index, list.length, 'list assignment')] = value;
    return;
  }
  const items = [...pyItems(value)];
  const rawStep = index.args[2];
  if (rawStep === null || rawStep === undefined || rawStep === 1) {
    const [start, stop] = sliceIndices(index, list.length);
    list.splice(start, Math.max(0, stop - start), ...items);
    return;
  }
  const range = sliceRange(index, list.length);
  if (range.length !== items.length) throw valueError(`attempt to assign sequence of size ${items.length} to extended slice of size ${range.length}`);
  range.forEach((i, j) => (list[i] = items[j]));
}

/** `del list[index]`, slices included. */
function listDelItem(list: unknown[], index: unknown): void {
  if (!isSlice(index)) {
    list.splice(normIndex(index, list.length, 'list assignment'), 1);
    return;
  }
  for (const i of sliceRange(index, list.length).sort((a, b) => b - a)) list.splice(i, 1);
}

/** `list.index(value, start, stop)`. */
function listIndex(list: unknown[], value: unknown, start: unknown, stop: unknown): number {
  const norm = (v: unknown, d: number): number => {
    if (v === undefined || v === null) return d;
    const i = intArg(v, 'index');
    return i < 0 ? Math.max(0, i + list.length) : Math.min(i, list.length);
  };
  for (let i = norm(start, 0); i < norm(stop, list.length); i++) if (pyEq(list[i], value)) return i;
  throw valueError(`${pyRepr(value, 0)} is not in list`);
}

/** `list.sort(*, key=None, reverse=False)`: Python's ordering; a key function cannot travel. */
function listSort(list: unknown[], args: unknown[], kwds: Kwds): void {
  if (args.length > 0) throw typeError('sort() takes no positional arguments');
  const [key, reverse] = bind('sort', ['key', 'reverse'], [], kwds);
  if (key !== undefined && key !== null) throw typeError('sort(key=...) cannot run on a TypeScript manager server: a function cannot travel');
  const sorted = [...list].sort(pyCompare);
  if (truthy(reverse, false)) sorted.reverse();
  list.splice(0, list.length, ...sorted);
}

/** `list * n` as a new list. */
function repeated(list: unknown[], args: unknown[], kwds: Kwds, name: string): unknown[] {
  const n = intArg(bind(name, ['value'], args, kwds, 1)[0], "can't multiply sequence by non-int");
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(...list);
  return out;
}

/** A list for the server: a JS Array. */
export function listServant(list: unknown[], exposed: readonly string[] = LIST_EXPOSED): Servant {
  const arg = (name: string, args: unknown[], kwds: Kwds, param = 'value'): unknown => bind(name, [param], args, kwds, 1)[0];
  const methods: Record<string, Method> = {
    __add__: (args, kwds) => {
      const other = arg('__add__', args, kwds);
      if (!Array.isArray(other) || other instanceof Tuple) throw typeError(`can only concatenate list (not "${pyTypeName(other)}") to list`);
      return [...list, ...other];
    },
    __contains__: (args, kwds) => {
      const value = arg('__contains__', args, kwds, 'key');
      return list.some((x) => pyEq(x, value));
    },
    __getitem__: (args, kwds) => {
      const index = arg('__getitem__', args, kwds, 'index');
      return isSlice(index) ? sliceRange(index, list.length).map((i) => list[i]) : list[normIndex(index, list.length, 'list')];
    },
    __setitem__: (args, kwds) => listSetItem(list, ...(bind('__setitem__', ['index', 'value'], args, kwds, 2) as [unknown, unknown])),
    __delitem__: (args, kwds) => listDelItem(list, arg('__delitem__', args, kwds, 'index')),
    __len__: noArgs('__len__', () => list.length),
    __mul__: (args, kwds) => repeated(list, args, kwds, '__mul__'),
    __rmul__: (args, kwds) => repeated(list, args, kwds, '__rmul__'),
    __imul__: (args, kwds) => {
      list.splice(0, list.length, ...repeated(list, args, kwds, '__imul__'));
      return list;
    },
    // An iterator, as Python's list_reverseiterator (which pickles as the items and a position).
    __reversed__: noArgs('__reversed__', () => new PyIterator([...list].reverse())),
    append: (args, kwds) => void list.push(arg('append', args, kwds, 'object')),
    count: (args, kwds) => {
      const value = arg('count', args, kwds);
      return list.filter((x) => pyEq(x, value)).length;
    },
    extend: (args, kwds) => void list.push(...pyItems(arg('extend', args, kwds, 'iterable'))),
    index: (args, kwds) => listIndex(list, ...(bind('index', ['value', 'start', 'stop'], args, kwds, 1) as [unknown, unknown, unknown])),
    insert: (args, kwds) => {
      const [index, value] = bind('insert', ['index', 'object'], args, kwds, 2);
      const i = intArg(index, 'index');
      list.splice(i < 0 ? Math.max(0, i + list.length) : Math.min(i, list.length), 0, value);
    },
    pop: (args, kwds) => {
      const [index] = bind('pop', ['index'], args, kwds);
      if (list.length === 0) throw indexError('pop from empty list');
      return list.splice(normIndex(index ?? -1, list.length, 'pop'), 1)[0];
    },
    remove: (args, kwds) => {
      const value = arg('remove', args, kwds);
      const i = list.findIndex((x) => pyEq(x, value));
      if (i < 0) throw valueError('list.remove(x): x not in list');
      list.splice(i, 1);
    },
    reverse: noArgs('reverse', () => void list.reverse()),
    sort: (args, kwds) => listSort(list, args, kwds),
  };
  return new TableServant(list, exposed, methods);
}

// --- Namespace -------------------------------------------------------------------------------

/** Exposed names of a Namespace (Python's NamespaceProxy._exposed_). */
export const NAMESPACE_EXPOSED = ['__getattribute__', '__setattr__', '__delattr__'];

/** A Namespace for the server. */
export function namespaceServant(ns: Namespace, exposed: readonly string[] = NAMESPACE_EXPOSED): Servant {
  const missing = (name: string): PyException =>
    // 3.12+ adds `name` as state; 3.11 clients accept it too (it is only set as an attribute).
    new PyException('builtins.AttributeError', [`'Namespace' object has no attribute '${name}'`]);
  const nameArg = (what: string, args: unknown[], kwds: Kwds, n: number): unknown[] => {
    const bound = bind(what, ['name', 'value'].slice(0, n), args, kwds, n);
    if (typeof bound[0] !== 'string') throw typeError(`attribute name must be string, not '${pyTypeName(bound[0])}'`);
    return bound;
  };
  const methods: Record<string, Method> = {
    __getattribute__: (args, kwds) => {
      const [name] = nameArg('__getattribute__', args, kwds, 1) as [string];
      if (!Object.hasOwn(ns, name)) throw missing(name);
      return ns[name];
    },
    __setattr__: (args, kwds) => {
      const [name, value] = nameArg('__setattr__', args, kwds, 2) as [string, unknown];
      ns[name] = value;
    },
    __delattr__: (args, kwds) => {
      const [name] = nameArg('__delattr__', args, kwds, 1) as [string];
      if (!Object.hasOwn(ns, name)) throw missing(name);
      delete ns[name];
    },
  };
  const repr = (): string => `Namespace(${Object.entries(ns).map(([k, v]) => `${k}=${pyRepr(v, 1)}`).join(', ')})`;
  return new TableServant(ns, exposed, methods, () => ns, repr);
}

// --- queues ----------------------------------------------------------------------------------

/** Exposed names of queue.Queue as Python ≤ 3.12 lists them (3.13 adds 'shutdown'). */
export const QUEUE_EXPOSED = ['empty', 'full', 'get', 'get_nowait', 'join', 'put', 'put_nowait', 'qsize', 'task_done'];

/** The queue operations a servant needs: implemented by LocalQueue and by an adapter of our shared-memory Queue. */
interface QueueLike {
  put(item: unknown, block: boolean, timeout: number | undefined, signal: AbortSignal): Promise<void>;
  get(block: boolean, timeout: number | undefined, signal: AbortSignal): Promise<unknown>;
  qsize(): number;
  empty(): boolean;
  full(): boolean;
  taskDone(): void;
  join(signal: AbortSignal): Promise<void>;
}

const SLICE_MS = 500;

// Our shared-memory queue has no AbortSignal: long waits go in slices, checking the signal between.
function sharedQueueAdapter(q: Queue): QueueLike {
  const slices = async <T>(timeout: number | undefined, signal: AbortSignal, attempt: (ms: number) => Promise<T>, isTimeout: (e: unknown) => boolean): Promise<T> => {
    const deadline = timeout === undefined ? Infinity : performance.now() + Math.max(0, timeout);
    for (;;) {
      const left = deadline - performance.now();
      const ms = Math.max(0, Math.min(SLICE_MS, left));
      try {
        return await attempt(ms);
      } catch (err) {
        if (!isTimeout(err) || left <= SLICE_MS) throw err;
        if (signal.aborted) throw signal.reason;
      }
    }
  };
  return {
    put: (item, block, timeout, signal) => (block ? slices(timeout, signal, (ms) => q.put(item, { timeout: ms }), (e) => e instanceof Full) : q.put(item, { block: false })),
    get: (block, timeout, signal) => (block ? slices(timeout, signal, (ms) => q.get({ timeout: ms }), (e) => e instanceof Empty) : q.get({ block: false })),
    qsize: () => q.qsize(),
    empty: () => q.empty(),
    full: () => q.full(),
    taskDone: () => {
      if (!(q instanceof JoinableQueue)) throw attributeError(q, 'task_done');
      q.taskDone();
    },
    join: async () => {
      if (!(q instanceof JoinableQueue)) throw attributeError(q, 'join');
      await q.join();
    },
  };
}

function localQueueAdapter(q: LocalQueue): QueueLike {
  return {
    put: (item, block, timeout, signal) => q.put(item, block, timeout, signal),
    get: (block, timeout, signal) => q.get(block, timeout, signal),
    qsize: () => q.qsize(),
    empty: () => q.empty(),
    full: () => q.full(),
    taskDone: () => q.taskDone(),
    join: (signal) => q.join(signal),
  };
}

/** A queue for the server: Python's queue.Queue methods over a LocalQueue or one of our Queues. */
export function queueServant(target: LocalQueue | Queue, exposed: readonly string[] = QUEUE_EXPOSED): Servant {
  const q = target instanceof LocalQueue ? localQueueAdapter(target) : sharedQueueAdapter(target);
  const methods: Record<string, Method> = {
    put: (args, kwds, ctx) => {
      const [item, block, timeout] = bind('put', ['item', 'block', 'timeout'], args, kwds, 1);
      return q.put(item, truthy(block, true), timeoutMs(timeout), ctx.signal);
    },
    get: (args, kwds, ctx) => {
      const [block, timeout] = bind('get', ['block', 'timeout'], args, kwds);
      return q.get(truthy(block, true), timeoutMs(timeout), ctx.signal);
    },
    put_nowait: (args, kwds, ctx) => q.put(bind('put_nowait', ['item'], args, kwds, 1)[0], false, undefined, ctx.signal),
    get_nowait: (args, kwds, ctx) => {
      bind('get_nowait', [], args, kwds);
      return q.get(false, undefined, ctx.signal);
    },
    qsize: noArgs('qsize', () => q.qsize()),
    empty: noArgs('empty', () => q.empty()),
    full: noArgs('full', () => q.full()),
    task_done: noArgs('task_done', () => q.taskDone()),
    join: (args, kwds, ctx) => {
      bind('join', [], args, kwds);
      return q.join(ctx.signal);
    },
  };
  const value = (): unknown => {
    throw new PyException('builtins.TypeError', [`cannot pickle '${pyTypeName(target)}' object`]);
  };
  return new TableServant(target, exposed, methods, value, () => `<queue.Queue object (${q.qsize()} items)>`);
}

// --- synchronization -------------------------------------------------------------------------

/** Exposed names of Lock/RLock/Semaphore/BoundedSemaphore (AcquirerProxy). */
export const ACQUIRER_EXPOSED = ['acquire', 'release'];
/** Exposed names of Condition (ConditionProxy). */
export const CONDITION_EXPOSED = ['acquire', 'release', 'wait', 'notify', 'notify_all'];
/** Exposed names of Event (EventProxy). */
export const EVENT_EXPOSED = ['is_set', 'set', 'clear', 'wait'];
/** Exposed names of Barrier (BarrierProxy). */
export const BARRIER_EXPOSED = ['__getattribute__', 'wait', 'abort', 'reset'];

// acquire(blocking=True, timeout=-1): a negative timeout or None waits forever.
function acquireArgs(args: unknown[], kwds: Kwds): [boolean, number | undefined] {
  const [blocking, timeout] = bind('acquire', ['blocking', 'timeout'], args, kwds);
  const block = truthy(blocking, true);
  const ms = timeoutMs(timeout);
  if (!block && ms !== undefined && ms >= 0) throw new PyException('builtins.ValueError', ["can't specify a timeout for a non-blocking call"]);
  return [block, ms === undefined || ms < 0 ? undefined : ms];
}

/** acquire/release of what a client connection owns while it holds it (RLock, Condition). */
function ownedAcquirer(target: LocalRLock | LocalCondition): Record<string, Method> {
  return {
    acquire: (args, kwds, ctx) => target.acquire(ctx.owner, ...acquireArgs(args, kwds), ctx.signal),
    release: (args, kwds, ctx) => {
      bind('release', [], args, kwds);
      target.release(ctx.owner);
    },
  };
}

/** A lock, semaphore, condition, event or barrier for the server. */
export function syncServant(target: LocalLock | LocalRLock | LocalSemaphore | LocalCondition | LocalEvent | LocalBarrier, exposed?: readonly string[]): Servant {
  const repr = (): string => `<${pyTypeName(target)} object>`;
  if (target instanceof LocalLock) {
    return new TableServant(target, exposed ?? ACQUIRER_EXPOSED, {
      acquire: (args, kwds, ctx) => target.acquire(...acquireArgs(args, kwds), ctx.signal),
      release: noArgs('release', () => target.release()),
    }, () => target, repr);
  }
  if (target instanceof LocalRLock) return new TableServant(target, exposed ?? ACQUIRER_EXPOSED, ownedAcquirer(target), () => target, repr);
  if (target instanceof LocalSemaphore) {
    return new TableServant(target, exposed ?? ACQUIRER_EXPOSED, {
      acquire: (args, kwds, ctx) => {
        const [blocking, timeout] = bind('acquire', ['blocking', 'timeout'], args, kwds);
        const block = truthy(blocking, true);
        const ms = timeoutMs(timeout);
        if (!block && ms !== undefined) throw new PyException('builtins.ValueError', ["can't specify timeout for non-blocking acquire"]);
        return target.acquire(block, ms, ctx.signal);
      },
      release: (args, kwds) => target.release(intArg(bind('release', ['n'], args, kwds)[0] ?? 1, 'n')),
    }, () => target, repr);
  }
  if (target instanceof LocalCondition) {
    return new TableServant(target, exposed ?? CONDITION_EXPOSED, {
      ...ownedAcquirer(target),
      wait: (args, kwds, ctx) => target.wait(ctx.owner, timeoutMs(bind('wait', ['timeout'], args, kwds)[0]), ctx.signal),
      notify: (args, kwds, ctx) => target.notify(ctx.owner, intArg(bind('notify', ['n'], args, kwds)[0] ?? 1, 'n')),
      notify_all: (args, kwds, ctx) => {
        bind('notify_all', [], args, kwds);
        target.notifyAll(ctx.owner);
      },
    }, () => target, repr);
  }
  if (target instanceof LocalEvent) {
    return new TableServant(target, exposed ?? EVENT_EXPOSED, {
      is_set: noArgs('is_set', () => target.isSet()),
      set: noArgs('set', () => target.set()),
      clear: noArgs('clear', () => target.clear()),
      wait: (args, kwds, ctx) => target.wait(timeoutMs(bind('wait', ['timeout'], args, kwds)[0]), ctx.signal),
    }, () => target, repr);
  }
  return new TableServant(target, exposed ?? BARRIER_EXPOSED, {
    __getattribute__: (args, kwds) => {
      const [name] = bind('__getattribute__', ['name'], args, kwds, 1);
      if (name === 'parties') return target.parties;
      if (name === 'n_waiting') return target.nWaiting;
      if (name === 'broken') return target.broken;
      throw attributeError(target, String(name));
    },
    wait: (args, kwds, ctx) => target.wait(timeoutMs(bind('wait', ['timeout'], args, kwds)[0]) ?? target.defaultTimeout, ctx.signal),
    abort: noArgs('abort', () => target.abort()),
    reset: noArgs('reset', () => target.reset()),
  }, () => target, repr);
}

// --- Value and Array -------------------------------------------------------------------------

/** Exposed names of Value (ValueProxy). */
export const VALUE_EXPOSED = ['get', 'set'];
/** Exposed names of Array (ArrayProxy). */
export const ARRAY_EXPOSED = ['__len__', '__getitem__', '__setitem__'];

/** A managed Value for the server. */
export function valueServant(v: ManagedValue, exposed: readonly string[] = VALUE_EXPOSED): Servant {
  return new TableServant(v, exposed, {
    get: noArgs('get', () => v.value),
    set: (args, kwds) => {
      v.value = bind('set', ['value'], args, kwds, 1)[0];
    },
  }, () => v, () => `Value('${v.typecode}', ${pyRepr(v.value, 0)})`);
}

type NumericArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

/** A managed array.array (a typed array) for the server. */
export function arrayServant(a: NumericArray, exposed: readonly string[] = ARRAY_EXPOSED): Servant {
  const big = a instanceof BigInt64Array || a instanceof BigUint64Array;
  const convert = (v: unknown): number | bigint => {
    if (typeof v !== 'number' && typeof v !== 'bigint' && typeof v !== 'boolean') throw typeError(`array item must be a number, not ${pyTypeName(v)}`);
    return big ? BigInt(typeof v === 'number' ? Math.trunc(v) : v) : Number(v);
  };
  const items = a as unknown as (number | bigint)[];
  return new TableServant(a, exposed, {
    __len__: noArgs('__len__', () => a.length),
    __getitem__: (args, kwds) => {
      const [index] = bind('__getitem__', ['index'], args, kwds, 1);
      // A slice of an array is an array of the same type, as in Python.
      if (isSlice(index)) return new (a.constructor as new (items: (number | bigint)[]) => NumericArray)(sliceRange(index, a.length).map((i) => items[i] as number | bigint));
      return items[normIndex(index, a.length, 'array')];
    },
    __setitem__: (args, kwds) => {
      const [index, value] = bind('__setitem__', ['index', 'value'], args, kwds, 2);
      if (isSlice(index)) {
        const range = sliceRange(index, a.length);
        const values = pyItems(value);
        if (values.length !== range.length) throw new PyException('builtins.ValueError', ['array slice assignment of another size is not supported here']);
        range.forEach((i, j) => (items[i] = convert(values[j])));
        return;
      }
      items[normIndex(index, a.length, 'array assignment')] = convert(value);
    },
  }, () => a, () => `array(${pyRepr([...items], 0)})`);
}

// --- iterators -------------------------------------------------------------------------------

/** Exposed names of an iterator (IteratorProxy). */
export const ITERATOR_EXPOSED = ['__next__', 'send', 'throw', 'close'];

/** An iterator (sync or async) for the server: what dict's `__iter__` hands out as a proxy. */
export function iteratorServant(it: Iterator<unknown> | AsyncIterator<unknown>, exposed: readonly string[] = ITERATOR_EXPOSED): Servant {
  const step = async (result: IteratorResult<unknown> | Promise<IteratorResult<unknown>>): Promise<unknown> => {
    const r = await result;
    if (r.done === true) throw new PyException('builtins.StopIteration', r.value === undefined ? [] : [r.value]);
    return r.value;
  };
  return new TableServant(it, exposed, {
    __next__: noArgs('__next__', () => step(it.next())),
    send: (args, kwds) => step(it.next(bind('send', ['value'], args, kwds, 1)[0])),
    throw: (args) => {
      if (it.throw === undefined) throw new PyException('builtins.AttributeError', ["'iterator' object has no attribute 'throw'"]);
      return step(it.throw(args[0]));
    },
    close: noArgs('close', async () => {
      await it.return?.();
    }),
  }, () => {
    throw new PyException('builtins.TypeError', ["cannot pickle 'iterator' object"]);
  }, () => '<iterator object>', () => (it instanceof DictKeyIterator ? it.map : it instanceof PyIterator ? it : undefined));
}

// --- anything else ---------------------------------------------------------------------------

/** The public methods of a JS object: own and inherited functions not starting with `_`, sorted (Python's public_methods). */
export function publicMethods(obj: object): string[] {
  const names = new Set<string>();
  for (let p: object | null = obj; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name === 'constructor' || name.startsWith('_')) continue;
      const desc = Object.getOwnPropertyDescriptor(p, name);
      if (desc !== undefined && typeof desc.value === 'function') names.add(name);
    }
  }
  return [...names].sort();
}

/**
 * Any other JS object: `method(*args)` calls `obj[method](...args)`, with keyword arguments (if
 * any) as one trailing options object. Results are awaited.
 */
export function genericServant(obj: unknown, exposed?: readonly string[]): Servant {
  const names = exposed ?? (typeof obj === 'object' && obj !== null ? publicMethods(obj) : []);
  return {
    target: obj,
    exposed: names,
    call(method, args, kwds) {
      const fn = typeof obj === 'object' && obj !== null ? (obj as Record<string, unknown>)[method] : undefined;
      if (typeof fn !== 'function') throw attributeError(obj, method);
      const extra = kwds.size > 0 ? [Object.fromEntries([...kwds].map(([k, v]) => [String(k), v]))] : [];
      return (fn as (...a: unknown[]) => unknown).apply(obj, [...args, ...extra]);
    },
    getValue: () => obj,
    repr: () => (typeof obj === 'object' && obj !== null ? `<${pyTypeName(obj)} object>` : pyRepr(obj, 0)),
    contents: () => obj,
  };
}

/** The servant for an object a callable returned, by kind; `exposed` (from register) overrides the default list. */
export function servantFor(obj: unknown, exposed?: readonly string[]): Servant {
  if (obj instanceof LocalQueue || obj instanceof Queue) return queueServant(obj, exposed);
  if (obj instanceof Map) return dictServant(obj, exposed);
  if (Array.isArray(obj) && !(obj instanceof Tuple)) return listServant(obj, exposed);
  if (obj instanceof Namespace) return namespaceServant(obj, exposed);
  if (obj instanceof ManagedValue) return valueServant(obj, exposed);
  if (obj instanceof LocalLock || obj instanceof LocalRLock || obj instanceof LocalSemaphore || obj instanceof LocalCondition || obj instanceof LocalEvent || obj instanceof LocalBarrier) {
    return syncServant(obj, exposed);
  }
  if (ArrayBuffer.isView(obj) && !(obj instanceof DataView) && !(obj instanceof Uint8Array && !(obj instanceof Uint8ClampedArray))) return arrayServant(obj as NumericArray, exposed);
  if (typeof obj === 'object' && obj !== null && typeof (obj as Iterator<unknown>).next === 'function' && (Symbol.iterator in obj || Symbol.asyncIterator in obj)) {
    return iteratorServant(obj as unknown as Iterator<unknown>, exposed);
  }
  return genericServant(obj, exposed);
}

/** A JS error thrown by a servant, as the Python exception a Python client should raise. */
export function toPyException(err: unknown): PyException {
  if (err instanceof PyException) return err;
  if (err instanceof Empty) return emptyError();
  if (err instanceof Full) return fullError();
  if (err instanceof BrokenBarrierError) return new PyException('threading.BrokenBarrierError', []);
  const e = err instanceof Error ? err : new Error(String(err));
  const pyType =
    e instanceof MpValueError || e instanceof RangeError ? 'builtins.ValueError'
      : e instanceof MpTimeoutError ? 'builtins.TimeoutError'
        : e instanceof TypeError ? 'builtins.TypeError'
          : 'builtins.Exception';
  const message = pyType === 'builtins.Exception' && e.name !== 'Error' ? `${e.name}: ${e.message}` : e.message;
  // Python prints __notes__ under the traceback: the JS stack travels there.
  const state = e.stack !== undefined ? new Map<string, unknown>([['__notes__', [`TypeScript stack (manager server):\n${e.stack}`]]]) : undefined;
  return new PyException(pyType, [message], state);
}

