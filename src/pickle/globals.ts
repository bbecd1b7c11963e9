// Which Python globals a pickle may name, and what loading them builds: a fixed table of
// harmless builtins and exception classes, plus the classes registered by the rest of the package.
// CPython: Unpickler.find_class in Lib/pickle.py, Lib/_compat_pickle.py (Python 2 names),
// Lib/copyreg.py, Modules/arraymodule.c (array_reconstructor).
//
// Nothing here imports or calls anything named by the input: every name maps to a JS function
// written below (or registered by this package), and names not in the table are refused.

import { UnpicklingError } from '../errors.js';
import { FrozenSet, PyException, PyGlobal, PyIterator, PyObject, PyRange, tupleFromArray } from './types.js';

/** Builds the JS value of a Python object from its constructor args and (BUILD) state. */
export type ClassBuilder = (args: unknown[], state?: unknown) => unknown;

/** How a JS value is written as a Python object: `module.name(*args)` [+ `__setstate__(state)`]. */
export interface Reduction {
  /** The module of the class or function to call, e.g. `'builtins'`. Python: the callable's `__module__` in `__reduce__` */
  module: string;
  /** Its (qualified) name, e.g. `'slice'`. Python: the callable's `__qualname__` in `__reduce__` */
  name: string;
  /** The arguments of the call (REDUCE) or of `__new__` (NEWOBJ). Python: the args tuple of `__reduce__` */
  args: unknown[];
  /** The BUILD state (`__setstate__` or the instance dict), if any. Python: the state of `__reduce__` */
  state?: unknown;
  /**
   * Write `cls.__new__(cls, *args)` (NEWOBJ, what CPython does for plain objects such as a
   * manager Token) instead of the call `cls(*args)` (REDUCE, what exceptions and functions
   * such as RebuildProxy need). Default: NEWOBJ when `args` is empty and `state` is set.
   */
  newobj?: boolean;
}

/** The dumping half of `registerClass`: which values it handles and how they reduce. Python: `copyreg.pickle(cls, reducer)` */
export interface Reducer {
  /** Whether this reducer handles `v`. No Python twin (Python dispatches on the class). */
  test: (v: unknown) => boolean;
  /** What `v` pickles as. Python: `__reduce__` */
  reduce: (v: never) => Reduction;
}

/** Extra context the unpickler gives native constructors. */
export interface BuildContext {
  /** Count work done copying data; throws when a pickle asks for too much. */
  charge(items: number): void;
  /** `cls.__new__(cls, *args)` for an allowlisted class given as a PyGlobal. */
  newobj(cls: unknown, args: unknown[]): unknown;
}

/** @internal How the unpickler treats one allowlisted global. */
export type Entry =
  | { kind: 'value' }
  | { kind: 'user'; build: ClassBuilder }
  | {
      kind: 'native';
      /** REDUCE: `cls(*args)`. Absent: calling it is refused. */
      call?: (args: unknown[], ctx: BuildContext) => unknown;
      /** NEWOBJ: `cls.__new__(cls, *args)`. Absent: refused. */
      newobj?: (args: unknown[], ctx: BuildContext) => unknown;
    };

const BAD = 'ERR_MP_BAD_PICKLE';
const REFUSED = 'ERR_MP_UNPICKLE_REFUSED';

function bad(message: string): never {
  throw new UnpicklingError(message, { code: BAD });
}

/** Split `'module.name'` (or `'module:qual.name'`) into module and name. */
export function splitQualified(qualified: string): [string, string] {
  const colon = qualified.indexOf(':');
  if (colon >= 0) return [qualified.slice(0, colon), qualified.slice(colon + 1)];
  const dot = qualified.lastIndexOf('.');
  if (dot <= 0 || dot === qualified.length - 1) throw new TypeError(`expected 'module.name', got '${qualified}'`);
  return [qualified.slice(0, dot), qualified.slice(dot + 1)];
}

class Table<T> {
  readonly #map = new Map<string, Map<string, T>>();
  get(module: string, name: string): T | undefined {
    return this.#map.get(module)?.get(name);
  }
  set(module: string, name: string, value: T): void {
    let inner = this.#map.get(module);
    if (inner === undefined) this.#map.set(module, (inner = new Map()));
    inner.set(name, value);
  }
}

// ---------------------------------------------------------------------------------------------
// Python 2 names, as a protocol 0-2 pickle written with fix_imports may use them.

const IMPORT_MAPPING: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg', Queue: 'queue', exceptions: 'builtins' };
const NAME_MAPPING: Record<string, [string, string]> = {
  '__builtin__ xrange': ['builtins', 'range'],
  'itertools izip': ['builtins', 'zip'],
  '__builtin__ unicode': ['builtins', 'str'],
  '__builtin__ long': ['builtins', 'int'],
  '__builtin__ basestring': ['builtins', 'str'],
  'exceptions StandardError': ['builtins', 'Exception'],
};

/** Python 3 names for the Python 2 names a protocol < 3 pickle may use (CPython's fix_imports). */
export function fixImports(module: string, name: string): [string, string] {
  const mapped = NAME_MAPPING[`${module} ${name}`];
  if (mapped !== undefined) return mapped;
  return [IMPORT_MAPPING[module] ?? module, name];
}

// ---------------------------------------------------------------------------------------------
// Exceptions. pyType is the name users see; the wire name is what CPython writes.

const BUILTIN_EXCEPTIONS = [
  'ArithmeticError', 'AssertionError', 'AttributeError', 'BaseException', 'BaseExceptionGroup', 'BlockingIOError',
  'BrokenPipeError', 'BufferError', 'BytesWarning', 'ChildProcessError', 'ConnectionAbortedError', 'ConnectionError',
  'ConnectionRefusedError', 'ConnectionResetError', 'DeprecationWarning', 'EOFError', 'EncodingWarning',
  'EnvironmentError', 'Exception', 'ExceptionGroup', 'FileExistsError', 'FileNotFoundError', 'FloatingPointError',
  'FutureWarning', 'GeneratorExit', 'IOError', 'ImportError', 'ImportWarning', 'IndentationError', 'IndexError',
  'InterruptedError', 'IsADirectoryError', 'KeyError', 'KeyboardInterrupt', 'LookupError', 'MemoryError',
  'ModuleNotFoundError', 'NameError', 'NotADirectoryError', 'NotImplementedError', 'OSError', 'OverflowError',
  'PendingDeprecationWarning', 'PermissionError', 'ProcessLookupError', 'PythonFinalizationError', 'RecursionError',
  'ReferenceError', 'ResourceWarning', 'RuntimeError', 'RuntimeWarning', 'StopAsyncIteration', 'StopIteration',
  'SyntaxError', 'SyntaxWarning', 'SystemError', 'SystemExit', 'TabError', 'TimeoutError', 'TypeError',
  'UnboundLocalError', 'UnicodeDecodeError', 'UnicodeEncodeError', 'UnicodeError', 'UnicodeTranslateError',
  'UnicodeWarning', 'UserWarning', 'ValueError', 'Warning', 'ZeroDivisionError',
];

// [wire module, name, pyType]: several wire names may load as one pyType; dumps uses the first.
const OTHER_EXCEPTIONS: [string, string, string][] = [
  ['_queue', 'Empty', 'queue.Empty'],
  ['queue', 'Empty', 'queue.Empty'],
  ['queue', 'Full', 'queue.Full'],
  ['queue', 'ShutDown', 'queue.ShutDown'],
  ['multiprocessing.managers', 'RemoteError', 'multiprocessing.managers.RemoteError'],
  ['threading', 'BrokenBarrierError', 'threading.BrokenBarrierError'],
  ['multiprocessing.pool', 'MaybeEncodingError', 'multiprocessing.pool.MaybeEncodingError'],
  ['_pickle', 'PickleError', 'pickle.PickleError'],
  ['_pickle', 'PicklingError', 'pickle.PicklingError'],
  ['_pickle', 'UnpicklingError', 'pickle.UnpicklingError'],
  ['pickle', 'PickleError', 'pickle.PickleError'],
  ['pickle', 'PicklingError', 'pickle.PicklingError'],
  ['pickle', 'UnpicklingError', 'pickle.UnpicklingError'],
  ['subprocess', 'SubprocessError', 'subprocess.SubprocessError'],
  ['subprocess', 'CalledProcessError', 'subprocess.CalledProcessError'],
  ['subprocess', 'TimeoutExpired', 'subprocess.TimeoutExpired'],
  ['socket', 'gaierror', 'socket.gaierror'],
  ['socket', 'herror', 'socket.herror'],
  ['json.decoder', 'JSONDecodeError', 'json.decoder.JSONDecodeError'],
  ['concurrent.futures._base', 'CancelledError', 'concurrent.futures.CancelledError'],
  ['concurrent.futures._base', 'InvalidStateError', 'concurrent.futures.InvalidStateError'],
  ['asyncio.exceptions', 'CancelledError', 'asyncio.CancelledError'],
  ['asyncio.exceptions', 'InvalidStateError', 'asyncio.InvalidStateError'],
];
for (const name of ['ProcessError', 'BufferTooShort', 'TimeoutError', 'AuthenticationError']) {
  // Defined in multiprocessing.context and re-exported by multiprocessing.
  OTHER_EXCEPTIONS.push(['multiprocessing.context', name, `multiprocessing.context.${name}`]);
  OTHER_EXCEPTIONS.push(['multiprocessing', name, `multiprocessing.context.${name}`]);
}

const exceptionWireNames = new Map<string, [string, string]>();

/** The (module, name) CPython writes for an exception's pyType. */
export function exceptionWireName(pyType: string): [string, string] {
  return exceptionWireNames.get(pyType) ?? splitQualified(pyType);
}

// ---------------------------------------------------------------------------------------------
// Native constructors: validate their arguments, build plain JS values.

function iterItems(value: unknown, what: string, ctx: BuildContext): unknown[] {
  let items: unknown[];
  if (Array.isArray(value)) items = value;
  else if (value instanceof Set) items = [...value];
  else if (value instanceof Map) items = [...value.keys()];
  else if (value instanceof Uint8Array) items = [...value];
  else if (typeof value === 'string') items = [...value];
  else if (value instanceof PyRange) {
    ctx.charge(Number(value.size));
    return [...value];
  } else if (value instanceof PyIterator) {
    // Consumed, as list(iterator) consumes it; charged as it goes (it may be long).
    items = [];
    for (const item of value as PyIterator) {
      ctx.charge(1);
      items.push(item);
    }
    return items;
  } else bad(`${what}() argument is not iterable`);
  ctx.charge(items.length);
  return items;
}

// Iterators pickle as their sequence and a position: iter(seq) + BUILD(index),
// reversed(seq) + BUILD(index), zip(*iterators) [+ BUILD(strict)], enumerate(iterator, start).
// CPython: listiter_setstate, reversed_setstate, zip_setstate, enum_reduce in Objects/.

/** Python's clamping of a pickled iterator index into [lo, hi]. */
function indexState(state: unknown, lo: number, hi: number): number {
  if (typeof state !== 'number' && typeof state !== 'bigint') bad('an iterator state must be an int');
  return Math.min(Math.max(Number(state), lo), hi);
}

function iterFrom(args: unknown[], ctx: BuildContext): PyIterator {
  if (args.length !== 1) bad(`iter() takes 1 argument here (${args.length} given)`);
  const [seq] = args;
  if (seq instanceof PyIterator) return seq;
  // A range is read lazily: range(10**12) is small as data.
  const size = seq instanceof PyRange ? Number(seq.size) : -1;
  const items = seq instanceof PyRange ? undefined : iterItems(seq, 'iter', ctx);
  const length = items?.length ?? size;
  let pos = 0;
  const source: Iterator<unknown> = {
    next: () => (pos < length ? { done: false, value: items !== undefined ? items[pos++] : (seq as PyRange).at(pos++) } : { done: true, value: undefined }),
  };
  return new PyIterator(source, (state) => (pos = indexState(state, 0, length)));
}

function reversedFrom(args: unknown[], ctx: BuildContext): PyIterator {
  if (args.length !== 1) bad(`reversed() takes 1 argument (${args.length} given)`);
  const items = iterItems(args[0], 'reversed', ctx);
  let pos = items.length - 1;
  const source: Iterator<unknown> = { next: () => (pos >= 0 ? { done: false, value: items[pos--] } : { done: true, value: undefined }) };
  return new PyIterator(source, (state) => (pos = indexState(state, -1, items.length - 1)));
}

// zip(strict=True): the first iterator to end must end them all (Python's messages).
function checkStrictEnd(sources: PyIterator[], ended: number): void {
  const others = (j: number): string => (j === 1 ? 'argument 1' : `arguments 1-${j}`);
  if (ended > 0) throw new PyException('builtins.ValueError', [`zip() argument ${ended + 1} is shorter than ${others(ended)}`]);
  for (let j = 1; j < sources.length; j++) {
    if ((sources[j] as PyIterator).next().done !== true) throw new PyException('builtins.ValueError', [`zip() argument ${j + 1} is longer than ${others(j)}`]);
  }
}

function zipFrom(args: unknown[], ctx: BuildContext): PyIterator {
  const sources = args.map((a) => iterFrom([a], ctx));
  let strict = false;
  function* pairs(): Generator<unknown> {
    if (sources.length === 0) return;
    for (;;) {
      const items: unknown[] = [];
      for (const [i, source] of sources.entries()) {
        const r = source.next();
        if (r.done !== true) {
          items.push(r.value);
          continue;
        }
        if (strict) checkStrictEnd(sources, i);
        return;
      }
      yield tupleFromArray(items);
    }
  }
  return new PyIterator(pairs(), (state) => (strict = state === true));
}

function enumerateFrom(args: unknown[], ctx: BuildContext): PyIterator {
  if (args.length < 1 || args.length > 2) bad('enumerate() takes an iterable and a start');
  const source = iterFrom([args[0]], ctx);
  const start = args[1] ?? 0;
  if (typeof start !== 'number' && typeof start !== 'bigint') bad('enumerate() start must be an int');
  let n = BigInt(start);
  function* numbered(): Generator<unknown> {
    for (const item of source) {
      yield tupleFromArray([n >= -BigInt(Number.MAX_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n, item]);
      n++;
    }
  }
  return new PyIterator(numbered());
}

function rangeFrom(args: unknown[]): PyRange {
  if (args.length < 1 || args.length > 3) bad(`range expected 1 to 3 arguments, got ${args.length}`);
  for (const a of args) if (typeof a !== 'bigint' && !Number.isSafeInteger(a)) bad('range() arguments must be integers');
  const ints = args as (number | bigint)[];
  if (ints.length === 1) return new PyRange(0, ints[0] as number | bigint);
  if (BigInt(ints[2] ?? 1) === 0n) bad('range() arg 3 must not be zero');
  return new PyRange(ints[0] as number | bigint, ints[1] as number | bigint, ints[2] ?? 1);
}

function optionalIterable(args: unknown[], what: string, ctx: BuildContext): unknown[] {
  if (args.length === 0) return [];
  if (args.length !== 1) bad(`${what}() takes at most 1 argument (${args.length} given)`);
  return iterItems(args[0], what, ctx);
}

function dictFrom(args: unknown[], what: string, ctx: BuildContext): Map<unknown, unknown> {
  const map = new Map<unknown, unknown>();
  if (args.length === 0) return map;
  if (args.length !== 1) bad(`${what}() takes at most 1 positional argument`);
  const [source] = args;
  if (source instanceof Map) {
    ctx.charge(source.size);
    for (const [k, v] of source) map.set(k, v);
    return map;
  }
  for (const pair of iterItems(source, what, ctx)) {
    if (!Array.isArray(pair) || pair.length !== 2) bad(`${what}() sequence elements must have length 2`);
    map.set(pair[0], pair[1]);
  }
  return map;
}

const ENCODINGS: Record<string, 'latin1' | 'ascii' | 'utf8'> = { latin1: 'latin1', 'latin-1': 'latin1', iso88591: 'latin1', 'iso-8859-1': 'latin1', ascii: 'ascii', 'utf-8': 'utf8', utf8: 'utf8' };

function encodeStr(s: string, encoding: unknown, ctx: BuildContext): Uint8Array {
  const enc = typeof encoding === 'string' ? ENCODINGS[encoding.toLowerCase().replace(/_/g, '-')] : undefined;
  if (enc === undefined) throw new UnpicklingError(`encoding ${String(encoding)} is not supported when loading bytes`, { code: REFUSED });
  ctx.charge(s.length);
  if (enc === 'utf8') return new Uint8Array(Buffer.from(s, 'utf8'));
  const out = new Uint8Array(s.length);
  const max = enc === 'ascii' ? 0x7f : 0xff;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > max) bad(`'${enc}' codec can't encode character at position ${i}`);
    out[i] = c;
  }
  return out;
}

function bytesFrom(args: unknown[], what: string, ctx: BuildContext): Uint8Array {
  if (args.length === 0) return new Uint8Array(0);
  const [source] = args;
  if (typeof source === 'string') {
    if (args.length < 2) bad(`string argument without an encoding`);
    return encodeStr(source, args[1], ctx);
  }
  if (args.length !== 1) bad(`${what}() takes 1 argument when not given a str`);
  if (source instanceof Uint8Array) {
    ctx.charge(source.length);
    return new Uint8Array(source);
  }
  const items = iterItems(source, what, ctx);
  const out = new Uint8Array(items.length);
  items.forEach((b, i) => {
    if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255) bad(`${what}() items must be in range(0, 256)`);
    out[i] = b;
  });
  return out;
}

// array.array: machine format codes of array_reconstructor, and the native layouts of a
// 64-bit Linux/macOS CPython for the protocol-2 form array(typecode, list).
type NumArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;
type NumArrayCtor = new (length: number) => NumArray;
const MFORMATS: Record<number, [NumArrayCtor, number, 'int' | 'uint' | 'float']> = {
  0: [Uint8Array, 1, 'uint'], 1: [Int8Array, 1, 'int'], 2: [Uint16Array, 2, 'uint'], 3: [Uint16Array, 2, 'uint'],
  4: [Int16Array, 2, 'int'], 5: [Int16Array, 2, 'int'], 6: [Uint32Array, 4, 'uint'], 7: [Uint32Array, 4, 'uint'],
  8: [Int32Array, 4, 'int'], 9: [Int32Array, 4, 'int'], 10: [BigUint64Array, 8, 'uint'], 11: [BigUint64Array, 8, 'uint'],
  12: [BigInt64Array, 8, 'int'], 13: [BigInt64Array, 8, 'int'], 14: [Float32Array, 4, 'float'], 15: [Float32Array, 4, 'float'],
  16: [Float64Array, 8, 'float'], 17: [Float64Array, 8, 'float'],
};
const NATIVE_MFORMAT: Record<string, number> = { b: 1, B: 0, h: 4, H: 2, i: 8, I: 6, l: 12, L: 10, q: 12, Q: 10, f: 14, d: 16 };

function arrayFromBytes(typecode: string, mformat: number, bytes: Uint8Array, ctx: BuildContext): unknown {
  if (mformat >= 18 && mformat <= 21) {
    // 'u' / 'w': text. Kept as an opaque array('u', str) so that dumps writes it back.
    const le = mformat % 2 === 0;
    const width = mformat < 20 ? 2 : 4;
    if (bytes.length % width !== 0) bad('array string length is not a multiple of the item size');
    ctx.charge(bytes.length);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let s = '';
    for (let i = 0; i < bytes.length; i += width) {
      const cp = width === 2 ? view.getUint16(i, le) : view.getUint32(i, le);
      if (cp > 0x10ffff) bad('array contains an invalid code point');
      s += String.fromCodePoint(cp);
    }
    return new PyObject('array', 'array', [typecode, s]);
  }
  const format = MFORMATS[mformat];
  if (format === undefined) bad(`array: unknown machine format code ${mformat}`);
  const [Ctor, size, kind] = format;
  if (bytes.length % size !== 0) bad('array string length is not a multiple of the item size');
  ctx.charge(bytes.length);
  const n = bytes.length / size;
  const out = new Ctor(n);
  const le = size === 1 || mformat % 2 === 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) {
    const at = i * size;
    let v: number | bigint;
    if (kind === 'float') v = size === 4 ? view.getFloat32(at, le) : view.getFloat64(at, le);
    else if (size === 1) v = kind === 'int' ? view.getInt8(at) : view.getUint8(at);
    else if (size === 2) v = kind === 'int' ? view.getInt16(at, le) : view.getUint16(at, le);
    else if (size === 4) v = kind === 'int' ? view.getInt32(at, le) : view.getUint32(at, le);
    else v = kind === 'int' ? view.getBigInt64(at, le) : view.getBigUint64(at, le);
    (out as unknown as (number | bigint)[])[i] = v;
  }
  return out;
}

function arrayFromList(args: unknown[], ctx: BuildContext): unknown {
  const [typecode, init] = args;
  if (typeof typecode !== 'string' || args.length < 1 || args.length > 2) bad('array() expects a typecode and an initializer');
  if (typecode === 'u' || typecode === 'w') {
    let s = '';
    if (typeof init === 'string') s = init;
    else if (init !== undefined) for (const c of iterItems(init, 'array', ctx)) s += typeof c === 'string' ? c : bad('array items must be str');
    return new PyObject('array', 'array', [typecode, s]);
  }
  const mformat = NATIVE_MFORMAT[typecode];
  if (mformat === undefined) bad(`array: bad typecode '${typecode}'`);
  if (init instanceof Uint8Array) return arrayFromBytes(typecode, mformat, init, ctx);
  const items = init === undefined ? [] : iterItems(init, 'array', ctx);
  const [Ctor, size, kind] = MFORMATS[mformat] as [NumArrayCtor, number, string];
  const out = new Ctor(items.length);
  const bits = BigInt(size * 8);
  const [lo, hi] = kind === 'int' ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
  items.forEach((item, i) => {
    if (kind === 'float') {
      if (typeof item !== 'number' && typeof item !== 'bigint') bad('array items must be numbers');
      (out as Float64Array)[i] = Number(item);
      return;
    }
    if (!(typeof item === 'bigint' || (typeof item === 'number' && Number.isInteger(item)))) bad('array items must be integers');
    const big = BigInt(item);
    if (big < lo || big > hi) bad('array item out of range');
    (out as unknown as (number | bigint)[])[i] = size === 8 ? big : Number(big);
  });
  return out;
}

const opaque = (module: string, name: string): Entry => ({
  kind: 'native',
  call: (args) => new PyObject(module, name, args, undefined, false),
  newobj: (args) => new PyObject(module, name, args, undefined, true),
});

const exception = (pyType: string): Entry => ({
  kind: 'native',
  call: (args) => new PyException(pyType, args),
  newobj: (args) => new PyException(pyType, args),
});

const fixed = new Table<Entry>();
{
  const b = 'builtins';
  fixed.set(b, 'object', { kind: 'value' });
  fixed.set(b, 'list', { kind: 'native', call: (args, ctx) => [...optionalIterable(args, 'list', ctx)], newobj: () => [] });
  fixed.set(b, 'tuple', {
    kind: 'native',
    call: (args, ctx) => tupleFromArray(optionalIterable(args, 'tuple', ctx)),
    newobj: (args, ctx) => tupleFromArray(optionalIterable(args, 'tuple', ctx)),
  });
  fixed.set(b, 'set', { kind: 'native', call: (args, ctx) => new Set(optionalIterable(args, 'set', ctx)), newobj: () => new Set() });
  fixed.set(b, 'frozenset', {
    kind: 'native',
    call: (args, ctx) => new FrozenSet(optionalIterable(args, 'frozenset', ctx)),
    newobj: (args, ctx) => new FrozenSet(optionalIterable(args, 'frozenset', ctx)),
  });
  fixed.set(b, 'dict', { kind: 'native', call: (args, ctx) => dictFrom(args, 'dict', ctx), newobj: () => new Map() });
  fixed.set(b, 'bytes', { kind: 'native', call: (args, ctx) => bytesFrom(args, 'bytes', ctx), newobj: (args, ctx) => bytesFrom(args, 'bytes', ctx) });
  fixed.set(b, 'bytearray', { kind: 'native', call: (args, ctx) => bytesFrom(args, 'bytearray', ctx), newobj: () => new Uint8Array(0) });
  for (const name of ['complex', 'slice']) fixed.set(b, name, opaque(b, name));
  fixed.set(b, 'range', { kind: 'native', call: (args) => rangeFrom(args) });
  fixed.set(b, 'iter', { kind: 'native', call: iterFrom });
  fixed.set(b, 'reversed', { kind: 'native', call: reversedFrom });
  fixed.set(b, 'zip', { kind: 'native', call: zipFrom });
  fixed.set(b, 'enumerate', { kind: 'native', call: enumerateFrom });
  for (const name of BUILTIN_EXCEPTIONS) fixed.set(b, name, exception(`builtins.${name}`));

  for (const [module, name, pyType] of OTHER_EXCEPTIONS) {
    fixed.set(module, name, exception(pyType));
    if (!exceptionWireNames.has(pyType)) exceptionWireNames.set(pyType, [module, name]);
  }

  fixed.set('_codecs', 'encode', {
    kind: 'native',
    call: (args, ctx) => {
      // Protocol 2 writes bytes as _codecs.encode(latin-1 text, 'latin1').
      const [text, encoding] = args;
      if (typeof text !== 'string' || args.length < 1 || args.length > 3) bad('_codecs.encode() expects a str');
      return encodeStr(text, encoding ?? 'utf-8', ctx);
    },
  });
  fixed.set('copyreg', '_reconstructor', {
    kind: 'native',
    call: (args, ctx) => {
      // Protocols 0/1: copyreg._reconstructor(cls, object, None) is cls.__new__(cls).
      const [cls, base, state] = args;
      if (args.length !== 3 || !(base instanceof PyGlobal) || base.module !== 'builtins' || base.name !== 'object' || state !== null) {
        throw new UnpicklingError('copyreg._reconstructor is only supported for plain objects (base object, no state)', { code: REFUSED });
      }
      return ctx.newobj(cls, []);
    },
  });
  fixed.set('collections', 'OrderedDict', { kind: 'native', call: (args, ctx) => dictFrom(args, 'OrderedDict', ctx), newobj: () => new Map() });
  fixed.set('array', 'array', { kind: 'native', call: (args, ctx) => arrayFromList(args, ctx) });
  fixed.set('array', '_array_reconstructor', {
    kind: 'native',
    call: (args, ctx) => {
      const [cls, typecode, mformat, bytes] = args;
      if (!(cls instanceof PyGlobal) || cls.module !== 'array' || cls.name !== 'array') {
        throw new UnpicklingError('array._array_reconstructor is only supported for array.array', { code: REFUSED });
      }
      if (typeof typecode !== 'string' || typeof mformat !== 'number' || !(bytes instanceof Uint8Array)) bad('bad arguments to array._array_reconstructor');
      return arrayFromBytes(typecode, mformat, bytes, ctx);
    },
  });
}

// ---------------------------------------------------------------------------------------------
// The package's registrations (managers add Token, RebuildProxy...).

const registered = new Table<Entry>();
const reducers = new Map<string, Reducer>();
let reducerList: readonly Reducer[] = [];

/**
 * Allow a Python class in pickles: loading builds it with `build(args, state)` (REDUCE args or
 * NEWOBJ args, then the BUILD state if any); with `reduce`, `dumps` writes the values that pass
 * `reduce.test` as that class. `qualified` is `'module.name'` (or `'module:Qual.Name'` when the
 * name itself has dots). Registering a name again replaces it.
 *
 * @example
 * registerClass('multiprocessing.managers.Token', (_args, state) => Token.fromState(state), {
 *   test: (v) => v instanceof Token,
 *   reduce: (t: Token) => ({ module: 'multiprocessing.managers', name: 'Token', args: [], state: tuple(t.typeid, t.address, t.id) }),
 * });
 */
export function registerClass(qualified: string, build: ClassBuilder, reduce?: Reducer): void {
  const [module, name] = splitQualified(qualified);
  registered.set(module, name, { kind: 'user', build });
  if (reduce !== undefined) {
    reducers.set(`${module}:${name}`, reduce);
    reducerList = [...reducers.values()];
  }
}

/**
 * Allow a Python global to appear in pickles as a value only (loaded as a PyGlobal, never
 * called), e.g. the proxy class given to `RebuildProxy`.
 */
export function registerGlobal(qualified: string): void {
  const [module, name] = splitQualified(qualified);
  if (registered.get(module, name) === undefined) registered.set(module, name, { kind: 'value' });
}

/** @internal The registered reducers, in registration order. */
export function registeredReducers(): readonly Reducer[] {
  return reducerList;
}

/** @internal Per-call additions from LoadOptions, parsed once per loads(). */
export function extraEntries(classes: Record<string, ClassBuilder> | undefined, globals: readonly string[] | undefined): Table<Entry> | undefined {
  if (classes === undefined && globals === undefined) return undefined;
  const table = new Table<Entry>();
  for (const qualified of globals ?? []) {
    const [module, name] = splitQualified(qualified);
    table.set(module, name, { kind: 'value' });
  }
  for (const [qualified, build] of Object.entries(classes ?? {})) {
    const [module, name] = splitQualified(qualified);
    table.set(module, name, { kind: 'user', build });
  }
  return table;
}

/** @internal The entry for a global: per-call options first, then registrations, then the fixed table. */
export function lookupGlobal(module: string, name: string, extra: Table<Entry> | undefined): Entry | undefined {
  return extra?.get(module, name) ?? registered.get(module, name) ?? fixed.get(module, name);
}

export type { Table };
