// Checks of the arguments that many constructors and option bags share, so that one kind of
// mistake always gets one error class, one code and one wording: a wrong type is a TypeError,
// a right type with a wrong value our ValueError (ERR_MP_BAD_VALUE), as in Python.

import { ValueError } from './errors.js';

/** `value` as a whole number ≥ 1. @throws {TypeError} for a non-integer @throws {ValueError} below 1 */
export function positiveInt(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`Expected "${what}" to be an integer, got ${String(value)}`);
  if (value < 1) throw new ValueError(`"${what}" must be at least 1, got ${value}`, { code: 'ERR_MP_BAD_VALUE' });
  return value;
}

/** `value` as a number of milliseconds (negative counts as 0 where it is used). @throws {TypeError} for anything else */
export function milliseconds(value: unknown, what = 'timeout'): number {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`Expected "${what}" to be a number of milliseconds, got ${String(value)}`);
  return value;
}

/** `value` as an options object (or undefined). @throws {TypeError} for anything else */
export function optionsObject<T extends object>(value: T | undefined, like: string): T | undefined {
  if (value !== undefined && (typeof value !== 'object' || value === null)) throw new TypeError(`Expected options like ${like}, got ${String(value)}`);
  return value;
}

/** `value` as a function (or undefined). @throws {TypeError} ERR_INVALID_ARG_TYPE for anything else */
export function functionOption<F extends (...args: never[]) => unknown>(value: F | undefined | null, what: string): F | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'function') throw argTypeError(`Expected "${what}" to be a function, got ${typeof value}`);
  return value;
}

/** `value` as a boolean (undefined: false). @throws {TypeError} ERR_INVALID_ARG_TYPE for anything else */
export function booleanOption(value: unknown, what: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw argTypeError(`Expected "${what}" to be a boolean, got ${typeof value}`);
  return value;
}

/** A wrong type, with Node's own code for it. */
export function argTypeError(message: string): TypeError {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_TYPE' });
}
