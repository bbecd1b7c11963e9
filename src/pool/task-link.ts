// A process worker's tasks and results over shared memory: two rings per worker (synchronize/
// ring.ts), tasks one way and everything the worker says the other. The IPC channel starts the
// worker, then only wakes a side that sleeps: a reader with nothing to read arms its ring's
// doorbell, and the next writer rings it with an empty IPC message, which wakes the reader's
// event loop at once (a futex would wake a waiter thread of the addon, which then wakes the event
// loop: two turns of a scheduler, dear on a busy CPU). Its end is still seen from the child's
// exit. A message costs a copy in and a copy out and no system call while the other side is
// awake, and a large one (an argument or a result of megabytes) is handed over in a segment of its
// own (shm/handoff.ts) rather than pushed through a socket.
//
// Every message takes the one way (progress, results, the worker's last word), so they keep their
// order. The pool reads only while results are due (the pool keeps its workers' channels
// referenced while it has work, and an idle pool must not keep the event loop alive) and once
// more when the worker has exited, before the pool hears of it: what the worker said before it
// died is heard, as the IPC channel's drain gave. The rings die with their worker, so whatever a
// killed worker left in them (a lock held, half a read) needs no repair.

import { deserialize, serialize } from 'node:v8';
import { hasNative } from '../addon/binding.js';
import type { ChildHandle } from '../backends/backend.js';
import type { ParentChannel } from '../backends/child.js';
import { asPicklingError } from '../backends/clone-error.js';
import { fromPlainBytes, plainBytes } from '../codec/plain.js';
import { LookOdds, lookFor, REPLY_SPIN_MS } from '../latency.js';
import type { BackendKind } from '../runtime.js';
import { releaseBlock } from '../shm/segment.js';
import { runAsync, runSync } from '../shm/wait-driver.js';
import { Ring, type RingTransfer } from '../synchronize/ring.js';
import { RESULT_FIELDS, TASK_FIELDS } from './core.js';
import type { PoolToWorker, WorkerToPool } from './messages.js';

// Room for a burst of small tasks or results; a message over a quarter of it is handed over.
const CAPACITY = 1 << 20;

// A message of plain data travels as JSON (codec/plain.ts), anything else V8-serialized; V8's
// format starts with its version tag, JSON's text of an object with '{'.
const V8_VERSION_TAG = 0xff;

// The tasks of a batch, and the results, are each their own value.
function encodeMessage(message: PoolToWorker | WorkerToPool): Uint8Array {
  return plainBytes(message, message.t === 'tasks' ? message.b : message.t === 'results' ? message.r : undefined) ?? serialize(message);
}

function decodeMessage(bytes: Uint8Array): unknown {
  return bytes[0] === V8_VERSION_TAG ? deserialize(bytes) : fromPlainBytes(bytes);
}

/** The rings of a worker, as its start message carries them. */
export interface LinkTransfer {
  tasks: RingTransfer;
  results: RingTransfer;
}

/** Whether a pool on `backend` links its workers through rings: processes, where the addon is. */
export function linksWorkers(backend: BackendKind): boolean {
  return backend === 'process' && hasNative();
}

// The next message if one is here, without waiting: every message in a ring is whole (a small one
// in place, a larger one's descriptor), and each ring has one reader.
function takeNow(ring: Ring): Uint8Array | undefined {
  if (ring.available() === 0) return undefined;
  const small = ring.tryReadNow();
  if (small !== undefined) return small;
  const got = runSync(ring.receive(0));
  return typeof got === 'string' ? undefined : got;
}

// A result found by looking resolves its promise in this same turn of the event loop, and a loop
// of `await pool.apply()` may then send the next task in it too: past this long, such a chain
// lets the event loop turn (timers, I/O) before it looks again.
const TURN_MS = 1;
let turnStarted: number | undefined;

function mayHoldTheLoop(): boolean {
  const now = performance.now();
  if (turnStarted === undefined) {
    turnStarted = now;
    setImmediate(() => (turnStarted = undefined)).unref();
  }
  return now - turnStarted < TURN_MS;
}

// What rings a sleeping reader's doorbell: any message on the IPC channel past the start.
const BELL = 0;

// After every write to `ring`: a reader that went to sleep on its doorbell is woken, once.
function ringIfAsleep(ring: Ring, send: (message: unknown) => void): void {
  if (ring.takeDoorbell()) send(BELL);
}

function newRing(): Ring {
  const ring = new Ring(CAPACITY);
  // Every message too large to go whole is handed over, so none is ever half in a ring.
  ring.handoffFrom = 1;
  return ring;
}

/** The pool's side of a worker's rings: a ChildHandle whose messages go through them. */
export class LinkedChild implements ChildHandle {
  readonly #child: ChildHandle;
  readonly #tasks = newRing();
  readonly #results = newRing();
  #listener: (message: unknown) => void = () => {};
  // Tasks sent whose results have not come back: the pool reads while there are some.
  #due = 0;
  // A look for results is queued (#spinThenRead), or the pool sleeps until the worker rings.
  #spinning = false;
  #asleep = false;
  readonly #spin = new LookOdds();
  #ended = false;
  // Tasks that found no room in the ring, sent in order as room comes.
  readonly #backlog: Uint8Array[] = [];

  constructor(child: ChildHandle) {
    this.#child = child;
    // The pool does not wait at exit for a worker to take what it handed over.
    this.#tasks.joinAtExit = false;
    // Before the pool's own listener: it hears every message before the exit.
    child.onExit(() => this.#end());
    // Past the start message, the worker's IPC messages only ring the doorbell.
    child.onMessage(this.#rung);
  }

  get stdout(): ChildHandle['stdout'] {
    return this.#child.stdout;
  }

  get stderr(): ChildHandle['stderr'] {
    return this.#child.stderr;
  }

  get pid(): number {
    return this.#child.pid;
  }

  get ident(): number {
    return this.#child.ident;
  }

  /** The rings in travelling form, for the start message. */
  transfer(): LinkTransfer {
    return { tasks: this.#tasks.reduce('process'), results: this.#results.reduce('process') };
  }

  send(message: unknown): void {
    if (this.#ended) return;
    let body: Uint8Array;
    try {
      body = encodeMessage(message as PoolToWorker);
    } catch (err) {
      throw asPicklingError(err, 'the arguments');
    }
    const batch = message as PoolToWorker;
    // A batch too large to go whole (a map's chunks) goes as smaller batches that do, rather than
    // in a segment of its own made for it.
    if (batch.t === 'tasks' && body.length + 4 > this.#tasks.wholeLimit && batch.b.length > TASK_FIELDS) {
      const tasks = batch.b.length / TASK_FIELDS;
      const per = Math.ceil(tasks / Math.ceil((2 * (body.length + 4)) / this.#tasks.wholeLimit)) * TASK_FIELDS;
      for (let i = 0; i < batch.b.length; i += per) this.send({ t: 'tasks', b: batch.b.slice(i, i + per) });
      return;
    }
    if (this.#backlog.length === 0 && this.#writeNow(body)) ringIfAsleep(this.#tasks, this.#ring);
    else if (this.#backlog.push(body) === 1) void this.#sendBacklog();
    if (batch.t === 'tasks') this.#due += batch.b.length / TASK_FIELDS;
    if (this.#due === 0 || this.#asleep || this.#spinning) return;
    // A short task's result often follows at once: look for it before going back to the event
    // loop, once the pool has sent every batch of this turn (not from inside its send).
    this.#spinning = true;
    queueMicrotask(this.#spinThenRead);
  }

  readonly #spinThenRead = (): void => {
    if (REPLY_SPIN_MS > 0 && !mayHoldTheLoop()) return void setImmediate(this.#spinThenRead);
    this.#spinning = false;
    if (this.#asleep || this.#ended) return;
    if (REPLY_SPIN_MS > 0 && this.#spin.worthIt()) this.#spin.record(lookFor(REPLY_SPIN_MS, this.#takeAll));
    this.#sleep();
  };

  // Until a result comes, sleep on the doorbell; what came before it is armed is taken first.
  #sleep(): void {
    while (!this.#ended && this.#due > 0 && !this.#asleep) {
      if (this.#results.armDoorbell()) this.#asleep = true;
      else this.#takeAll();
    }
  }

  readonly #ring = (bell: unknown): void => this.#child.send(bell);

  // The worker rang (or a bell rung for a sleep that ended without it came late: then, nothing).
  readonly #rung = (): void => {
    if (!this.#asleep || this.#ended) return;
    this.#asleep = false;
    this.#takeAll();
    this.#sleep();
  };

  // Now or not at all. A large message is handed over here, so that a failure to make its
  // segment fails the tasks it carries, as one that cannot be cloned does.
  #writeNow(body: Uint8Array): boolean {
    const tasks = this.#tasks;
    if (tasks.tryWriteNow(body)) return true;
    return body.length + 4 > tasks.wholeLimit && runSync(tasks.send(body, -1, 0)) === 'sent';
  }

  async #sendBacklog(): Promise<void> {
    try {
      while (this.#backlog.length > 0 && !this.#ended) {
        await runAsync(this.#tasks.send(this.#backlog[0] as Uint8Array, -1, Infinity));
        this.#backlog.shift();
        ringIfAsleep(this.#tasks, this.#ring);
      }
    } catch (err) {
      // Tasks that cannot reach the worker would wait forever: end it, so they count as lost.
      process.emitWarning(`multiprocessing-ts: a pool could not send tasks to its worker ${this.pid}, which is replaced: ${(err as Error).message}`);
      this.#child.kill();
    }
    this.#backlog.length = 0;
  }

  onMessage(listener: (message: unknown) => void): void {
    this.#listener = listener;
  }

  onExit(listener: (exitcode: number) => void): void {
    this.#child.onExit(listener);
  }

  onReady(listener: () => void): void {
    this.#child.onReady(listener);
  }

  terminate(): void {
    this.#child.terminate();
  }

  kill(): void {
    this.#child.kill();
  }

  ref(): void {
    this.#child.ref();
  }

  unref(): void {
    this.#child.unref();
  }

  rename(name: string): void {
    this.#child.rename(name);
  }

  // Deliver every message here; true if there was one.
  readonly #takeAll = (): boolean => {
    let any = false;
    for (let bytes = takeNow(this.#results); bytes !== undefined; bytes = takeNow(this.#results)) {
      any = true;
      const message = decodeMessage(bytes) as WorkerToPool;
      if (message.t === 'results') this.#due -= message.r.length / RESULT_FIELDS;
      this.#listener(message);
    }
    return any;
  };

  // The worker exited: hear what it said last, stop every wait on its rings, and let them go.
  #end(): void {
    if (this.#ended) return;
    this.#takeAll();
    this.#ended = true;
    this.#asleep = false;
    this.#tasks.close();
    this.#tasks.withdrawHandedOver();
    this.#results.close();
    for (const ring of [this.#tasks, this.#results]) releaseBlock(ring.block);
  }
}

/** The worker's side: a channel to the pool over the rings of its start message. */
export function linkedChannel(channel: ParentChannel, transfer: LinkTransfer): ParentChannel {
  const tasks = Ring.rebuild(transfer.tasks);
  const results = Ring.rebuild(transfer.results);
  const ringPool = (bell: unknown): void => channel.send(bell);
  const poll = (): { message: unknown } | undefined => {
    const bytes = takeNow(tasks);
    return bytes === undefined ? undefined : { message: decodeMessage(bytes) };
  };
  return {
    backend: channel.backend,
    send(message) {
      const body = encodeMessage(message as WorkerToPool);
      // The pool reads while results are due, so a full ring empties soon; if the pool died, so does this process.
      if (!results.tryWriteNow(body)) runSync(results.send(body, -1, Infinity));
      ringIfAsleep(results, ringPool);
    },
    onMessage(listener) {
      let wake: (() => void) | undefined;
      // Past the start message, the pool's IPC messages only ring the doorbell.
      channel.onMessage(() => {
        const woken = wake;
        wake = undefined;
        woken?.();
      });
      void (async () => {
        for (;;) {
          for (let next = poll(); next !== undefined; next = poll()) listener(next.message);
          // Sleep only once the worker is done with this turn: while it runs tasks and lingers
          // (polls), a sleeper here would cost the pool a bell for every task it sends.
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (tasks.armDoorbell()) await new Promise<void>((resolve) => (wake = resolve));
        }
      })();
    },
    poll,
    unref: () => channel.unref(),
    exit: (code) => channel.exit(code),
  };
}
