// The options of a local Pool beyond Python's: how many workers (elastic sizing), how long its
// queue may grow, and how each worker is started (environment, arguments, Node options, memory).
// No Python twin; as piscina's minThreads, idleTimeout, maxQueue, resourceLimits, env, argv, execArgv.

import { milliseconds, positiveInt } from '../arguments.js';
import type { LaunchOptions, ResourceLimits } from '../backends/backend.js';
import { ValueError } from '../errors.js';
import { maxQueueOption } from './backpressure.js';

export type { ResourceLimits } from '../backends/backend.js';

/** The options of {@link Pool} that Node users expect from piscina; none has a Python twin. */
export interface WorkerOptions {
  /**
   * Keep at least this many workers (0 allowed); those above it start when tasks need them (up to
   * `processes`) and retire after `idleTimeout` ms idle. Default: `processes` (a fixed pool, as
   * Python's), or 0 when `idleTimeout` is given. No Python twin; like piscina's `minThreads`.
   */
  minProcesses?: number;
  /**
   * Milliseconds a worker above `minProcesses` may stay idle before it exits (default: never).
   * An idle worker takes no task once it retires, so retiring never costs one.
   * No Python twin; like piscina's `idleTimeout`.
   */
  idleTimeout?: number;
  /**
   * The most tasks that may wait for a worker (beyond those the workers hold): a submission that
   * finds that many rejects with `Full` (`ERR_MP_QUEUE_FULL`). `'auto'` is `processes²`, as
   * piscina's. A map or imap already under way never fails for it: its next chunks wait for room.
   * Default: no bound. No Python twin (Python's queue is unbounded); like piscina's `maxQueue`.
   */
  maxQueue?: number | 'auto';
  /**
   * V8 heap limits of each worker: a thread's `resourceLimits`; for a process the matching flags
   * (`--max-old-space-size`, `--max-semi-space-size`, `--stack-size`; `codeRangeSizeMb` has
   * none). A worker past them dies, and its task rejects with WorkerLostError.
   * No Python twin; like piscina's `resourceLimits`.
   */
  resourceLimits?: ResourceLimits;
  /**
   * Bytes a worker may use before it is replaced, after the tasks it holds (as `maxTasksPerChild`
   * replaces one): a process's resident set size; a thread's own V8 heap (its process's RSS is
   * shared). No Python twin.
   */
  maxWorkerMemory?: number;
  /** The workers' environment (default: this process's). No Python twin; like piscina's `env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The workers' `process.argv.slice(2)`. No Python twin; like piscina's `argv`. */
  argv?: readonly string[];
  /**
   * The workers' Node options, instead of this process's `process.execArgv`, as `fork()` and
   * `new Worker()` take them. A process: spread `process.execArgv` to keep this one's loaders
   * (`--import tsx`). A thread: give only options Node allows per thread (not V8 flags); this
   * process's loaders still apply. No Python twin; like piscina's `execArgv`.
   */
  execArgv?: readonly string[];
}

/** The options above, checked. */
export interface WorkerSettings {
  min: number;
  idleTimeout: number;
  maxQueue: number;
  maxMemory: number | null;
  launch: Omit<LaunchOptions, 'name'>;
}

/** @throws {TypeError} for a value of the wrong type @throws {ValueError} ERR_MP_BAD_VALUE for one out of range */
export function workerSettings(options: WorkerOptions, processes: number): WorkerSettings {
  const idleTimeout = given(options.idleTimeout) ? nonNegative(milliseconds(options.idleTimeout, 'idleTimeout'), 'idleTimeout') : Infinity;
  const min = given(options.minProcesses) ? minProcesses(options.minProcesses, processes) : idleTimeout === Infinity ? processes : 0;
  return {
    min,
    idleTimeout,
    maxQueue: maxQueueOption(options.maxQueue, processes),
    maxMemory: given(options.maxWorkerMemory) ? positiveInt(options.maxWorkerMemory, 'maxWorkerMemory') : null,
    launch: {
      env: given(options.env) ? environment(options.env) : undefined,
      argv: given(options.argv) ? strings(options.argv, 'argv') : undefined,
      execArgv: given(options.execArgv) ? strings(options.execArgv, 'execArgv') : undefined,
      resourceLimits: given(options.resourceLimits) ? resourceLimits(options.resourceLimits) : undefined,
    },
  };
}

function given<T>(value: T | undefined | null): value is T {
  return value !== undefined && value !== null;
}

function nonNegative(value: number, what: string): number {
  if (value < 0) throw new ValueError(`"${what}" must be at least 0, got ${value}`, { code: 'ERR_MP_BAD_VALUE' });
  return value;
}

function minProcesses(value: unknown, processes: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`Expected "minProcesses" to be an integer, got ${String(value)}`);
  if (value < 0 || value > processes) {
    throw new ValueError(`"minProcesses" must be between 0 and processes (${processes}), got ${value}`, { code: 'ERR_MP_BAD_VALUE' });
  }
  return value;
}

function strings(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new TypeError(`Expected "${what}" to be an array of strings, got ${Array.isArray(value) ? 'an array holding something else' : typeof value}`);
  }
  return [...value];
}

function environment(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`Expected "env" to be an object of strings, got ${typeof value}`);
  const env: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    if (typeof item !== 'string') throw new TypeError(`Expected "env.${key}" to be a string, got ${typeof item}`);
    env[key] = item;
  }
  return env;
}

const limitKeys = ['maxOldGenerationSizeMb', 'maxYoungGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb'] as const;

function resourceLimits(value: unknown): ResourceLimits {
  if (typeof value !== 'object' || value === null) throw new TypeError(`Expected "resourceLimits" to be an object, got ${String(value)}`);
  const limits: Record<string, number> = {};
  for (const [key, item] of Object.entries(value)) {
    if (!(limitKeys as readonly string[]).includes(key)) throw new TypeError(`Unknown "resourceLimits.${key}": expected one of ${limitKeys.join(', ')}`);
    if (item === undefined) continue;
    if (typeof item !== 'number' || Number.isNaN(item)) throw new TypeError(`Expected "resourceLimits.${key}" to be a number of MB, got ${String(item)}`);
    if (!(item > 0)) throw new ValueError(`"resourceLimits.${key}" must be more than 0, got ${item}`, { code: 'ERR_MP_BAD_VALUE' });
    limits[key] = item;
  }
  return limits;
}
