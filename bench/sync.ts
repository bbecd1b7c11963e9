// sync: the shared synchronization primitives against Python's multiprocessing, in one run.
//   sync-lock              uncontended Lock acquire + release in one process (ops/s)
//   sync-lock-contended    2 processes taking turns on one Lock (ops/s, both together)
//   sync-value             2 processes doing `Value += 1` under its lock (increments/s)
//   sync-event             Event set → wake round trip between 2 processes, sync and async (µs)
//   sync-semaphore         uncontended Semaphore acquire + release in one process (ops/s)
//   sync-semaphore-handoff Semaphore release → acquire round trip between 2 processes (µs)
//
// Children (processes, or threads for the thread-backend rows) are started in setup and wait for
// a "go" Semaphore; a repetition releases them and waits for their "done". Python does the same
// with multiprocessing's primitives in anchors/python/sync.py.

import { Event, Lock, Process, RawArray, Semaphore, Value, type SharedArrayView, type SharedValue } from 'multiprocessing-ts';
import { Process as ThreadProcess } from 'multiprocessing-ts/threads';
import type { Case, System } from './harness.js';
import { pythonRun, pythonSystem } from './python.js';

const UNCONTENDED_OPS = 2_000_000;
const CONTENDED_OPS = 200_000; // per process
const VALUE_OPS = 100_000; // per process
const ROUND_TRIPS = 2_000;
const HANDOFFS = 5_000;
// The parent gives up on a round trip after this long (a dead child must not block the run).
const ANSWER_MS = 10_000;

const repetitions = { reps: 20, warmup: 3, quick: { reps: 3, warmup: 1 } };
const opsPerSecond = (ops: number) => ({ unit: 'ops/s', of: (ms: number) => (ops * 1000) / ms, digits: 0, speed: true });
const microsPer = (n: number, what: string) => ({ unit: `µs per ${what}`, of: (ms: number) => (ms * 1000) / n, digits: 2 });

// ---- children (sent as source: self-contained) ----------------------------------------------------
// Every wait of a child is bounded (100 ms), so that it notices `stop` (and a thread can be terminated).

/** Waits for a go, runs n locked operations (a Lock, or `Value += 1` under its lock), says done; until stop. */
async function contender(mode: 'lock' | 'value', n: number, stop: SharedArrayView, go: Semaphore, done: Semaphore, lock: Lock, value: SharedValue): Promise<void> {
  const valueLock = value.getLock();
  for (;;) {
    while (!go.acquireSync({ timeout: 100 })) if (stop.get(0) === 1) return;
    if (stop.get(0) === 1) return;
    if (mode === 'lock') {
      for (let i = 0; i < n; i++) {
        lock.acquireSync();
        lock.release();
      }
    } else {
      for (let i = 0; i < n; i++) {
        valueLock.acquireSync();
        value.value += 1;
        valueLock.release();
      }
    }
    done.release();
  }
}

/** Answers every ping (an Event set) by setting pong, waiting synchronously. */
async function echoEventSync(stop: SharedArrayView, ping: Event, pong: Event): Promise<void> {
  for (;;) {
    while (!ping.waitSync(100)) if (stop.get(0) === 1) return;
    if (stop.get(0) === 1) return;
    ping.clear();
    pong.set();
  }
}

/** The same with `await ping.wait()`. */
async function echoEventAsync(stop: SharedArrayView, ping: Event, pong: Event): Promise<void> {
  for (;;) {
    while (!(await ping.wait(100))) if (stop.get(0) === 1) return;
    if (stop.get(0) === 1) return;
    ping.clear();
    pong.set();
  }
}

/** Answers every release of ping by releasing pong. */
async function echoSemaphore(stop: SharedArrayView, ping: Semaphore, pong: Semaphore): Promise<void> {
  for (;;) {
    while (!ping.acquireSync({ timeout: 100 })) if (stop.get(0) === 1) return;
    if (stop.get(0) === 1) return;
    pong.release();
  }
}

// ---- systems ----------------------------------------------------------------------------------------

type ProcessClass = typeof Process | typeof ThreadProcess;
type Child = InstanceType<ProcessClass>;

/** Children started in setup; `stop` set, their waits woken, joined (or terminated) in teardown. */
function children(): { stop: SharedArrayView; start(list: Child[]): void; end(wake: () => void): Promise<void> } {
  const stop = RawArray('i', 1);
  let list: Child[] = [];
  return {
    stop,
    start(started) {
      list = started;
      for (const p of list) p.start();
    },
    async end(wake) {
      stop.set(0, 1);
      wake();
      const joined = Promise.all(list.map((p) => p.join()));
      const late = await Promise.race([joined.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 5_000).unref())]);
      if (late) {
        for (const p of list) p.terminate();
        await joined;
      }
      list = [];
    },
  };
}

/** Two children running `contender` on one Lock (or Value); a repetition is one go → done of both. */
function contended(name: string, mode: 'lock' | 'value', P: ProcessClass, n: number, extra: Partial<System>): System {
  const kids = children();
  const go = new Semaphore(0);
  const done = new Semaphore(0);
  const lock = new Lock();
  const value = Value('i', 0);
  let expected = 0;
  return {
    name,
    kind: 'ours',
    ...extra,
    setup() {
      kids.start([0, 1].map(() => new P({ target: contender, args: [mode, n, kids.stop, go, done, lock, value] })));
    },
    async run() {
      go.release(2);
      for (let k = 0; k < 2; k++) if (!(await done.acquire({ timeout: 60_000 }))) throw new Error('a child did not finish');
      if (mode === 'value') {
        expected += 2 * n;
        if (value.value !== expected) throw new Error(`Value is ${value.value}, expected ${expected}`);
      }
    },
    teardown: () => kids.end(() => go.release(2)),
  };
}

/** A child echoing pings; a repetition is `rounds` round trips from the parent. */
function pingPong<T extends Event | Semaphore>(
  name: string,
  P: ProcessClass,
  make: () => T,
  target: (stop: SharedArrayView, ping: T, pong: T) => Promise<void>,
  rounds: number,
  roundTrip: (ping: T, pong: T) => Promise<void> | void,
  extra: Partial<System> = {},
): System {
  const kids = children();
  const ping = make();
  const pong = make();
  return {
    name,
    kind: 'ours',
    ...extra,
    async setup() {
      kids.start([new P({ target: target as (stop: SharedArrayView, ping: Event | Semaphore, pong: Event | Semaphore) => Promise<void>, args: [kids.stop, ping, pong] })]);
      await roundTrip(ping, pong); // the child is up
    },
    async run() {
      for (let i = 0; i < rounds; i++) await roundTrip(ping, pong);
    },
    teardown: () => kids.end(() => (ping instanceof Event ? ping.set() : (ping as Semaphore).release())),
  };
}

function noAnswer(): never {
  throw new Error(`no answer within ${ANSWER_MS} ms`);
}

const eventSync = (ping: Event, pong: Event): void => {
  ping.set();
  if (!pong.waitSync(ANSWER_MS)) noAnswer();
  pong.clear();
};

const eventAsync = async (ping: Event, pong: Event): Promise<void> => {
  ping.set();
  if (!(await pong.wait(ANSWER_MS))) noAnswer();
  pong.clear();
};

const semaphoreSync = (ping: Semaphore, pong: Semaphore): void => {
  ping.release();
  if (!pong.acquireSync({ timeout: ANSWER_MS })) noAnswer();
};

const semaphoreAsync = async (ping: Semaphore, pong: Semaphore): Promise<void> => {
  ping.release();
  if (!(await pong.acquire({ timeout: ANSWER_MS }))) noAnswer();
};

// ---- Python ---------------------------------------------------------------------------------------

const python = (workload: string, n: number) => pythonRun('sync.py', workload, () => ['--n', String(n)]);

// ---- the cases ------------------------------------------------------------------------------------

const lockOf = (): Lock => new Lock();

export const syncLock: Case = {
  name: 'sync-lock',
  description: `${UNCONTENDED_OPS.toLocaleString('en-US')} uncontended Lock acquire + release pairs in one thread of one process (ops/s: pairs per second).`,
  measure: opsPerSecond(UNCONTENDED_OPS),
  repetitions,
  systems: (() => {
    const lock = lockOf();
    const i32 = new Int32Array(new SharedArrayBuffer(4));
    return [
      {
        name: 'ours, acquireSync() / release()',
        kind: 'ours',
        baseline: 'python3 Lock',
        target: 2,
        check: "uncontended Lock acquire+release ≥ 2× Python's ops/s",
        async run() {
          for (let i = 0; i < UNCONTENDED_OPS; i++) {
            lock.acquireSync();
            lock.release();
          }
        },
      },
      {
        name: 'ours, await acquire() / release()',
        kind: 'ours',
        baseline: 'python3 Lock',
        async run() {
          for (let i = 0; i < UNCONTENDED_OPS; i++) {
            await lock.acquire();
            lock.release();
          }
        },
      },
      {
        name: 'bare Atomics CAS + store',
        kind: 'anchor',
        async run() {
          for (let i = 0; i < UNCONTENDED_OPS; i++) {
            if (Atomics.compareExchange(i32, 0, 0, 1) !== 0) throw new Error('taken');
            Atomics.store(i32, 0, 0);
          }
        },
      },
      pythonSystem(python('lock', UNCONTENDED_OPS), 'Lock', 'python3 Lock'),
    ] satisfies System[];
  })(),
};

export const syncLockContended: Case = {
  name: 'sync-lock-contended',
  description: `2 processes (or threads) each taking and releasing one Lock ${CONTENDED_OPS.toLocaleString('en-US')} times, at once (ops/s: pairs per second, both together).`,
  measure: opsPerSecond(2 * CONTENDED_OPS),
  repetitions,
  systems: [
    contended('ours, 2 processes', 'lock', Process, CONTENDED_OPS, {
      baseline: 'python3 Lock, 2 processes',
      target: 1.5,
      check: "contended Lock between 2 processes ≥ 1.5× Python's ops/s",
    }),
    contended('ours, 2 threads', 'lock', ThreadProcess, CONTENDED_OPS, { baseline: 'python3 Lock, 2 processes' }),
    pythonSystem(python('lock-contended', CONTENDED_OPS), 'Lock', 'python3 Lock, 2 processes'),
  ],
};

export const syncValue: Case = {
  name: 'sync-value',
  description:
    `2 processes (or threads) each doing ${VALUE_OPS.toLocaleString('en-US')} times \`Value += 1\` under its lock ` +
    "(ours: `lock.acquireSync(); v.value += 1; lock.release()`, Python: `with v.get_lock(): v.value += 1`; both Value('i') with their default RLock), at once (increments/s, both together; the final value is checked).",
  measure: opsPerSecond(2 * VALUE_OPS),
  repetitions,
  systems: [
    contended('ours, 2 processes', 'value', Process, VALUE_OPS, {
      baseline: 'python3 Value, 2 processes',
      target: 2,
      check: "Value += 1 under its lock from 2 processes ≥ 2× Python's",
    }),
    contended('ours, 2 threads', 'value', ThreadProcess, VALUE_OPS, { baseline: 'python3 Value, 2 processes' }),
    pythonSystem(python('value', VALUE_OPS), 'Value', 'python3 Value, 2 processes'),
  ],
};

const eventOf = (): Event => new Event();

export const syncEvent: Case = {
  name: 'sync-event',
  description:
    `${ROUND_TRIPS.toLocaleString('en-US')} round trips between the parent and a child over two Events: set(ping) → the child wakes, clear(ping), set(pong) → ` +
    'the parent wakes, clear(pong). Sync: waitSync(); async: await wait() on both sides (Python: wait()).',
  measure: microsPer(ROUND_TRIPS, 'round trip'),
  repetitions,
  systems: [
    pingPong('ours, process, sync', Process, eventOf, echoEventSync, ROUND_TRIPS, eventSync, { baseline: 'python3 Event, 2 processes' }),
    pingPong('ours, process, async', Process, eventOf, echoEventAsync, ROUND_TRIPS, eventAsync, { baseline: 'python3 Event, 2 processes' }),
    pingPong('ours, thread, sync', ThreadProcess, eventOf, echoEventSync, ROUND_TRIPS, eventSync, { baseline: 'python3 Event, 2 processes' }),
    pingPong('ours, thread, async', ThreadProcess, eventOf, echoEventAsync, ROUND_TRIPS, eventAsync, { baseline: 'python3 Event, 2 processes' }),
    pythonSystem(python('event', ROUND_TRIPS), 'Event', 'python3 Event, 2 processes'),
  ],
};

export const syncSemaphore: Case = {
  name: 'sync-semaphore',
  description: `${UNCONTENDED_OPS.toLocaleString('en-US')} uncontended Semaphore(1) acquire + release pairs in one thread of one process (ops/s: pairs per second).`,
  measure: opsPerSecond(UNCONTENDED_OPS),
  repetitions,
  systems: (() => {
    const sem = new Semaphore(1);
    return [
      {
        name: 'ours, acquireSync() / release()',
        kind: 'ours',
        baseline: 'python3 Semaphore',
        async run() {
          for (let i = 0; i < UNCONTENDED_OPS; i++) {
            sem.acquireSync();
            sem.release();
          }
        },
      },
      {
        name: 'ours, await acquire() / release()',
        kind: 'ours',
        baseline: 'python3 Semaphore',
        async run() {
          for (let i = 0; i < UNCONTENDED_OPS; i++) {
            await sem.acquire();
            sem.release();
          }
        },
      },
      pythonSystem(python('semaphore', UNCONTENDED_OPS), 'Semaphore', 'python3 Semaphore'),
    ] satisfies System[];
  })(),
};

const semaphoreOf = (): Semaphore => new Semaphore(0);

export const syncSemaphoreHandoff: Case = {
  name: 'sync-semaphore-handoff',
  description:
    `${HANDOFFS.toLocaleString('en-US')} round trips between the parent and a child over two Semaphore(0)s: release(ping) → the child's acquire returns, release(pong) → the parent's acquire returns. ` +
    'Sync: acquireSync(); async: await acquire() in the parent (the child waits synchronously).',
  measure: microsPer(HANDOFFS, 'round trip'),
  repetitions,
  systems: [
    pingPong('ours, process, sync', Process, semaphoreOf, echoSemaphore, HANDOFFS, semaphoreSync, { baseline: 'python3 Semaphore, 2 processes' }),
    pingPong('ours, process, async', Process, semaphoreOf, echoSemaphore, HANDOFFS, semaphoreAsync, { baseline: 'python3 Semaphore, 2 processes' }),
    pingPong('ours, thread, sync', ThreadProcess, semaphoreOf, echoSemaphore, HANDOFFS, semaphoreSync, { baseline: 'python3 Semaphore, 2 processes' }),
    pythonSystem(python('semaphore-handoff', HANDOFFS), 'Semaphore', 'python3 Semaphore, 2 processes'),
  ],
};

export const syncCases: Case[] = [syncLock, syncLockContended, syncValue, syncEvent, syncSemaphore, syncSemaphoreHandoff];
