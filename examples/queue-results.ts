// Four children each put one result on a Queue; the parent collects the four.
// Twin of examples/python/queue-results.py (seed 004, "2. 进程函数间通信").
// The seed also imports time and queue.Queue, which it does not use.
import { isMain, Process, Queue } from 'multiprocessing-ts';

async function mpFunc(a: number, q: Queue<number>): Promise<void> {
  const b = a * 2;
  await q.put(b);
}

async function main(): Promise<void> {
  const q = new Queue<number>(); // 要用mp的Queue
  const processes: Process[] = [];
  const lst = [1, 10, 20, 30];
  for (let i = 0; i < 4; i++) {
    const p = new Process({ target: mpFunc, args: [lst[i] as number, q] });
    p.start();
    processes.push(p);
  }
  for (const p of processes) await p.join();
  const res: number[] = [];
  for (let i = 0; i < 4; i++) {
    res.push(await q.get());
  }
  console.log(`[${res.join(', ')}]`); // print(res): a Python list, in the order the results arrived
}

if (isMain(import.meta)) {
  await main();
}
