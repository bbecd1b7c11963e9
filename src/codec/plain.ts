// Plain data: values that JSON carries exactly, so that JSON.parse(JSON.stringify(value)) rebuilds
// what V8 deserialization would. JSON costs less than V8 serialization for small values: node:v8
// makes a serializer object, a buffer and a deserializer per message, each with a weak handle
// that every scavenge must visit, and a process that sends many small messages spends most of
// its pauses there.

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
    for (let i = 0; i < n; i++) if (!walk(value[i], depth + 1)) return false;
    return Object.keys(value).length === n; // no named properties beside the items
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key of Object.keys(value)) if (!walk((value as Record<string, unknown>)[key], depth + 1)) return false;
  return true;
}

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

// Past this many values, V8's serializer costs less than JSON.
const JSON_UP_TO = 4096;
const utf8 = new TextDecoder();

/**
 * `value` as JSON text in UTF-8 when it is plain and small, else undefined (for V8's serializer).
 * `items`: as {@link isPlain} takes them.
 */
export function plainBytes(value: unknown, items?: readonly unknown[]): Uint8Array | undefined {
  return isPlain(value, JSON_UP_TO, items) ? Buffer.from(JSON.stringify(value)) : undefined;
}

/** The value whose {@link plainBytes} these are. */
export function fromPlainBytes(bytes: Uint8Array): unknown {
  return JSON.parse(utf8.decode(bytes)) as unknown;
}
