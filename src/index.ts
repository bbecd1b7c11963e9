// multiprocessing-ts: Python's multiprocessing for Node.js. This entry point runs children as OS
// processes (the 'process' backend); `multiprocessing-ts/threads` has the same names on worker threads.
// CPython: Lib/multiprocessing/__init__.py
export * from './exports-common.js';
export { Process } from './process/process.js';
export { Pool, ThreadPool } from './pool/pool.js';
