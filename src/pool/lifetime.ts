// A local Pool's lifetime: its state (running, closed, terminated, broken), starting and
// replacing its workers, and keeping the program alive only while there is work.
// CPython: Pool.__init__, _repopulate_pool, close, terminate and join in Lib/multiprocessing/pool.py.

import { totalmem } from 'node:os';
import type { ChildHandle, LaunchOptions } from '../backends/backend.js';
import { getBackend } from '../backends/index.js';
import { ValueError } from '../errors.js';
import { DEBUG, getLogger } from '../logger.js';
import { nextIdentity } from '../process/current.js';
import type { BackendKind } from '../runtime.js';
import { notRunningError, terminatedError, type PoolState } from './core.js';
import type { PoolStartMessage, WorkerToPool } from './messages.js';
import { LinkedChild, linksWorkers } from './task-link.js';
import { WorkerSlot } from './worker-slot.js';

const logger = getLogger();

/** What the pool does when its workers speak, start and end. */
export interface LifetimeHooks {
  /** A worker sent results, or its initializer's error. */
  message(slot: WorkerSlot, message: Exclude<WorkerToPool, { t: 'exiting' | 'recycle' }>): void;
  /** A new worker can take tasks. */
  started(slot: WorkerSlot): void;
  /** A worker ended, after every message it sent. */
  exited(slot: WorkerSlot, exitcode: number): void;
  /** A replacement, or a worker started after the first, could not be started. */
  failed(error: Error): void;
  /** Whether tasks wait or run: the workers then keep the program alive. */
  busy(): boolean;
  /** Whether tasks wait for a worker: a closed pool still replaces workers for them. */
  queued(): boolean;
  /** How many workers the work wants now: those running tasks, and one per task that waits. */
  demand(): number;
}

export interface LifetimeOptions {
  backend: BackendKind;
  /** The most workers. */
  size: number;
  /** The fewest workers: those above it start on demand and retire after `idleTimeout` ms idle. */
  min: number;
  /** Milliseconds a worker above `min` may stay idle; Infinity: it never retires. */
  idleTimeout: number;
  /** How each worker is started: its environment, arguments, Node options and heap limits. */
  launch: Omit<LaunchOptions, 'name'>;
  /** Names the workers `${prefix}-N`. */
  prefix: string;
  start: Omit<PoolStartMessage, 'name' | 'identity' | 'link'>;
  hooks: LifetimeHooks;
}

export class PoolLifetime {
  readonly #backend: BackendKind;
  readonly #size: number;
  readonly #min: number;
  readonly #idleTimeout: number;
  readonly #launchOptions: Omit<LaunchOptions, 'name'>;
  readonly #idleTimers = new Map<WorkerSlot, NodeJS.Timeout>();
  readonly #prefix: string;
  readonly #start: Omit<PoolStartMessage, 'name' | 'identity' | 'link'>;
  readonly #hooks: LifetimeHooks;
  readonly #slots = new Set<WorkerSlot>();
  #state: PoolState = 'RUN';
  #brokenBy: ValueError | undefined;
  #started = 0;
  #pacing: NodeJS.Immediate | undefined;
  #referenced = false;
  #unrefScheduled = false;
  #joined: Promise<void> | undefined;

  constructor(options: LifetimeOptions) {
    this.#backend = options.backend;
    this.#size = options.size;
    this.#min = options.min;
    this.#idleTimeout = options.idleTimeout;
    this.#launchOptions = options.launch;
    this.#prefix = options.prefix;
    this.#start = options.start;
    this.#hooks = options.hooks;
  }

  get state(): PoolState {
    return this.#state;
  }

  /** The workers, in the order they started. */
  get slots(): ReadonlySet<WorkerSlot> {
    return this.#slots;
  }

  /** @throws {ValueError} when the pool was closed, terminated or broken */
  assertRunning(): void {
    if (this.#state !== 'RUN') throw this.#brokenBy ?? notRunningError(this.#state);
  }

  /** @throws {ValueError} when the pool was terminated or broken (a closed pool still runs what it accepted) */
  assertNotTerminated(): void {
    if (this.#state === 'TERMINATE') throw this.#brokenBy ?? terminatedError('all work');
  }

  /** Take no more tasks; false when the pool was not running. */
  close(): boolean {
    if (this.#state !== 'RUN') return false;
    this.#state = 'CLOSE';
    return true;
  }

  /** Kill every worker; false when the pool was terminated already. */
  terminate(): boolean {
    if (this.#state === 'TERMINATE') return false;
    this.#state = 'TERMINATE';
    this.#stopPacing();
    for (const timer of this.#idleTimers.values()) clearTimeout(timer);
    this.#idleTimers.clear();
    for (const slot of this.#slots) slot.kill();
    return true;
  }

  /**
   * What fails in one worker would fail in every replacement too (an initializer that throws: Python
   * restarts it forever): the pool is broken, with the error every task now rejects with; undefined
   * when it was already. `what` says what failed, `todo` what to do.
   */
  break(what: string, todo: string, cause: Error): ValueError | undefined {
    if (this.#brokenBy !== undefined) return undefined;
    this.#brokenBy = new ValueError(`Pool broken: ${what} (${cause.name}: ${cause.message}); ${todo}`, { code: 'ERR_MP_POOL_BROKEN', cause });
    this.terminate();
    return this.#brokenBy;
  }

  /** Ask the workers that hold nothing to exit (a closed pool whose queue is empty). */
  retireIdle(): void {
    for (const slot of this.#slots) if (slot.idle) slot.retire();
  }

  /**
   * Start workers up to the number the pool wants: one now, and each other on a later turn of the
   * event loop, so that starting many (each a fork() or a new thread, milliseconds of the loop's
   * time) never holds the loop for more than one.
   */
  fill(): void {
    if (this.#pacing !== undefined || this.#slots.size >= this.#wanted()) return;
    this.#launch();
    if (this.#slots.size >= this.#wanted()) return;
    this.#pacing = setImmediate(() => {
      this.#pacing = undefined;
      this.#refill();
    });
    if (!this.#referenced) this.#pacing.unref();
  }

  /**
   * Start workers the work wants (a pool above its minimum grows on demand), and watch the idle
   * ones: a worker above the minimum idle for `idleTimeout` ms retires. A start that throws breaks
   * the pool (through the `failed` hook) rather than the call that submitted a task.
   */
  adjust(): void {
    if (this.#min === this.#size) return;
    this.#refill();
    if (this.#idleTimeout === Infinity) return;
    for (const slot of this.#slots) {
      const timer = this.#idleTimers.get(slot);
      if (slot.idle && slot.state === 'working') {
        if (timer === undefined) this.#idleTimers.set(slot, setTimeout(() => this.#idleExpired(slot), this.#idleTimeout).unref());
      } else if (timer !== undefined) {
        clearTimeout(timer);
        this.#idleTimers.delete(slot);
      }
    }
  }

  // Retire a worker that stayed idle, if the pool keeps its minimum without it. It is idle and no
  // longer open to tasks from now on: it never takes a task with it.
  #idleExpired(slot: WorkerSlot): void {
    this.#idleTimers.delete(slot);
    if (!slot.idle || slot.state !== 'working') return;
    let working = 0;
    for (const other of this.#slots) if (other.state === 'working') working++;
    if (working > this.#min) slot.retire();
  }

  // fill() from the event loop, where a start that throws has no caller to tell but the pool.
  #refill(): void {
    try {
      this.fill();
    } catch (err) {
      this.#hooks.failed(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #wanted(): number {
    if (this.#state === 'TERMINATE' || (this.#state === 'CLOSE' && !this.#hooks.queued())) return 0;
    if (this.#min === this.#size) return this.#size;
    return Math.min(this.#size, Math.max(this.#min, this.#hooks.demand()));
  }

  #stopPacing(): void {
    if (this.#pacing !== undefined) clearImmediate(this.#pacing);
    this.#pacing = undefined;
  }

  #launch(): void {
    const identity = nextIdentity();
    const name = `${this.#prefix}-${++this.#started}`;
    const launched = getBackend(this.#backend).launch({ ...this.#launchOptions, name, module: this.#start.module });
    let child: ChildHandle;
    try {
      const linked = linksWorkers(this.#backend) ? new LinkedChild(launched) : undefined;
      launched.send({ ...this.#start, name, identity, link: linked?.transfer() ?? null } satisfies PoolStartMessage);
      child = linked ?? launched;
    } catch (err) {
      launched.kill();
      throw err;
    }
    let markExited!: () => void;
    const slot = new WorkerSlot(name, child, new Promise<void>((resolve) => (markExited = resolve)));
    this.#slots.add(slot);
    if (logger.isEnabledFor(DEBUG)) logger.debug(`added worker ${name}`);
    child.onMessage((message) => {
      const msg = message as WorkerToPool;
      if (msg.t === 'exiting') slot.exiting(msg.running);
      else if (msg.t === 'recycle') slot.retire();
      else this.#hooks.message(slot, msg);
    });
    child.onExit((exitcode) => {
      if (logger.isEnabledFor(DEBUG)) logger.debug(`cleaning up worker ${name} (exitcode ${exitcode})`);
      this.#slots.delete(slot);
      clearTimeout(this.#idleTimers.get(slot));
      this.#idleTimers.delete(slot);
      this.#hooks.exited(slot, exitcode);
      markExited();
      this.#refill();
    });
    if (!this.#referenced) child.unref();
    this.#hooks.started(slot);
  }

  // Workers keep the program alive only while there is work, or someone waits in join(). Going
  // idle is confirmed a turn later, so that a loop of `await pool.apply()` does not toggle handles.
  updateRef(): void {
    const busy = this.#joined !== undefined || this.#hooks.busy();
    if (busy && !this.#referenced) {
      this.#setReferenced(true);
    } else if (!busy && this.#referenced && !this.#unrefScheduled) {
      this.#unrefScheduled = true;
      setImmediate(() => {
        this.#unrefScheduled = false;
        if (this.#referenced && !this.#hooks.busy() && this.#joined === undefined) this.#setReferenced(false);
      });
    }
  }

  #setReferenced(referenced: boolean): void {
    this.#referenced = referenced;
    for (const slot of this.#slots) {
      if (referenced) slot.child.ref();
      else slot.child.unref();
    }
    if (referenced) this.#pacing?.ref();
    else this.#pacing?.unref();
  }

  /** Resolves when every worker has exited and no other is about to start. */
  waitForWorkers(): Promise<void> {
    if (this.#joined === undefined) {
      this.#joined = (async () => {
        while (this.#slots.size > 0 || this.#pacing !== undefined) {
          if (this.#slots.size > 0) await Promise.all([...this.#slots].map((slot) => slot.exited));
          else await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      this.updateRef();
    }
    return this.#joined;
  }
}

// What a worker needs before it runs a task, rounded down so that the bound below refuses only
// what the machine surely cannot hold: an idle pool worker process has about 46 MiB resident
// (part of it the node binary, shared), a worker thread adds about 9 MiB to its process.
const kFootprint: Record<BackendKind, number> = { process: 32 * 2 ** 20, thread: 8 * 2 ** 20 };

/**
 * The largest pool the machine can hold: as many workers as its memory (or its cgroup's limit)
 * has room for at their start-up footprint, and at least one per CPU.
 */
export function poolSizeLimit(backend: BackendKind, cpus: number): number {
  return Math.max(cpus, Math.floor(memoryLimit() / kFootprint[backend]));
}

/**
 * @throws {ValueError} ERR_MP_POOL_TOO_LARGE when `size` is over `limit`: the one given, or
 * {@link poolSizeLimit} when none was
 */
export function checkPoolSize(size: number, backend: BackendKind, cpus: number, limit: number | undefined): void {
  const max = limit ?? poolSizeLimit(backend, cpus);
  if (size <= max) return;
  const what = `Pool of ${size} ${backend === 'process' ? 'processes' : 'threads'}`;
  const why =
    limit === undefined
      ? `is more than this machine can hold: at about ${kFootprint[backend] / 2 ** 20} MiB each before it runs a task, its ${(memoryLimit() / 2 ** 30).toFixed(1)} GiB of memory holds ${max}`
      : `is over its "processesLimit" of ${max}`;
  throw new ValueError(`${what} ${why}. Use fewer, or pass { processesLimit: ${size} } to start them anyway`, { code: 'ERR_MP_POOL_TOO_LARGE' });
}

function memoryLimit(): number {
  const total = totalmem();
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  return constrained !== undefined && constrained > 0 && constrained < total ? constrained : total;
}
