// What travels through Redis for the distributed pool: a job names a module export and carries
// its arguments; the worker answers with an outcome. BullMQ stores both as JSON, so plain data
// (codec/plain.ts) goes as it is; anything else (Map, Set, Date, BigInt, -0, undefined, shared
// references...) is V8-serialized, as between local processes, then base64.
//
// The worker also publishes each outcome on the pool's reply channel as it finishes: a submitter
// hears of each job of the pool once, instead of reading every event of the queue's stream (added,
// waiting, active, completed, drained) and waking for each. One channel per pool, not per
// submitter, so that a restarted submitter hears at once of the jobs its predecessor left running.

import { deserialize, serialize } from 'node:v8';
import { asPicklingError } from '../backends/clone-error.js';
import { decodeError, encodeError } from '../codec/error-codec.js';
import { isPlain } from '../codec/plain.js';
import type { Outcome, TaskKind } from '../pool/core.js';

/** @internal An argument list as JSON carries it, or V8-serialized in base64. */
export type WireValue = unknown[] | string;

/** @internal The data of one BullMQ job. */
export interface JobData {
  /** Module URL on the submitting machine (used only by workers started without a module). */
  u: string;
  /** Export name. */
  e: string;
  /** Task kind: apply, map or starmap. */
  k: TaskKind;
  /** The arguments (apply) or items (map, starmap). */
  a: WireValue;
}

/**
 * @internal What a job returns: `[1, value]` or `[1]` (undefined) for a plain result, else the
 * V8-serialized Outcome in base64.
 */
export type WireOutcome = [ok: 1, value?: unknown] | string;

function toBase64(value: unknown): string {
  return serialize(value).toString('base64');
}

/** @internal */
export function encodeArgs(args: unknown[], what: string): WireValue {
  if (isPlain(args)) return args;
  try {
    return toBase64(args);
  } catch (err) {
    throw asPicklingError(err, what);
  }
}

/** @internal */
export function decodeArgs(value: WireValue): unknown[] {
  return typeof value === 'string' ? (deserialize(Buffer.from(value, 'base64')) as unknown[]) : value;
}

/** @internal Encode a task's outcome on the worker; a result that cannot travel becomes its error. */
export function encodeOutcome(ok: boolean, value: unknown): WireOutcome {
  if (!ok) return toBase64([0, encodeError(value)] satisfies Outcome);
  if (value === undefined) return [1];
  if (isPlain(value)) return [1, value];
  try {
    return toBase64([1, value] satisfies Outcome);
  } catch (err) {
    return toBase64([0, encodeError(asPicklingError(err, 'the result of a task'))] satisfies Outcome);
  }
}

/** @internal Whether a job's return value is an outcome of ours (another program may share the queue). */
export function isWireOutcome(value: unknown): value is WireOutcome {
  return typeof value === 'string' || (Array.isArray(value) && value[0] === 1 && value.length <= 2);
}

/** @internal Decode an outcome on the submitter: the value, or the error rebuilt with its class. */
export function decodeOutcome(wire: WireOutcome): { ok: true; value: unknown } | { ok: false; error: Error } {
  const outcome = typeof wire === 'string' ? (deserialize(Buffer.from(wire, 'base64')) as Outcome) : ([1, wire[1]] as Outcome);
  return outcome[0] === 1 ? { ok: true, value: outcome[1] } : { ok: false, error: decodeError(outcome[1]) };
}

/**
 * @internal The channel where the workers of a pool publish its outcomes. Pub/sub ignores the
 * database a connection selected, so the channel names it: pools of one name in two databases of
 * one server stay apart, as their keys do.
 */
export function replyChannel(prefix: string, name: string, db: number): string {
  return `${prefix}:${name}:replies:${db}`;
}

/**
 * @internal Whether Redis refused a command on the reply channel to this user (an ACL without
 * the channel), and what to tell them to do.
 */
export function channelRefused(err: unknown, channel: string): string | undefined {
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith('NOPERM') ? `${message}. Grant the Redis user the channel (ACL: &${channel})` : undefined;
}

/** @internal What a reply says: a job's outcome, or that it failed for good (its reason). */
export type Reply = { id: string; outcome: WireOutcome } | { id: string; failed: string };

/** @internal A reply as published: `[id, outcome]` or `[id, null, reason]`, in JSON. */
export function encodeReply(reply: Reply): string {
  return JSON.stringify('outcome' in reply ? [reply.id, reply.outcome] : [reply.id, null, reply.failed]);
}

/** @internal A published reply read back; undefined for anything that is not one (another program may publish there). */
export function decodeReply(text: string): Reply | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || typeof value[0] !== 'string') return undefined;
  if (value.length === 3 && value[1] === null && typeof value[2] === 'string') return { id: value[0], failed: value[2] };
  if (value.length === 2 && isWireOutcome(value[1])) return { id: value[0], outcome: value[1] };
  return undefined;
}
