// Errors across a process or thread boundary: class name, message, stack, cause and own properties.
// CPython: Lib/multiprocessing/pool.py (ExceptionWithTraceback / rebuild_exc).
//
// V8's serializer keeps only the message and stack of an Error (and maps unknown classes to
// plain Error), so errors travel as plain records and are rebuilt with their original class
// when it is a JS built-in or one of ours.

import { errorClasses } from '../errors.js';

/** An error flattened to structured-clone-safe data. */
export interface ErrorRecord {
  readonly kind: 'error';
  name: string;
  message: string;
  stack?: string;
  cause?: ErrorRecord | { kind: 'value'; value: unknown };
  props: Record<string, unknown>;
}

const builtins: Record<string, new (message?: string) => Error> = {
  Error, TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError,
};

function cloneable(value: unknown): unknown {
  try {
    structuredClone(value);
    return value;
  } catch {
    return String(value);
  }
}

/** Flatten any thrown value into a record that survives structured clone. */
export function encodeError(err: unknown, depth = 0): ErrorRecord {
  if (!(err instanceof Error)) {
    return { kind: 'error', name: 'Error', message: typeof err === 'string' ? err : `Non-error value thrown: ${safeString(err)}`, props: { thrown: cloneable(err) } };
  }
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(err)) {
    if (key === 'cause' || key === 'stack' || key === 'message') continue;
    props[key] = cloneable((err as unknown as Record<string, unknown>)[key]);
  }
  const record: ErrorRecord = { kind: 'error', name: err.name, message: err.message, props };
  if (err.stack !== undefined) record.stack = err.stack;
  if ('cause' in err && err.cause !== undefined && depth < 8) {
    record.cause = err.cause instanceof Error ? encodeError(err.cause, depth + 1) : { kind: 'value', value: cloneable(err.cause) };
  }
  return record;
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Rebuild an error from its record, with its original class where that class is known here. */
export function decodeError(record: ErrorRecord): Error {
  const Cls = errorClasses[record.name] ?? builtins[record.name] ?? Error;
  const err = Object.create(Cls.prototype) as Error;
  Object.defineProperty(err, 'message', { value: record.message, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(err, 'stack', { value: record.stack ?? `${record.name}: ${record.message}`, writable: true, configurable: true, enumerable: false });
  if (Cls === Error && record.name !== 'Error') {
    Object.defineProperty(err, 'name', { value: record.name, writable: true, configurable: true, enumerable: false });
  }
  if (record.cause !== undefined) {
    const cause = record.cause.kind === 'error' ? decodeError(record.cause) : record.cause.value;
    Object.defineProperty(err, 'cause', { value: cause, writable: true, configurable: true, enumerable: false });
  }
  Object.assign(err, record.props);
  return err;
}
