// Type tests of the Pool's events, progress and output options, compiled by `npm run typecheck`:
// wrong calls must not compile.
import { Pool, Process, type TaskEndEvent } from 'multiprocessing-ts';

const pool = new Pool(2, { stdout: 'pipe', stderr: 'inherit', prefix: (name, stream) => `${name}:${stream} ` });
pool.on('taskEnd', (e: TaskEndEvent) => void e.duration);
pool.on('workerExit', (e) => void e.exitcode);
pool.on('drain', () => undefined);
pool.on('error', (err) => void err.message);
// @ts-expect-error: no such event
pool.on('taskDone', () => undefined);
// @ts-expect-error: drain has no argument
pool.on('drain', (x: number) => void x);
// @ts-expect-error: a taskStart has no exitcode
pool.on('taskStart', (e) => void e.exitcode);

const square = (x: number): number => x * x;
void pool.apply(square, [2], { onProgress: (value, taskId) => void [value, taskId], timeout: 100 });
void pool.apply(() => 1);
void pool.apply(() => 1, [], { onProgress: () => undefined });
void pool.map(square, [1, 2], 1);
void pool.map(square, [1, 2], { chunksize: 1, progress: true, onProgress: () => undefined });
void pool.imap(square, [1, 2], { progress: true });
void pool.mapAsync(square, [1], { onProgress: () => undefined, progress: true });
// @ts-expect-error: progress is a boolean
void pool.map(square, [1, 2], { progress: 'yes' });
// @ts-expect-error: onProgress is a function
void pool.apply(square, [2], { onProgress: 1 });
// @ts-expect-error: 'file' is not an output mode
new Pool(1, { stdout: 'file' });
new Process({ target: () => undefined, stdout: 'pipe', prefix: true });
// @ts-expect-error: a prefix is a boolean, a string or a function
new Process({ target: () => undefined, prefix: 1 });
const out: import('node:stream').Readable | null = pool.stdout;
void out;
