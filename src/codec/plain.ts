// Plain data: values that JSON carries exactly, so that JSON.parse(JSON.stringify(value)) rebuilds
// what V8 deserialization would. JSON costs less than V8 serialization for small values: node:v8
// makes a serializer object, a buffer and a deserializer per message, each with a weak handle
// that every scavenge must visit, and a process that sends many small messages spends most of
// its pauses there.
//
// A long array of numbers (a map's chunk of items or of results) travels beside the JSON as raw
// int32s (when every item is one) or float64s: copying them costs a tenth of what V8's serializer
// or JSON spends on each number, and carries -0, NaN and the infinities, which JSON cannot.

// Deeper values are not plain, which also keeps the walk off the stack limit.
const MAX_DEPTH = 32;

// With items, each item has the budget of values, and the whole walk this many times it.
const ITEMS_BUDGET = 16;

// One walk at a time: the objects it has met (a second reference to one would arrive as two
// copies), and what is left of its budgets of values. The first object met is held aside, so that
// most values (a flat argument list) never touch the set.
const seen = new Set<object>();
let first: object | undefined;
let rows: readonly unknown[] | undefined;
let limit = 0;
let budget = 0;
let total = 0;
let walking = false;
// While packing: the number arrays met, in the order JSON.stringify meets them, and the kind of
// each (INT32 or FLOAT64).
let packing = false;
let markMet = false;
const packed: number[][] = [];
const kinds: number[] = [];
const NOT_NUMBERS = 0;
const INT32 = 1;
const FLOAT64 = 2;

// Arrays of numbers this long or longer are packed.
const PACK_FROM = 256;
// What stands for a packed array in the JSON text: a string that, met in the data, stops packing.
const PACKED_MARK = '\u0000mpts:f64';

/**
 * Whether JSON carries `value` exactly: strings, booleans, null, finite numbers other than -0,
 * and arrays (without holes or named properties) and plain objects of those, each object met
 * once. False as well past `maxValues` values, where V8's serializer is the cheaper.
 *
 * `items`, an array inside `value`, holds values that travel each on its own (the tasks of a
 * batch): each is walked apart, and an object that two of them share arrives as two copies
 * (one outside them is still met once in all). Each item may then have `maxValues` values, and
 * the whole value 16 times that.
 */
export function isPlain(value: unknown, maxValues = Infinity, items?: readonly unknown[]): boolean {
  // A getter met by the walk that asks again gets the careful answer.
  if (walking) return false;
  walking = true;
  limit = maxValues;
  budget = maxValues;
  total = items === undefined ? maxValues : maxValues * ITEMS_BUDGET;
  rows = items;
  try {
    return walk(value, 0);
  } finally {
    forget();
    rows = undefined;
    walking = false;
  }
}

function forget(): void {
  first = undefined;
  if (seen.size > 0) seen.clear();
}

// Whether `value` is met for the first time.
function meet(value: object): boolean {
  if (first === undefined) {
    first = value;
    return true;
  }
  if (value === first || seen.has(value)) return false;
  seen.add(value);
  return true;
}

function walk(value: unknown, depth: number): boolean {
  if (--budget < 0 || --total < 0) return false;
  switch (typeof value) {
    case 'string':
      if (packing && value === PACKED_MARK) markMet = true;
      return true;
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth >= MAX_DEPTH) return false;
  if (value === rows) return walkItems(rows, depth + 1);
  if (!meet(value)) return false;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    const n = value.length;
    if (packing && n >= PACK_FROM && typeof value[0] === 'number') {
      const kind = numbersKind(value);
      if (kind !== NOT_NUMBERS) {
        packed.push(value as number[]);
        kinds.push(kind);
        return true;
      }
    }
    for (let i = 0; i < n; i++) if (!walk(value[i], depth + 1)) return false;
    return Object.keys(value).length === n; // no named properties beside the items
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key of Object.keys(value)) if (!walk((value as Record<string, unknown>)[key], depth + 1)) return false;
  return true;
}

// Arrays this library made of items alone (a map's chunks and their results): no named property
// can be on them, so packing one need not look for any (Object.keys of a long array costs about
// as much as copying its numbers twice).
const itemsOnly = new WeakSet<unknown[]>();

/** @internal Mark an array made here that holds items only, and that no caller's code can reach to add a property to. */
export function madeOfItems<T extends unknown[]>(array: T): T {
  itemsOnly.add(array);
  return array;
}

// INT32 or FLOAT64 when every item is a number (a hole is not) and there are no named properties
// beside them; INT32 when each is an int32 other than -0.
function numbersKind(array: unknown[]): number {
  const n = array.length;
  let kind = INT32;
  for (let i = 0; i < n; i++) {
    const v = array[i];
    if (typeof v !== 'number') return NOT_NUMBERS;
    if (kind === INT32 && !isInt32(v)) kind = FLOAT64;
  }
  return itemsOnly.has(array) || Object.keys(array).length === n ? kind : NOT_NUMBERS;
}

// An int32 that an Int32Array gives back as itself (-0 would come back as 0).
function isInt32(v: number): boolean {
  return (v | 0) === v && (v !== 0 || 1 / v > 0);
}

// Bytes per item of a packed array of this kind.
const width = (kind: number): number => (kind === INT32 ? 4 : 8);

// Each item with a memory of its own; the outer walk's is kept aside meanwhile.
function walkItems(items: readonly unknown[], depth: number): boolean {
  const outerFirst = first;
  const outerSeen = seen.size === 0 ? undefined : [...seen];
  const outerBudget = budget;
  for (let i = 0; i < items.length; i++) {
    forget();
    budget = limit;
    if (!walk(items[i], depth)) return false;
  }
  forget();
  first = outerFirst;
  budget = outerBudget;
  if (outerSeen !== undefined) for (const value of outerSeen) seen.add(value);
  return true;
}

// Past this many values (a packed array counts as one), V8's serializer costs less than JSON.
const JSON_UP_TO = 4096;
const utf8 = new TextDecoder();

// The packed form: a tag byte no JSON text starts with, then (u32, native order, as every
// reader is on this machine) the number of arrays, the JSON's length in bytes, and each array's
// length and kind; the JSON text; then each array's items, each array 8-aligned from the start.
const PACKED_TAG = 0x01;
const HEAD = 12;

const align8 = (n: number): number => (n + 7) & ~7;

/**
 * `value` as JSON text in UTF-8 when it is plain and small, else undefined (for V8's serializer).
 * Long arrays of numbers inside it count as one value each and travel packed beside the text.
 * `items`: as {@link isPlain} takes them.
 */
export function plainBytes(value: unknown, items?: readonly unknown[]): Uint8Array | undefined {
  if (walking) return undefined;
  packing = true;
  try {
    if (!isPlain(value, JSON_UP_TO, items)) return undefined;
    if (packed.length === 0) return Buffer.from(JSON.stringify(value));
    if (markMet) return undefined;
    // A getter that asks again while the text is written gets the careful answer, as in a walk.
    walking = true;
    try {
      return pack(value, packed, kinds);
    } finally {
      walking = false;
    }
  } finally {
    packing = false;
    markMet = false;
    // Setting an array's length is a call into the runtime: not for the many messages with none.
    if (packed.length > 0) packed.length = kinds.length = 0;
  }
}

// Undefined when the value is not what the walk saw: a getter gave another array, or changed one.
function pack(value: unknown, arrays: readonly number[][], kindOf: readonly number[]): Uint8Array | undefined {
  const k = arrays.length;
  const lengths = arrays.map((array) => array.length);
  let next = 0;
  // The walk met each packed array once, in the order JSON.stringify meets them.
  const json = JSON.stringify(value, (_key, v: unknown) => (v === arrays[next] ? (next++, PACKED_MARK) : v));
  if (next !== k) return undefined;
  const textAt = HEAD + 8 * k;
  const textLength = Buffer.byteLength(json);
  let total = align8(textAt + textLength);
  for (let a = 0; a < k; a++) total += align8(width(kindOf[a]!) * lengths[a]!);
  // Large enough never to come from Buffer's shared pool: its own memory, offset 0, aligned.
  const bytes = Buffer.allocUnsafeSlow(total);
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, textAt / 4);
  words[0] = 0;
  bytes[0] = PACKED_TAG;
  words[1] = k;
  words[2] = textLength;
  bytes.write(json, textAt);
  let at = align8(textAt + textLength);
  bytes.fill(0, textAt + textLength, at);
  for (let a = 0; a < k; a++) {
    const array = arrays[a]!;
    const n = lengths[a]!;
    const kind = kindOf[a]!;
    if (array.length !== n) return undefined;
    words[3 + 2 * a] = n;
    words[4 + 2 * a] = kind;
    if (kind === INT32) {
      const data = new Int32Array(bytes.buffer, bytes.byteOffset + at, n);
      for (let i = 0; i < n; i++) {
        const v = array[i]!;
        if (!isInt32(v)) return undefined;
        data[i] = v;
      }
    } else {
      const data = new Float64Array(bytes.buffer, bytes.byteOffset + at, n);
      for (let i = 0; i < n; i++) {
        const v = array[i]!;
        if (typeof v !== 'number') return undefined;
        data[i] = v;
      }
    }
    at += align8(width(kind) * n);
  }
  return bytes;
}

/** The value whose {@link plainBytes} these are. */
export function fromPlainBytes(bytes: Uint8Array): unknown {
  return bytes[0] === PACKED_TAG ? unpack(bytes) : (JSON.parse(utf8.decode(bytes)) as unknown);
}

function unpack(bytes: Uint8Array): unknown {
  // Read in place when aligned (as a ring delivers a message), else from an aligned copy.
  if (bytes.byteOffset % 8 !== 0) bytes = new Uint8Array(bytes);
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, HEAD / 4);
  const k = words[1]!;
  const textLength = words[2]!;
  const heads = new Uint32Array(bytes.buffer, bytes.byteOffset + HEAD, 2 * k);
  const textAt = HEAD + 8 * k;
  let at = align8(textAt + textLength);
  const arrays: number[][] = [];
  for (let a = 0; a < k; a++) {
    const n = heads[2 * a]!;
    const data = heads[2 * a + 1] === INT32 ? new Int32Array(bytes.buffer, bytes.byteOffset + at, n) : new Float64Array(bytes.buffer, bytes.byteOffset + at, n);
    // Filled by push, so that the array stays packed (see pool/task-runner.ts).
    const array: number[] = [];
    for (let i = 0; i < n; i++) array.push(data[i]!);
    arrays.push(array);
    at += align8(data.byteLength);
  }
  let next = 0;
  return JSON.parse(utf8.decode(bytes.subarray(textAt, textAt + textLength)), (_key, v: unknown) => (v === PACKED_MARK ? arrays[next++] : v)) as unknown;
}
