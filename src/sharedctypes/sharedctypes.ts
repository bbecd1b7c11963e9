// Value, SharedArray, RawValue, RawArray: typed numbers in shared memory, with or without a lock.
// CPython: Lib/multiprocessing/sharedctypes.py.

import type { BackendKind } from '../runtime.js';
import { registerHandleType } from '../codec/handles.js';
import { ValueError } from '../errors.js';
import { allocate, rebuildBlock, reduceBlock, type Block, type BlockTransfer } from '../shm/segment.js';
import { Lock, RLock } from '../synchronize/lock.js';
import { wordsOf } from '../synchronize/shared-object.js';

/** Python's array/ctypes type codes. 'l'/'L' are C longs: 64-bit on Linux, so bigint here. */
export type TypeCode = 'b' | 'B' | 'c' | 'h' | 'H' | 'i' | 'I' | 'l' | 'L' | 'q' | 'Q' | 'f' | 'd';
/** The type codes of 64-bit integers, which hold a bigint. Python: the `l`, `L`, `q`, `Q` codes of `array`/`ctypes` */
export type BigCode = 'l' | 'L' | 'q' | 'Q';
/** What a type code holds in TypeScript: bigint for the 64-bit integer codes, number otherwise. Python: the ctypes type behind a type code */
export type ValueOf<T extends TypeCode> = T extends BigCode ? bigint : number;

/** The typed arrays a SharedArray can be viewed as. Python: the `array.array`/ctypes array of each type code */
export type AnyTypedArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array;
type TypedArrayCtor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): AnyTypedArray; readonly BYTES_PER_ELEMENT: number };

const arrays: Record<TypeCode, TypedArrayCtor> = {
  b: Int8Array, B: Uint8Array, c: Uint8Array, h: Int16Array, H: Uint16Array, i: Int32Array, I: Uint32Array,
  l: BigInt64Array, L: BigUint64Array, q: BigInt64Array, Q: BigUint64Array, f: Float32Array, d: Float64Array,
};

function ctorOf(typecode: unknown): TypedArrayCtor {
  const ctor = typeof typecode === 'string' ? arrays[typecode as TypeCode] : undefined;
  if (ctor === undefined) throw new TypeError(`Unknown type code ${JSON.stringify(typecode)}: use one of ${Object.keys(arrays).join(' ')}`);
  return ctor;
}

function isBig(typecode: TypeCode): boolean {
  return typecode === 'l' || typecode === 'L' || typecode === 'q' || typecode === 'Q';
}

/** Options of {@link Value} and {@link SharedArray}: Python's `lock` argument. */
export interface SyncOptions {
  /** true (default): a new RLock guards access; false: no lock; or the Lock/RLock to use. Python: `lock` */
  lock?: boolean | Lock | RLock;
}

function lockFrom(opts: SyncOptions | undefined): Lock | RLock | null {
  const lock = opts?.lock ?? true;
  if (lock === true) return new RLock();
  if (lock === false) return null;
  if (lock instanceof Lock || lock instanceof RLock) return lock;
  throw new TypeError('Expected "lock" to be a boolean, a Lock or an RLock');
}

// What Python's ctypes takes for each code: a whole number (or a bool) for the integer codes,
// which wraps to the code's width as C does (so does a typed array); any real number for 'f'/'d'.
// Anything else is a TypeError, as in Python, instead of the 0 or NaN a typed array would store.
function coerce(typecode: TypeCode, value: unknown): number | bigint {
  const v = typeof value === 'boolean' ? Number(value) : value;
  if (typecode === 'f' || typecode === 'd') {
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    throw new TypeError(`Type code '${typecode}' needs a number, got ${describe(value)}`);
  }
  if (typeof v === 'bigint') return isBig(typecode) ? v : Number(BigInt.asIntN(64, v));
  if (typeof v === 'number' && Number.isInteger(v)) return isBig(typecode) ? BigInt(v) : v;
  throw new TypeError(`Type code '${typecode}' needs a whole number${isBig(typecode) ? ' or a bigint' : ''}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeof value === 'number' || typeof value === 'bigint' ? String(value) : value === null ? 'null' : typeof value;
}

function view(block: Block, typecode: TypeCode, length: number): AnyTypedArray {
  return new (ctorOf(typecode))(block.buffer, block.offset, length);
}

/**
 * One typed number in shared memory. `.value` reads and writes it under its lock (if it has one),
 * as Python's synchronized wrapper does; `v.value += 1` is still two steps, so hold the lock around it.
 * @example
 * const counter = Value('i', 0);
 * counter.getLock().withLockSync(() => { counter.value += 1; });
 */
export class SharedValue<V extends number | bigint = number> {
  readonly #array: AnyTypedArray;
  readonly #lock: Lock | RLock | null;
  /** @internal */
  readonly block: Block;
  /** The type code it was made with. Python: `Value._type_` (a ctypes type there) */
  readonly typecode: TypeCode;

  /** @internal */
  constructor(block: Block, typecode: TypeCode, lock: Lock | RLock | null) {
    this.block = block;
    this.typecode = typecode;
    this.#array = view(block, typecode, 1);
    this.#lock = lock;
  }

  /** The value, read under the lock (when it has one). Python: `Value.value` */
  get value(): V {
    const lock = this.#lock;
    if (lock === null) return this.#array[0] as V;
    lock.acquireSync();
    try {
      return this.#array[0] as V;
    } finally {
      lock.release();
    }
  }

  /** Write the value under the lock (when it has one); a value of the wrong type throws a TypeError. Python: `Value.value = v` */
  set value(v: V) {
    const next = coerce(this.typecode, v);
    const lock = this.#lock;
    if (lock === null) {
      this.#array[0] = next as never;
      return;
    }
    lock.acquireSync();
    try {
      this.#array[0] = next as never;
    } finally {
      lock.release();
    }
  }

  /** The lock that guards the value. Python: `Value.get_lock()` @throws {ValueError} for a value made with `lock: false` */
  getLock(): Lock | RLock {
    if (this.#lock === null) throw new ValueError('This Value has no lock: it was made with { lock: false }', { code: 'ERR_MP_NO_LOCK' });
    return this.#lock;
  }

  /** The raw typed array of length 1 over the shared memory. Python: get_obj() */
  getObj(): AnyTypedArray {
    return this.#array;
  }

  /** @internal */
  get lockOrNull(): Lock | RLock | null {
    return this.#lock;
  }
}

/**
 * A typed array in shared memory, with a lock (unless made with `lock: false`).
 * Python: multiprocessing.Array
 */
export class SharedArrayView<V extends number | bigint = number> {
  readonly #lock: Lock | RLock | null;
  /** The live typed array over the shared memory (no locking). Python: `Array.get_obj()` (without the lock) */
  readonly array: AnyTypedArray;
  /** @internal */
  readonly block: Block;
  /** The type code it was made with. Python: `Array._type_` */
  readonly typecode: TypeCode;

  /** @internal */
  constructor(block: Block, typecode: TypeCode, length: number, lock: Lock | RLock | null) {
    this.block = block;
    this.typecode = typecode;
    this.array = view(block, typecode, length);
    this.#lock = lock;
  }

  /** The number of items. Python: `len(arr)` */
  get length(): number {
    return this.array.length;
  }

  /** `arr[i]`, read under the lock. @throws {TypeError} for an index outside 0..length-1 (no negative indexes, unlike Python). Python: `arr[i]` */
  get(index: number): V {
    this.#check(index);
    return this.#locked(() => this.array[index] as V);
  }

  /** `arr[i] = value`, under the lock. Python: `arr[i] = value` */
  set(index: number, value: V): void {
    this.#check(index);
    const v = coerce(this.typecode, value);
    this.#locked(() => void (this.array[index] = v as never));
  }

  /** A copy of the contents, read under the lock. Python: `arr[:]` */
  toArray(): V[] {
    return this.#locked(() => Array.from(this.array as unknown as ArrayLike<V>));
  }

  /** The lock that guards the array. @throws {ValueError} for an array made with `lock: false`. Python: `Array.get_lock()` */
  getLock(): Lock | RLock {
    if (this.#lock === null) throw new ValueError('This SharedArray has no lock: it was made with { lock: false }', { code: 'ERR_MP_NO_LOCK' });
    return this.#lock;
  }

  /** The raw typed array over the shared memory (no locking). Python: `Array.get_obj()` */
  getObj(): AnyTypedArray {
    return this.array;
  }

  /** @internal */
  get lockOrNull(): Lock | RLock | null {
    return this.#lock;
  }

  #check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.array.length) {
      throw new TypeError(`Index ${String(index)} is out of range for a SharedArray of length ${this.array.length}`);
    }
  }

  #locked<R>(fn: () => R): R {
    const lock = this.#lock;
    if (lock === null) return fn();
    lock.acquireSync();
    try {
      return fn();
    } finally {
      lock.release();
    }
  }
}

/**
 * A shared typed number with a lock. Integer codes take whole numbers (bigint too) and wrap them
 * to their width, as C and Python's ctypes do; 'f' and 'd' take any number.
 * @throws {TypeError} for an unknown code or a value of the wrong type (a string, a fraction for an integer code)
 * @example
 * const v = Value('i', 10);
 *
 * Python: multiprocessing.Value
 */
export function Value<T extends TypeCode>(typecode: T, init: ValueOf<T> | number = 0, opts?: SyncOptions): SharedValue<ValueOf<T>> {
  const ctor = ctorOf(typecode);
  const first = coerce(typecode, init);
  const block = allocate(ctor.BYTES_PER_ELEMENT);
  const value = new SharedValue<ValueOf<T>>(block, typecode, lockFrom(opts));
  if (first !== 0 && first !== 0n) value.getObj()[0] = first as never;
  return value;
}

/** A shared typed number without a lock. Python: multiprocessing.RawValue */
export function RawValue<T extends TypeCode>(typecode: T, init: ValueOf<T> | number = 0): SharedValue<ValueOf<T>> {
  return Value(typecode, init, { lock: false });
}

/**
 * A shared typed array with a lock, of a length or filled from values (checked as {@link Value} checks its value).
 * @throws {TypeError} for an unknown code or a value of the wrong type
 * @throws {ValueError} for a negative length
 * @example
 * const a = SharedArray('d', [1.5, 2.5]);
 *
 * Python: multiprocessing.Array
 */
export function SharedArray<T extends TypeCode>(typecode: T, sizeOrInit: number | ArrayLike<ValueOf<T> | number>, opts?: SyncOptions): SharedArrayView<ValueOf<T>> {
  const ctor = ctorOf(typecode);
  const length = typeof sizeOrInit === 'number' ? sizeOrInit : sizeOrInit?.length;
  if (typeof length !== 'number' || !Number.isInteger(length) || typeof sizeOrInit === 'string') throw new TypeError(`Expected a size or an array of values, got ${describe(sizeOrInit)}`);
  if (length < 0) throw new ValueError(`A SharedArray's length must be 0 or more, got ${length}`, { code: 'ERR_MP_BAD_VALUE' });
  // Every value is checked before any memory is taken, so a bad one leaves nothing behind.
  if (typeof sizeOrInit !== 'number') for (let i = 0; i < length; i++) coerce(typecode, sizeOrInit[i]);
  const block = allocate(Math.max(1, length * ctor.BYTES_PER_ELEMENT));
  const array = new SharedArrayView<ValueOf<T>>(block, typecode, length, lockFrom(opts));
  if (typeof sizeOrInit !== 'number') for (let i = 0; i < length; i++) array.array[i] = coerce(typecode, sizeOrInit[i]) as never;
  return array;
}

/** A shared typed array without a lock. Python: multiprocessing.RawArray */
export function RawArray<T extends TypeCode>(typecode: T, sizeOrInit: number | ArrayLike<ValueOf<T> | number>): SharedArrayView<ValueOf<T>> {
  return SharedArray(typecode, sizeOrInit, { lock: false });
}

interface LockTransfer {
  recursive: boolean;
  block: BlockTransfer;
}

function reduceLock(lock: Lock | RLock | null, dest: BackendKind): LockTransfer | null {
  return lock === null ? null : { recursive: lock instanceof RLock, block: reduceBlock(lock.words.block, dest) };
}

function rebuildLock(t: LockTransfer | null): Lock | RLock | null {
  if (t === null) return null;
  const words = wordsOf(rebuildBlock(t.block));
  return t.recursive ? new RLock(words) : new Lock(words);
}

registerHandleType(SharedValue, {
  name: 'SharedValue',
  module: import.meta.url,
  reduce: (v: SharedValue<number | bigint>, dest) => ({ block: reduceBlock(v.block, dest), typecode: v.typecode, lock: reduceLock(v.lockOrNull, dest) }),
  rebuild: (d: { block: BlockTransfer; typecode: TypeCode; lock: LockTransfer | null }) => new SharedValue(rebuildBlock(d.block), d.typecode, rebuildLock(d.lock)),
});

registerHandleType(SharedArrayView, {
  name: 'SharedArray',
  module: import.meta.url,
  reduce: (a: SharedArrayView<number | bigint>, dest) => ({ block: reduceBlock(a.block, dest), typecode: a.typecode, length: a.length, lock: reduceLock(a.lockOrNull, dest) }),
  rebuild: (d: { block: BlockTransfer; typecode: TypeCode; length: number; lock: LockTransfer | null }) =>
    new SharedArrayView(rebuildBlock(d.block), d.typecode, d.length, rebuildLock(d.lock)),
});
