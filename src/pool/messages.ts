// The messages between a local Pool and its workers; the tasks and results they carry are the
// tuples of core.ts.
import type { StartMessage } from '../backends/child.js';
import type { ErrorRecord } from '../codec/error-codec.js';
import type { TargetSpec } from '../codec/targets.js';
import type { ResultBatch, TaskBatch } from './core.js';
import type { LinkTransfer } from './task-link.js';

/** Starts a child as a pool worker (the 'pool' mode, pool/worker.ts). */
export interface PoolStartMessage extends StartMessage {
  mode: 'pool';
  name: string;
  identity: number[];
  parent: { name: string; pid: number };
  initializer: TargetSpec | null;
  initargs: unknown;
  hasHandles: boolean;
  /** maxWorkerMemory in bytes, or null. */
  maxMemory: number | null;
  /** The rings the worker's tasks and messages go through (task-link.ts), or null: the IPC channel. */
  link: LinkTransfer | null;
}

export interface TasksMessage {
  t: 'tasks';
  b: TaskBatch;
}

export interface ResultsMessage {
  t: 'results';
  r: ResultBatch;
}

export interface InitErrorMessage {
  t: 'init-error';
  error: ErrorRecord;
}

/**
 * A worker's last word as it ends on its own (process.exit(), an uncaught error, or asked to):
 * the id of the task it was running, or null when it was between tasks. Every task it held
 * besides that one had either reported its result already or not started. A worker killed by a
 * signal sends nothing.
 */
export interface ExitingMessage {
  t: 'exiting';
  running: number | null;
}

/** A worker passed maxWorkerMemory (`used` bytes): it wants no more tasks, and exits after those it holds. */
export interface RecycleMessage {
  t: 'recycle';
  used: number;
}

/** A value a running task passed to reportProgress() (pool/progress.ts). */
export interface ProgressMessage {
  t: 'progress';
  id: number;
  v: unknown;
}

/**
 * A report for the pool's stderr, from a worker thread: its own process.stderr reaches the parent
 * asynchronously, and what is still in flight when the pool terminates the thread is lost.
 */
export interface ReportMessage {
  t: 'report';
  text: string;
}

export type WorkerToPool = ResultsMessage | InitErrorMessage | ExitingMessage | RecycleMessage | ProgressMessage | ReportMessage;
export type PoolToWorker = TasksMessage | { t: 'exit' };
