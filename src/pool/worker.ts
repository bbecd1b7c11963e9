// The worker side of Pool, a child's 'pool' mode (backends/child.ts): run the initializer, then
// run tasks one at a time in the order they come, and send results back in batches.
// CPython: worker() in Lib/multiprocessing/pool.py.
//
// A promise that a task leaves rejected with no handler does not end the worker (Node would end
// the process): it is reported on stderr, and the tasks go on, as Python reports an exception no
// one retrieved and goes on. Failing a task for it would often fail the wrong one: Node notices
// such a promise only once the microtasks have run out, when the task that made it may have
// returned long ago (a batch of tiny tasks runs in one go) and a later one may be running.

import { inspect } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { registerChildMode, type ParentChannel } from '../backends/child.js';
import { encodeError } from '../codec/error-codec.js';
import { decodeHandles } from '../codec/handles.js';
import { explainReferenceError, loadTarget } from '../codec/target-loader.js';
import type { TargetSpec } from '../codec/targets.js';
import { LookOdds, lookFor, WORKER_LINGER_MS } from '../latency.js';
import { enterChild } from '../process/current.js';
import { RESULT_FIELDS, TASK_FIELDS, type ResultBatch, type TaskBatch, type TaskKind } from './core.js';
import type { ExitingMessage, PoolStartMessage, PoolToWorker, ProgressMessage, RecycleMessage, ReportMessage, ResultsMessage } from './messages.js';
import { setProgressSink } from './progress.js';
import { linkedChannel } from './task-link.js';
import { isThenable, runTask, type Call } from './task-runner.js';
import { joinTransfers, movedIn, NO_BUFFERS } from './transfer.js';

// Results are held back at most this long, so that a burst of tiny tasks costs one message.
const FLUSH_MS = 2;

interface LoadedTarget {
  fn: Call;
  spec: TargetSpec;
}

/** Results on their way back to the pool, sent together. */
class Results {
  readonly #channel: ParentChannel;
  #out: ResultBatch = [];
  // The ArrayBuffers the results hand over (those a task returned through move()).
  #transfers: (readonly ArrayBuffer[])[] = [];
  #lastFlush = performance.now();

  constructor(channel: ParentChannel) {
    this.#channel = channel;
  }

  /** Add the result of task `id`; the batch goes out if the last one went FLUSH_MS ago. */
  add(id: number, ok: 0 | 1, value: unknown, us: number, now: number, transfer: readonly ArrayBuffer[]): void {
    this.#out.push(id, ok, value, us);
    if (transfer.length > 0) this.#transfers.push(transfer);
    if (now - this.#lastFlush >= FLUSH_MS) this.flush();
  }

  readonly flush = (): void => {
    if (this.#out.length === 0) return;
    const batch = this.#out;
    const transfers = this.#transfers;
    this.#out = [];
    this.#transfers = [];
    this.#lastFlush = performance.now();
    try {
      this.#send(batch, joinTransfers(transfers));
    } catch {
      // One result could not be cloned: send the others, and a PicklingError for that one.
      for (let i = 0; i < batch.length; i += RESULT_FIELDS) {
        const result = batch.slice(i, i + RESULT_FIELDS);
        try {
          this.#send(result, result[1] === 1 ? movedIn(result[2], 1) : undefined);
        } catch (err) {
          const message = `The result of task ${String(result[0])} cannot be sent back: ${(err as Error).message.replace(/\.$/, '')}. Return structured-clone data`;
          const error = Object.assign(new Error(message), { name: 'PicklingError', code: 'ERR_MP_UNPICKLABLE_RESULT' });
          this.#send([result[0] as number, 0, encodeError(error), result[3] as number]);
        }
      }
    }
  };

  #send(batch: ResultBatch, transfer?: readonly ArrayBuffer[]): void {
    this.#channel.send({ t: 'results', r: batch } satisfies ResultsMessage, transfer);
  }
}

class PoolWorker {
  readonly #channel: ParentChannel;
  readonly #results: Results;
  // By the number the pool gave each target for this worker.
  readonly #targets = new Map<number, LoadedTarget>();
  #queue: TaskBatch = [];
  #head = 0;
  #draining = false;
  #exiting = false;
  #running: number | null = null;
  readonly #maxMemory: number | null;
  #overMemory = false;
  readonly #lingerOdds = new LookOdds();

  constructor(channel: ParentChannel, maxMemory: number | null) {
    this.#channel = channel;
    this.#results = new Results(channel);
    this.#maxMemory = maxMemory;
    setProgressSink(this.#sendProgress);
  }

  // maxWorkerMemory: past it, ask the pool (once) to send no more tasks and let this worker exit
  // after those it holds (tasks sent before the pool heard it). A process measures its resident set; a thread, which shares its
  // process's, its own V8 heap.
  #checkMemory(): void {
    if (this.#maxMemory === null || this.#overMemory) return;
    const used = this.#channel.backend === 'process' ? process.memoryUsage.rss() : getHeapStatistics().used_heap_size;
    if (used <= this.#maxMemory) return;
    this.#overMemory = true;
    this.#channel.send({ t: 'recycle', used } satisfies RecycleMessage);
  }

  // Sent at once, ahead of the results held back: a task's progress reaches the pool before its result.
  readonly #sendProgress = (value: unknown): boolean => {
    const id = this.#running;
    if (id === null) return false;
    this.#channel.send({ t: 'progress', id, v: value } satisfies ProgressMessage);
    return true;
  };

  readonly receive = (message: unknown): void => {
    const msg = message as PoolToWorker;
    if (msg.t === 'tasks') {
      if (this.#head === this.#queue.length) {
        this.#queue = msg.b;
        this.#head = 0;
      } else {
        for (const field of msg.b) this.#queue.push(field);
      }
      if (!this.#draining) void this.#drain();
    } else if (msg.t === 'exit') {
      this.#exiting = true;
      if (!this.#draining) this.#exitSoon();
    }
  };

  /**
   * The worker's last word as it ends (process.exit() in a task, an uncaught error, or asked to):
   * the results it holds, and which task it was running, so that the pool charges that one and
   * runs the others elsewhere. A signal gives no such chance.
   */
  readonly sayGoodbye = (): void => {
    try {
      this.#results.flush();
      this.#channel.send({ t: 'exiting', running: this.#running } satisfies ExitingMessage);
    } catch {
      // the parent is gone
    }
  };

  async #drain(): Promise<void> {
    this.#draining = true;
    // Tasks may have come while this awaited (several messages read at once are handled in one
    // go, before it resumes): run them too before it stops draining.
    do {
      await this.#runQueued();
      this.#results.flush();
    } while (this.#head < this.#queue.length || (!this.#exiting && this.#linger()));
    this.#draining = false;
    if (this.#exiting) this.#exitSoon();
  }

  // After the current turn of the event loop: a promise a task left rejected is reported only
  // once that turn ends, and lingering may have run a whole batch and the exit within it.
  #exitSoon(): void {
    setImmediate(() => this.#channel.exit(0));
  }

  // The queue is the tasks' fields in a row (TaskBatch), read in place.
  async #runQueued(): Promise<void> {
    while (this.#head < this.#queue.length) {
      const queue = this.#queue;
      const at = this.#head;
      this.#head += TASK_FIELDS;
      const id = queue[at] as number;
      const key = queue[at + 2] as number;
      const began = performance.now();
      this.#running = id;
      let target = this.#targets.get(key);
      let ok: 0 | 1 = 1;
      let value: unknown;
      try {
        target ??= await this.#load(key, queue[at + 3] as TargetSpec | 0);
        const raw = queue[at + 4];
        // Not held once it has run: a large argument goes as soon as it may.
        queue[at + 4] = undefined;
        const args = queue[at + 5] === true ? await decodeHandles(raw, true) : raw;
        value = runTask(queue[at + 1] as TaskKind, target.fn, args, this.#results.flush);
        if (isThenable(value)) {
          this.#results.flush();
          value = await value;
        }
      } catch (err) {
        ok = 0;
        value = encodeError(target === undefined ? err : explainReferenceError(err, target.spec));
      }
      const ended = performance.now();
      this.#running = null;
      // Before the result: the pool hears it before it could give this worker another task.
      this.#checkMemory();
      this.#results.add(id, ok, value, Math.round((ended - began) * 1000), ended, ok === 1 ? movedIn(value, 1) : NO_BUFFERS);
    }
    this.#queue = [];
    this.#head = 0;
  }

  async #load(key: number, spec: TargetSpec | 0): Promise<LoadedTarget> {
    if (spec === 0) throw new Error(`internal: the pool sent target ${key} without its source`);
    const entry = { fn: (await loadTarget(spec)) as Call, spec };
    this.#targets.set(key, entry);
    return entry;
  }

  // Wait briefly for the next message without sleeping; true if it brought tasks. A pool's next
  // task usually follows its last result at once, and waking a sleeping thread costs more than a
  // round trip (latency.ts).
  #linger(): boolean {
    if (this.#channel.poll === undefined || WORKER_LINGER_MS === 0 || !this.#lingerOdds.worthIt()) return false;
    const found = lookFor(WORKER_LINGER_MS, this.#receivePolled);
    this.#lingerOdds.record(found);
    return found && this.#head < this.#queue.length;
  }

  readonly #receivePolled = (): boolean => {
    const next = this.#channel.poll?.();
    if (next === undefined) return false;
    this.receive(next.message);
    return true;
  };
}

async function runPoolWorker(ipc: ParentChannel, start: PoolStartMessage): Promise<void> {
  const channel = start.link === null ? ipc : linkedChannel(ipc, start.link);
  enterChild({ name: start.name, daemon: true, identity: start.identity, parent: start.parent, backend: channel.backend });
  const worker = new PoolWorker(channel, start.maxMemory);
  process.on('exit', worker.sayGoodbye);
  process.on('unhandledRejection', (reason) => {
    const text = `${start.name}: a task left a promise rejected with no handler; the worker goes on:\n${inspect(reason)}\n`;
    if (channel.backend === 'thread') channel.send({ t: 'report', text } satisfies ReportMessage);
    else process.stderr.write(text);
  });
  if (start.initializer !== null) {
    try {
      const init = await loadTarget(start.initializer);
      const initargs = (await decodeHandles(start.initargs, start.hasHandles)) as unknown[];
      await (init as Call)(...initargs);
    } catch (err) {
      channel.send({ t: 'init-error', error: encodeError(explainReferenceError(err, start.initializer)) });
      channel.exit(1);
      return;
    }
  }
  channel.onMessage(worker.receive);
}

registerChildMode<PoolStartMessage>('pool', runPoolWorker);
