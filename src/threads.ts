// multiprocessing-ts/threads: the root API with children as worker threads, and Python's
// threading names (Thread, currentThread, local) on the same machinery.
// CPython: Lib/multiprocessing/dummy/__init__.py, Lib/threading.py
export * from './exports-common.js';
export { ThreadProcess as Process } from './process/process.js';
export { ThreadPool as Pool, ThreadPool } from './pool/pool.js';
export { Thread, currentThread } from './threading/thread.js';
export type { ThreadOptions, ThreadInfo } from './threading/thread.js';
export { local, ThreadLocal } from './threading/local.js';
