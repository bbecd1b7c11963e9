// Waiting on a 32-bit word of shared memory: the one way every primitive sleeps and wakes.
// With the addon this is the kernel futex, between threads too: V8's Atomics.wait/notify never
// cross a process boundary and do not see futex wakes, so mixing the two loses wake-ups. Without
// the addon (threads only) it is V8's Atomics.

import { hasNative, native, WAIT_NOT_EQUAL, WAIT_OK, WAIT_TIMED_OUT, type WaitResult } from '../addon/binding.js';

export { WAIT_NOT_EQUAL, WAIT_OK, WAIT_TIMED_OUT, type WaitResult };

const useNative = hasNative();

function fromAtomics(result: 'ok' | 'not-equal' | 'timed-out'): WaitResult {
  return result === 'ok' ? WAIT_OK : result === 'not-equal' ? WAIT_NOT_EQUAL : WAIT_TIMED_OUT;
}

/** Block this thread while `view[index] === expected`, at most `timeoutMs` (negative or Infinity: forever). */
export function waitSync(view: Int32Array, index: number, expected: number, timeoutMs = -1): WaitResult {
  if (useNative) return native().futexWait(view, index, expected, timeoutMs < 0 ? Infinity : timeoutMs);
  return fromAtomics(Atomics.wait(view, index, expected, timeoutMs < 0 ? Infinity : timeoutMs));
}

/** Like {@link waitSync} without blocking: the event loop goes on, and stays alive while waiting. */
export function waitAsync(view: Int32Array, index: number, expected: number, timeoutMs = -1): Promise<WaitResult> {
  if (useNative) return native().futexWaitAsync(view, index, expected, timeoutMs < 0 ? Infinity : timeoutMs);
  const result = Atomics.waitAsync(view, index, expected, timeoutMs < 0 ? Infinity : timeoutMs);
  if (!result.async) return Promise.resolve(fromAtomics(result.value));
  // A pending Atomics.waitAsync does not keep Node 20 alive (nodejs/node#61941): a timer does.
  const keepAlive = setInterval(() => {}, 2 ** 30);
  return result.value.then((r) => {
    clearInterval(keepAlive);
    return fromAtomics(r);
  });
}

/** Wake up to `count` waiters on `view[index]`; change the word first. */
export function wake(view: Int32Array, index: number, count = 1): number {
  if (useNative) return native().futexWake(view, index, count);
  return Atomics.notify(view, index, count === Infinity ? undefined : count);
}
