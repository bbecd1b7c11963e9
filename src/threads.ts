// multiprocessing-ts/threads: the root API with children as worker threads.
// CPython: Lib/multiprocessing/dummy/__init__.py
export * from './exports-common.js';
export { ThreadProcess as Process, ThreadPool as Pool, ThreadPool } from './context.js';
