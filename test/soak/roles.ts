// What the soak's child processes run (module exports, so that each child imports this file).
// Every message carries who sent it, its number and the SHA-256 of its payload, so a reader can
// tell a message that arrived whole from one that did not.
import { createHash } from 'node:crypto';
import type { Connection, Event, Lock, Queue, RLock, SharedArrayView } from 'multiprocessing-ts';

/** Sender status of a message, per (producer, number). */
export const IN_FLIGHT = 0;
export const ACKED = 1;
export const REFUSED = 2;

const HEADER = 40; // producer u32, number u32, SHA-256 of the payload

/** A fast seeded generator (xorshift32): the soak's randomness is reproducible from its seed. */
export function random(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** A message of `size` bytes (at least the header) from `producer`, number `n`. */
export function message(producer: number, n: number, size: number, rnd: () => number): Uint8Array {
  const bytes = new Uint8Array(Math.max(HEADER, size));
  const words = new Uint32Array(bytes.buffer, 0, bytes.length >>> 2);
  for (let i = HEADER / 4; i < words.length; i++) words[i] = (rnd() * 2 ** 32) >>> 0;
  const view = new DataView(bytes.buffer);
  view.setUint32(0, producer, true);
  view.setUint32(4, n, true);
  bytes.set(createHash('sha256').update(bytes.subarray(HEADER)).digest(), 8);
  return bytes;
}

/** (producer, number) of a message that arrived whole, or null if it did not. */
export function check(bytes: unknown): [number, number] | null {
  if (!(bytes instanceof Uint8Array) || bytes.length < HEADER) return null;
  const digest = createHash('sha256').update(bytes.subarray(HEADER)).digest();
  if (!digest.equals(bytes.subarray(8, HEADER))) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER);
  return [view.getUint32(0, true), view.getUint32(4, true)];
}

/**
 * Puts messages of random sizes up to `maxSize` until `stop` is set, recording in `status`
 * (slot `producer * perProducer + n`) whether each went in or was refused, and in
 * `progress[producer]` how many puts it finished. Most puts wait; some
 * have a short timeout, some do not wait at all, so that every way a put can end is exercised.
 */
export async function produce(queue: Queue<Uint8Array | string>, status: SharedArrayView, progress: SharedArrayView, producer: number, perProducer: number, maxSize: number, stop: Event, seed: number): Promise<void> {
  const { Full } = await import('multiprocessing-ts');
  const rnd = random(seed);
  for (let n = 0; n < perProducer && !stop.isSet(); n++) {
    const bytes = message(producer, n, Math.floor(rnd() * maxSize), rnd);
    const way = rnd();
    let outcome = ACKED;
    try {
      if (way < 0.7) await queue.put(bytes);
      else if (way < 0.9) await queue.put(bytes, { timeout: 1 + rnd() * 50 });
      else queue.putNowait(bytes);
    } catch (err) {
      if (!(err instanceof Full)) throw err;
      outcome = REFUSED;
    }
    status.array[producer * perProducer + n] = outcome;
    progress.array[producer] = n + 1;
  }
}

export type ConsumerWay = 'get' | 'get-timeout' | 'get-nowait';

/** What a consumer reports at the end: the slots it received, and how many messages arrived broken. */
export interface ConsumerReport {
  received: number[];
  broken: number;
}

/** Gets messages until the string 'end' arrives, then reports. */
export async function consume(queue: Queue<Uint8Array | string>, out: Queue<ConsumerReport>, way: ConsumerWay, perProducer: number, seed: number): Promise<void> {
  const { Empty } = await import('multiprocessing-ts');
  const rnd = random(seed);
  const report: ConsumerReport = { received: [], broken: 0 };
  for (;;) {
    let got: Uint8Array | string;
    try {
      if (way === 'get') got = await queue.get();
      else if (way === 'get-timeout') got = await queue.get({ timeout: 1 + rnd() * 30 });
      else got = queue.getNowait();
    } catch (err) {
      if (!(err instanceof Empty)) throw err;
      // getNowait() found nothing: let the event loop turn before looking again.
      if (way === 'get-nowait') await new Promise((resolve) => setTimeout(resolve, 1));
      continue;
    }
    if (got === 'end') break;
    const id = check(got);
    if (id === null) report.broken++;
    else report.received.push(id[0] * perProducer + id[1]);
  }
  await out.put(report);
}

/** Takes `lock`, says so, and holds it until killed. */
export async function holdLock(lock: Lock | RLock, held: Event): Promise<void> {
  await lock.acquire();
  held.set();
  await new Promise(() => setInterval(() => {}, 1000));
}

/** What a waiter saw: it took the lock, its owner died, or its wait ran out (a hang, since the owner is killed). */
export type WaiterOutcome = 'taken' | 'owner-died' | 'timed-out' | `error: ${string}`;

/** Waits for `lock` synchronously (this thread blocks), and reports how the wait ended. */
export async function waitForLockSync(lock: Lock | RLock, out: Queue<WaiterOutcome>, timeout: number): Promise<void> {
  const { OwnerDiedError } = await import('multiprocessing-ts');
  let outcome: WaiterOutcome;
  try {
    outcome = lock.acquireSync({ timeout }) ? 'taken' : 'timed-out';
    if (outcome === 'taken') lock.release();
  } catch (err) {
    outcome = err instanceof OwnerDiedError ? 'owner-died' : `error: ${String(err)}`;
  }
  await out.put(outcome);
}

/** The same, waiting asynchronously. */
export async function waitForLockAsync(lock: Lock | RLock, out: Queue<WaiterOutcome>, timeout: number): Promise<void> {
  const { OwnerDiedError } = await import('multiprocessing-ts');
  let outcome: WaiterOutcome;
  try {
    outcome = (await lock.acquire({ timeout })) ? 'taken' : 'timed-out';
    if (outcome === 'taken') lock.release();
  } catch (err) {
    outcome = err instanceof OwnerDiedError ? 'owner-died' : `error: ${String(err)}`;
  }
  await out.put(outcome);
}

/**
 * Sends messages of random sizes up to `maxSize` through a pipe (send() blocks this thread while
 * the pipe is full) until killed; `sent[0]` counts those that went in.
 */
export async function sendForever(conn: Connection<Uint8Array>, sent: SharedArrayView, maxSize: number, seed: number): Promise<void> {
  const rnd = random(seed);
  for (let n = 0; ; n++) {
    conn.send(message(0, n, Math.floor(rnd() * maxSize), rnd));
    sent.array[0] = n + 1;
  }
}

/** Runs forever, holding what it was given open. */
export async function idle(..._open: unknown[]): Promise<void> {
  await new Promise(() => setInterval(() => {}, 1000));
}

// ---- pool workers ------------------------------------------------------------------------------

let doom: Int32Array | undefined;

/** A pool worker's initializer: `flag[0]` set to 1 asks the next task to end its worker (threads). */
export function initPoolWorker(flag: SharedArrayView): void {
  doom = flag.array as Int32Array;
}

/**
 * A pool task: busy for a moment (up to 2 ms, by `n`), then `2n + 1`. A worker thread cannot be
 * SIGKILLed alone, so on the thread backend the soak raises `doom` and the task that sees it first
 * ends its thread in the middle of its work.
 */
export function poolWork(n: number): number {
  const until = performance.now() + (n % 8) * 0.25;
  do {
    if (doom !== undefined && Atomics.compareExchange(doom, 0, 1, 0) === 1) process.exit(70);
  } while (performance.now() < until);
  return 2 * n + 1;
}
