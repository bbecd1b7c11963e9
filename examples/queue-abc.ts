// A Queue between two children: one writes A, B and C, the other reads them until it is terminated.
// Twin of examples/python/queue-abc.py (seed 003, "子进程及进程间的通讯").
import { isMain, Process, Queue } from 'multiprocessing-ts';

// process that write data
async function write(q: Queue<string>): Promise<void> {
  console.log(`Process to write: ${process.pid}`);
  for (const value of ['A', 'B', 'C']) {
    console.log(`Put ${value} to queue...`);
    await q.put(value);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 1000)); // 写进程稍微沉睡几秒
  }
}

// process that read data
async function read(q: Queue<string>): Promise<void> {
  console.log(`Process to read: ${process.pid}`);
  for (;;) {
    const value = await q.get(); // q.get(True)
    console.log(`Get ${value} from queue.`);
  }
}

if (isMain(import.meta)) {
  // father process create Queue, and pass it to subprocess:
  const q = new Queue<string>();

  const pw = new Process({ target: write, args: [q] });
  const pr = new Process({ target: read, args: [q] });

  // start subprocess pw, write data:
  pw.start();
  // start subprocess pr, read data:
  pr.start();
  // waite subprocess pw finish
  await pw.join();
  // pr进程是死循环，见while true。
  pr.terminate();
}
