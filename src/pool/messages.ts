// The messages between a Pool and its workers. Tuples rather than objects: they are serialized
// once per task, and fewer keys make smaller, faster V8 serializations.
import type { StartMessage } from '../backends/child.js';
import type { ErrorRecord } from '../codec/error-codec.js';
import type { TargetSpec } from '../codec/targets.js';

export type TaskKind = 0 | 1 | 2; // apply: fn(...args); map: items.map(fn); starmap: items.map(a => fn(...a))
export const APPLY: TaskKind = 0;
export const MAP: TaskKind = 1;
export const STARMAP: TaskKind = 2;

export interface PoolStartMessage extends StartMessage {
  mode: 'pool';
  name: string;
  identity: number[];
  parent: { name: string; pid: number };
  initializer: TargetSpec | null;
  initargs: unknown;
  hasHandles: boolean;
}

/** [id, kind, target key, target spec (only the first time this worker sees the key), args, args hold handles] */
export type TaskTuple = [id: number, kind: TaskKind, key: string, spec: TargetSpec | 0, args: unknown, hasHandles: boolean];

export interface TasksMessage {
  t: 'tasks';
  b: TaskTuple[];
}

/** [id, ok, value or error record, run time in ms] */
export type ResultTuple = [id: number, ok: 1, value: unknown, ms: number] | [id: number, ok: 0, error: ErrorRecord, ms: number];

export interface ResultsMessage {
  t: 'results';
  r: ResultTuple[];
}

export interface InitErrorMessage {
  t: 'init-error';
  error: ErrorRecord;
}

export type WorkerToPool = ResultsMessage | InitErrorMessage;
export type PoolToWorker = TasksMessage | { t: 'exit' };
