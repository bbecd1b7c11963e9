// process-start under a TypeScript loader: run as `node --import tsx process-start-tsx.mjs REPS
// WARMUP`, so that this parent and the children it starts carry tsx, as in a program run by
// `tsx`. Times start() → join() of an empty target taking a warm child, the next spare booting
// untimed between repetitions (as bench/process-start.ts does), and prints {"warm": [ms...]}.
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { Process, warmChildrenReady } from 'multiprocessing-ts';

const [reps, warmup] = process.argv.slice(2).map(Number);
const warm = [];
for (let i = 0; i < warmup + reps; i++) {
  const t0 = performance.now();
  const p = new Process({ target: () => {} });
  p.start();
  await p.join();
  const ms = performance.now() - t0;
  if (p.exitcode !== 0) throw new Error(`${p.name} exited with ${p.exitcode}`);
  await warmChildrenReady();
  if (i >= warmup) warm.push(ms);
}
process.stdout.write(JSON.stringify({ warm }) + '\n');
