// Two threads each change a shared balance 100,000 times (add n, then take n away), one change at
// a time under a Lock, so the balance ends at 0.
// Twin of examples/python/thread-lock.py (seed 003, "加锁（Lock）").
//
// What Node threads share is shared memory, and nothing else: each worker thread has its own
// isolate, so a module variable `let balance = 0` would be a separate copy in every thread (as in
// examples/globals-not-shared.ts with processes). So the balance is a Value, a number in shared
// memory, and the lock a Lock in shared memory; the main thread makes both and passes them to the
// threads, where they arrive as live handles. The Value's own lock makes each read and each write
// whole; the seed's lock makes the pair of changes whole, and is what keeps the balance at 0.
// The threads run at the same time on different cores (there is no GIL), and acquireSync() blocks
// only the thread that waits.
import { fromModule, isMain, Lock, Thread, Value, type SharedValue } from 'multiprocessing-ts/threads';

function change(balance: SharedValue, n: number): void {
  balance.value = balance.value + n;
  balance.value = balance.value - n;
}

export function runThread(balance: SharedValue, lock: Lock, n: number): void {
  for (let i = 0; i < 100000; i++) {
    lock.acquireSync(); // 加锁，进行互斥访问
    try {
      change(balance, n);
    } finally {
      lock.release(); // 用完必须释放锁
    }
  }
}

if (isMain(import.meta)) {
  const balance = Value('i', 0);
  const lock = new Lock(); // 申请一把锁
  const t1 = new Thread({ target: fromModule<typeof runThread>(import.meta.url, 'runThread'), args: [balance, lock, 5] });
  const t2 = new Thread({ target: fromModule<typeof runThread>(import.meta.url, 'runThread'), args: [balance, lock, 8] });

  t1.start();
  t2.start();

  await t1.join();
  await t2.join();
  console.log(balance.value);
}
