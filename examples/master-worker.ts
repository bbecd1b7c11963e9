// The Master-Worker pattern, once with processes and once with threads: the master hands out
// CPU-bound tasks, the workers compute. Processes are isolated (one that crashes takes nothing
// else down) and cost more to start; threads start cheaper. In Node, unlike CPython, both use
// every core: a worker thread runs JavaScript in parallel, there is no GIL.
// Twin of examples/python/master-worker.py (seed 003, "进程 vs. 线程").
import { isMain, Pool } from 'multiprocessing-ts';
import { Pool as ThreadPool } from 'multiprocessing-ts/threads';

function work(n: number): number {
  // 计算密集型任务: 0..n-1 的平方和
  let total = 0;
  for (let i = 0; i < n; i++) total += i * i;
  return total;
}

/** Python's repr of a list of ints. */
const repr = (list: number[]): string => `[${list.join(', ')}]`;

if (isMain(import.meta)) {
  const tasks = Array.from({ length: 8 }, (_, k) => 10000 * (k + 1));
  // 主进程是Master，其他进程是Worker（多进程），稳定性高，代价大
  let byProcesses: number[];
  {
    await using pool = new Pool(4);
    byProcesses = await pool.map(work, tasks);
  }
  // 主线程是Master，其他线程是Worker（多线程），效率高，不稳定
  let byThreads: number[];
  {
    await using pool = new ThreadPool(4);
    byThreads = await pool.map(work, tasks);
  }
  console.log('多进程 Master-Worker:', repr(byProcesses));
  console.log('多线程 Master-Worker:', repr(byThreads));
  console.log('结果相同:', byProcesses.every((r, i) => r === byThreads[i]) ? 'True' : 'False');
}
