// What every pool shares, the local one and the Redis one: the task kinds and the task wire format,
// cutting a map into chunks, imap's bounded read-ahead, result callbacks, and the errors of a
// pool's state. CPython: Pool._map_async, Pool._get_tasks and IMapIterator in Lib/multiprocessing/pool.py.

import type { ErrorRecord } from '../codec/error-codec.js';
import { madeOfItems } from '../codec/plain.js';
import type { TargetArgs, TargetSpec } from '../codec/targets.js';
import { positiveInt } from '../arguments.js';
import { ValueError } from '../errors.js';
import { PromiseResult, type AsyncResult } from './async-result.js';

/** What a task does with its target: `fn(...args)`; `items.map(fn)`; `items.map(a => fn(...a))`. */
export type TaskKind = 0 | 1 | 2;
export const APPLY: TaskKind = 0;
export const MAP: TaskKind = 1;
export const STARMAP: TaskKind = 2;

/** How a task ended, as it travels back: `[1, value]` or `[0, error record]`. */
export type Outcome = [ok: 1, value: unknown] | [ok: 0, error: ErrorRecord];

// A batch of tasks (or results) travels as one flat array, each task's fields in a row: one array
// to build, serialize and read per batch rather than one per task, and no keys.
/** A task as a local pool sends it: [id, kind, target number (the worker's own numbering), target spec (only the first time this worker sees the target) or 0, args, args hold handles]. */
export type TaskTuple = [id: number, kind: TaskKind, target: number, spec: TargetSpec | 0, args: unknown, hasHandles: boolean];
/** The fields of a task in a {@link TaskBatch}. */
export const TASK_FIELDS = 6;
/** Tasks for one worker: each task's {@link TaskTuple} fields, one task after another. */
export type TaskBatch = TaskTuple[number][];

/** A result as a local pool's worker sends it back: [id, ...outcome, run time in whole microseconds (short on the wire)]. */
export type ResultTuple = [id: number, ...outcome: Outcome, us: number];
/** The fields of a result in a {@link ResultBatch}. */
export const RESULT_FIELDS = 4;
/** Results from one worker: each result's {@link ResultTuple} fields, one result after another. */
export type ResultBatch = ResultTuple[number][];

/** The state of a pool. Python: the RUN, CLOSE and TERMINATE constants of pool.py. */
export type PoolState = 'RUN' | 'CLOSE' | 'TERMINATE';

/** The item type of a target that takes one argument: what `map` and `imap` call per item. No Python twin (type-level). */
export type ItemOf<T> = TargetArgs<T> extends [infer A, ...unknown[]] ? A : never;
/** `apply(fn)` may leave out the arguments of a target that takes none. No Python twin (type-level). */
export type OptionalArgs<T> = TargetArgs<T> extends [] ? [args?: []] : [args: TargetArgs<T>];

/** The callbacks of `applyAsync`, `mapAsync` and `starmapAsync`. Python: their callback and error_callback. */
export interface ResultCallbacks<R> {
  /** Called with the result when the task (or every chunk of the map) succeeds. */
  callback?: (result: R) => void;
  /** Called with the error when the task fails (the first error, for a map). */
  errorCallback?: (error: Error) => void;
}

/** Submitting to a pool that was closed or terminated. */
export function notRunningError(state: Exclude<PoolState, 'RUN'>): ValueError {
  return new ValueError(`Pool not running: ${state === 'CLOSE' ? 'close()' : 'terminate()'} was called; create a new Pool to submit more work`, {
    code: 'ERR_MP_POOL_NOT_RUNNING',
  });
}

/** `join()` before `close()` or `terminate()`. */
export function stillRunningError(): ValueError {
  return new ValueError('Pool is still running: call close() or terminate() before join()', { code: 'ERR_MP_POOL_RUNNING' });
}

/** What a task that `terminate()` cut short rejects with; `what` says what terminate() stopped. */
export function terminatedError(what: string): ValueError {
  return new ValueError(`Pool terminated before the task finished: terminate() stops ${what}`, { code: 'ERR_MP_POOL_TERMINATED' });
}

/** The items of a map as an array (the array itself when it is one). */
export function itemList(items: unknown): unknown[] {
  if (items === null || items === undefined || typeof (items as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`Expected "items" to be iterable, got ${items === null ? 'null' : typeof items}`);
  }
  return Array.isArray(items) ? items : [...(items as Iterable<unknown>)];
}

/** The chunk size of a map: the one given, or enough to make about `chunks` chunks. */
export function chunkSize(length: number, chunksize: number | undefined | null, chunks: number): number {
  if (chunksize === undefined || chunksize === null) return Math.max(1, Math.ceil(length / chunks));
  return positiveInt(chunksize, 'chunksize');
}

/**
 * Submit `list` in chunks of `size` (chunk `n` through `submit(chunk, n)`), and gather the chunks'
 * results in order into one array.
 */
export function mapInChunks(list: unknown[], size: number, submit: (chunk: unknown[], n: number) => Promise<unknown>): Promise<unknown[]> {
  const chunks: Promise<unknown>[] = [];
  // A plain array's slice holds its items alone (another's species might add more).
  const plain = list.constructor === Array;
  for (let i = 0, n = 0; i < list.length; i += size, n++) {
    if (size >= list.length) chunks.push(submit(list, n));
    else chunks.push(submit(plain ? madeOfItems(list.slice(i, i + size)) : list.slice(i, i + size), n));
  }
  return Promise.all(chunks).then((parts) => (parts.length === 1 ? (parts[0] as unknown[]) : concat(parts as unknown[][])));
}

// The chunks' results in one array. Not Array.prototype.flat, which is slow on large arrays
// (generic, element by element: about 13 µs per 1,000 elements, more than running them);
// concat copies whole backing stores.
function concat(parts: unknown[][]): unknown[] {
  return parts.length === 0 ? [] : parts[0]!.concat(...parts.slice(1));
}

interface Chunk {
  seq: number;
  value: unknown[];
}

/**
 * The results of `items` submitted in chunks of `size`, in order (or as they finish), with at
 * most `ahead` chunks in flight: `items` (sync or async, even endless) is read only that far
 * ahead of what has been consumed, and is closed if the consumer stops early.
 */
export async function* imapChunks(
  items: Iterable<unknown> | AsyncIterable<unknown>,
  size: number,
  ahead: number,
  submit: (chunk: unknown[]) => Promise<unknown>,
  ordered: boolean,
): AsyncGenerator<unknown> {
  const source = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  const pending = new Map<number, Promise<Chunk>>();
  let seq = 0;
  let next = 0;
  let done = false;
  const fill = async (): Promise<void> => {
    while (!done && pending.size < ahead) {
      const chunk: unknown[] = madeOfItems([]);
      while (chunk.length < size) {
        const step = await source.next();
        if (step.done === true) {
          done = true;
          break;
        }
        chunk.push(step.value);
      }
      if (chunk.length === 0) break;
      const n = seq++;
      const promise = submit(chunk).then((value) => ({ seq: n, value: value as unknown[] }));
      promise.catch(() => undefined);
      pending.set(n, promise);
    }
  };
  try {
    await fill();
    while (pending.size > 0) {
      const result = ordered ? await (pending.get(next++) as Promise<Chunk>) : await Promise.race(pending.values());
      pending.delete(result.seq);
      await fill();
      yield* result.value;
    }
  } finally {
    if (!done) await source.return?.();
  }
}

/** The AsyncResult of `promise`, calling `callback` or `errorCallback` when it settles. */
export function withCallbacks<R>(promise: Promise<R>, callbacks: ResultCallbacks<R>): AsyncResult<R> {
  onSettled(promise, callbacks);
  return new PromiseResult(promise);
}

/** Call `callback` or `errorCallback` when `promise` settles. */
export function onSettled<R>(promise: Promise<R>, { callback, errorCallback }: ResultCallbacks<R>): void {
  if (callback === undefined && errorCallback === undefined) return;
  promise.then(
    (value) => callback?.(value),
    (err: unknown) => errorCallback?.(err as Error),
  );
}
