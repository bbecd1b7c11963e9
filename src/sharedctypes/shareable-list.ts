// ShareableList: a fixed-length list of ints, floats, bools, None, str and bytes in one named
// SharedMemory segment, in CPython's binary layout, so that Python attaches to ours by name and
// we to Python's. CPython: ShareableList in Lib/multiprocessing/shared_memory.py.
//
// Layout (native byte order, little-endian here; 8-byte words):
//   0                      N, the number of items (int64)
//   8                      N + 1 offsets (int64) of the items from the data area's start; the last is its size
//   8(N + 2)               the data area: each item in 8 bytes, or a str/bytes in its capacity
//   data + offsets[N]      N struct formats of 8 bytes, NUL-padded: 'q', 'd', 'xxxxxxx?' (bool),
//                          'xxxxxx?x' (None), '<capacity>s' (str, bytes)
//   + 8N                   N signed bytes: how to read the item back (0 as the format says, 1 str, 2 bytes, 3 None)

import { registerHandleType } from '../codec/handles.js';
import { ValueError } from '../errors.js';
import { SharedMemory } from './shared-memory.js';

/** What a ShareableList holds: Python's int (number or bigint), float, bool, None (null), str and bytes (Uint8Array). */
export type ShareableValue = number | bigint | boolean | string | Uint8Array | null;

const WORD = 8;
const BOOL_FORMAT = 'xxxxxxx?';
const NONE_FORMAT = 'xxxxxx?x';
const Back = { Plain: 0, Str: 1, Bytes: 2, None: 3 } as const;
type Back = (typeof Back)[keyof typeof Back];

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** What one item is stored as: its struct format, how it reads back, and its encoded bytes (str, bytes). */
interface Packed {
  format: string;
  back: Back;
  bytes?: Uint8Array;
}

function pack(value: unknown): Packed {
  if (typeof value === 'string') return { format: 's', back: Back.Str, bytes: utf8.encode(value) };
  if (value instanceof Uint8Array) return { format: 's', back: Back.Bytes, bytes: value };
  if (value === null) return { format: NONE_FORMAT, back: Back.None };
  if (typeof value === 'boolean') return { format: BOOL_FORMAT, back: Back.Plain };
  if (typeof value === 'bigint') {
    if (BigInt.asIntN(64, value) !== value) throw new ValueError(`${value} does not fit a ShareableList's 64-bit int`, { code: 'ERR_MP_BAD_VALUE' });
    return { format: 'q', back: Back.Plain };
  }
  if (typeof value === 'number') return { format: Number.isInteger(value) ? 'q' : 'd', back: Back.Plain };
  throw new TypeError(`A ShareableList holds numbers, bigints, booleans, strings, Uint8Arrays and null, got ${value === undefined ? 'undefined' : typeof value}`);
}

// Python sizes a str or bytes slot by its length, rounded up past the next multiple of 8; UTF-8
// bytes here, where Python counts characters (and cuts a longer non-ASCII encoding short).
function capacityOf(packed: Packed): number {
  return packed.bytes === undefined ? WORD : WORD * (Math.floor(packed.bytes.length / WORD) + 1);
}

// Python's `==` between items: bools are the ints 0 and 1, ints equal floats of the same value.
function pyEquals(a: ShareableValue, b: ShareableValue): boolean {
  const numeric = (v: ShareableValue): v is number | bigint | boolean => typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean';
  if (numeric(a) && numeric(b)) {
    const x = typeof a === 'boolean' ? Number(a) : a;
    const y = typeof b === 'boolean' ? Number(b) : b;
    return x == y; // == : a number equals a bigint of the same value, as in Python
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((byte, i) => byte === b[i]);
  return a === b;
}

/**
 * A list of fixed length in a named shared memory segment, that any process (Python's too) attaches
 * to by name: `new ShareableList(null, { name })`, or by receiving it as a child's argument.
 * Items are read with `get(i)` and written with `set(i, v)` (a negative index counts from the end):
 * not `list[i]`, which would need a Proxy in front of every access.
 *
 * Python's types and rules: an integral number or a bigint is an int (read back as a number when
 * it is a safe integer, else a bigint), another number a float, `null` is None, a Uint8Array bytes.
 * A str or bytes item gets, at creation, room for its length rounded up past the next multiple
 * of 8 bytes; a longer one set later is a ValueError, as in Python. Any item may take a number,
 * bool or null; a str or bytes only fits the room its slot has.
 *
 * The creator owns the segment: `shm.close()` in each process, `shm.unlink()` once.
 * @example
 * const sl = new ShareableList([1, 2.5, 'text', null]);
 * sl.set(2, 'other');
 * // Python: ShareableList(name=sl.shm.name)[2] == 'other'
 *
 * Python: multiprocessing.shared_memory.ShareableList
 */
export class ShareableList<T extends ShareableValue = ShareableValue> implements Iterable<T> {
  /** The segment the list lives in. Python: ShareableList.shm */
  readonly shm: SharedMemory;
  readonly #view: DataView;
  readonly #length: number;
  readonly #offsets: number[];

  /**
   * A new list of `sequence`'s items in a new segment (named `options.name`, or a new unique
   * name), or, with `sequence` null or absent and a name, the existing list of that name.
   * @throws {TypeError} for an item of another type
   * @throws {ValueError} ERR_MP_BAD_VALUE for a bigint beyond 64 bits
   * @throws {FileNotFoundError} attaching to a name that does not exist
   */
  constructor(sequence?: Iterable<T> | null, options: { name?: string } = {}) {
    if (sequence == null && options.name === undefined) sequence = [];
    if (sequence != null) {
      const items = [...sequence];
      const packed = items.map(pack);
      this.#offsets = [0];
      for (const p of packed) this.#offsets.push(this.#offsets.at(-1)! + capacityOf(p));
      this.#length = items.length;
      this.shm = new SharedMemory({ create: true, size: this.#packingFormats + 9 * items.length, ...(options.name === undefined ? {} : { name: options.name }) });
      this.#view = new DataView(this.shm.buf.buffer, this.shm.buf.byteOffset, this.shm.size);
      this.#view.setBigInt64(0, BigInt(items.length), true);
      this.#offsets.forEach((offset, i) => this.#view.setBigInt64(WORD * (i + 1), BigInt(offset), true));
      items.forEach((item, i) => this.#store(i, item, packed[i]!));
    } else {
      this.shm = new SharedMemory({ name: options.name });
      this.#view = new DataView(this.shm.buf.buffer, this.shm.buf.byteOffset, this.shm.size);
      this.#length = Number(this.#view.getBigInt64(0, true));
      this.#offsets = Array.from({ length: this.#length + 1 }, (_, i) => Number(this.#view.getBigInt64(WORD * (i + 1), true)));
    }
  }

  get #dataStart(): number {
    return (this.#length + 2) * WORD;
  }

  get #packingFormats(): number {
    return this.#dataStart + this.#offsets[this.#length]!;
  }

  /** The number of items, fixed at creation. Python: len(sl) */
  get length(): number {
    return this.#length;
  }

  #position(index: number): number {
    if (!Number.isInteger(index)) throw new TypeError(`A ShareableList index is a whole number, got ${String(index)}`);
    const position = index < 0 ? index + this.#length : index;
    if (position < 0 || position >= this.#length) {
      throw Object.assign(new RangeError(`Index ${index} is out of range for a ShareableList of ${this.#length} items`), { code: 'ERR_MP_INDEX_OUT_OF_RANGE' });
    }
    return position;
  }

  #formatAt(position: number): string {
    const start = this.#packingFormats + position * WORD;
    const bytes = this.shm.buf.subarray(start, start + WORD);
    const end = bytes.indexOf(0);
    return fromUtf8.decode(end < 0 ? bytes : bytes.subarray(0, end));
  }

  /** The item at `index`. Python: sl[index] @throws {RangeError} ERR_MP_INDEX_OUT_OF_RANGE */
  get(index: number): T {
    const position = this.#position(index);
    const offset = this.#dataStart + this.#offsets[position]!;
    const format = this.#formatAt(position);
    const back = this.#view.getInt8(this.#packingFormats + this.#length * WORD + position) as Back;
    if (back === Back.None) return null as T;
    if (back === Back.Str || back === Back.Bytes) {
      let bytes = this.shm.buf.subarray(offset, offset + Number.parseInt(format, 10));
      let end = bytes.length;
      while (end > 0 && bytes[end - 1] === 0) end--;
      bytes = bytes.subarray(0, end);
      return (back === Back.Str ? fromUtf8.decode(bytes) : bytes.slice()) as T;
    }
    if (format === 'q') {
      const big = this.#view.getBigInt64(offset, true);
      return (big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big) as T;
    }
    if (format === 'd') return this.#view.getFloat64(offset, true) as T;
    if (format === BOOL_FORMAT) return (this.#view.getUint8(offset + 7) !== 0) as T;
    throw new ValueError(`Item ${position} of ShareableList ${this.shm.name} has a format this library does not read: ${JSON.stringify(format)}`, { code: 'ERR_MP_BAD_VALUE' });
  }

  /**
   * Replace the item at `index`. Python: sl[index] = value
   * @throws {RangeError} ERR_MP_INDEX_OUT_OF_RANGE
   * @throws {ValueError} ERR_MP_ITEM_TOO_LONG for a str or bytes longer than the slot's room
   * @throws {TypeError} for a value of another type
   */
  set(index: number, value: T): void {
    const position = this.#position(index);
    const packed = pack(value);
    if (packed.bytes !== undefined) {
      const room = this.#offsets[position + 1]! - this.#offsets[position]!;
      if (packed.bytes.length > room) {
        throw new ValueError(`A str or bytes of ${packed.bytes.length} bytes exceeds the ${room} bytes item ${position} has (Python: "bytes/str item exceeds available storage")`, { code: 'ERR_MP_ITEM_TOO_LONG' });
      }
    }
    this.#store(position, value, packed);
  }

  // Python's __setitem__: the format and read-back code, then the value as the format packs it.
  #store(position: number, value: unknown, packed: Packed): void {
    const view = this.#view;
    const buf = this.shm.buf;
    const offset = this.#dataStart + this.#offsets[position]!;
    let format = packed.format;
    if (packed.bytes !== undefined) {
      const current = this.#formatAt(position);
      format = current.endsWith('s') ? current : `${this.#offsets[position + 1]! - this.#offsets[position]!}s`;
    }
    const formats = this.#packingFormats + position * WORD;
    buf.fill(0, formats, formats + WORD);
    buf.set(utf8.encode(format), formats);
    view.setInt8(this.#packingFormats + this.#length * WORD + position, packed.back);
    if (packed.bytes !== undefined) {
      buf.fill(0, offset, offset + Number.parseInt(format, 10));
      buf.set(packed.bytes, offset);
    } else if (format === 'q') view.setBigInt64(offset, BigInt(value as number | bigint), true);
    else if (format === 'd') view.setFloat64(offset, value as number, true);
    else buf.fill(0, offset, offset + WORD).fill(value === true ? 1 : 0, offset + 7, offset + 8);
  }

  /** The struct formats of the items, joined, e.g. `'qd8s'`. Python: ShareableList.format */
  get format(): string {
    return Array.from({ length: this.#length }, (_, i) => this.#formatAt(i)).join('');
  }

  /** How many items equal `value` (as Python's `==`: `true == 1`, `1 == 1.0`). Python: ShareableList.count */
  count(value: T): number {
    let n = 0;
    for (const item of this) if (pyEquals(item, value)) n++;
    return n;
  }

  /**
   * The position of the first item equal to `value`. Python: ShareableList.index
   * @throws {ValueError} ERR_MP_NOT_FOUND when none is
   */
  index(value: T): number {
    for (let i = 0; i < this.#length; i++) if (pyEquals(this.get(i), value)) return i;
    throw new ValueError(`${typeof value === 'string' ? JSON.stringify(value) : String(value)} is not in this ShareableList`, { code: 'ERR_MP_NOT_FOUND' });
  }

  /** The items, in order. Python: iter(sl) */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.#length; i++) yield this.get(i);
  }

  /** A copy of the items. Python: list(sl) */
  toArray(): T[] {
    return [...this];
  }
}

// A ShareableList passed to a child attaches there by name, as Python's pickles.
registerHandleType(ShareableList, {
  name: 'ShareableList',
  module: import.meta.url,
  reduce: (list) => list.shm.name,
  rebuild: (name: string) => new ShareableList(null, { name }),
});
