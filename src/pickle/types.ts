// The JS shapes of Python values that have no native JS twin: tuple, frozenset, exceptions,
// globals and opaque instances of allowlisted classes.
// CPython: Objects/tupleobject.c, Objects/setobject.c, Objects/exceptions.c (BaseException.__reduce__).

/**
 * A Python `tuple`: an Array kept distinct from `list` (which is a plain Array), frozen once built.
 * Array methods that make new arrays (`map`, `slice`, `filter`...) return plain Arrays.
 *
 * @example tuple(1, 'a') // Python (1, 'a')
 */
export class Tuple<T = unknown> extends Array<T> {
  // Species: inherited methods would otherwise build (and then write into) a frozen Tuple.
  /** Array methods that build new arrays (`map`, `slice`…) build plain Arrays, as slicing a Python tuple gives a new object. */
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /** Unlike `Array(n)`, the arguments are always the items: `new Tuple(3)` is `(3,)`. Python: `tuple(items)` */
  constructor(...items: T[]) {
    super();
    for (let i = 0; i < items.length; i++) this.push(items[i] as T);
    Object.freeze(this);
  }

  /** A tuple of the items of an iterable or array-like (`Array.from`'s arguments). Python: `tuple(iterable)` */
  static override from<T, U = T>(items: Iterable<T> | ArrayLike<T>, mapfn?: (v: T, k: number) => U, thisArg?: unknown): Tuple<U> {
    const array = mapfn === undefined ? (Array.from(items) as unknown as U[]) : Array.from(items, mapfn, thisArg);
    return tupleFromArray(array);
  }

  /** A tuple of the arguments (`Array.of`'s arguments). Python: `(a, b, …)` */
  static override of<T>(...items: T[]): Tuple<T> {
    return tupleFromArray(items);
  }
}

/** A Python tuple of the given items: `tuple(1, 'a')` is `(1, 'a')`. */
export function tuple<T>(...items: T[]): Tuple<T>;
// (Second form: items of different types, which the first cannot infer one T for.)
export function tuple<T extends unknown[]>(...items: T): Tuple<T[number]>;
export function tuple(...items: unknown[]): Tuple<unknown> {
  return tupleFromArray(items);
}

/**
 * @internal A tuple of an array's items, without spreading (which fails for very long arrays).
 * Made without Tuple's constructor (which freezes at once) and filled by index, which is several
 * times faster than `push` on an Array subclass: tuples are made for every message on the wire.
 */
export function tupleFromArray<T>(items: readonly T[]): Tuple<T> {
  const t = Reflect.construct(Array, [], Tuple) as Tuple<T>;
  for (let i = 0; i < items.length; i++) t[i] = items[i] as T;
  return Object.freeze(t);
}

/**
 * A Python `frozenset`: a Set that refuses changes once built.
 * (JS compares members by identity: two equal tuples are two members.)
 */
export class FrozenSet<T = unknown> extends Set<T> {
  #frozen = false;

  /** Python: `frozenset(iterable)` */
  constructor(items?: Iterable<T> | null) {
    super();
    if (items != null) for (const item of items) super.add(item);
    this.#frozen = true;
  }

  /** Throws a TypeError once built: a frozenset cannot change (Python's frozenset has no `add`). */
  override add(value: T): this {
    if (this.#frozen) throw new TypeError("'frozenset' object has no attribute 'add'");
    return super.add(value);
  }

  /** Throws a TypeError: a frozenset cannot change (Python's frozenset has no `discard`). */
  override delete(_value: T): boolean {
    throw new TypeError("'frozenset' object has no attribute 'discard'");
  }

  /** Throws a TypeError: a frozenset cannot change (Python's frozenset has no `clear`). */
  override clear(): void {
    throw new TypeError("'frozenset' object has no attribute 'clear'");
  }
}

/**
 * A reference to a Python global (a class or function named by module and name), e.g. the
 * `AutoProxy` argument of `RebuildProxy`. Loaded only for allowlisted names, never called;
 * `dumps` writes it back as the same global.
 */
export class PyGlobal {
  /** A global by module and name, as pickle's GLOBAL/STACK_GLOBAL opcodes carry it. Python: a class or function object, which pickle names by module and qualified name */
  constructor(
    /** Python module, e.g. `'multiprocessing.managers'`. */
    readonly module: string,
    /** Python (qualified) name in the module, e.g. `'AutoProxy'`. */
    readonly name: string,
  ) {
    Object.freeze(this);
  }

  /** `module.name`, as Python prints it. */
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }

  /** `<global module.name>`. Python: `repr(cls)` is `<class 'module.name'>` */
  toString(): string {
    return `<global ${this.qualified}>`;
  }
}

/**
 * An instance of an allowlisted Python class that this package does not model further
 * (e.g. `slice`, `complex`, `range`, or a class registered with a PyObject builder).
 * `dumps` writes it back as Python builds it: `module.name(*args)` (REDUCE) or
 * `module.name.__new__(cls, *args)` (NEWOBJ), then `__setstate__(state)` (BUILD) when state is set.
 */
export class PyObject {
  /**
   * An instance as pickle's REDUCE or NEWOBJ (+ BUILD) rebuilds it. Python: `copyreg.__reduce_ex__`
   * @param module Python module of the class, e.g. `'builtins'`.
   * @param name Python (qualified) name of the class, e.g. `'slice'`.
   * @param args Arguments of the constructor call (REDUCE) or of `__new__` (NEWOBJ).
   * @param state The BUILD state, if any (e.g. a Map of attributes).
   * @param newobj Rebuild with `cls.__new__(cls, *args)` rather than `cls(*args)`; by default,
   *   NEWOBJ when `args` is empty and `state` is set (CPython's default object reduction).
   */
  constructor(readonly module: string, readonly name: string, public args: unknown[], public state?: unknown, public newobj?: boolean) {}

  /** `module.name`, as Python prints it. */
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/**
 * A Python `range`: an immutable sequence of integers, iterable here as in Python.
 * `dumps` writes it back as `range(start, stop, step)`.
 *
 * @example [...new PyRange(0, 3)] // [0, 1, 2]
 *
 * Python: range
 */
export class PyRange implements Iterable<number | bigint> {
  /** The first value. Python: `range.start` */
  readonly start: number | bigint;
  /** The end, not included. Python: `range.stop` */
  readonly stop: number | bigint;
  /** The difference between values, never 0. Python: `range.step` */
  readonly step: number | bigint;

  /** Python: `range(start, stop, step)` (all three are required but `step`). */
  constructor(start: number | bigint, stop: number | bigint, step: number | bigint = 1) {
    for (const v of [start, stop, step]) if (!(typeof v === 'bigint' || Number.isSafeInteger(v))) throw new TypeError(`range() arguments must be integers, got ${String(v)}`);
    if (BigInt(step) === 0n) throw new RangeError('range() arg 3 must not be zero');
    this.start = start;
    this.stop = stop;
    this.step = step;
    Object.freeze(this);
  }

  /** How many integers it holds (Python's `len(range)`). */
  get size(): bigint {
    const [start, stop, step] = [BigInt(this.start), BigInt(this.stop), BigInt(this.step)];
    const n = step > 0n ? (stop - start + step - 1n) / step : (start - stop - step - 1n) / -step;
    return n > 0n ? n : 0n;
  }

  /** The `i`th integer (0 <= i < size). Python: `range[i]` */
  at(i: number): number | bigint {
    const v = BigInt(this.start) + BigInt(i) * BigInt(this.step);
    return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v;
  }

  /** `for (const i of range)`. Python: `iter(range)` */
  *[Symbol.iterator](): Iterator<number | bigint> {
    const n = this.size;
    for (let i = 0n; i < n; i++) yield this.at(Number(i));
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A Python iterator that arrived as data: `iter(seq)`, `reversed(seq)`, `zip(...)`,
 * `enumerate(...)` pickle as the sequence and a position, so they are rebuilt without running
 * anything. Like Python's, it is consumed as it is read. `dumps` writes the items it has left as
 * `iter([...])` (without consuming them).
 *
 * Python: list_iterator, reversed, zip, enumerate (as pickled)
 */
export class PyIterator<T = unknown> implements IterableIterator<T> {
  #source: Iterator<T>;
  readonly #seek: ((state: unknown) => void) | undefined;

  /**
   * An iterator over `source`. Python: `iter(iterable)`
   * @param source The items, read lazily.
   * @param seek @internal Applies a pickled position (BUILD state), for the iterators that have one.
   */
  constructor(source: Iterable<T> | Iterator<T>, seek?: (state: unknown) => void) {
    this.#source = typeof (source as Iterable<T>)[Symbol.iterator] === 'function' ? (source as Iterable<T>)[Symbol.iterator]() : (source as Iterator<T>);
    this.#seek = seek;
  }

  /** The next item. Python: `next(it)` */
  next(): IteratorResult<T> {
    return this.#source.next();
  }

  /** The iterator itself, as Python's `iter(it)`. */
  [Symbol.iterator](): this {
    return this;
  }

  /** @internal Apply the BUILD state of a pickled iterator (its position). */
  setState(state: unknown): void {
    if (this.#seek === undefined) throw new TypeError('this iterator takes no state');
    this.#seek(state);
  }

  /** @internal The items left, read now and kept, so that the iterator still yields them. */
  remaining(): T[] {
    const items: T[] = [];
    for (let r = this.#source.next(); r.done !== true; r = this.#source.next()) items.push(r.value);
    this.#source = items[Symbol.iterator]();
    return [...items];
  }
}

/**
 * A Python exception carried as data: `pyType` names its class (`'builtins.KeyError'`,
 * `'queue.Empty'`, `'multiprocessing.managers.RemoteError'`...), `args` its arguments, `state`
 * its extra attributes (the BUILD state, e.g. AttributeError's `name` on 3.12+).
 * `message` is Python's `str(exc)`; `name` the class name (without `builtins.`).
 * `dumps` writes it the way CPython does: REDUCE(class, args) [+ BUILD(state)].
 */
export class PyException extends Error {
  /** The exception's class, qualified by module, e.g. `'builtins.KeyError'`. Python: `type(exc)` */
  readonly pyType: string;
  /** The exception's arguments. Python: `exc.args` */
  readonly args: unknown[];
  /** Extra attributes (BUILD state: a Map of name → value, or a (dict, slots) tuple), if any. Python: the exception's `__dict__` (and slots) */
  declare state?: unknown;

  /** Python: `pyType(*args)`, with `state` as its extra attributes. */
  constructor(pyType: string, args: unknown[] = [], state?: unknown) {
    super(exceptionMessage(pyType, args));
    this.pyType = pyType;
    this.args = [...args];
    if (state !== undefined) this.state = state;
    Object.defineProperty(this, 'name', { value: pyType.startsWith('builtins.') ? pyType.slice(9) : pyType, enumerable: false, configurable: true, writable: true });
  }

  /** @internal Apply a BUILD state (attributes; an `args` attribute replaces the arguments). */
  applyState(state: unknown): void {
    this.state = state;
    const dict = state instanceof Tuple && state.length === 2 ? state[0] : state;
    if (dict instanceof Map && dict.has('args')) {
      const args = dict.get('args');
      if (Array.isArray(args)) {
        this.args.splice(0, this.args.length, ...args);
        this.message = exceptionMessage(this.pyType, this.args);
      }
    }
  }
}

// Python's str(exc): '' for no args, str(arg) for one (repr for KeyError), repr(args) otherwise.
function exceptionMessage(pyType: string, args: readonly unknown[]): string {
  if (args.length === 0) return '';
  if (args.length === 1) {
    const [arg] = args;
    return typeof arg === 'string' && pyType !== 'builtins.KeyError' ? arg : pyRepr(arg, 0);
  }
  return pyRepr(tupleFromArray(args), 0);
}

const MAX_REPR = 200;

/** @internal An approximation of Python's repr(), short and cheap, for messages only. */
export function pyRepr(value: unknown, depth: number): string {
  if (depth > 4) return '...';
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan';
    if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
    return String(value);
  }
  if (typeof value === 'bigint') {
    // Printing a huge int costs more than it tells.
    const bits = value < 0n ? (-value).toString(16).length * 4 : value.toString(16).length * 4;
    return bits > 4096 ? `<int of about ${bits} bits>` : value.toString();
  }
  if (typeof value === 'string') {
    const s = value.length > MAX_REPR ? `${value.slice(0, MAX_REPR)}...` : value;
    return value.includes("'") && !value.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
  }
  if (value instanceof Uint8Array) {
    let s = "b'";
    for (const b of value.subarray(0, MAX_REPR)) s += b >= 0x20 && b < 0x7f && b !== 0x27 && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
    return `${s}${value.length > MAX_REPR ? '...' : ''}'`;
  }
  const items = (xs: Iterable<unknown>): string => {
    const out: string[] = [];
    for (const x of xs) {
      if (out.length >= 20) {
        out.push('...');
        break;
      }
      out.push(pyRepr(x, depth + 1));
    }
    return out.join(', ');
  };
  if (value instanceof Tuple) return value.length === 1 ? `(${pyRepr(value[0], depth + 1)},)` : `(${items(value)})`;
  if (Array.isArray(value)) return `[${items(value)}]`;
  if (value instanceof Map) {
    const out: string[] = [];
    for (const [k, v] of value) {
      if (out.length >= 20) {
        out.push('...');
        break;
      }
      out.push(`${pyRepr(k, depth + 1)}: ${pyRepr(v, depth + 1)}`);
    }
    return `{${out.join(', ')}}`;
  }
  if (value instanceof FrozenSet) return `frozenset({${items(value)}})`;
  if (value instanceof Set) return value.size === 0 ? 'set()' : `{${items(value)}}`;
  if (value instanceof PyException) return `${value.name}(${items(value.args)})`;
  if (value instanceof PyObject) return `${value.name}(${items(value.args)})`;
  if (value instanceof PyGlobal) return `<class '${value.qualified}'>`;
  if (value instanceof PyRange) return `range(${value.start}, ${value.stop}${BigInt(value.step) === 1n ? '' : `, ${value.step}`})`;
  if (value instanceof PyIterator) return '<iterator object>';
  return '<object>';
}
