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

/** The API bound to one backend. */
export interface Context {
  readonly kind: BackendKind;
  readonly Process: typeof Process;
  readonly Pool: typeof Pool;
  readonly currentProcess: typeof currentProcess;
  readonly parentProcess: typeof parentProcess;
  readonly activeChildren: typeof activeChildren;
  readonly cpuCount: typeof cpuCount;
  readonly Lock: typeof Lock;
  readonly RLock: typeof RLock;
  readonly Semaphore: typeof Semaphore;
  readonly BoundedSemaphore: typeof BoundedSemaphore;
  readonly Event: typeof Event;
  readonly Condition: typeof Condition;
  readonly Barrier: typeof Barrier;
  readonly Value: typeof Value;
  readonly RawValue: typeof RawValue;
  readonly SharedArray: typeof SharedArray;
  readonly RawArray: typeof RawArray;
  readonly SharedMemory: typeof SharedMemory;
  readonly Queue: typeof Queue;
  readonly SimpleQueue: typeof SimpleQueue;
  readonly JoinableQueue: typeof JoinableQueue;
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
