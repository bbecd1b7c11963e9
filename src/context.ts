// getContext(kind): every public constructor and function bound to one backend.
// CPython: Lib/multiprocessing/context.py (BaseContext, get_context).

import type { BackendKind } from './runtime.js';
import { activeChildren, Process, ThreadProcess } from './process/process.js';
import { Pool, ThreadPool } from './pool/pool.js';
import { cpuCount, currentProcess, parentProcess } from './process/current.js';
import { Barrier } from './synchronize/barrier.js';
import { Condition } from './synchronize/condition.js';
import { Event } from './synchronize/event.js';
import { Lock, RLock } from './synchronize/lock.js';
import { BoundedSemaphore, Semaphore } from './synchronize/semaphore.js';
import { RawArray, RawValue, SharedArray, Value } from './sharedctypes/sharedctypes.js';
import { SharedMemory } from './sharedctypes/shared-memory.js';
import { JoinableQueue, Queue, SimpleQueue } from './queues/queue.js';
import { Pipe } from './queues/pipe.js';

// Shared primitives live in memory that both backends reach, so every context has the same ones.
const shared = { Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition, Barrier, Value, RawValue, SharedArray, RawArray, SharedMemory, Queue, SimpleQueue, JoinableQueue, Pipe } as const;

/** The API bound to one backend. Python: `multiprocessing.context.BaseContext` */
export interface Context {
  /** The backend this context starts children on. Python: `ctx.get_start_method()` ('process' stands for spawn; there is no fork). */
  readonly kind: BackendKind;
  /** Process bound to this backend. Python: `ctx.Process` */
  readonly Process: typeof Process;
  /** Pool bound to this backend. Python: `ctx.Pool` */
  readonly Pool: typeof Pool;
  /** Python: `multiprocessing.current_process` (the same function in every context). */
  readonly currentProcess: typeof currentProcess;
  /** Python: `multiprocessing.parent_process` */
  readonly parentProcess: typeof parentProcess;
  /** Python: `multiprocessing.active_children` */
  readonly activeChildren: typeof activeChildren;
  /** Python: `multiprocessing.cpu_count` */
  readonly cpuCount: typeof cpuCount;
  /** Python: `ctx.Lock` */
  readonly Lock: typeof Lock;
  /** Python: `ctx.RLock` */
  readonly RLock: typeof RLock;
  /** Python: `ctx.Semaphore` */
  readonly Semaphore: typeof Semaphore;
  /** Python: `ctx.BoundedSemaphore` */
  readonly BoundedSemaphore: typeof BoundedSemaphore;
  /** Python: `ctx.Event` */
  readonly Event: typeof Event;
  /** Python: `ctx.Condition` */
  readonly Condition: typeof Condition;
  /** Python: `ctx.Barrier` */
  readonly Barrier: typeof Barrier;
  /** Python: `ctx.Value` */
  readonly Value: typeof Value;
  /** Python: `ctx.RawValue` */
  readonly RawValue: typeof RawValue;
  /** Python: `ctx.Array` (renamed: `Array` is JavaScript's own). */
  readonly SharedArray: typeof SharedArray;
  /** Python: `ctx.RawArray` */
  readonly RawArray: typeof RawArray;
  /** Python: `multiprocessing.shared_memory.SharedMemory` (not on Python's context; the same class in both contexts here). */
  readonly SharedMemory: typeof SharedMemory;
  /** Python: `ctx.Queue` */
  readonly Queue: typeof Queue;
  /** Python: `ctx.SimpleQueue` */
  readonly SimpleQueue: typeof SimpleQueue;
  /** Python: `ctx.JoinableQueue` */
  readonly JoinableQueue: typeof JoinableQueue;
  /** Python: `ctx.Pipe` */
  readonly Pipe: typeof Pipe;
}

const contexts: Record<BackendKind, Context> = {
  process: Object.freeze({ kind: 'process', Process, Pool, currentProcess, parentProcess, activeChildren, cpuCount, ...shared }),
  thread: Object.freeze({ kind: 'thread', Process: ThreadProcess as typeof Process, Pool: ThreadPool, currentProcess, parentProcess, activeChildren, cpuCount, ...shared }),
};

/**
 * The API bound to a backend: `'process'` (the default, OS processes) or `'thread'` (worker threads).
 * @example
 * const ctx = getContext('thread');
 * const p = new ctx.Process({ target: () => console.log('in a thread') });
 *
 * Python: multiprocessing.get_context(method)
 */
export function getContext(kind: BackendKind = 'process'): Context {
  const ctx = contexts[kind];
  if (ctx === undefined) throw new TypeError(`Unknown backend "${String(kind)}": expected 'process' or 'thread'`);
  return ctx;
}
