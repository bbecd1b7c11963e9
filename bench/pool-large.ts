// pool-64mib: one task whose argument and result are 64 MiB (a Uint8Array), process backend,
// against the bare IPC channel the pool used for them before they were handed over in shared
// memory (a forked child echoing the array back, 'advanced' serialization).

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Pool } from 'multiprocessing-ts';
import type { Case, System } from './harness.js';

const SIZE = 64 << 20;
const benchDir = new URL(import.meta.url.includes('/bench/dist/') ? '../' : './', import.meta.url);
const echoScript = fileURLToPath(new URL('anchors/node/echo-same.mjs', benchDir));

const echo = (x: Uint8Array): Uint8Array => x;
const payload = (): Uint8Array => new Uint8Array(SIZE).fill(7);

function check(back: unknown): void {
  if (!(back instanceof Uint8Array) || back.length !== SIZE || back[SIZE - 1] !== 7) throw new Error('the 64 MiB array did not come back whole');
}

function oursProcess(): System {
  let pool: Pool | undefined;
  const data = payload();
  return {
    name: 'ours, process backend',
    kind: 'ours',
    baseline: 'bare fork IPC (advanced)',
    async setup() {
      pool = new Pool(1);
      check(await pool.apply(echo, [data]));
    },
    run: async () => check(await pool!.apply(echo, [data])),
    teardown: async () => pool?.terminate(),
  };
}

function bareFork(): System {
  let child: ChildProcess | undefined;
  const data = payload();
  const ask = (): Promise<unknown> =>
    new Promise((resolve) => {
      child!.once('message', resolve);
      child!.send(data);
    });
  return {
    name: 'bare fork IPC (advanced)',
    kind: 'anchor',
    async setup() {
      child = fork(echoScript, { serialization: 'advanced' });
      check(await ask());
    },
    run: async () => check(await ask()),
    teardown: () =>
      new Promise<void>((resolve) => {
        if (child === undefined || child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

export const pool64MiB: Case = {
  name: 'pool-64mib',
  description: '`await pool.apply(echo, [a])` with `a` a 64 MiB Uint8Array (argument and result 64 MiB each), one worker process; bare: the same array sent to a forked child and back over its IPC channel.',
  repetitions: { reps: 10, warmup: 2, quick: { reps: 2, warmup: 1 } },
  systems: [bareFork(), oursProcess()],
};
