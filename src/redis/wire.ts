// What travels through Redis for the distributed pool: a job names a module export and carries
// its arguments; the worker answers with an outcome. Arguments and results are V8-serialized (as
// between local processes, so Map, Set, Date, BigInt... survive), then base64 because BullMQ
// stores job data and return values as JSON.

import { deserialize, serialize } from 'node:v8';
import { asPicklingError } from '../backends/clone-error.js';
import { decodeError, encodeError } from '../codec/error-codec.js';
import type { Outcome, TaskKind } from '../pool/core.js';

/** @internal The data of one BullMQ job. */
export interface JobData {
  /** Module URL on the submitting machine (used only by workers started without a module). */
  u: string;
  /** Export name. */
  e: string;
  /** Task kind: apply, map or starmap. */
  k: TaskKind;
  /** V8-serialized arguments (apply) or items (map, starmap), base64. */
  a: string;
}

/** @internal */
export function encodeValue(value: unknown, what: string): string {
  try {
    return serialize(value).toString('base64');
  } catch (err) {
    throw asPicklingError(err, what);
  }
}

/** @internal */
export function decodeValue(text: string): unknown {
  return deserialize(Buffer.from(text, 'base64'));
}

/** @internal Encode a task's outcome on the worker; a result that cannot travel becomes its error. */
export function encodeOutcome(ok: boolean, value: unknown): string {
  if (!ok) return encodeValue([0, encodeError(value)] satisfies Outcome, 'an error');
  try {
    return encodeValue([1, value] satisfies Outcome, 'the result of a task');
  } catch (err) {
    return encodeValue([0, encodeError(err)] satisfies Outcome, 'an error');
  }
}

/** @internal Decode an outcome on the submitter: the value, or the error rebuilt with its class. */
export function decodeOutcome(text: string): { ok: true; value: unknown } | { ok: false; error: Error } {
  const outcome = decodeValue(text) as Outcome;
  return outcome[0] === 1 ? { ok: true, value: outcome[1] } : { ok: false, error: decodeError(outcome[1]) };
}
