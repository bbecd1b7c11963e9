// Type tests for Condition.withLock, the logger, copy/synchronized and ShareableList: wrong calls must not compile.
import { Condition, copy, getLogger, logToStderr, RawArray, RawValue, ShareableList, synchronized, type SharedArrayView, type SharedValue } from 'multiprocessing-ts';

export async function coverage(): Promise<void> {
  const n: number = await new Condition().withLock(() => 1);
  const s: string = new Condition().withLockSync(() => 'x');
  logToStderr('DEBUG');
  logToStderr(10);
  // @ts-expect-error: not one of Python's level names
  logToStderr('VERBOSE');
  // @ts-expect-error: messages are strings
  getLogger().info(42);
  const v: SharedValue<bigint> = synchronized(RawValue('q', 1n));
  const a: SharedArrayView<number> = copy(RawArray('d', [1.5]));
  // @ts-expect-error: the copy of an array is an array
  const wrong: SharedValue<number> = copy(RawArray('d', [1.5]));
  // @ts-expect-error: synchronized takes a shared value or array
  synchronized([1, 2]);
  const numbers = new ShareableList<number>([1, 2, 3]);
  numbers.set(0, 4);
  // @ts-expect-error: a list of numbers takes numbers
  numbers.set(0, 'four');
  const mixed = new ShareableList<number | string | null>([1, 'a', null]);
  const item: number | string | null = mixed.get(1);
  // @ts-expect-error: undefined is not one of Python's values
  new ShareableList([undefined]);
  void [n, s, v, a, wrong, item];
}
