// getContext(kind): every public constructor and function bound to one backend.
// CPython: Lib/multiprocessing/context.py (BaseContext, get_context).

import type { BackendKind } from './backends/index.js';
import type { Target } from './codec/targets.js';
import { activeChildren, BaseProcess } from './process/process.js';
import { BasePool } from './pool/pool.js';
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

/** Process on the 'process' backend (OS processes). Python: multiprocessing.Process */
export class Process<T extends Target = () => unknown> extends BaseProcess<T> {
  static override readonly backendKind: BackendKind = 'process';
}

/** Process on the 'thread' backend (worker threads). Python: multiprocessing.dummy.Process */
export class ThreadProcess<T extends Target = () => unknown> extends BaseProcess<T> {
  static override readonly backendKind: BackendKind = 'thread';
}
Object.defineProperty(ThreadProcess, 'name', { value: 'Process' });

/** Pool of worker processes. Python: multiprocessing.Pool */
export class Pool extends BasePool {
  static override readonly backendKind: BackendKind = 'process';
}

/** Pool of worker threads. Python: multiprocessing.pool.ThreadPool / multiprocessing.dummy.Pool */
export class ThreadPool extends BasePool {
  static override readonly backendKind: BackendKind = 'thread';
}

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
