// Type tests, compiled by `npm run typecheck`: wrong calls must not compile.
import { move, Pool } from 'multiprocessing-ts';
import { move as moveThread, Pool as ThreadPool } from 'multiprocessing-ts/threads';

const sum = (b: ArrayBuffer): number => b.byteLength;
const first = (v: Uint8Array): number => v[0] ?? 0;

new Pool(4, { minProcesses: 1, idleTimeout: 1000, maxQueue: 'auto', env: { A: 'b' }, argv: ['x'], execArgv: [], maxWorkerMemory: 2 ** 30 });
new Pool(4, { maxQueue: 16, resourceLimits: { maxOldGenerationSizeMb: 64, stackSizeMb: 4 } });
const pool = new ThreadPool(2);
const size: number = pool.size;
const drained: Promise<void> = pool.drained();
void pool.apply(sum, [move(new ArrayBuffer(8))]);
void pool.apply(first, [moveThread(new Uint8Array(8))]);
void pool.applyAsync(sum, [new ArrayBuffer(8)], { transfer: [new ArrayBuffer(8)] });
const kept: Uint8Array = move(new Uint8Array(4));
void [size, drained, kept];

// @ts-expect-error: maxQueue is a number or 'auto'
new Pool(4, { maxQueue: 'unbounded' });
// @ts-expect-error: env values are strings
new Pool(4, { env: { A: 1 } });
// @ts-expect-error: not a resource limit
new Pool(4, { resourceLimits: { maxHeapMb: 1 } });
// @ts-expect-error: move() takes an ArrayBuffer or a view
move('bytes');
// @ts-expect-error: move() keeps the type: a Uint8Array is not an ArrayBuffer
void pool.apply(sum, [move(new Uint8Array(8))]);
// @ts-expect-error: transfer lists ArrayBuffers
void pool.applyAsync(sum, [new ArrayBuffer(8)], { transfer: [new Uint8Array(8)] });
// @ts-expect-error: size is read-only
pool.size = 3;
