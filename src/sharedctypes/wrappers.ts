// sharedctypes' copy() and synchronized(): a raw copy of a shared value or array, and a raw one
// wrapped with a lock. CPython: copy and synchronized in Lib/multiprocessing/sharedctypes.py.

import { ValueError } from '../errors.js';
import { Lock, RLock } from '../synchronize/lock.js';
import { RawArray, RawValue, SharedArrayView, SharedValue } from './sharedctypes.js';

/**
 * A new RawValue or RawArray, in new shared memory, with the contents of `obj` (read under its
 * lock, if it has one). Python: multiprocessing.sharedctypes.copy(obj)
 * @throws {TypeError} for anything but a Value, RawValue, SharedArray or RawArray
 * @example
 * const snapshot = copy(counters); // counters keeps changing, snapshot does not
 */
export function copy<V extends number | bigint>(obj: SharedValue<V>): SharedValue<V>;
export function copy<V extends number | bigint>(obj: SharedArrayView<V>): SharedArrayView<V>;
export function copy(obj: SharedValue<number | bigint> | SharedArrayView<number | bigint>): SharedValue<number | bigint> | SharedArrayView<number | bigint> {
  if (obj instanceof SharedValue) return RawValue(obj.typecode, obj.value);
  if (obj instanceof SharedArrayView) return RawArray(obj.typecode, obj.toArray());
  throw new TypeError(`copy() takes a Value, RawValue, SharedArray or RawArray, got ${obj === null ? 'null' : typeof obj}`);
}

/**
 * `obj` (a RawValue or RawArray) with a lock: a Value or SharedArray over the same shared memory,
 * whose reads and writes take `lock` (a new RLock by default). `obj` itself stays lock-free.
 * Python: multiprocessing.sharedctypes.synchronized(obj, lock=None)
 * @throws {TypeError} for anything but a RawValue or RawArray, or a lock that is not a Lock or RLock
 * @throws {ValueError} ERR_MP_ALREADY_SYNCHRONIZED for an object that already has a lock
 * @example
 * const counter = synchronized(RawValue('i', 0));
 * counter.getLock().withLockSync(() => { counter.value += 1; });
 */
export function synchronized<V extends number | bigint>(obj: SharedValue<V>, lock?: Lock | RLock): SharedValue<V>;
export function synchronized<V extends number | bigint>(obj: SharedArrayView<V>, lock?: Lock | RLock): SharedArrayView<V>;
export function synchronized(
  obj: SharedValue<number | bigint> | SharedArrayView<number | bigint>,
  lock?: Lock | RLock,
): SharedValue<number | bigint> | SharedArrayView<number | bigint> {
  if (!(obj instanceof SharedValue) && !(obj instanceof SharedArrayView)) {
    throw new TypeError(`synchronized() takes a RawValue or RawArray, got ${obj === null ? 'null' : typeof obj}`);
  }
  if (lock !== undefined && !(lock instanceof Lock) && !(lock instanceof RLock)) throw new TypeError('Expected "lock" to be a Lock or an RLock');
  if (obj.lockOrNull !== null) {
    throw new ValueError('This object is already synchronized: synchronized() takes a RawValue or RawArray', { code: 'ERR_MP_ALREADY_SYNCHRONIZED' });
  }
  const guard = lock ?? new RLock();
  return obj instanceof SharedValue ? new SharedValue(obj.block, obj.typecode, guard) : new SharedArrayView(obj.block, obj.typecode, obj.length, guard);
}
