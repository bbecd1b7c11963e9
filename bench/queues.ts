// queues: Queue and Pipe from a producer child to the parent, against bare Node message passing
// and Python's multiprocessing.Queue and Pipe, in one run.
//   queues-small  100,000 small messages (the numbers 0..n-1), msgs/s
//   queues-1mib   200 messages of 1 MiB (a Uint8Array; Python: bytes), MiB/s
//
// Each producer (a child process, or a worker thread for the thread rows) is started in setup and
// waits for a "go" Semaphore; a repetition is one go and n messages received by the parent.

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Pipe, Process, Queue, RawArray, Semaphore, type Connection, type SharedArrayView } from 'multiprocessing-ts';
import { Process as ThreadProcess } from 'multiprocessing-ts/threads';
import { availableParallelism } from 'node:os';
import type { Case, CaseResult, System } from './harness.js';
import { pythonRun, pythonSystem, pythonVersion } from './python.js';
import { barChart, type Bar } from './svg-chart.js';

const SMALL = 100_000;
const BIG = 200;
const MIB = 1 << 20;

const benchDir = new URL(import.meta.url.includes('/bench/dist/') ? '../' : './', import.meta.url);
const producerScript = fileURLToPath(new URL('anchors/node/producer.mjs', benchDir));

// ---- ours -------------------------------------------------------------------------------------------

/** The producer (sent as source): on each go, n messages into the Queue or down the Pipe; until stop. */
async function producer(kind: 'Queue' | 'Pipe', n: number, size: number, stop: SharedArrayView, go: Semaphore, queue: Queue | null, conn: Connection | null): Promise<void> {
  const payload = size > 0 ? new Uint8Array(size).fill(7) : null;
  for (;;) {
    while (!go.acquireSync({ timeout: 100 })) if (stop.get(0) === 1) return;
    if (stop.get(0) === 1) return;
    if (kind === 'Queue') {
      for (let i = 0; i < n; i++) await queue!.put(payload ?? i);
    } else {
      for (let i = 0; i < n; i++) conn!.send(payload ?? i);
    }
  }
}

function check(last: unknown, n: number, size: number): void {
  const ok = size === 0 ? last === n - 1 : last instanceof Uint8Array && last.length === size;
  if (!ok) throw new Error(`wrong last message: ${String(last)}`);
}

function ours(name: string, kind: 'Queue' | 'Pipe', P: typeof Process | typeof ThreadProcess, n: number, size: number, extra: Partial<System>): System {
  const stop = RawArray('i', 1);
  const go = new Semaphore(0);
  let queue: Queue | undefined;
  let reader: Connection | undefined;
  let child: InstanceType<typeof P> | undefined;
  return {
    name,
    kind: 'ours',
    ...extra,
    setup() {
      let args: [Queue | null, Connection | null];
      if (kind === 'Queue') {
        queue = new Queue();
        args = [queue, null];
      } else {
        const [r, w] = Pipe(false);
        reader = r;
        args = [null, w];
      }
      child = new P({ target: producer, args: [kind, n, size, stop, go, ...args] });
      child.start();
      // A pipe's writing end now lives in the child; this process only reads.
    },
    async run() {
      go.release();
      let last: unknown;
      if (queue !== undefined) for (let i = 0; i < n; i++) last = await queue.get();
      else for (let i = 0; i < n; i++) last = await reader!.recv();
      check(last, n, size);
    },
    async teardown() {
      stop.set(0, 1);
      go.release();
      const joined = child!.join();
      const late = await Promise.race([joined.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 5_000).unref())]);
      if (late) {
        child!.terminate();
        await joined;
      }
      queue?.close();
      reader?.close();
    },
  };
}

// ---- bare Node anchors --------------------------------------------------------------------------------

interface Channel {
  post(message: { n: number; size: number }): void;
  on(listener: (message: unknown) => void): void;
  close(): Promise<void>;
}

function bare(name: string, open: () => Channel, n: number, size: number, extra: Partial<System> = {}): System {
  let channel: Channel | undefined;
  let onMessage: ((message: unknown) => void) | undefined;
  const batch = (): Promise<void> =>
    new Promise((resolve, reject) => {
      let count = 0;
      onMessage = (message) => {
        if (++count < n) return;
        onMessage = undefined;
        try {
          check(message, n, size);
          resolve();
        } catch (err) {
          reject(err as Error);
        }
      };
      channel!.post({ n, size });
    });
  return {
    name,
    kind: 'anchor',
    ...extra,
    async setup() {
      channel = open();
      channel.on((message) => onMessage?.(message));
    },
    run: batch,
    teardown: () => channel?.close(),
  };
}

const bareWorker = (): Channel => {
  const worker = new Worker(producerScript);
  return {
    post: (m) => worker.postMessage(m),
    on: (listener) => worker.on('message', listener),
    close: async () => void (await worker.terminate()),
  };
};

const bareFork = (): Channel => {
  const child: ChildProcess = fork(producerScript, { serialization: 'advanced' });
  return {
    post: (m) => child.send(m),
    on: (listener) => child.on('message', listener),
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
};

// ---- the cases ------------------------------------------------------------------------------------

const repetitions = { reps: 10, warmup: 2, quick: { reps: 2, warmup: 1 } };

function systems(n: number, size: number): System[] {
  const python = pythonRun('queues.py', size === 0 ? 'small' : 'big', () => ['--n', String(n), '--size', String(size)]);
  const [queueCheck, pipeCheck] =
    size === 0
      ? [
          { baseline: 'python3 Queue', target: 3, check: "small-message Queue throughput between processes ≥ 3× Python's Queue" },
          { baseline: 'python3 Pipe', target: 2, check: "small-message Pipe throughput between processes ≥ 2× Python's Pipe" },
        ]
      : [
          { baseline: 'python3 Pipe', target: 4, check: "1 MiB messages through a Queue between processes ≥ 4× Python's Pipe" },
          { baseline: 'python3 Pipe', target: 4, check: "1 MiB messages through a Pipe between processes ≥ 4× Python's Pipe" },
        ];
  // Between threads, large messages are held to a bare postMessage; small ones have no target there.
  const threadCheck = (kind: string): Partial<System> =>
    size === 0 ? { baseline: 'bare Worker postMessage' } : { baseline: 'bare Worker postMessage', target: 1, check: `1 MiB messages through a ${kind} between threads ≥ a bare postMessage` };
  return [
    ours('ours Queue, 2 processes', 'Queue', Process, n, size, queueCheck),
    ours('ours Pipe, 2 processes', 'Pipe', Process, n, size, pipeCheck),
    bare('bare fork IPC (advanced)', bareFork, n, size),
    ours('ours Queue, 2 threads', 'Queue', ThreadProcess, n, size, threadCheck('Queue')),
    ours('ours Pipe, 2 threads', 'Pipe', ThreadProcess, n, size, threadCheck('Pipe')),
    bare('bare Worker postMessage', bareWorker, n, size),
    pythonSystem(python, 'Queue', 'python3 Queue', size === 0 ? {} : { baseline: 'python3 Pipe' }),
    pythonSystem(python, 'Pipe', 'python3 Pipe'),
  ];
}

export const queuesSmall: Case = {
  name: 'queues-small',
  description:
    `${SMALL.toLocaleString('en-US')} small messages (the numbers 0..n-1) from a producer to the parent: ours \`await queue.put(i)\` / \`conn.send(i)\` in a child process or thread, ` +
    '`await queue.get()` / `await conn.recv()` in the parent; bare Node: `process.send` (fork IPC) or `parentPort.postMessage`; Python: `Queue.put`/`get`, `Pipe(duplex=False)` `send`/`recv`.',
  measure: { unit: 'msgs/s', of: (ms) => (SMALL * 1000) / ms, digits: 0, speed: true },
  repetitions,
  systems: systems(SMALL, 0),
};

export const queues1MiB: Case = {
  name: 'queues-1mib',
  description: `${BIG} messages of 1 MiB (a Uint8Array; Python: bytes) from a producer to the parent, the same ways (each message is copied, none transferred).`,
  measure: { unit: 'MiB/s', of: (ms) => (BIG * 1000) / ms, digits: 0, speed: true },
  repetitions,
  systems: systems(BIG, MIB),
  files: (_result, all) => ({ 'sync-queues-chart.svg': syncQueuesChart(all) }),
};

/** bench/sync-queues-chart.svg: ours against Python's multiprocessing, one group per measurement. */
function syncQueuesChart(all: CaseResult[]): string {
  const find = (caseName: string, system: string) => all.find((r) => r.name === caseName)?.systems.find((s) => s.name === system);
  // scale: shown figure → charted figure (e.g. ops/s → millions, µs per round trip → thousands per second)
  const bar = (caseName: string, system: string, label: string, scale: (x: number) => number): Bar => {
    const s = find(caseName, system);
    const kind = system.startsWith('python') ? 'python' : 'ours';
    return { label, kind, value: s?.shown === undefined ? undefined : scale(s.shown.median), note: s?.skipped === undefined ? 'not measured' : 'skipped' };
  };
  const millions = (x: number) => x / 1e6;
  const perSecondK = (us: number) => 1000 / us;
  const thousands = (x: number) => x / 1000;
  const same = (x: number) => x;
  return barChart({
    title: "Shared primitives and queues: ours vs Python's multiprocessing",
    subtitle: 'median of the same run; higher is better. Each group has its own scale.',
    unit: '',
    legend: [
      ['ours', 'multiprocessing-ts (ours)'],
      ['python', 'Python multiprocessing'],
    ],
    groups: [
      {
        label: 'Lock acquire + release, uncontended (millions per second)',
        bars: [bar('sync-lock', 'ours, acquireSync() / release()', 'ours, acquireSync()', millions), bar('sync-lock', 'python3 Lock', 'Python Lock', millions)],
      },
      {
        label: 'Lock contended by 2 processes (millions of acquire + release per second)',
        bars: [bar('sync-lock-contended', 'ours, 2 processes', 'ours', millions), bar('sync-lock-contended', 'python3 Lock, 2 processes', 'Python', millions)],
      },
      {
        label: 'Value += 1 under its lock, 2 processes (millions per second)',
        bars: [bar('sync-value', 'ours, 2 processes', 'ours', millions), bar('sync-value', 'python3 Value, 2 processes', 'Python', millions)],
      },
      {
        label: 'Event set → wake round trips between 2 processes (thousands per second)',
        bars: [
          bar('sync-event', 'ours, process, sync', 'ours, waitSync()', perSecondK),
          bar('sync-event', 'ours, process, async', 'ours, await wait()', perSecondK),
          bar('sync-event', 'python3 Event, 2 processes', 'Python', perSecondK),
        ],
      },
      {
        label: 'Small messages between 2 processes (thousands per second)',
        bars: [
          bar('queues-small', 'ours Queue, 2 processes', 'ours Queue', thousands),
          bar('queues-small', 'ours Pipe, 2 processes', 'ours Pipe', thousands),
          bar('queues-small', 'python3 Queue', 'Python Queue', thousands),
          bar('queues-small', 'python3 Pipe', 'Python Pipe', thousands),
        ],
      },
      {
        label: '1 MiB messages between 2 processes (MiB per second)',
        bars: [
          bar('queues-1mib', 'ours Queue, 2 processes', 'ours Queue', same),
          bar('queues-1mib', 'ours Pipe, 2 processes', 'ours Pipe', same),
          bar('queues-1mib', 'python3 Queue', 'Python Queue', same),
          bar('queues-1mib', 'python3 Pipe', 'Python Pipe', same),
        ],
      },
    ],
    footer: `Node ${process.version}, Python ${pythonVersion ?? '3'}, ${availableParallelism()} CPUs, ${new Date().toISOString().slice(0, 10)}. Figures and method: bench/RESULTS.md.`,
  });
}

export const queueCases: Case[] = [queuesSmall, queues1MiB];
