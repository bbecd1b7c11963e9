// Library objects inside arguments: how a Queue, Lock, Value or proxy nested anywhere in `args`
// arrives in the child as a live handle. CPython: __reduce__ methods + Lib/multiprocessing/reduction.py.
//
// Everything else travels by structured clone. Handle types register themselves when their module
// loads (this file imports none of them), and each encoded handle names that module, so a child
// that has not loaded it yet imports it before rebuilding the handle.

import { importForTarget } from './target-loader.js';

const kHandleType = Symbol.for('multiprocessing-ts.handle-type');
const MARK = '__mpts_handle__';

/** How one library class travels to another process or thread. Python: a class's `__reduce__`, as `multiprocessing.reduction` registers them */
export interface HandleType<T extends object = object, D = unknown> {
  /** Unique name, e.g. 'Queue'. Python: the class's qualified name */
  readonly name: string;
  /** URL of the module that registers this type (usually `import.meta.url`). Python: the class's `__module__` */
  readonly module: string;
  /** The state a far side on backend `dest` needs to rebuild a live handle (structured-clone safe). Python: `__reduce__` */
  reduce(value: T, dest: 'process' | 'thread'): D;
  /** Build the live handle from reduced state. Python: the rebuild function a `__reduce__` names */
  rebuild(data: D): T;
}

interface EncodedHandle {
  [MARK]: string;
  module: string;
  data: unknown;
}

const registry = new Map<string, HandleType>();

/**
 * Register a handle type and mark instances of `cls` (via its prototype) as travelling with it.
 * Python: `multiprocessing.reduction.register` (`copyreg.pickle`)
 */
export function registerHandleType<T extends object, D>(cls: abstract new (...args: never[]) => T, type: HandleType<T, D>): void {
  registry.set(type.name, type as unknown as HandleType);
  Object.defineProperty(cls.prototype, kHandleType, { value: type.name, enumerable: false, configurable: true });
}

function handleTypeOf(value: object): HandleType | undefined {
  const name = (value as Record<symbol, unknown>)[kHandleType];
  return typeof name === 'string' ? registry.get(name) : undefined;
}

function isWalkable(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null || value instanceof Map || value instanceof Set;
}

// Whether encoding replaced `item`: NaN is not equal to itself, but stays as it was.
function replaced(enc: unknown, item: unknown): boolean {
  return enc !== item && enc === enc;
}

// Walks containers only (arrays, plain objects, Map, Set), never the bytes of a typed array, and
// copies only the containers on a path to a handle: plain data is returned as it was.
function encode(value: unknown, seen: Set<object>, dest: 'process' | 'thread'): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const type = handleTypeOf(value);
  if (type !== undefined) return { [MARK]: type.name, module: type.module, data: type.reduce(value, dest) } satisfies EncodedHandle;
  if (!isWalkable(value) || seen.has(value)) return value;
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const enc = encode(item, seen, dest);
        if (replaced(enc, item)) (out ??= value.slice())[i] = enc;
      }
      return out ?? value;
    }
    if (value instanceof Map) {
      let changed = false;
      const entries = [...value].map(([k, v]) => {
        const ek = encode(k, seen, dest), ev = encode(v, seen, dest);
        if (replaced(ek, k) || replaced(ev, v)) changed = true;
        return [ek, ev] as const;
      });
      return changed ? new Map(entries) : value;
    }
    if (value instanceof Set) {
      let changed = false;
      const items = [...value].map((v) => {
        const ev = encode(v, seen, dest);
        if (replaced(ev, v)) changed = true;
        return ev;
      });
      return changed ? new Set(items) : value;
    }
    let out: Record<string, unknown> | undefined;
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      const enc = encode(item, seen, dest);
      if (replaced(enc, item)) (out ??= { ...(value as Record<string, unknown>) })[key] = enc;
    }
    return out ?? value;
  } finally {
    seen.delete(value);
  }
}

// A primitive, or an array of primitives (most argument lists): nothing to walk.
/** Whether `value` holds no object (a primitive, or an array of primitives), so no handle either. */
export function isFlat(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (typeof item === 'object' && item !== null) return false;
  }
  return true;
}

/** Replace library objects nested in `value` by their travelling form for a child on `dest`; `hasHandles` tells the far side to look. */
export function encodeHandles(value: unknown, dest: 'process' | 'thread'): { value: unknown; hasHandles: boolean } {
  if (isFlat(value)) return { value, hasHandles: false };
  const encoded = encode(value, new Set(), dest);
  return { value: encoded, hasHandles: encoded !== value };
}

function isEncodedHandle(value: object): value is EncodedHandle {
  return typeof (value as Record<string, unknown>)[MARK] === 'string';
}

async function loadTypes(value: unknown, modules: Set<string>): Promise<void> {
  collectModules(value, modules);
  for (const url of modules) await importForTarget(url);
}

function collectModules(value: unknown, modules: Set<string>): void {
  if (typeof value !== 'object' || value === null) return;
  if (isEncodedHandle(value)) {
    if (!registry.has(value[MARK])) modules.add(value.module);
    return;
  }
  if (!isWalkable(value)) return;
  const items = value instanceof Map ? [...value].flat() : value instanceof Set ? [...value] : Object.values(value);
  for (const item of items) collectModules(item, modules);
}

function decode(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (isEncodedHandle(value)) {
    const type = registry.get(value[MARK]);
    if (type === undefined) throw new TypeError(`Unknown handle type "${value[MARK]}": its module ${value.module} did not register it`);
    return type.rebuild(value.data);
  }
  if (!isWalkable(value)) return value;
  if (Array.isArray(value)) {
    // Only objects can hold handles; writing every index would fill the holes of a sparse array.
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' && item !== null) value[i] = decode(item);
    }
    return value;
  }
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [decode(k), decode(v)]));
  if (value instanceof Set) return new Set([...value].map(decode));
  for (const key of Object.keys(value)) (value as Record<string, unknown>)[key] = decode((value as Record<string, unknown>)[key]);
  return value;
}

/** Rebuild live handles in a received value (in place: it is a fresh copy). */
export async function decodeHandles(value: unknown, hasHandles: boolean): Promise<unknown> {
  if (!hasHandles) return value;
  await loadTypes(value, new Set());
  return decode(value);
}

/**
 * Rebuild live handles synchronously; every handle type must already be registered here (the
 * package's own types always are). Throws TypeError naming the module to import otherwise.
 */
export function decodeHandlesSync(value: unknown): unknown {
  return decode(value);
}
