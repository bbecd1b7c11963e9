// wait(): the first of several connections to have something to read. CPython: wait in
// Lib/multiprocessing/connection.py (over select/poll; here over each connection's poll()).

/** Anything with Python's `poll(timeout)`: our socket Connections and our Pipe's Connections. */
export interface Waitable {
  /** Whether there is something to read, waiting at most `timeout` ms. Python: `Connection.poll(timeout)` (seconds there) */
  poll(timeout?: number): Promise<boolean>;
}

/** Each round waits at most this long on every object, so a round left behind ends soon. */
const ROUND_MS = 100;

/**
 * Wait until at least one of `objects` has a message (or its end) to read, or `timeout` ms have
 * passed (no timeout: as long as it takes). Resolves those that are ready, in the order given;
 * an empty list when the time ran out.
 * @example
 * for (const conn of await wait([a, b], 1000)) console.log(await conn.recv());
 *
 * Python: multiprocessing.connection.wait
 */
export async function wait<T extends Waitable>(objects: readonly T[], timeout?: number | null): Promise<T[]> {
  if (!Array.isArray(objects)) throw new TypeError('wait() expects an array of connections');
  if (timeout !== undefined && timeout !== null && (typeof timeout !== 'number' || Number.isNaN(timeout))) throw new TypeError('Expected a timeout in milliseconds');
  const deadline = timeout === undefined || timeout === null ? Infinity : performance.now() + Math.max(0, timeout);
  for (;;) {
    const ready = await readyNow(objects);
    if (ready.length > 0 || objects.length === 0) return ready;
    const left = deadline - performance.now();
    if (left <= 0) return [];
    // Until one is ready (or the round ends): the others' polls end with their round.
    await Promise.race(objects.map((o) => o.poll(Math.min(ROUND_MS, left))));
  }
}

async function readyNow<T extends Waitable>(objects: readonly T[]): Promise<T[]> {
  const ready = await Promise.all(objects.map((o) => o.poll(0)));
  return objects.filter((_, i) => ready[i] === true);
}
