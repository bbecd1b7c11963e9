// A Queue between two children: one writes 20 numbers, the other reads them until it is terminated.
// Twin of examples/python/queue-writer-reader.py (seed 000, "进程间通信"), with the same edit: the
// writer sleeps Math.random() * 0.5 s after each put, a tenth of the seed's random.random()*5, so that
// the program takes 5 s on average instead of 50 (see there).
import { isMain, Process, Queue } from 'multiprocessing-ts';

// Sent to the children as source, so they use nothing from this module.
async function processWrite(queue: Queue<number>): Promise<void> {
  console.log(`Process to write : ${process.pid}`);

  for (let value = 0; value < 20; value++) {
    console.log(`Put ${value} to queue...`);
    await queue.put(value);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 0.5 * 1000)); // time.sleep(random.random()*0.5)
  }
}

async function processRead(queue: Queue<number>): Promise<void> {
  console.log(`Process to read:  ${process.pid}`); // print() puts a space between its two arguments

  for (;;) {
    const value = await queue.get(); // queue.get(True): wait for the next value
    console.log(`Get ${value} from queue..`);
  }
}

if (isMain(import.meta)) {
  const q = new Queue<number>();

  const pWrite = new Process({ target: processWrite, args: [q] });
  const pRead = new Process({ target: processRead, args: [q] });

  pWrite.start();
  pRead.start();

  await pWrite.join(); // 等待pw结束
  pRead.terminate(); // pr进程里是死循环，无法等待其结束，只能强行终止
}
