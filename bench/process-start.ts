// process-start: start() → join() of an empty target, ours against bare fork/Worker and Python.

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { getWarmChildren, Process, setWarmChildren, warmChildrenReady } from 'multiprocessing-ts';
import { Process as ThreadProcess } from 'multiprocessing-ts/threads';
import { runCommand, type Case, type RunOptions, type System } from './harness.js';

// bench/ itself, whether this runs compiled (bench/dist/process-start.js) or from source.
const benchDir = new URL(import.meta.url.includes('/bench/dist/') ? '../' : './', import.meta.url);
const emptyScript = new URL('anchors/node/empty.mjs', benchDir);
const pythonScript = fileURLToPath(new URL('anchors/python/process_start.py', benchDir));
const tsxScript = fileURLToPath(new URL('anchors/node/process-start-tsx.mjs', benchDir));

function exited(emitter: { once(event: 'exit', listener: (code: number | null) => void): unknown }, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    emitter.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${what} exited with ${code}`))));
  });
}

async function ours(P: typeof Process | typeof ThreadProcess): Promise<void> {
  const p = new P({ target: () => {} });
  p.start();
  await p.join();
  if (p.exitcode !== 0) throw new Error(`${p.name} exited with ${p.exitcode}`);
}

// The same with warm children off for this repetition (as MPTS_WARM_CHILDREN=0); turned back on,
// the spares (of both backends) boot again, ready for the next repetition: see settle.
async function cold<T>(fn: () => Promise<T>): Promise<T> {
  const warm = getWarmChildren();
  setWarmChildren(0);
  try {
    return await fn();
  } finally {
    setWarmChildren(warm);
  }
}

async function burst(n: number, start: () => { once(event: 'exit', listener: (code: number | null) => void): unknown } | Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: n }, () => {
    const started = start();
    return started instanceof Promise ? started : exited(started, 'fork');
  }));
}

// One Python run per executable measures both start methods; both systems share it.
interface PythonRun {
  python: string;
  methods: Record<string, { median: number; p90: number; samples: number[] }>;
}
const pythonRuns = new Map<string, Promise<PythonRun | { skipped: string }>>();

function python(executable: string, method: 'spawn' | 'fork' | 'forkserver'): System {
  return {
    name: `${executable} ${method}`,
    kind: 'anchor',
    baseline: 'bare fork',
    async external(options: RunOptions) {
      let run = pythonRuns.get(executable);
      if (run === undefined) {
        const args = [pythonScript, '--reps', String(options.reps), '--warmup', String(options.warmup)];
        run = runCommand(executable, ['-c', 'pass'], 30_000).then(
          async () => JSON.parse(await runCommand(executable, args, options.timeout * 5)) as PythonRun,
          () => {
            console.log(`notice: ${executable} is not on PATH (or does not start); skipping it`);
            return { skipped: `${executable} not available` };
          },
        );
        pythonRuns.set(executable, run);
      }
      const out = await run;
      if ('skipped' in out) return out;
      return out.methods[method]?.samples ?? { skipped: `no '${method}' start method` };
    },
  };
}

// Ours in a program run under tsx (its parent and children load the loader): timed by that
// program, after the other systems, as Python's are.
function underTsx(): System {
  return {
    name: 'ours, process backend, under tsx',
    kind: 'ours',
    baseline: 'python3 forkserver',
    target: 1,
    check: "process start → join under tsx (a warm child) ≤ Python's forkserver",
    async external(options: RunOptions) {
      const out = await runCommand(process.execPath, ['--import', 'tsx', tsxScript, String(options.reps), String(options.warmup)], options.timeout * 5);
      return (JSON.parse(out) as { warm: number[] }).warm;
    },
  };
}

// Untimed after each of ours: the spares its start (or the toggle of a cold one) set booting.
const settle = (): Promise<void> => warmChildrenReady();

export const processStart: Case = {
  name: 'process-start',
  description:
    'start() → join() of an empty target (a fresh child each time; time includes construction). ' +
    'Ours takes a warm child (booted in the background since the last start); "cold" turns warm children off for the repetition. ' +
    "After each of ours, untimed, the spares it set booting finish, so that they weigh on no other system's repetition. " +
    '"×20": 20 starts at once, then 20 joins. "Under tsx": the same in a program run with `node --import tsx` (timed by that program).',
  target: 1.3,
  systems: [
    { name: 'bare fork', kind: 'anchor', run: () => exited(fork(emptyScript), 'fork') },
    { name: 'bare Worker', kind: 'anchor', run: () => exited(new Worker(emptyScript), 'Worker') },
    {
      name: 'ours, process backend',
      kind: 'ours',
      baseline: 'python3 forkserver',
      target: 1,
      check: "process start → join (a warm child) ≤ Python's forkserver",
      run: () => ours(Process),
      settle,
    },
    { name: 'ours, process backend, cold', kind: 'ours', baseline: 'bare fork', run: () => cold(() => ours(Process)), settle },
    { name: 'ours, thread backend', kind: 'ours', baseline: 'bare Worker', run: () => ours(ThreadProcess), settle },
    { name: 'ours, thread backend, cold', kind: 'ours', baseline: 'bare Worker', run: () => cold(() => ours(ThreadProcess)), settle },
    { name: 'bare fork ×20', kind: 'anchor', run: () => burst(20, () => fork(emptyScript)) },
    { name: 'ours, process backend ×20', kind: 'ours', baseline: 'bare fork ×20', run: () => burst(20, () => ours(Process)), settle },
    { name: 'ours, process backend ×20, cold', kind: 'ours', baseline: 'bare fork ×20', run: () => cold(() => burst(20, () => ours(Process))), settle },
    underTsx(),
    ...['python3', 'python3.12', 'python3.13'].flatMap((exe) => [python(exe, 'spawn'), python(exe, 'fork'), python(exe, 'forkserver')]),
  ],
};
