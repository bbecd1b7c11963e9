// pool: the Pool on 2 workers against the other Node pools, bare message passing and Python.
//   pool-throughput  100,000 trivial tasks submitted at once (tasks/s); a bare batched
//                    postMessage to 2 workers is its ceiling
//   pool-map         the same tasks in one map() with default chunks
//   pool-round-trip  10,000 sequential apply() calls (µs per round trip)
//   pool-cpu         40 tasks of ~20 ms of CPU each (speed-up over running them serially)
//   pool-transfer    a 64 MiB ArrayBuffer argument and result, copied or handed over with move()
//   pool-events      pool-throughput's thread-backend workload with and without event listeners

import { fork, type ChildProcess } from 'node:child_process';
import diagnosticsChannel from 'node:diagnostics_channel';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Pool, POOL_CHANNEL_PREFIX } from 'multiprocessing-ts';
import { move, Pool as ThreadPool } from 'multiprocessing-ts/threads';
import { Piscina } from 'piscina';
import { FixedClusterPool, FixedThreadPool } from 'poolifier';
import Tinypool from 'tinypool';
import workerpool from 'workerpool';
import { percentile, runCommand, type Case, type CaseResult, type RunOptions, type System } from './harness.js';
import { barChart } from './svg-chart.js';

const WORKERS = 2;
const THROUGHPUT_TASKS = 100_000;
const ROUND_TRIPS = 10_000;
const CPU_TASKS = 40;
const CPU_TASK_MS = 20;

// bench/ itself, whether this runs compiled (bench/dist/pool.js) or from source.
const benchDir = new URL(import.meta.url.includes('/bench/dist/') ? '../' : './', import.meta.url);
const anchor = (name: string): string => fileURLToPath(new URL(`anchors/node/${name}`, benchDir));
const pythonScript = fileURLToPath(new URL('anchors/python/pool.py', benchDir));

// ---- the tasks ----------------------------------------------------------------------------------
// Ours gets these as targets (sent as source, compiled once per worker); the other pools run the
// same bodies from anchors/node/tasks.mjs (and poolifier-cluster.cjs).

const inc = (x: number): number => x + 1;

function burn(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s = (s * 31 + i) | 0;
  return s;
}

type TaskName = 'inc' | 'burn';

/** Loop steps of burn() that take about CPU_TASK_MS in this thread: grow (which warms up the JIT),
 *  then refine twice on the median of 5 runs at full size. Calibrated once per run. */
let iterations = 0;
function calibrate(): number {
  if (iterations > 0) return iterations;
  const timed = (n: number): number => {
    const t0 = performance.now();
    burn(n);
    return performance.now() - t0;
  };
  let n = 100_000;
  while (timed(n) < CPU_TASK_MS / 4) n *= 2;
  for (let k = 0; k < 2; k++) {
    const ms = percentile(Array.from({ length: 5 }, () => timed(n)), 0.5);
    n = Math.max(1, Math.round((n * CPU_TASK_MS) / ms));
  }
  iterations = n;
  return n;
}

// ---- the pools ----------------------------------------------------------------------------------

/** A pool as the workloads use it: run one named task, and close. */
interface Driver {
  run(task: TaskName, x: number): PromiseLike<number>;
  close(): Promise<void>;
}

type Make = () => Driver;

const ours = (P: typeof Pool | typeof ThreadPool): Make => () => {
  const pool = new P(WORKERS);
  return {
    run: (task, x) => (task === 'inc' ? pool.applyAsync(inc, [x]) : pool.applyAsync(burn, [x])).get(),
    close: () => pool.terminate(),
  };
};

// piscina's and tinypool's run options, made once rather than per task.
const byName = { inc: { name: 'inc' }, burn: { name: 'burn' } } as const;

const piscina: Make = () => {
  const pool = new Piscina<number, number>({ filename: anchor('piscina-worker.mjs'), minThreads: WORKERS, maxThreads: WORKERS });
  return { run: (name, x) => pool.run(x, byName[name]), close: () => pool.destroy() };
};

const tinypool = (runtime: 'worker_threads' | 'child_process'): Make => () => {
  const pool = new Tinypool({ filename: anchor('piscina-worker.mjs'), minThreads: WORKERS, maxThreads: WORKERS, runtime });
  return { run: (name, x) => pool.run(x, byName[name]) as Promise<number>, close: () => pool.destroy() };
};

const poolifier = (P: typeof FixedThreadPool | typeof FixedClusterPool, file: string): Make => () => {
  const pool = new P<number, number>(WORKERS, anchor(file));
  return { run: (name, x) => pool.execute(x, name), close: () => pool.destroy() };
};

const workerpoolThreads: Make = () => {
  const pool = workerpool.pool(anchor('workerpool-worker.mjs'), { minWorkers: WORKERS, maxWorkers: WORKERS, workerType: 'thread' });
  return { run: (name, x) => pool.exec(name, [x]) as PromiseLike<number>, close: async () => void (await pool.terminate()) };
};

/**
 * What any thread pool must do at the least, by hand: a promise per task, the tasks of a turn
 * split between the workers in one message each, the results back in one message per batch.
 * No queue, no scheduling, no failure handling: a ceiling for the throughput case.
 */
const bareBatched: Make = () => {
  const workers = Array.from({ length: WORKERS }, () => new Worker(anchor('batch-worker.mjs')));
  // Each task's resolve function at its id; ids start again at 0 whenever nothing is pending.
  let waiting: (((y: number) => void) | undefined)[] = [];
  let pending = 0;
  let nextId = 0;
  let batch: number[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const tasks = batch;
    batch = [];
    const share = Math.ceil(tasks.length / 2 / WORKERS) * 2;
    for (let w = 0; w < WORKERS && w * share < tasks.length; w++) workers[w]!.postMessage(tasks.slice(w * share, (w + 1) * share));
  };
  for (const worker of workers) {
    worker.on('message', (results: number[]) => {
      for (let i = 0; i < results.length; i += 2) {
        const resolve = waiting[results[i]!];
        waiting[results[i]!] = undefined;
        resolve?.(results[i + 1]!);
      }
      pending -= results.length / 2;
      if (pending === 0) {
        waiting = [];
        nextId = 0;
      }
    });
  }
  return {
    run: (_task, x) =>
      new Promise<number>((resolve) => {
        const id = nextId++;
        waiting[id] = resolve;
        pending++;
        batch.push(id, x);
        if (!scheduled) {
          scheduled = true;
          queueMicrotask(flush);
        }
      }),
    close: async () => void (await Promise.all(workers.map((worker) => worker.terminate()))),
  };
};

const nodePools: [name: string, make: Make][] = [
  ['piscina', piscina],
  ['tinypool', tinypool('worker_threads')],
  ['tinypool child_process', tinypool('child_process')],
  ['poolifier FixedThreadPool', poolifier(FixedThreadPool, 'poolifier-thread.mjs')],
  ['poolifier FixedClusterPool', poolifier(FixedClusterPool, 'poolifier-cluster.cjs')],
  ['workerpool', workerpoolThreads],
];
const NODE_POOLS = nodePools.map(([name]) => name);
const THREAD_POOLS = ['piscina', 'tinypool', 'poolifier FixedThreadPool', 'workerpool'];

/** A system that creates its pool in setup (started, one task per worker run), and ends it in teardown. */
function pooled(name: string, kind: System['kind'], make: Make, rep: (driver: Driver) => Promise<void>, extra: Partial<System> = {}): System {
  let driver: Driver | undefined;
  return {
    name,
    kind,
    ...extra,
    async setup() {
      driver = make();
      await Promise.all(Array.from({ length: WORKERS * 2 }, (_, i) => driver!.run('inc', i)));
    },
    run: () => rep(driver!),
    async teardown() {
      await driver?.close();
      driver = undefined;
    },
  };
}

function expect(value: unknown, expected: unknown, what: string): void {
  if (value !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(value)}`);
}

// ---- Python -------------------------------------------------------------------------------------

interface PythonRun {
  python: string;
  start_method: string;
  iterations?: number;
  systems: Record<string, { samples: number[] }>;
}

/** One Python run per workload (memoized per case run): every Python system of it reads its samples. */
function pythonSystems(workload: 'throughput' | 'map' | 'roundtrip' | 'cpu', systems: [name: string, label: string, extra: Partial<System>][], args: (options: RunOptions) => string[]): System[] {
  let run: Promise<PythonRun | { skipped: string }> | undefined;
  let lastOptions: RunOptions | undefined;
  const start = (options: RunOptions): Promise<PythonRun | { skipped: string }> => {
    if (run === undefined || lastOptions !== options) {
      lastOptions = options;
      const argv = [pythonScript, workload, '--reps', String(options.reps), '--warmup', String(options.warmup), ...args(options)];
      run = runCommand('python3', ['-c', 'pass'], 30_000).then(
        () =>
          runCommand('python3', argv, options.timeout * 5).then(
            (stdout) => {
              const out = JSON.parse(stdout) as PythonRun;
              if (out.iterations !== undefined) pythonIterations = out.iterations;
              pythonStartMethod = out.start_method;
              pythonVersion = out.python;
              return out;
            },
            (err: unknown) => {
              console.log(`notice: python3 ${pythonScript} ${workload} failed: ${String(err)}`);
              return { skipped: `the Python run failed (${err instanceof Error ? err.message.slice(0, 120) : String(err)})` };
            },
          ),
        () => {
          console.log('notice: python3 is not on PATH (or does not start); skipping it');
          return { skipped: 'python3 not available' };
        },
      );
    }
    return run;
  };
  return systems.map(([key, label, extra]) => ({
    name: `python3 ${label}`,
    kind: 'anchor' as const,
    ...extra,
    async external(options: RunOptions) {
      const out = await start(options);
      if ('skipped' in out) return out;
      return out.systems[key]?.samples ?? { skipped: `no '${key}' in the Python output` };
    },
  }));
}
let pythonIterations: number | undefined;
let pythonStartMethod: string | undefined;
let pythonVersion: string | undefined;

// ---- workload 1: throughput ---------------------------------------------------------------------

const items = Array.from({ length: THROUGHPUT_TASKS }, (_, i) => i);

async function submitAll(driver: Driver): Promise<void> {
  const pending = new Array<PromiseLike<number>>(THROUGHPUT_TASKS);
  for (let i = 0; i < THROUGHPUT_TASKS; i++) pending[i] = driver.run('inc', i);
  const results = await Promise.all(pending);
  expect(results[THROUGHPUT_TASKS - 1], THROUGHPUT_TASKS, 'the last result');
}

function oursMap(name: string, P: typeof Pool | typeof ThreadPool): System {
  let pool: Pool | ThreadPool | undefined;
  return {
    name,
    kind: 'ours',
    baseline: 'python3 Pool.map default chunksize',
    target: 1,
    check: `our map() with default chunking ≥ Python's default-chunksize Pool.map (${P === Pool ? 'process' : 'thread'} backend)`,
    async setup() {
      pool = new P(WORKERS);
      await pool.map(inc, [1, 2, 3, 4], 1);
    },
    async run() {
      const results = await pool!.map(inc, items);
      expect(results.length, THROUGHPUT_TASKS, 'the number of results');
      expect(results[THROUGHPUT_TASKS - 1], THROUGHPUT_TASKS, 'the last result');
    },
    teardown: () => pool?.terminate(),
  };
}

// Slow systems (about 10,000 tasks/s or less: 100,000 tasks take 8 s or more) run 2 repetitions.
const SLOW = new Set(['tinypool', 'tinypool child_process', 'workerpool']);

export const poolThroughput: Case = {
  name: 'pool-throughput',
  description:
    `${THROUGHPUT_TASKS.toLocaleString('en-US')} trivial tasks (x → x + 1) submitted at once on ${WORKERS} workers, then all awaited: one task each ` +
    '(ours: applyAsync, piscina/tinypool: run, poolifier: execute, workerpool: exec; Python: map with chunksize 1). Pools are started before the timing.',
  measure: { unit: 'tasks/s', of: (ms) => (THROUGHPUT_TASKS * 1000) / ms, digits: 0, speed: true },
  repetitions: { reps: 5, warmup: 3, quick: { reps: 1, warmup: 1 } },
  systems: [
    pooled('ours, thread backend', 'ours', ours(ThreadPool), submitAll, {
      baseline: NODE_POOLS,
      target: 1.5,
      check: 'thread-backend throughput ≥ 1.5× the fastest Node pool (piscina, tinypool, poolifier, workerpool)',
    }),
    pooled('ours, process backend', 'ours', ours(Pool), submitAll, {
      baseline: 'python3 Pool.map chunksize=1',
      target: 2,
      check: "process-backend throughput ≥ 2× Python's Pool.map with chunksize 1",
    }),
    ...nodePools.map(([name, make]) => pooled(name, 'anchor', make, submitAll, SLOW.has(name) ? { reps: 2 } : {})),
    pooled('bare Workers, batched postMessage', 'anchor', bareBatched, submitAll),
    ...pythonSystems(
      'throughput',
      [
        ['Pool.map chunksize=1', 'Pool.map chunksize=1', {}],
        ['ProcessPoolExecutor.map', 'ProcessPoolExecutor(2).map', {}],
      ],
      (options) => ['--n', String(THROUGHPUT_TASKS), '--executor-reps', String(Math.min(options.reps, 2))],
    ),
  ],
  details: () => (pythonStartMethod === undefined ? undefined : `Python's start method: ${pythonStartMethod}.`),
  files: (_result, all) => throughputChart(all),
};

// A case of its own: interleaved with the bursts of 100,000 tasks above, a map would pay for
// their garbage in its timing, while Python's map runs in a process of its own.
export const poolMap: Case = {
  name: 'pool-map',
  description: `The same ${THROUGHPUT_TASKS.toLocaleString('en-US')} trivial tasks in one map() call with the default chunksize, on ${WORKERS} workers (Python: Pool.map). Pools are started before the timing.`,
  measure: { unit: 'tasks/s', of: (ms) => (THROUGHPUT_TASKS * 1000) / ms, digits: 0, speed: true },
  repetitions: { reps: 9, warmup: 3, quick: { reps: 1, warmup: 1 } },
  systems: [
    oursMap('ours map(), thread backend', ThreadPool),
    oursMap('ours map(), process backend', Pool),
    ...pythonSystems('map', [['Pool.map default chunksize', 'Pool.map default chunksize', {}]], () => ['--n', String(THROUGHPUT_TASKS)]),
  ],
  details: () => (pythonStartMethod === undefined ? undefined : `Python's start method: ${pythonStartMethod}.`),
  files: (_result, all) => throughputChart(all),
};

/** bench/pool-chart.svg: tasks/s per system, one bar each, grouped by how tasks were submitted (pool-throughput and pool-map). */
function throughputChart(all: CaseResult[]): Record<string, string> {
  const result = all.find((r) => r.name === poolThroughput.name);
  const map = all.find((r) => r.name === poolMap.name);
  // Drawn once both cases have run: a run of one of them leaves the chart as it was.
  if (result === undefined || map === undefined) return {};
  const cases = [result, map];
  const bar = (name: string, label = name) => {
    const s = cases.flatMap((r) => r.systems).find((x) => x.name === name);
    return { label, value: s?.shown?.median, kind: s?.kind ?? 'anchor', note: s?.skipped === undefined ? undefined : 'skipped' };
  };
  const python = (name: string) => ({ ...bar(name, name.replace(/^python3 /, 'Python ')), kind: 'python' as const });
  const svg = barChart({
    title: `Pool throughput: ${THROUGHPUT_TASKS.toLocaleString('en-US')} trivial tasks on ${WORKERS} workers`,
    subtitle: 'tasks per second, median; higher is better. Each group has its own scale.',
    unit: 'tasks/s',
    groups: [
      {
        label: 'One task per call (applyAsync / run / execute / exec)',
        bars: [bar('ours, thread backend', 'ours, thread backend'), bar('ours, process backend', 'ours, process backend'), ...NODE_POOLS.map((n) => bar(n)), bar('bare Workers, batched postMessage'), python('python3 Pool.map chunksize=1'), { ...python('python3 ProcessPoolExecutor(2).map'), label: 'Python ProcessPoolExecutor.map' }],
      },
      {
        label: 'One map() call with the default chunksize',
        bars: [bar('ours map(), thread backend'), bar('ours map(), process backend'), python('python3 Pool.map default chunksize')],
      },
    ],
    footer: `Node ${process.version}, Python ${pythonVersion ?? '3'}, ${availableParallelism()} CPUs, ${new Date().toISOString().slice(0, 10)}; median of ${result.options.reps} repetitions (2 for the slowest), map() of ${map.options.reps}. Figures: bench/RESULTS.md.`,
  });
  return { 'pool-chart.svg': svg };
}

// ---- workload 2: round trip ---------------------------------------------------------------------

async function sequential(driver: Driver): Promise<void> {
  for (let i = 0; i < ROUND_TRIPS; i++) expect(await driver.run('inc', i), i + 1, 'a round trip');
}

/** A bare ping-pong: post x, wait for x + 1, ROUND_TRIPS times. */
function pingPong(name: string, open: () => { post(x: number): void; on(listener: (y: number) => void): void; close(): Promise<void> }): System {
  let channel: ReturnType<typeof open> | undefined;
  let answer: ((y: number) => void) | undefined;
  const ask = (x: number): Promise<number> =>
    new Promise((resolve) => {
      answer = resolve;
      channel!.post(x);
    });
  return {
    name,
    kind: 'anchor',
    async setup() {
      channel = open();
      channel.on((y) => answer?.(y));
      await ask(0);
    },
    async run() {
      for (let i = 0; i < ROUND_TRIPS; i++) expect(await ask(i), i + 1, 'a round trip');
    },
    async teardown() {
      await channel?.close();
    },
  };
}

const bareWorker = (): ReturnType<Parameters<typeof pingPong>[1]> => {
  const worker = new Worker(anchor('echo-worker.mjs'));
  return {
    post: (x) => worker.postMessage(x),
    on: (listener) => worker.on('message', listener),
    close: async () => void (await worker.terminate()),
  };
};

const bareFork = (): ReturnType<Parameters<typeof pingPong>[1]> => {
  const child: ChildProcess = fork(anchor('echo-child.mjs'), { serialization: 'advanced' });
  return {
    post: (x) => child.send(x),
    on: (listener) => child.on('message', (y) => listener(y as number)),
    close: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
};

export const poolRoundTrip: Case = {
  name: 'pool-round-trip',
  description: `${ROUND_TRIPS.toLocaleString('en-US')} sequential \`await pool.apply(inc, [i])\` (one task in flight at a time), or the same by hand.`,
  measure: { unit: 'µs per round trip', of: (ms) => (ms * 1000) / ROUND_TRIPS, digits: 1 },
  repetitions: { reps: 5, warmup: 1, quick: { reps: 1, warmup: 1 } },
  systems: [
    pingPong('bare Worker postMessage', bareWorker),
    pingPong('bare fork IPC (advanced)', bareFork),
    pooled('ours, thread backend', 'ours', ours(ThreadPool), sequential, {
      baseline: 'bare Worker postMessage',
      target: 1.3,
      check: 'thread-backend sequential round trip ≤ 1.3× a bare worker postMessage round trip',
    }),
    pooled('ours, process backend', 'ours', ours(Pool), sequential, {
      baseline: 'bare fork IPC (advanced)',
      target: 0.5,
      check: 'process-backend sequential round trip ≤ 0.5× a bare fork IPC round trip',
    }),
    // The thread pools only: a round trip is mostly the channel's latency, compared with the bare Worker.
    ...nodePools.filter(([name]) => THREAD_POOLS.includes(name)).map(([name, make]) => pooled(name, 'anchor', make, sequential, { baseline: 'bare Worker postMessage' })),
    ...pythonSystems('roundtrip', [['Pool.apply', 'Pool.apply', { baseline: 'bare fork IPC (advanced)' }]], () => ['--n', String(ROUND_TRIPS)]),
  ],
};

// ---- workload 3: CPU-bound ----------------------------------------------------------------------

async function cpuTasks(driver: Driver): Promise<void> {
  const n = iterations;
  const pending = Array.from({ length: CPU_TASKS }, () => driver.run('burn', n));
  const results = await Promise.all(pending);
  expect(results[CPU_TASKS - 1], expectedBurn, 'the last result');
}
let expectedBurn = 0;

const SERIAL = 'serial, in the parent';
const cpuCheck = (backend: string): Partial<System> => ({
  baseline: SERIAL,
  target: 1.85,
  check: `CPU-bound speed-up on ${WORKERS} cores ≥ 1.85× (${backend} backend)`,
});

export const poolCpu: Case = {
  name: 'pool-cpu',
  description:
    `${CPU_TASKS} CPU-bound tasks of ~${CPU_TASK_MS} ms each (a busy loop, its step count calibrated once in the parent) on ${WORKERS} workers, ` +
    'submitted at once; "× as fast" is the speed-up over running them one after another in the parent (Python: in the Python parent, its own loop calibrated there).',
  measure: { unit: 'ms', of: (ms) => ms, digits: 1, speed: true },
  repetitions: { reps: 5, warmup: 1, quick: { reps: 1, warmup: 1 } },
  systems: [
    {
      name: SERIAL,
      kind: 'anchor',
      setup() {
        calibrate();
        expectedBurn = burn(iterations);
      },
      async run() {
        let last = 0;
        for (let i = 0; i < CPU_TASKS; i++) last = burn(iterations);
        expect(last, expectedBurn, 'the last result');
      },
    },
    pooled('ours, thread backend', 'ours', ours(ThreadPool), cpuTasks, cpuCheck('thread')),
    pooled('ours, process backend', 'ours', ours(Pool), cpuTasks, cpuCheck('process')),
    ...nodePools.map(([name, make]) => pooled(name, 'anchor', make, cpuTasks, { baseline: SERIAL })),
    ...pythonSystems(
      'cpu',
      [
        ['serial', 'serial', {}],
        ['Pool.map chunksize=1', 'Pool.map chunksize=1', { baseline: 'python3 serial' }],
        ['Pool.map default chunksize', 'Pool.map default chunksize', { baseline: 'python3 serial' }],
        ['ProcessPoolExecutor.map', 'ProcessPoolExecutor(2).map', { baseline: 'python3 serial' }],
      ],
      () => ['--tasks', String(CPU_TASKS), '--task-ms', String(CPU_TASK_MS)],
    ),
  ],
  details: () =>
    `Node: ${iterations.toLocaleString('en-US')} loop steps per task (calibrated to ~${CPU_TASK_MS} ms in the parent)` +
    (pythonIterations === undefined ? '.' : `; Python: ${pythonIterations.toLocaleString('en-US')} steps.`),
};

// ---- workload 4: a large ArrayBuffer argument, copied or handed over -----------------------------

const TRANSFER_BYTES = 64 * 2 ** 20;
const TRANSFER_TRIPS = 2;

// The task reads one byte and returns the buffer: the same bytes travel there and back.
const echoCopy = (b: ArrayBuffer): ArrayBuffer => b;
const echoMove = async (b: ArrayBuffer): Promise<ArrayBuffer> => (await import('multiprocessing-ts/threads')).move(b);

function transferSystem(name: string, moved: boolean, extra: Partial<System> = {}): System {
  let pool: InstanceType<typeof ThreadPool> | undefined;
  let buffer = new ArrayBuffer(0);
  return {
    name,
    kind: 'ours',
    ...extra,
    async setup() {
      pool = new ThreadPool(1);
      buffer = new ArrayBuffer(TRANSFER_BYTES);
      buffer = moved ? await pool.apply(echoMove, [move(buffer)]) : await pool.apply(echoCopy, [buffer]);
    },
    async run() {
      for (let i = 0; i < TRANSFER_TRIPS; i++) buffer = moved ? await pool!.apply(echoMove, [move(buffer)]) : await pool!.apply(echoCopy, [buffer]);
      expect(buffer.byteLength, TRANSFER_BYTES, 'the buffer that came back');
    },
    async teardown() {
      await pool?.terminate();
      pool = undefined;
    },
  };
}

export const poolTransfer: Case = {
  name: 'pool-transfer',
  description: `${TRANSFER_TRIPS} sequential round trips of a 64 MiB ArrayBuffer argument returned as the result, thread backend, 1 worker: copied, or handed over with move() both ways.`,
  measure: { unit: 'ms per round trip', of: (ms) => ms / TRANSFER_TRIPS, digits: 2 },
  repetitions: { reps: 5, warmup: 1, quick: { reps: 2, warmup: 1 } },
  systems: [transferSystem('ours, thread backend, copied', false), transferSystem('ours, thread backend, move()', true, { baseline: 'ours, thread backend, copied' })],
};


// ---- workload 5: the cost of events ------------------------------------------------------------

const NO_LISTENER = 'ours, thread backend, no listener';

/** A thread pool with `taskStart`, `taskEnd` and `drain` listeners and a `taskEnd` channel subscriber. */
const listenedTo: Make = () => {
  const pool = new ThreadPool(WORKERS);
  let events = 0;
  const count = (): void => void events++;
  pool.on('taskStart', count);
  pool.on('taskEnd', count);
  pool.on('drain', count);
  const channel = diagnosticsChannel.channel(`${POOL_CHANNEL_PREFIX}taskEnd`);
  channel.subscribe(count);
  return {
    run: (task, x) => (task === 'inc' ? pool.applyAsync(inc, [x]) : pool.applyAsync(burn, [x])).get(),
    close: async () => {
      channel.unsubscribe(count);
      await pool.terminate();
      expect(events > 0, true, 'events were heard');
    },
  };
};

export const poolEvents: Case = {
  name: 'pool-events',
  description:
    `pool-throughput's workload on the thread backend (${THROUGHPUT_TASKS.toLocaleString('en-US')} trivial applyAsync tasks at once on ${WORKERS} workers), ` +
    'with no event listener, and with taskStart/taskEnd/drain listeners and a diagnostics_channel subscriber.',
  measure: { unit: 'tasks/s', of: (ms) => (THROUGHPUT_TASKS * 1000) / ms, digits: 0, speed: true },
  repetitions: { reps: 9, warmup: 3, quick: { reps: 3, warmup: 1 } },
  systems: [
    pooled(NO_LISTENER, 'anchor', ours(ThreadPool), submitAll),
    pooled('ours, thread backend, with listeners', 'ours', listenedTo, submitAll, {
      baseline: NO_LISTENER,
    }),
  ],
};

export const poolCases: Case[] = [poolThroughput, poolMap, poolRoundTrip, poolCpu, poolTransfer, poolEvents];
