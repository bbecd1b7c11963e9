// Python calling conventions on our side of the wire: a request carries positional args and
// keyword args exactly as the Python caller wrote them (`get(timeout=0.1)` or `get(True, 0.1)`),
// so servants bind both forms to Python's parameter names. Durations: seconds on the wire, ms here.
// CPython: the (args, kwds) of Server.serve_client in Lib/multiprocessing/managers.py.

import { PyException } from '../pickle/index.js';

/** Keyword arguments as they arrive from a pickle (a dict: str keys). Python: `**kwds` as a pickled dict */
export type Kwds = Map<unknown, unknown>;

/** A Python TypeError, as a Python caller would see it. */
export function typeError(message: string): PyException {
  return new PyException('builtins.TypeError', [message]);
}

/** A Python ValueError. */
export function valueError(message: string): PyException {
  return new PyException('builtins.ValueError', [message]);
}

/** A Python RuntimeError. */
export function runtimeError(message: string): PyException {
  return new PyException('builtins.RuntimeError', [message]);
}

/**
 * Bind `(args, kwds)` to `params` as Python binds a call of `name(params...)`: unknown keywords,
 * duplicates, too many positionals and (the first `required`) missing ones raise TypeError.
 * Missing optional parameters are `undefined`.
 */
export function bind(name: string, params: readonly string[], args: readonly unknown[], kwds: Kwds | undefined, required = 0): unknown[] {
  if (args.length > params.length) throw typeError(`${name}() takes ${params.length} positional argument${params.length === 1 ? '' : 's'} but ${args.length} were given`);
  if ((kwds === undefined || kwds.size === 0) && args.length >= required) {
    // The usual call: positional arguments only, none missing. Copied by index: `args` is often a
    // Tuple (an Array subclass), which slice() would build through its species, slowly.
    const out: unknown[] = [];
    for (let i = 0; i < params.length; i++) out.push(i < args.length ? args[i] : undefined);
    return out;
  }
  const out: unknown[] = [...args];
  out.length = params.length;
  const given = new Array<boolean>(params.length).fill(false);
  for (let i = 0; i < args.length; i++) given[i] = true;
  if (kwds !== undefined) {
    for (const [key, value] of kwds) {
      const i = typeof key === 'string' ? params.indexOf(key) : -1;
      if (i < 0) throw typeError(`${name}() got an unexpected keyword argument ${JSON.stringify(String(key))}`);
      if (given[i]) throw typeError(`${name}() got multiple values for argument '${key as string}'`);
      out[i] = value;
      given[i] = true;
    }
  }
  for (let i = 0; i < required; i++) if (!given[i]) throw typeError(`${name}() missing required argument: '${params[i]}'`);
  return out;
}

/** Python truthiness of an optional boolean parameter (`undefined` → the default). */
export function truthy(value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === null || value === false || value === 0 || value === 0n || value === '') return false;
  return true;
}

/** A Python timeout (seconds, None) as milliseconds; `undefined` means wait forever. */
export function timeoutMs(value: unknown, name = 'timeout'): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'bigint') return Number(value) * 1000;
  if (typeof value === 'number' && !Number.isNaN(value)) return value * 1000;
  if (typeof value === 'boolean') return value ? 1000 : 0;
  throw typeError(`'${name}' must be a number of seconds or None`);
}

/** Our timeout (milliseconds) as Python's (seconds, or None to wait forever). */
export function toSeconds(ms: number | undefined): number | null {
  if (ms === undefined || ms === null) return null;
  if (typeof ms !== 'number' || Number.isNaN(ms)) throw new TypeError(`Expected a timeout in milliseconds, got ${String(ms)}`);
  // A float on the wire, as Python callers send (an integral number would pickle as an int, which
  // Python accepts too; a float keeps the exact meaning).
  return ms / 1000;
}

/** A Python int argument as a JS number (bool counts, as in Python). */
export function intArg(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  throw typeError(`${what} must be an integer, not ${typeof value}`);
}
