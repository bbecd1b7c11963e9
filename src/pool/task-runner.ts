// The call a pool task makes in its worker: fn(...args), or fn over every item of a chunk.
// CPython: worker() with mapstar and starmapstar in Lib/multiprocessing/pool.py.

import { madeOfItems } from '../codec/plain.js';
import { MAP, APPLY, type TaskKind } from './core.js';

export type Call = (...args: unknown[]) => unknown;

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Run one task's call: its value, or a promise of it once a call returns one. A task that never
 * returns a promise runs without one, so that tiny tasks cost no microtask each. `beforeWait` runs
 * each time the task is about to wait (the worker sends what results it holds).
 */
export function runTask(kind: TaskKind, fn: Call, args: unknown, beforeWait: () => void): unknown {
  if (kind === APPLY) return fn(...(args as unknown[]));
  const items = args as unknown[];
  // Filled by push, so that the array stays packed: V8's serializer writes a holey array
  // (new Array(n)) element by element as key/value pairs, several times slower.
  const results: unknown[] = madeOfItems([]);
  for (let i = 0; i < items.length; i++) {
    const value = kind === MAP ? fn(items[i]) : fn(...(items[i] as unknown[]));
    if (isThenable(value)) return finishChunk(kind, fn, items, i, value, results, beforeWait);
    results.push(value);
  }
  return results;
}

// The rest of a chunk once one of its calls has returned a promise.
async function finishChunk(kind: TaskKind, fn: Call, items: unknown[], from: number, first: PromiseLike<unknown>, results: unknown[], beforeWait: () => void): Promise<unknown[]> {
  beforeWait();
  results.push(await first);
  for (let i = from + 1; i < items.length; i++) {
    let value = kind === MAP ? fn(items[i]) : fn(...(items[i] as unknown[]));
    if (isThenable(value)) {
      beforeWait();
      value = await value;
    }
    results.push(value);
  }
  return results;
}
