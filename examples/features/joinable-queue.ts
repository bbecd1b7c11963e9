// JoinableQueue: workers call taskDone() for every item they get; join() waits until every item
// put has been done. Python: multiprocessing.JoinableQueue (the docs' worker-thread pattern).
import { fromModule, isMain, JoinableQueue, Process, Value, type SharedValue } from 'multiprocessing-ts';

/** Runs in each child: take items until a null, adding each into the total. */
export async function worker(queue: JoinableQueue<number | null>, total: SharedValue): Promise<void> {
  for (;;) {
    const item = await queue.get();
    if (item === null) {
      queue.taskDone();
      return;
    }
    total.getLock().withLockSync(() => (total.value += item));
    queue.taskDone();
  }
}

if (isMain(import.meta)) {
  const queue = new JoinableQueue<number | null>();
  const total = Value('i', 0);
  const target = fromModule<typeof worker>(import.meta.url, 'worker');
  const workers = [1, 2, 3].map(() => new Process({ target, args: [queue, total] }));
  for (const w of workers) w.start();
  for (let n = 1; n <= 100; n++) await queue.put(n);
  await queue.join(); // every item got and marked done
  console.log(`all 100 items done; their sum is ${total.value}`);
  for (const _ of workers) await queue.put(null);
  await queue.join();
  for (const w of workers) await w.join();
  console.log(`the workers ended with exit codes ${workers.map((w) => w.exitcode).join(', ')}`);
}
