// A Lock passed to three children: one at a time prints "is running", sleeps, prints "is done".
// Twin of examples/python/lock.py (seed 001, "进程同步", 1.multiprocess.Lock：锁).
//
// The Lock lives in shared memory; passed in a Process's args, it arrives in the child as a live
// handle on that same lock, as Python's Lock does. acquire() waits without blocking the child's
// event loop and resolves once the lock is taken.
import { isMain, Lock, Process } from 'multiprocessing-ts';

// Sent to the children as source, so it uses nothing from this module.
async function work(lock: Lock, n: number): Promise<void> {
  await lock.acquire(); // 上锁
  console.log(`${n}: ${process.pid} is running `);
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 1000)); // time.sleep(random.random())
  console.log(`${n}: ${process.pid} is done `);
  lock.release(); // 解锁
}

if (isMain(import.meta)) {
  const lock = new Lock(); // 设置锁
  for (let i = 0; i < 3; i++) {
    const p = new Process({ target: work, args: [lock, i] });
    p.start();
  }
}
