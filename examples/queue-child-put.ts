// The parent puts "11", a child puts "22", and after join() the parent takes both.
// Twin of examples/python/queue-child-put.py (seed 001, "代码示例1").
import { isMain, Process, Queue } from 'multiprocessing-ts';

async function f(test: Queue<string>): Promise<void> {
  await test.put('22');
}

if (isMain(import.meta)) {
  const q = new Queue<string>(); // 父进程
  await q.put('11');

  const p = new Process({ target: f, args: [q] }); // 子进程
  p.start();
  await p.join();

  // print() puts a space between its two arguments, after the one in "取到： ".
  console.log(`取到：  ${q.getNowait()}`);
  console.log(`取到：  ${q.getNowait()}`);
}
