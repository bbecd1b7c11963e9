// Python's equality, ordering and hashing on the JS shapes of Python values, for the servants of
// dict and list: `(1, 2)` arrives as a new Tuple every time, but is the same key each time.
// CPython: Objects/object.c (rich comparison), Objects/tupleobject.c, Objects/dictobject.c.

import { FrozenSet, PyException, PyIterator, PyObject, PyRange, Tuple } from '../pickle/index.js';
import { typeError, valueError } from './args.js';

function isNumeric(v: unknown): v is number | bigint | boolean {
  return typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean';
}

function numeric(v: number | bigint | boolean): number | bigint {
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

/** Python `a == b` for plain data. */
export function pyEq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  if (isNumeric(a) && isNumeric(b)) {
    const x = numeric(a), y = numeric(b);
    // number == bigint compares values, which is Python's int == float.
    return x == y;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a instanceof Tuple !== b instanceof Tuple || a.length !== b.length) return false;
    return a.every((x, i) => pyEq(x, b[i]));
  }
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) {
      const other = findKey(b, k);
      if (other === NOT_FOUND || !pyEq(v, b.get(other))) return false;
    }
    return true;
  }
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return false;
    for (const x of a) if (![...b].some((y) => pyEq(x, y))) return false;
    return true;
  }
  if (a instanceof PyObject && b instanceof PyObject) return a.qualified === b.qualified && pyEq(a.args, b.args);
  return false;
}

const typeRank = (v: unknown): string => {
  if (isNumeric(v)) return 'number';
  if (typeof v === 'string') return 'str';
  if (v instanceof Tuple) return 'tuple';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Uint8Array) return 'bytes';
  return v === null || v === undefined ? 'NoneType' : typeof v;
};

/** Python `a < b` as -1/0/1 for numbers, str, bytes, tuples and lists; TypeError otherwise. */
export function pyCompare(a: unknown, b: unknown): number {
  const ta = typeRank(a), tb = typeRank(b);
  if (ta !== tb) throw typeError(`'<' not supported between instances of '${tb}' and '${ta}'`);
  if (isNumeric(a) && isNumeric(b)) {
    const x = numeric(a), y = numeric(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!pyEq(a[i], b[i])) return pyCompare(a[i], b[i]);
    }
    return a.length - b.length < 0 ? -1 : a.length > b.length ? 1 : 0;
  }
  throw typeError(`'<' not supported between instances of '${tb}' and '${ta}'`);
}

/** A canonical key for a hashable value: primitives as they are (ints as numbers when safe), containers as strings. */
export function hashKey(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v;
  if (typeof v !== 'object' || v === null) return v;
  if (v instanceof Tuple) return `\u0000T(${v.map((x) => canonString(hashKey(x))).join(',')})`;
  if (v instanceof Uint8Array) return `\u0000B${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
  if (v instanceof FrozenSet) return `\u0000F{${[...v].map((x) => canonString(hashKey(x))).sort().join(',')}}`;
  if (Array.isArray(v) || v instanceof Map || v instanceof Set) throw typeError(`unhashable type: '${v instanceof Map ? 'dict' : Array.isArray(v) ? 'list' : 'set'}'`);
  return v; // other objects: by identity, as Python's default hash
}

function canonString(k: unknown): string {
  return typeof k === 'string' ? JSON.stringify(k) : typeof k === 'bigint' ? `${k}n` : typeof k === 'object' && k !== null ? '<obj>' : String(k);
}

/** Marks a key that is not in the map. */
export const NOT_FOUND: unique symbol = Symbol('not found');

/** The key of `map` that equals `key` in Python's sense (the stored key object), or NOT_FOUND. */
export function findKey(map: Map<unknown, unknown>, key: unknown): unknown {
  const canon = hashKey(key);
  if (map.has(canon)) return canon;
  if (map.has(key)) return key;
  if (typeof canon === 'string' && canon.startsWith('\u0000')) {
    for (const k of map.keys()) if (typeof k === 'object' && k !== null && hashKey(k) === canon) return k;
  }
  if (typeof canon === 'number' && Number.isInteger(canon)) {
    // An int key may be stored as a bool (True == 1 in Python).
    if ((canon === 0 || canon === 1) && map.has(canon === 1)) return canon === 1;
  }
  return NOT_FOUND;
}

/** Python's slice.indices(length): [start, stop, step]. */
export function sliceIndices(slice: PyObject, length: number): [number, number, number] {
  const [rawStart, rawStop, rawStep] = slice.args;
  const asInt = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : (() => { throw typeError('slice indices must be integers or None'); })());
  const step = asInt(rawStep) ?? 1;
  if (step === 0) throw valueError('slice step cannot be zero');
  const clamp = (v: number | undefined, dflt: number, lo: number, hi: number): number => {
    if (v === undefined) return dflt;
    if (v < 0) v += length;
    return Math.min(Math.max(v, lo), hi);
  };
  if (step > 0) return [clamp(asInt(rawStart), 0, 0, length), clamp(asInt(rawStop), length, 0, length), step];
  return [clamp(asInt(rawStart), length - 1, -1, length - 1), clamp(asInt(rawStop), -1, -1, length - 1), step];
}

/** The indices a slice selects, in order. */
export function sliceRange(slice: PyObject, length: number): number[] {
  const [start, stop, step] = sliceIndices(slice, length);
  const out: number[] = [];
  if (step > 0) for (let i = start; i < stop; i += step) out.push(i);
  else for (let i = start; i > stop; i += step) out.push(i);
  return out;
}

/** Whether `v` is a Python slice object. */
export function isSlice(v: unknown): v is PyObject {
  return v instanceof PyObject && v.module === 'builtins' && v.name === 'slice';
}

/** Python's type name of a value, for messages. */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (value instanceof Map) return 'dict';
  if (value instanceof Tuple) return 'tuple';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Uint8Array) return 'bytes';
  if (value instanceof PyRange) return 'range';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'object') return (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
  return typeof value;
}

/** At most this many items from one iterable argument (Python would run out of memory first). */
const MAX_ITEMS = 1 << 26;

function tooMany(): PyException {
  return new PyException('builtins.MemoryError', [`more than ${MAX_ITEMS} items in one argument`]);
}

/**
 * The items of a Python iterable that arrived as data, as Python's `list(value)` sees them: a
 * list or tuple, a str (its characters), bytes (ints), a dict (its keys), a set, an array, a
 * range, or an iterator (iter, zip...: consumed, as in Python). The result may be `value` itself.
 */
export function pyItems(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return [...value];
  if (value instanceof Map) return [...value.keys()];
  if (value instanceof Set) return [...value];
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return [...(value as unknown as Iterable<unknown>)];
  if (value instanceof PyRange) {
    if (value.size > BigInt(MAX_ITEMS)) throw tooMany();
    return [...value];
  }
  if (value instanceof PyIterator) {
    const items: unknown[] = [];
    for (const item of value as PyIterator) {
      if (items.length >= MAX_ITEMS) throw tooMany();
      items.push(item);
    }
    return items;
  }
  throw typeError(`'${pyTypeName(value)}' object is not iterable`);
}
