// Thread and currentThread: Python's threading vocabulary on worker threads.
// CPython: Lib/threading.py (Thread, current_thread, _newname).
//
// A Thread is the thread backend's Process under Python's threading names: the same start
// message, bootstrap, exit codes and subclass support (src/process/process.ts, the 'thread'
// backend), with threading's default names ('Thread-N (target)').
//
// What a worker thread shares with the thread that started it: shared memory (SharedArrayBuffer,
// so every Lock, Value, SharedArray, Queue, Event ... of this package) and nothing else. Each
// worker runs its own V8 isolate: module variables, the target's closure, `globalThis` are its
// own, and the target travels as source or as a module export, as it does to a process.

import { isMainThread, threadId } from 'node:worker_threads';
import { isModuleTarget, type Target } from '../codec/targets.js';
import { currentProcess, isChild } from '../process/current.js';
import { ThreadProcess, type ProcessOptions } from '../process/process.js';

/**
 * Options of a {@link Thread}: Python's `target`, `args`, `name` and `daemon`.
 * @typeParam T - the target's type, which `args` must fit.
 */
export type ThreadOptions<T extends Target = () => unknown> = ProcessOptions<T>;

let counter = 0;

// Python 3.10+: 'Thread-N', and ' (name of the target)' when there is one.
function newName(target: Target | undefined): string {
  const n = ++counter;
  const targetName = target === undefined ? '' : isModuleTarget(target) ? target.exportName : typeof target === 'function' ? target.name : '';
  return targetName === '' ? `Thread-${n}` : `Thread-${n} (${targetName})`;
}

/**
 * A worker thread that runs `target(...args)` (or a subclass's `run()`): Python's
 * `threading.Thread` on Node's `worker_threads`.
 *
 * The target runs in a thread of its own with its own module instances and globals, so it must be
 * a self-contained function or a module export (`fromModule(import.meta.url, 'name')`), and data it
 * shares with other threads lives in shared memory: pass a `Value`, `SharedArray`, `Lock`, `Queue`…
 * in `args`. A non-daemon thread keeps the program alive until it ends, as in Python; a daemon
 * thread is stopped when the program exits. Named 'Thread-N (target)' unless named.
 *
 * It is this entry point's `Process` with threading's names, so it also has `exitcode`, `ident`
 * (the worker's threadId), `terminate()` and `kill()` (which Python's threads lack).
 * @example
 * const balance = Value('i', 0);
 * const t = new Thread({ target: (b: SharedValue) => { b.value = 42; }, args: [balance], name: 'worker' });
 * t.start();
 * await t.join();
 *
 * Python: threading.Thread
 * @typeParam T - the target's type, which `args` must fit.
 */
export class Thread<T extends Target = () => unknown> extends ThreadProcess<T> {
  /**
   * A thread that has not started yet. Python: `threading.Thread(target=, args=, name=, daemon=)`
   * @typeParam T - the target's type, which `args` must fit.
   */
  constructor(opts?: ThreadOptions<T>) {
    const options = (opts ?? {}) as { target?: Target; name?: string };
    super({ ...options, name: options.name ?? newName(options.target) } as ThreadOptions<T>);
  }
}

/** What {@link currentThread} tells about the running thread. Python: the `threading.current_thread()` object */
export interface ThreadInfo {
  /** 'MainThread' on a program's main thread; a Thread's own name in it. Python: `Thread.name` */
  readonly name: string;
  /** Node's threadId: 0 on the main thread. Python: `Thread.ident` */
  readonly ident: number;
  /** Whether the thread is daemonic (stopped when the program exits). Python: `Thread.daemon` */
  readonly daemon: boolean;
}

/**
 * The running thread: 'MainThread' on the main thread of a program (also in a child process), a
 * Thread's name inside it (a worker of a `Process` or `Pool` of this entry point has its name too),
 * 'Dummy-N' in a worker thread that this package did not start.
 * @example
 * console.log(`thread ${currentThread().name} is running...`);
 *
 * Python: threading.current_thread()
 */
export function currentThread(): ThreadInfo {
  if (isMainThread) return { name: 'MainThread', ident: threadId, daemon: false };
  if (isChild()) {
    const me = currentProcess();
    return { name: me.name, ident: threadId, daemon: me.daemon };
  }
  return { name: `Dummy-${threadId}`, ident: threadId, daemon: true };
}
