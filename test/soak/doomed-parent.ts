// A parent for the soak's last phase: it opens a queue, a lock, a Value, a pipe and a named
// SharedMemory, starts children that use them (a producer, a consumer, a lock holder, a
// synchronous and an asynchronous waiter on that lock, a pipe writer that fills the pipe nobody
// reads and blocks, a child that only holds things open), prints their pids and the segment's
// name once all are at work, and waits to be SIGKILLed. What must follow: every child dies, and
// the resource tracker unlinks the segment.
import { Event, moduleTargets, Pipe, Process, Queue, RawArray, SharedMemory, Value } from 'multiprocessing-ts';
import type { WaiterOutcome } from './roles.js';

const roles = moduleTargets<typeof import('./roles.js')>(new URL('./roles.ts', import.meta.url));
const seed = Number(process.argv[2] ?? 1);

const q = new Queue<Uint8Array | string>(0, undefined, 256 * 1024);
const status = RawArray('B', 1 << 16);
const progress = RawArray('i', 1);
const reports = new Queue<never>();
const value = Value('i', 0);
const lock = value.getLock();
const held = new Event();
const never = new Event();
const outcomes = new Queue<WaiterOutcome>();
const [, writer] = Pipe<Uint8Array>(false);
const sent = RawArray('i', 1);
const shm = new SharedMemory({ create: true, size: 1 << 20 });

const children = [
  new Process({ target: roles.holdLock, args: [lock, held] }),
  new Process({ target: roles.produce, args: [q, status, progress, 0, 1 << 16, 256 * 1024, never, seed] }),
  new Process({ target: roles.consume, args: [q, reports, 'get', 1 << 16, seed + 1] }),
  new Process({ target: roles.waitForLockSync, args: [lock, outcomes, 3_600_000] }),
  new Process({ target: roles.waitForLockAsync, args: [lock, outcomes, 3_600_000] }),
  new Process({ target: roles.sendForever, args: [writer, sent, 512 * 1024, seed + 2] }),
  new Process({ target: roles.idle, args: [shm] }),
];
children[0]!.start();
await held.wait();
for (const child of children.slice(1)) child.start();
// At work: the producer has put something and the pipe writer has sent something.
const atWork = (): boolean => status.array.some((s) => s !== 0) && (sent.array[0] as number) > 0;
while (!atWork()) await new Promise((resolve) => setTimeout(resolve, 10));
console.log(JSON.stringify({ pids: children.map((c) => c.pid), shm: shm.name }));
setInterval(() => {}, 1000);
