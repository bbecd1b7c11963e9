// Time limits. A call's timeout becomes one absolute deadline when the call starts, and every wait
// under it (each slice of a sleep, each piece of a large message, a lock taken on the way) sleeps
// only until that deadline: a timeout bounds the whole call, not its first wait.

import { milliseconds, optionsObject } from '../arguments.js';

/** An absolute time in ms on performance.now()'s clock; Infinity for none. */
export type Deadline = number;

/** The deadline of a call that may take `timeout` ms (undefined or null: no limit). @throws {TypeError} for a timeout that is not a number */
export function deadlineOf(timeout: unknown): Deadline {
  if (timeout === undefined || timeout === null) return Infinity;
  return performance.now() + Math.max(0, milliseconds(timeout));
}

/** Milliseconds left until `deadline`, at most `cap`; −1 for no limit at all. 0 once it has passed. */
export function msLeft(deadline: Deadline, cap = Infinity): number {
  if (deadline === Infinity) return cap === Infinity ? -1 : cap;
  return Math.max(0, Math.min(cap, deadline - performance.now()));
}

/** Whether `deadline` has passed. */
export function expired(deadline: Deadline): boolean {
  return deadline !== Infinity && performance.now() >= deadline;
}

/** Python's `block` and `timeout` (milliseconds) of every call that may wait. */
export interface BlockingOptions {
  /** false: do not wait at all. Default true. Python: `block` */
  block?: boolean;
  /** Give up after this many milliseconds. Python: `timeout` (seconds there) */
  timeout?: number;
}

/**
 * How long a call may wait: `block: false` (or `false`) means not at all, whatever the timeout,
 * as in Python. @throws {TypeError} for options that are not an object (or a boolean, where allowed)
 */
export function blockingOptions(options: BlockingOptions | boolean | undefined): { block: boolean; deadline: Deadline } {
  if (typeof options === 'boolean') return { block: options, deadline: options ? Infinity : performance.now() };
  const block = optionsObject(options, '{ block, timeout }')?.block ?? true;
  return { block, deadline: block ? deadlineOf(options?.timeout) : performance.now() };
}

/**
 * Race `promise` against a timer of `ms`: once it fires, `onTimeout()` decides the outcome (an
 * error to reject with, or undefined to resolve with undefined). The timer ends with the promise.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => unknown): Promise<T> {
  try {
    milliseconds(ms);
  } catch (err) {
    return Promise.reject(err);
  }
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const outcome = onTimeout();
      if (outcome === undefined) resolve(undefined as T);
      else reject(outcome);
    }, Math.max(0, ms));
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
