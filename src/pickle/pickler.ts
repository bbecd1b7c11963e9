// A pickle writer for protocols 2-5 that produces what CPython's C pickler produces for the same
// values (byte for byte for the common types at protocol 4: framing, memo, batching).
// CPython: Pickler in Modules/_pickle.c (save_*, _Pickler_CommitFrame, _Pickler_write_bytes)
// and Lib/pickle.py.

import { PicklingError } from '../errors.js';
import { exceptionWireName, registeredReducers, type Reduction } from './globals.js';
import * as opcodes from './opcodes.js';
import { FrozenSet, PyException, PyGlobal, PyIterator, PyObject, PyRange, Tuple } from './types.js';
import { encodeUtf8 } from './utf8.js';

// A plain object, read once: some loaders compile namespace imports to a getter call per use.
const op = { ...opcodes };

/** Options of `dumps`. Python: the arguments of `pickle.dumps` */
export interface DumpOptions {
  /** Pickle protocol: 4 (default, what CPython 3.8-3.13 send), 5, or 2/3 for old peers. */
  protocol?: 2 | 3 | 4 | 5;
}

const FRAME_SIZE_TARGET = 64 * 1024;
const FRAME_SIZE_MIN = 4;
const FRAME_HEADER_SIZE = 9;
const BATCHSIZE = 1000;
/** Deeper values throw (CPython's pickler stops at its recursion limit too). */
const MAX_DEPTH = 1000;

// array.array typecodes and machine format codes (little-endian) for typed arrays.
const TYPED_ARRAYS: [new (n: number) => ArrayBufferView, string, number][] = [
  [Int8Array, 'b', 1], [Uint8ClampedArray, 'B', 0], [Int16Array, 'h', 4], [Uint16Array, 'H', 2], [Int32Array, 'i', 8],
  [Uint32Array, 'I', 6], [BigInt64Array, 'q', 12], [BigUint64Array, 'Q', 10], [Float32Array, 'f', 14], [Float64Array, 'd', 16],
];

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(message: string): never {
  throw new PicklingError(message, { code: 'ERR_MP_UNPICKLABLE' });
}

class Pickler {
  readonly #proto: number;
  #buf = Buffer.allocUnsafe(256);
  #len = 0;
  #framing = false;
  #frameStart = -1;
  // Memo: objects by identity, strings by value (equal Python strs are interchangeable), globals by name.
  readonly #memo = new Map<unknown, number>();
  readonly #strMemo = new Map<string, number>();
  readonly #globalMemo = new Map<string, number>();
  #memoCount = 0;
  #depth = 0;

  constructor(proto: number) {
    this.#proto = proto;
  }

  // --- output, with CPython's framing ----------------------------------------------------------

  #reserve(n: number): number {
    if (this.#framing && this.#frameStart === -1) {
      // A new frame starts with the first write after a commit; its header is patched on commit.
      this.#grow(n + FRAME_HEADER_SIZE);
      this.#frameStart = this.#len;
      this.#len += FRAME_HEADER_SIZE;
    } else {
      this.#grow(n);
    }
    return this.#len;
  }

  #grow(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#len + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }

  #byte(b: number): void {
    const at = this.#reserve(1);
    this.#buf[at] = b;
    this.#len = at + 1;
  }

  #byte2(a: number, b: number): void {
    const at = this.#reserve(2);
    this.#buf[at] = a;
    this.#buf[at + 1] = b;
    this.#len = at + 2;
  }

  /** An opcode and a 4-byte little-endian argument. */
  #opU32(code: number, n: number, signed = false): void {
    const at = this.#reserve(5);
    this.#buf[at] = code;
    if (signed) this.#buf.writeInt32LE(n, at + 1);
    else this.#buf.writeUInt32LE(n, at + 1);
    this.#len = at + 5;
  }

  #write(bytes: Uint8Array): void {
    const at = this.#reserve(bytes.length);
    this.#buf.set(bytes, at);
    this.#len = at + bytes.length;
  }

  #commitFrame(): void {
    if (!this.#framing || this.#frameStart === -1) return;
    const start = this.#frameStart;
    const frameLen = this.#len - start - FRAME_HEADER_SIZE;
    if (frameLen >= FRAME_SIZE_MIN) {
      this.#buf[start] = op.FRAME;
      this.#buf.writeUInt32LE(frameLen >>> 0, start + 1);
      this.#buf.writeUInt32LE(Math.floor(frameLen / 0x1_0000_0000), start + 5);
    } else {
      // Too small to be worth a frame: drop the reserved header.
      this.#buf.copy(this.#buf, start, start + FRAME_HEADER_SIZE, this.#len);
      this.#len -= FRAME_HEADER_SIZE;
    }
    this.#frameStart = -1;
  }

  #opcodeBoundary(): void {
    if (this.#framing && this.#frameStart !== -1 && this.#len - this.#frameStart - FRAME_HEADER_SIZE >= FRAME_SIZE_TARGET) this.#commitFrame();
  }

  /** An opcode with a length header, then a payload; a large payload goes outside any frame. */
  #writeSized(header: Uint8Array, payload: Uint8Array): void {
    const framing = this.#framing;
    if (payload.length >= FRAME_SIZE_TARGET) {
      this.#commitFrame();
      this.#framing = false;
    }
    this.#write(header);
    this.#write(payload);
    this.#framing = framing;
  }

  // --- memo ------------------------------------------------------------------------------------

  #memoize(key: unknown, table: Map<unknown, number>): void {
    const index = this.#memoCount++;
    table.set(key, index);
    if (this.#proto >= 4) return this.#byte(op.MEMOIZE);
    if (index < 256) return this.#byte2(op.BINPUT, index);
    this.#opU32(op.LONG_BINPUT, index);
  }

  #get(index: number): void {
    if (index < 256) return this.#byte2(op.BINGET, index);
    this.#opU32(op.LONG_BINGET, index);
  }

  /** Emit a memo reference if `key` was already written; true when it did. */
  #memoHit(key: unknown, table: Map<unknown, number>): boolean {
    const index = table.get(key);
    if (index === undefined) return false;
    this.#get(index);
    return true;
  }

  // --- values ----------------------------------------------------------------------------------

  dump(value: unknown): Buffer {
    if (this.#proto >= 2) this.#byte2(op.PROTO, this.#proto);
    if (this.#proto >= 4) this.#framing = true;
    this.#save(value);
    this.#byte(op.STOP);
    this.#commitFrame();
    this.#framing = false;
    return this.#buf.subarray(0, this.#len);
  }

  #save(value: unknown): void {
    if (++this.#depth > MAX_DEPTH) fail(`value nested more than ${MAX_DEPTH} levels deep`);
    try {
      this.#saveValue(value);
    } finally {
      this.#depth--;
    }
    this.#opcodeBoundary();
  }

  #saveValue(value: unknown): void {
    switch (typeof value) {
      case 'undefined':
        return this.#byte(op.NONE);
      case 'boolean':
        return this.#byte(value ? op.NEWTRUE : op.NEWFALSE);
      case 'number':
        // Only safe integers are ints: a larger number may not be the integer the writer meant, and
        // loads would give it back as a bigint, so it stays a float.
        if (Number.isSafeInteger(value) && !Object.is(value, -0)) return this.#saveInt(value);
        return this.#saveFloat(value);
      case 'bigint':
        return this.#saveInt(value);
      case 'string':
        return this.#saveStr(value);
      case 'symbol':
        return fail('cannot pickle a symbol');
      case 'function':
        if (this.#tryReducers(value)) return;
        return fail(`cannot pickle a function (${value.name || 'anonymous'})`);
    }
    if (value === null) return this.#byte(op.NONE);
    if (this.#tryReducers(value)) return;
    if (this.#memoHit(value, this.#memo)) return;
    if (value instanceof Uint8Array && !(value instanceof Uint8ClampedArray)) return this.#saveBytes(value, value);
    if (value instanceof ArrayBuffer) return this.#saveBytes(new Uint8Array(value), value);
    if (value instanceof Tuple) return this.#saveTuple(value);
    if (Array.isArray(value)) return this.#saveList(value);
    if (value instanceof Map) return this.#saveDict(value, value.entries(), value.size);
    if (value instanceof FrozenSet) return this.#saveFrozenSet(value);
    if (value instanceof Set) return this.#saveSet(value);
    if (value instanceof PyGlobal) return this.#saveGlobal(value.module, value.name);
    if (value instanceof PyException) {
      const [module, name] = exceptionWireName(value.pyType);
      return this.#saveReduce({ module, name, args: value.args, state: value.state, newobj: false }, value);
    }
    if (value instanceof PyObject) return this.#saveReduce(value, value);
    if (value instanceof PyRange) return this.#saveReduce({ module: 'builtins', name: 'range', args: [value.start, value.stop, value.step], newobj: false }, value);
    if (value instanceof PyIterator) return this.#saveReduce({ module: 'builtins', name: 'iter', args: [value.remaining()], newobj: false }, value);
    if (ArrayBuffer.isView(value)) return this.#saveTypedArray(value);
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj);
      return this.#saveDict(obj, keys.map((k) => [k, obj[k]] as [unknown, unknown])[Symbol.iterator](), keys.length);
    }
    const ctor = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
    fail(`cannot pickle a ${ctor}: no Python equivalent (register one with registerClass)`);
  }

  #tryReducers(value: unknown): boolean {
    const reducers = registeredReducers();
    if (reducers.length === 0) return false;
    for (const reducer of reducers) {
      if (!reducer.test(value)) continue;
      if (this.#memoHit(value, this.#memo)) return true;
      this.#saveReduce(reducer.reduce(value as never), value);
      return true;
    }
    return false;
  }

  #saveInt(value: number | bigint): void {
    if (typeof value === 'bigint' && value >= -0x8000_0000n && value <= 0x7fff_ffffn) value = Number(value);
    if (typeof value === 'number' && value >= -0x8000_0000 && value <= 0x7fff_ffff) {
      if (value >= 0 && value <= 0xff) return this.#byte2(op.BININT1, value);
      if (value >= 0 && value <= 0xffff) {
        this.#byte2(op.BININT2, value & 0xff);
        return this.#byte(value >> 8);
      }
      return this.#opU32(op.BININT, value, true);
    }
    const bytes = encodeLong(BigInt(value));
    if (bytes.length < 256) {
      this.#write(Uint8Array.of(op.LONG1, bytes.length));
    } else {
      this.#write(sized4(op.LONG4, bytes.length));
    }
    this.#write(bytes);
  }

  #saveFloat(value: number): void {
    const at = this.#reserve(9);
    this.#buf[at] = op.BINFLOAT;
    this.#buf.writeDoubleBE(value, at + 1);
    this.#len = at + 9;
  }

  #saveStr(value: string): void {
    if (this.#memoHit(value, this.#strMemo)) return;
    const len = value.length;
    if (len < 128 && this.#proto >= 4) {
      // Short ASCII (keys, names): straight into the output.
      const at = this.#reserve(2 + len);
      const buf = this.#buf;
      let i = 0;
      for (; i < len; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + 2 + i] = c;
      }
      if (i === len) {
        buf[at] = op.SHORT_BINUNICODE;
        buf[at + 1] = len;
        this.#len = at + 2 + len;
        return this.#memoize(value, this.#strMemo as Map<unknown, number>);
      }
    }
    const bytes = encodeUtf8(value);
    const n = bytes.length;
    let header: Uint8Array;
    if (n < 256 && this.#proto >= 4) header = Uint8Array.of(op.SHORT_BINUNICODE, n);
    else if (n <= 0xffff_ffff) header = sized4(op.BINUNICODE, n);
    else {
      if (this.#proto < 4) fail('cannot pickle a str over 4 GiB with protocol < 4');
      header = sized8(op.BINUNICODE8, n);
    }
    this.#writeSized(header, bytes);
    this.#memoize(value, this.#strMemo as Map<unknown, number>);
  }

  #saveBytes(bytes: Uint8Array, key: object): void {
    const n = bytes.length;
    if (this.#proto < 3) {
      // Protocol 2 has no bytes opcodes: CPython writes bytes() or _codecs.encode(latin-1 str, 'latin1').
      if (n === 0) return this.#saveReduce({ module: 'builtins', name: 'bytes', args: [], newobj: false }, key);
      return this.#saveReduce({ module: '_codecs', name: 'encode', args: [Buffer.from(bytes).toString('latin1'), 'latin1'], newobj: false }, key);
    }
    let header: Uint8Array;
    if (n < 256) header = Uint8Array.of(op.SHORT_BINBYTES, n);
    else if (n <= 0xffff_ffff) header = sized4(op.BINBYTES, n);
    else {
      if (this.#proto < 4) fail('cannot pickle bytes over 4 GiB with protocol < 4');
      header = sized8(op.BINBYTES8, n);
    }
    this.#writeSized(header, bytes);
    this.#memoize(key, this.#memo);
  }

  #saveTuple(t: Tuple): void {
    const n = t.length;
    if (n === 0) return this.#byte(op.EMPTY_TUPLE);
    if (n <= 3) {
      for (let i = 0; i < n; i++) this.#save(t[i]);
      // A tuple reached again through its own items was memoized meanwhile: use that copy.
      if (this.#memo.has(t)) {
        for (let i = 0; i < n; i++) this.#byte(op.POP);
        return this.#get(this.#memo.get(t) as number);
      }
      this.#byte(op.TUPLE1 + n - 1);
    } else {
      this.#byte(op.MARK);
      for (let i = 0; i < n; i++) this.#save(t[i]);
      if (this.#memo.has(t)) {
        this.#byte(op.POP_MARK);
        return this.#get(this.#memo.get(t) as number);
      }
      this.#byte(op.TUPLE);
    }
    this.#memoize(t, this.#memo);
  }

  #saveList(list: unknown[]): void {
    this.#byte(op.EMPTY_LIST);
    this.#memoize(list, this.#memo);
    const n = list.length;
    if (n === 1) {
      this.#save(list[0]);
      return this.#byte(op.APPEND);
    }
    for (let start = 0; start < n; start += BATCHSIZE) {
      const end = Math.min(n, start + BATCHSIZE);
      this.#byte(op.MARK);
      for (let i = start; i < end; i++) this.#save(list[i]);
      this.#byte(op.APPENDS);
    }
  }

  #saveDict(key: object, entries: Iterator<[unknown, unknown]>, size: number): void {
    this.#byte(op.EMPTY_DICT);
    this.#memoize(key, this.#memo);
    if (size === 1) {
      const [k, v] = entries.next().value as [unknown, unknown];
      checkHashable(k);
      this.#save(k);
      this.#save(v);
      return this.#byte(op.SETITEM);
    }
    let count = 0;
    for (let r = entries.next(); !r.done; r = entries.next()) {
      if (count % BATCHSIZE === 0) this.#byte(op.MARK);
      const [k, v] = r.value;
      checkHashable(k);
      this.#save(k);
      this.#save(v);
      if (++count % BATCHSIZE === 0) this.#byte(op.SETITEMS);
    }
    if (count % BATCHSIZE !== 0) this.#byte(op.SETITEMS);
  }

  #saveSet(set: Set<unknown>): void {
    if (this.#proto < 4) return this.#saveReduce({ module: 'builtins', name: 'set', args: [[...set]], newobj: false }, set);
    this.#byte(op.EMPTY_SET);
    this.#memoize(set, this.#memo);
    let count = 0;
    for (const item of set) {
      if (count % BATCHSIZE === 0) this.#byte(op.MARK);
      checkHashable(item);
      this.#save(item);
      if (++count % BATCHSIZE === 0) this.#byte(op.ADDITEMS);
    }
    if (count % BATCHSIZE !== 0) this.#byte(op.ADDITEMS);
  }

  #saveFrozenSet(set: FrozenSet): void {
    if (this.#proto < 4) return this.#saveReduce({ module: 'builtins', name: 'frozenset', args: [[...set]], newobj: false }, set);
    this.#byte(op.MARK);
    for (const item of set) {
      checkHashable(item);
      this.#save(item);
    }
    if (this.#memo.has(set)) {
      this.#byte(op.POP_MARK);
      return this.#get(this.#memo.get(set) as number);
    }
    this.#byte(op.FROZENSET);
    this.#memoize(set, this.#memo);
  }

  #saveGlobal(module: string, name: string): void {
    const key = `${module}:${name}`;
    if (this.#memoHit(key, this.#globalMemo as Map<unknown, number>)) return;
    if (this.#proto >= 4) {
      this.#save(module);
      this.#save(name);
      this.#byte(op.STACK_GLOBAL);
    } else {
      if (module.includes('\n') || name.includes('\n')) fail(`cannot pickle global ${module}.${name}`);
      this.#byte(op.GLOBAL);
      this.#write(Buffer.from(`${module}\n${name}\n`, 'utf8'));
    }
    this.#memoize(key, this.#globalMemo as Map<unknown, number>);
  }

  #saveReduce(r: Reduction | PyObject, key: unknown): void {
    if (!Array.isArray(r.args)) fail(`reduction of ${r.module}.${r.name} has no args array`);
    const newobj = r.newobj ?? (r.args.length === 0 && r.state !== undefined);
    this.#saveGlobal(r.module, r.name);
    this.#save(r.args instanceof Tuple ? r.args : Tuple.from(r.args));
    this.#byte(newobj ? op.NEWOBJ : op.REDUCE);
    // Reached again through its own args (a cycle): CPython drops this copy for the memoized one.
    if (this.#memo.has(key)) {
      this.#byte(op.POP);
      this.#get(this.#memo.get(key) as number);
      return;
    }
    this.#memoize(key, this.#memo);
    if (r.state !== undefined) {
      this.#save(r.state);
      this.#byte(op.BUILD);
    }
  }

  #saveTypedArray(view: ArrayBufferView): void {
    const entry = TYPED_ARRAYS.find(([Ctor]) => view instanceof Ctor);
    if (entry === undefined) fail(`cannot pickle a ${view.constructor.name}`);
    const [, typecode, mformat] = entry;
    const items = view as unknown as ArrayLike<number | bigint>;
    if (this.#proto < 3) {
      return this.#saveReduce({ module: 'array', name: 'array', args: [typecode, Array.from(items)], newobj: false }, view);
    }
    let bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    const size = (view as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    if (!LITTLE_ENDIAN && size > 1) {
      bytes = Uint8Array.from(bytes);
      for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
    }
    const reduction: Reduction = { module: 'array', name: '_array_reconstructor', args: [new PyGlobal('array', 'array'), typecode, mformat, new Uint8Array(bytes)], newobj: false };
    this.#saveReduce(reduction, view);
  }
}

function sized4(code: number, n: number): Uint8Array {
  const h = Buffer.allocUnsafe(5);
  h[0] = code;
  h.writeUInt32LE(n, 1);
  return h;
}

function sized8(code: number, n: number): Uint8Array {
  const h = Buffer.allocUnsafe(9);
  h[0] = code;
  h.writeUInt32LE(n >>> 0, 1);
  h.writeUInt32LE(Math.floor(n / 0x1_0000_0000), 5);
  return h;
}

/** Minimal little-endian two's complement, as pickle's encode_long. */
function encodeLong(x: bigint): Uint8Array {
  if (x === 0n) return new Uint8Array(0);
  // Python: nbytes = (x.bit_length() >> 3) + 1, then a redundant 0xff sign byte is dropped.
  const magnitude = (x < 0n ? -x : x).toString(16);
  const bitLength = (magnitude.length - 1) * 4 + (32 - Math.clz32(parseInt(magnitude[0] as string, 16)));
  let nbytes = (bitLength >> 3) + 1;
  const unsigned = x < 0n ? (1n << BigInt(nbytes * 8)) + x : x;
  const out = Buffer.from(unsigned.toString(16).padStart(nbytes * 2, '0'), 'hex').reverse();
  if (x < 0n && nbytes > 1 && out[nbytes - 1] === 0xff && ((out[nbytes - 2] as number) & 0x80) !== 0) nbytes--;
  return out.subarray(0, nbytes);
}

function checkHashable(key: unknown): void {
  if (key instanceof Tuple) {
    for (const item of key) checkHashable(item);
    return;
  }
  if (Array.isArray(key) || key instanceof Map || (key instanceof Set && !(key instanceof FrozenSet))) {
    fail(`unhashable type as a dict key or set member: '${Array.isArray(key) ? 'list' : key instanceof Map ? 'dict' : 'set'}'`);
  }
  if (typeof key === 'object' && key !== null) {
    const proto: unknown = Object.getPrototypeOf(key);
    if (proto === Object.prototype || proto === null) fail("unhashable type as a dict key or set member: 'dict'");
  }
}

/**
 * Write `value` as a pickle that CPython's `pickle.loads` reads back as the equal Python value.
 * Default protocol 4 (what CPython 3.8-3.13 send), with CPython's framing and memo.
 *
 * Mapping: null/undefined → None, boolean → bool, integer number and bigint → int, other numbers
 * (and -0) → float, string → str, Uint8Array/Buffer/ArrayBuffer → bytes, Array → list,
 * Tuple → tuple, Map and plain objects → dict, Set → set, FrozenSet → frozenset,
 * PyException → the exception, PyObject / PyGlobal → the object / global, PyRange → range,
 * PyIterator → an iterator over the items it has left, other typed arrays →
 * array.array, and whatever a `registerClass` reducer accepts. Anything else throws PicklingError.
 */
export function dumps(value: unknown, options: DumpOptions = {}): Uint8Array {
  const protocol = options.protocol ?? 4;
  if (![2, 3, 4, 5].includes(protocol)) throw new PicklingError(`unsupported pickle protocol for dumps: ${String(protocol)}`, { code: 'ERR_MP_UNPICKLABLE' });
  return new Pickler(protocol).dump(value);
}

