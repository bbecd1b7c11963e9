// A pool's events: the same news through a typed EventEmitter (pool.on(...)) and through
// node:diagnostics_channel channels that APM tools subscribe to without holding the pool. Nothing
// is built for an event no one listens to, so that an unwatched pool pays one check per event.

import diagnosticsChannel from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';
import { APPLY, MAP, type TaskKind } from './core.js';

/** What a task does with its target, as events name it. Python: the func of apply / map / starmap. */
export type TaskKindName = 'apply' | 'map' | 'starmap';

/** A worker, as the events of a pool name it (`workerStart`). No Python twin; like piscina's workerCreate. */
export interface WorkerEvent {
  /** Its name, as `currentProcess().name` in it: `PoolWorker-<pool>-<n>`. */
  readonly worker: string;
  /** Its OS pid (for a thread: the pid of this process). */
  readonly pid: number;
  /** Its pid for a process, its threadId for a thread. */
  readonly ident: number;
}

/** A worker ended (`workerExit`). No Python twin; like piscina's workerDestroy. */
export interface WorkerExitEvent extends WorkerEvent {
  /** Python's exitcode: the exit status, or -N after signal N. */
  readonly exitcode: number;
}

/** A task (one apply, or one chunk of a map) was handed to a worker (`taskStart`). No Python twin. */
export interface TaskStartEvent {
  /** The task's id, unique in its pool. */
  readonly id: number;
  /** What it does with its target. */
  readonly kind: TaskKindName;
  /** The worker that took it. */
  readonly worker: string;
  /** Milliseconds it waited in the queue. */
  readonly waitTime: number;
}

/** A task settled (`taskEnd`): it returned, threw, or was aborted, timed out, lost with its worker or terminated. No Python twin. */
export interface TaskEndEvent {
  /** The task's id, as its `taskStart` gave it. */
  readonly id: number;
  /** What it does with its target. */
  readonly kind: TaskKindName;
  /** The worker that held it; null when it never left the queue. */
  readonly worker: string | null;
  /** Whether it returned a value. */
  readonly ok: boolean;
  /** Milliseconds it ran, as its worker measured (or since it was sent, when the worker could not say); 0 when it never ran. */
  readonly duration: number;
  /** Why it failed; undefined when it succeeded. */
  readonly error: unknown;
}

/**
 * The events of a Pool and their arguments. No Python twin; like piscina's events.
 * - `workerStart`: a worker was started (at the pool's start, or to replace one).
 * - `workerExit`: a worker ended, after every message it sent.
 * - `taskStart` / `taskEnd`: a task was handed to a worker / settled.
 * - `drain`: the last waiting task left the queue (no task waits; some may still run).
 * - `error`: the pool broke (an initializer threw, a worker could not start): the error every
 *   task now rejects with. Unlike a plain EventEmitter's, an `error` with no listener throws nothing.
 */
export interface PoolEventMap {
  /** A worker was started (at the pool's start, or to replace one). */
  workerStart: [event: WorkerEvent];
  /** A worker ended, after every message it sent. */
  workerExit: [event: WorkerExitEvent];
  /** A task was handed to a worker. */
  taskStart: [event: TaskStartEvent];
  /** A task settled, however it ended. */
  taskEnd: [event: TaskEndEvent];
  /** The last waiting task left the queue. */
  drain: [];
  /** The pool broke: the error every task now rejects with. */
  error: [error: Error];
}

/** The name of a pool event. No Python twin. */
export type PoolEventName = keyof PoolEventMap;

/** The prefix of the diagnostics channels: `multiprocessing-ts:pool:<event>`. No Python twin; like undici's `undici:request:*` channels. */
export const CHANNEL_PREFIX = 'multiprocessing-ts:pool:';

/** What a diagnostics channel of a pool publishes: the event's argument and the pool it came from. No Python twin. */
export interface PoolChannelMessage<K extends PoolEventName = PoolEventName> {
  /** The pool the event came from. */
  readonly pool: object;
  /** The event's argument, as its listeners receive it (undefined for `drain`). */
  readonly event: PoolEventMap[K][0];
}

const names: PoolEventName[] = ['workerStart', 'workerExit', 'taskStart', 'taskEnd', 'drain', 'error'];
const channels = Object.fromEntries(names.map((name) => [name, diagnosticsChannel.channel(`${CHANNEL_PREFIX}${name}`)])) as Record<
  PoolEventName,
  diagnosticsChannel.Channel
>;

export function kindName(kind: TaskKind): TaskKindName {
  return kind === APPLY ? 'apply' : kind === MAP ? 'map' : 'starmap';
}

/** Whether anyone hears `name` from `emitter`: a listener, or a channel subscriber. */
export function observed(emitter: EventEmitter, name: PoolEventName): boolean {
  return emitter.listenerCount(name) > 0 || channels[name].hasSubscribers;
}

/**
 * Tell `name` to the emitter's listeners and the channel's subscribers; `make` builds the
 * argument only when someone hears it. Call it only after {@link observed} said so, or pass
 * a cheap `make`.
 */
export function announce<K extends PoolEventName>(emitter: EventEmitter<PoolEventMap>, name: K, make: () => PoolEventMap[K]): void {
  const listened = emitter.listenerCount(name) > 0;
  const channel = channels[name];
  if (!listened && !channel.hasSubscribers) return;
  const args = make();
  if (channel.hasSubscribers) channel.publish({ pool: emitter, event: args[0] } satisfies PoolChannelMessage);
  if (listened) (emitter.emit as (name: K, ...args: PoolEventMap[K]) => boolean)(name, ...args);
}
