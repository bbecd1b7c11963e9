// maxTasksPerChild: a worker is replaced by a fresh one after that many tasks, which gives back
// whatever a leaky task kept. Python: Pool(maxtasksperchild=...).
import { isMain, Pool } from 'multiprocessing-ts';

if (isMain(import.meta)) {
  const pool = new Pool(2, { maxTasksPerChild: 3 });
  // chunksize 1: each item is one task. Each task says which process ran it.
  const pids = await pool.map((_: number) => process.pid, [...Array(12).keys()], 1);
  pool.close();
  await pool.join();
  const perWorker = new Map<number, number>();
  for (const pid of pids) perWorker.set(pid, (perWorker.get(pid) ?? 0) + 1);
  console.log(`12 tasks ran in ${perWorker.size >= 4 ? 'at least 4' : 'fewer than 4'} different worker processes`);
  console.log(`no worker ran more than 3 tasks: ${[...perWorker.values()].every((n) => n <= 3)}`);
  console.log(`none of them was the main process: ${!perWorker.has(process.pid)}`);
}
