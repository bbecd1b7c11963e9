// minProcesses and idleTimeout: a pool that keeps one worker at rest, starts more when tasks need
// them (up to its size), and lets them go after 100 ms idle. No Python twin (Python's pool has a
// fixed size); like piscina's minThreads and idleTimeout.
import { Barrier, Event, isMain, Pool } from 'multiprocessing-ts';

// Says it has started, then waits until the main process lets it finish.
async function task(started: Barrier, finish: Event): Promise<number> {
  await started.wait();
  await finish.wait();
  return process.pid;
}

if (isMain(import.meta)) {
  await using pool = new Pool(4, { minProcesses: 1, idleTimeout: 100 });
  console.log(`at rest: ${pool.size} worker`);
  const started = new Barrier(5);
  const finish = new Event();
  const running = [1, 2, 3, 4].map(() => pool.applyAsync(task, [started, finish]));
  await started.wait();
  console.log(`4 tasks running at once: ${pool.size} workers`);
  finish.set();
  const pids = await Promise.all(running.map((r) => r.get()));
  console.log(`they ran in ${new Set(pids).size} processes`);
  while (pool.size > 1) await new Promise((resolve) => setTimeout(resolve, 20));
  console.log(`after 100 ms idle: ${pool.size} worker again`);
  console.log(`and it still works: 6 * 7 = ${await pool.apply((a: number, b: number) => a * b, [6, 7])}`);
}
