// The soak and fault suite: producers, consumers, lock holders and pipe writers run for a while
// and are SIGKILLed at random moments while others wait on them synchronously and
// asynchronously; pool workers are killed in the middle of map, imap and applyAsync; a parent is
// killed with everything open. It ends by printing what went wrong, and fails unless every count
// is 0:
//   messages lost 0, duplicated 0, corrupted 0, hangs 0, orphans 0, segments left 0, errors 0
//
//   npm run soak            about five minutes (--minutes=N for longer, --seed=N to replay)
//   npm run test:soak       the short variant (about a minute), which npm test runs (short.test.ts)
//
// Every wait here has a deadline: one that runs out counts as a hang (the party it waited on
// was killed, so it should have been told). Phases are independent; a new one is a Phase below.
import { spawn } from 'node:child_process';
import { existsSync, unlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Empty, Event, Lock, moduleTargets, Pipe, Pool, Process, Queue, RawArray, Value, WorkerLostError, type RLock } from 'multiprocessing-ts';
import { Pool as ThreadPool } from 'multiprocessing-ts/threads';
import { childPids, ourSegments, pidAlive } from '../helpers/leaks.js';
import { ACKED, check, random, REFUSED, type ConsumerReport, type ConsumerWay, type WaiterOutcome } from './roles.js';

const roles = moduleTargets<typeof import('./roles.js')>(new URL('./roles.ts', import.meta.url));

const { values: args } = parseArgs({ options: { short: { type: 'boolean', default: false }, minutes: { type: 'string' }, seed: { type: 'string' } } });
const minutes = Number(args.minutes ?? (args.short ? 0.35 : 5));
const seed = Number(args.seed ?? Date.now() % 2 ** 31);
const rnd = random(seed);

// A wait on a killed party that takes longer than this is a hang.
const HANG_MS = 30_000;
const KiB = 1024;

interface Counts {
  lost: number;
  duplicated: number;
  corrupted: number;
  hangs: number;
  orphans: number;
  segmentsLeft: number;
  errors: number;
}

/** One part of the soak: runs for about `ms`, and returns what went wrong. */
interface Phase {
  name: string;
  /** Share of the run's time. */
  share: number;
  run(ms: number): Promise<Partial<Counts>>;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`'s value, or `late` if it takes longer than `ms`. */
async function within<T, L>(promise: Promise<T>, ms: number, late: L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<L>((resolve) => (timer = setTimeout(() => resolve(late), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Joins `p` by `ms`; a child still running then is killed and counted as a hang (1), else 0. */
async function joinOrHang(p: Process, ms: number, what: string): Promise<number> {
  await p.join(ms);
  if (p.exitcode !== null) return 0;
  console.log(`  hang: ${what} (pid ${p.pid}) did not end`);
  p.kill();
  await p.join();
  return 1;
}

function kill(p: Process): Promise<void> {
  if (p.exitcode === null) process.kill(p.pid!, 'SIGKILL');
  return p.join();
}

// ---- 4 producers × 4 consumers, producers killed and replaced -----------------------------------

async function queuePhase(ms: number): Promise<Partial<Counts>> {
  const perProducer = 1 << 16;
  const generations = 256;
  // A 256 KiB ring: messages over 64 KiB stream through it in chunks, and those near 256 KiB
  // cannot be in it at once.
  const q = new Queue<Uint8Array | string>(0, undefined, 256 * KiB);
  const status = RawArray('B', generations * perProducer);
  // Puts each producer has finished: a producer is killed only once it is at work.
  const progress = RawArray('i', generations);
  const reports = new Queue<ConsumerReport>();
  const stop = new Event();
  const ways: ConsumerWay[] = ['get', 'get', 'get-timeout', 'get-nowait'];
  const consumers = ways.map((way) => new Process({ target: roles.consume, args: [q, reports, way, perProducer, (rnd() * 2 ** 31) | 0] }));
  let next = 0;
  const startProducer = (): Process => {
    const p = new Process({ target: roles.produce, args: [q, status, progress, next++, perProducer, 256 * KiB, stop, (rnd() * 2 ** 31) | 0] });
    p.start();
    return p;
  };
  for (const c of consumers) c.start();
  const producers = [0, 1, 2, 3].map(startProducer);
  const ids = [0, 1, 2, 3];
  const counts: Partial<Counts> = { hangs: 0, errors: 0 };
  let killed = 0;
  for (const end = performance.now() + ms; performance.now() < end && next < generations; ) {
    const slot = Math.floor(rnd() * producers.length);
    // A random moment once the victim is at work: in a put, or between two.
    const atWork = performance.now();
    while ((progress.array[ids[slot]!] as number) === 0 && performance.now() - atWork < HANG_MS) await pause(10);
    await pause(rnd() * 300);
    await kill(producers[slot]!);
    killed++;
    ids[slot] = next;
    producers[slot] = startProducer();
  }
  stop.set();
  for (const p of producers) {
    counts.hangs! += await joinOrHang(p, HANG_MS, 'a producer after stop');
    if (p.exitcode !== 0 && p.exitcode !== -9) counts.errors!++;
  }
  for (let i = 0; i < consumers.length; i++) {
    try {
      await q.put('end', { timeout: HANG_MS });
    } catch (err) {
      console.log(`  queue: the end of the run could not be put: ${String(err)}`);
      counts.hangs!++;
    }
  }
  const seen = new Map<number, number>();
  let broken = 0;
  for (let i = 0; i < consumers.length; i++) {
    let report: ConsumerReport;
    try {
      report = await reports.get({ timeout: HANG_MS });
    } catch (err) {
      if (!(err instanceof Empty)) throw err;
      console.log('  queue: a consumer did not report');
      counts.hangs!++;
      continue;
    }
    broken += report.broken;
    for (const slot of report.received) seen.set(slot, (seen.get(slot) ?? 0) + 1);
  }
  for (const c of consumers) {
    counts.hangs! += await joinOrHang(c, HANG_MS, 'a consumer after its report');
    if (c.exitcode !== 0 && c.exitcode !== -9) counts.errors!++;
  }
  const tally = tallyMessages(status.array as Uint8Array, next * perProducer, seen);
  console.log(`  queue: ${tally.acked} messages acknowledged, ${tally.received} received, ${tally.refused} refused (Full), ${killed} producers killed`);
  return { ...counts, lost: tally.lost, duplicated: tally.duplicated, corrupted: broken + tally.phantoms };
}

// Every acknowledged message arrived once; none arrived twice; a refused one never arrived; an
// in-flight one (its producer was killed during the put) arrived at most once.
function tallyMessages(status: Uint8Array, slots: number, seen: Map<number, number>) {
  const t = { acked: 0, refused: 0, received: 0, lost: 0, duplicated: 0, phantoms: 0 };
  for (const [slot, n] of seen) {
    t.received += n;
    if (n > 1) t.duplicated += n - 1;
    if (slot >= slots || status[slot] === REFUSED) t.phantoms += n;
  }
  for (let slot = 0; slot < slots; slot++) {
    if (status[slot] === ACKED) {
      t.acked++;
      if (!seen.has(slot)) t.lost++;
    } else if (status[slot] === REFUSED) t.refused++;
  }
  return t;
}

// ---- lock holders killed while others wait synchronously and asynchronously ---------------------

async function holdersPhase(ms: number): Promise<Partial<Counts>> {
  const counts = { hangs: 0, errors: 0 };
  let rounds = 0;
  for (const end = performance.now() + ms; performance.now() < end; rounds++) {
    const lock = rounds % 2 === 0 ? new Lock() : (Value('i', 0).getLock() as RLock);
    const held = new Event();
    const outcomes = new Queue<WaiterOutcome>();
    const holder = new Process({ target: roles.holdLock, args: [lock, held] });
    const waiters = [
      new Process({ target: roles.waitForLockSync, args: [lock, outcomes, HANG_MS] }),
      new Process({ target: roles.waitForLockAsync, args: [lock, outcomes, HANG_MS] }),
    ];
    for (const p of [holder, ...waiters]) p.start();
    // A random moment: mostly while the lock is held, sometimes before the holder has it.
    if (rnd() < 0.8) await held.wait(HANG_MS);
    await pause(rnd() * 100);
    await kill(holder);
    const mine = await lock.acquire({ timeout: HANG_MS }).then(
      (taken): WaiterOutcome => (taken ? 'taken' : 'timed-out'),
      (err: unknown): WaiterOutcome => ((err as { code?: string }).code === 'ERR_MP_OWNER_DIED' ? 'owner-died' : `error: ${String(err)}`),
    );
    if (mine === 'taken') lock.release();
    const all = [mine];
    for (let i = 0; i < waiters.length; i++) all.push(await outcomes.get({ timeout: HANG_MS }).catch((): WaiterOutcome => 'timed-out'));
    for (const outcome of all) {
      if (outcome === 'timed-out') {
        console.log('  hang: a lock waiter was not told that the holder died');
        counts.hangs++;
      }
      else if (outcome.startsWith('error')) {
        counts.errors++;
        console.log(`  lock holders: a waiter failed: ${outcome}`);
      }
    }
    for (const w of waiters) counts.hangs += await joinOrHang(w, HANG_MS, 'a lock waiter');
  }
  console.log(`  lock holders: ${rounds} holders killed, each waited on by a synchronous and two asynchronous waiters`);
  return counts;
}

// ---- a pipe writer killed in the middle of sends larger than the pipe ---------------------------

async function pipePhase(ms: number): Promise<Partial<Counts>> {
  const counts = { lost: 0, duplicated: 0, corrupted: 0, hangs: 0 };
  let rounds = 0;
  for (const end = performance.now() + ms; performance.now() < end; rounds++) {
    const [reader, writer] = Pipe<Uint8Array>(false);
    const sent = RawArray('i', 1);
    const w = new Process({ target: roles.sendForever, args: [writer, sent, 2048 * KiB, (rnd() * 2 ** 31) | 0] });
    w.start();
    const numbers: number[] = [];
    const reading = (async () => {
      for (;;) {
        const got = await reader.recv().catch((err: unknown) => ((err as { code?: string }).code === 'ERR_MP_EOF' ? null : Promise.reject(err)));
        if (got === null) return;
        const id = check(got);
        if (id === null) counts.corrupted++;
        else numbers.push(id[1]);
      }
    })();
    // A random moment once the writer is at work (it then holds its copy of the writing end, so
    // the reader sees the end of the stream when it dies).
    const started = performance.now();
    while ((sent.array[0] as number) === 0 && performance.now() - started < HANG_MS) await pause(10);
    await pause(rnd() * 1500);
    await kill(w);
    if ((await within(reading, HANG_MS, 'late')) === 'late') {
      console.log('  hang: the pipe reader did not see the end of the stream');
      counts.hangs++;
    }
    // Acknowledged sends arrived once each, in order; the one the writer died in at most once.
    const acked = sent.array[0] as number;
    numbers.forEach((n, i) => {
      if (n !== i) counts.corrupted++;
    });
    counts.lost += Math.max(0, acked - numbers.length);
    counts.duplicated += Math.max(0, numbers.length - acked - 1);
  }
  console.log(`  pipe writers: ${rounds} writers killed mid-stream`);
  return counts;
}

// ---- a parent killed with everything open ------------------------------------------------------

async function parentPhase(ms: number): Promise<Partial<Counts>> {
  const counts = { orphans: 0, segmentsLeft: 0, hangs: 0, errors: 0 };
  const doomed = fileURLToPath(new URL('./doomed-parent.ts', import.meta.url));
  let rounds = 0;
  for (const end = performance.now() + ms; rounds === 0 || performance.now() < end; rounds++) {
    const child = spawn(process.execPath, [...process.execArgv, doomed, String((rnd() * 2 ** 31) | 0)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ready = new Promise<{ pids: number[]; shm: string } | null>((resolve) => {
      child.stdout.setEncoding('utf8').once('data', (line: string) => resolve(JSON.parse(line) as { pids: number[]; shm: string }));
      child.once('exit', () => resolve(null));
    });
    // Its start-up (eight processes) is no wait on a killed party: on a loaded machine it may
    // take long, and the watchdog bounds it.
    const opened = await ready;
    if (opened === null) {
      console.log('  parent killed: the doomed parent ended before it opened everything');
      counts.errors++;
      continue;
    }
    await pause(rnd() * 300);
    child.kill('SIGKILL');
    const gone = (): boolean => opened.pids.every((pid) => !pidAlive(pid)) && !existsSync(`/dev/shm/${opened.shm}`);
    for (const deadline = performance.now() + HANG_MS; !gone() && performance.now() < deadline; ) await pause(50);
    for (const pid of opened.pids.filter(pidAlive)) {
      counts.orphans++;
      process.kill(pid, 'SIGKILL');
    }
    if (existsSync(`/dev/shm/${opened.shm}`)) {
      counts.segmentsLeft++;
      unlinkSync(`/dev/shm/${opened.shm}`);
    }
  }
  console.log(`  parent killed: ${rounds} parents killed with queues, locks, a pipe, a named segment and 7 children open`);
  return counts;
}

// ---- pool workers killed in the middle of map, imap and applyAsync -----------------------------

// What the pool's clients saw. A task whose result never came and that was not reported to its
// caller as WorkerLostError is lost; a result (or error) handed to a callback twice is duplicated;
// a wait that ran out is a hang.
interface PoolTally {
  lost: number;
  duplicated: number;
  corrupted: number;
  hangs: number;
  errors: number;
  results: number;
  reported: number;
}

type SoakPool = Pick<Pool, 'mapAsync' | 'imap' | 'applyAsync' | 'close' | 'join' | 'terminate'>;
const LATE = Symbol('late');
const expected = (n: number): number => 2 * n + 1;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Counts each callback of a result, so that one delivered twice shows. */
class Deliveries {
  readonly #counts: number[] = [];
  /** A callback for one more task. */
  next(): () => void {
    const index = this.#counts.push(0) - 1;
    return () => void this.#counts[index]!++;
  }
  get duplicated(): number {
    return this.#counts.reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  }
}

/** Counts a failed call: WorkerLostError reports `tasks` tasks; anything else is an error. */
function failed(t: PoolTally, err: unknown, tasks: number, what: string): void {
  if (err instanceof WorkerLostError && err.code === 'ERR_MP_WORKER_LOST') t.reported += tasks;
  else {
    t.errors++;
    console.log(`  pool: ${what} failed: ${String(err)}`);
  }
}

async function mapRound(pool: SoakPool, t: PoolTally, deliveries: Deliveries): Promise<void> {
  const n = 20 + Math.floor(rnd() * 200);
  const delivered = deliveries.next();
  const result = pool.mapAsync(roles.poolWork, range(n), { chunksize: 1 + Math.floor(rnd() * 8), callback: delivered, errorCallback: delivered });
  const got = await within(result.get().then((values) => ({ values }), (error: unknown) => ({ error })), HANG_MS, LATE);
  if (got === LATE) {
    console.log('  hang: a map was neither done nor failed');
    t.hangs++;
  } else if ('error' in got) failed(t, got.error, n, 'a map');
  else {
    t.lost += Math.max(0, n - got.values.length);
    got.values.forEach((v, i) => (v === expected(i) ? t.results++ : v === undefined ? t.lost++ : t.corrupted++));
  }
}

async function imapRound(pool: SoakPool, t: PoolTally): Promise<void> {
  const n = 20 + Math.floor(rnd() * 200);
  let next = 0;
  const reading = (async () => {
    try {
      for await (const v of pool.imap(roles.poolWork, range(n), 1 + Math.floor(rnd() * 8))) {
        const i = (v - 1) / 2;
        if (!Number.isInteger(i) || i < 0 || i >= n) t.corrupted++;
        else if (i < next) t.duplicated++;
        else {
          t.lost += i - next;
          t.results++;
          next = i + 1;
        }
      }
      t.lost += n - next;
    } catch (err) {
      failed(t, err, n - next, 'an imap');
    }
  })();
  if ((await within(reading, HANG_MS, LATE)) === LATE) {
    console.log('  hang: an imap neither went on nor failed');
    t.hangs++;
  }
}

async function applyRound(pool: SoakPool, t: PoolTally, deliveries: Deliveries): Promise<void> {
  const calls = range(1 + Math.floor(rnd() * 16)).map((n) => {
    const delivered = deliveries.next();
    return pool.applyAsync(roles.poolWork, [n], { callback: delivered, errorCallback: delivered }).get().then(
      (v) => void (v === expected(n) ? t.results++ : t.corrupted++),
      (err: unknown) => failed(t, err, 1, 'an applyAsync'),
    );
  });
  if ((await within(Promise.all(calls), HANG_MS, LATE)) === LATE) {
    console.log('  hang: an applyAsync was neither done nor failed');
    t.hangs++;
  }
}

// Kills a worker at random moments until `end`, and at least three: a process by SIGKILL; a
// thread (which no signal kills alone) by raising `doom`, which the next task to see it answers by
// ending its thread. Returns how many were killed.
async function killWorkers(backend: 'process' | 'thread', doom: Int32Array, end: number): Promise<number> {
  let kills = 0;
  const enough = (): boolean => (performance.now() >= end && kills >= 3) || performance.now() >= end + HANG_MS;
  while (!enough()) {
    await pause(30 + rnd() * 150);
    if (backend === 'thread') {
      // Raised again once a task has taken the last one.
      if (Atomics.compareExchange(doom, 0, 0, 1) === 0) kills++;
      continue;
    }
    const workers = childPids();
    if (workers.length === 0) continue;
    try {
      process.kill(workers[Math.floor(rnd() * workers.length)]!, 'SIGKILL');
      kills++;
    } catch {
      // it ended (was replaced) between the look and the kill
    }
  }
  // One raised but not taken was no kill.
  if (Atomics.exchange(doom, 0, 0) === 1) kills--;
  return kills;
}

async function poolRun(backend: 'process' | 'thread', ms: number): Promise<Partial<Counts>> {
  const doom = RawArray('i', 1);
  const options = { initializer: roles.initPoolWorker, initargs: [doom] };
  const pool: SoakPool = backend === 'process' ? new Pool(3, options) : new ThreadPool(3, options);
  const t: PoolTally = { lost: 0, duplicated: 0, corrupted: 0, hangs: 0, errors: 0, results: 0, reported: 0 };
  const deliveries = new Deliveries();
  // The clock starts once the workers are at work (they take a while to start on a loaded machine).
  await pool.mapAsync(roles.poolWork, range(3), { chunksize: 1 }).get();
  let killing = true;
  const client = async (round: () => Promise<void>): Promise<void> => {
    while (killing) await round();
  };
  const [kills] = await Promise.all([
    killWorkers(backend, doom.array as Int32Array, performance.now() + ms).finally(() => (killing = false)),
    client(() => mapRound(pool, t, deliveries)),
    client(() => imapRound(pool, t)),
    client(() => applyRound(pool, t, deliveries)),
  ]);
  pool.close();
  if ((await within(pool.join(), HANG_MS, LATE)) === LATE) {
    console.log(`  hang: the ${backend} pool did not end after close()`);
    t.hangs++;
    await pool.terminate();
  }
  t.duplicated += deliveries.duplicated;
  console.log(`  pool workers (${backend}): ${kills} killed during map, imap and applyAsync; ${t.results} results, ${t.reported} tasks reported lost (WorkerLostError)`);
  const { results: _results, reported: _reported, ...counts } = t;
  return counts;
}

async function poolPhase(ms: number): Promise<Partial<Counts>> {
  const processes = await poolRun('process', ms / 2);
  const threads = await poolRun('thread', ms / 2);
  return Object.fromEntries(Object.entries(processes).map(([key, n]) => [key, n + (threads[key as keyof Counts] ?? 0)]));
}

const phases: Phase[] = [
  { name: 'queue', share: 0.45, run: queuePhase },
  { name: 'lock holders', share: 0.12, run: holdersPhase },
  { name: 'pipe writers', share: 0.12, run: pipePhase },
  { name: 'parent killed', share: 0.11, run: parentPhase },
  { name: 'pool workers', share: 0.2, run: poolPhase },
];

const segmentsBefore = new Set(ourSegments());
const total: Counts = { lost: 0, duplicated: 0, corrupted: 0, hangs: 0, orphans: 0, segmentsLeft: 0, errors: 0 };
const budget = minutes * 60_000;
// If a phase itself never ends, that is a hang too: report and fail rather than stall CI.
const watchdog = setTimeout(() => {
  console.log(`soak: did not finish within ${Math.round((budget * 3 + 5 * HANG_MS) / 1000)} s`);
  total.hangs++;
  report();
  process.exit(1);
}, budget * 3 + 5 * HANG_MS);

function report(): boolean {
  const line = `messages lost ${total.lost}, duplicated ${total.duplicated}, corrupted ${total.corrupted}, hangs ${total.hangs}, orphans ${total.orphans}, segments left ${total.segmentsLeft}, errors ${total.errors}`;
  console.log(`soak (seed ${seed}): ${line}`);
  return Object.values(total).every((n) => n === 0);
}

console.log(`soak: ${minutes} min, seed ${seed}`);
for (const phase of phases) {
  const counts = await phase.run(budget * phase.share);
  const wrong = (Object.entries(counts) as [keyof Counts, number][]).filter(([, n]) => n > 0);
  for (const [key, n] of wrong) total[key] += n;
  if (wrong.length > 0) console.log(`  ${phase.name}: ${wrong.map(([key, n]) => `${key} ${n}`).join(', ')}`);
}
for (const deadline = performance.now() + 5_000; childPids().length > 0 && performance.now() < deadline; ) await pause(50);
const survivors = childPids();
total.orphans += survivors.length;
for (const pid of survivors) process.kill(pid, 'SIGKILL');
total.segmentsLeft += ourSegments().filter((name) => !segmentsBefore.has(name)).length;
clearTimeout(watchdog);
process.exitCode = report() ? 0 : 1;
