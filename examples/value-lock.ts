// A shared Value('i', 10) and a Lock passed to two children: one adds 1 ten times, the other 10
// ten times, each holding the lock for its whole loop, so the value ends at 120.
// Twin of examples/python/value-lock.py (seed 004, "3. 多进程同步", second program).
//
// Both live in shared memory and arrive in the children as live handles. Which child takes the
// lock first is up to the system, in Python too: 11 to 20 then 30 to 120, or 20 to 110 then 111 to 120.
import { isMain, Lock, Process, Value, type SharedValue } from 'multiprocessing-ts';

// Sent to the children as source, so they use nothing from this module.
async function mpFunc1(a: SharedValue, lock: Lock): Promise<void> {
  await lock.acquire();
  for (let i = 0; i < 10; i++) {
    a.value = a.value + 1;
    await new Promise((resolve) => setTimeout(resolve, 500)); // time.sleep(0.5)
    console.log(`${a.value}`);
  }
  lock.release();
}

async function mpFunc2(a: SharedValue, lock: Lock): Promise<void> {
  await lock.acquire();
  for (let i = 0; i < 10; i++) {
    a.value = a.value + 10;
    await new Promise((resolve) => setTimeout(resolve, 500)); // time.sleep(0.5)
    console.log(`${a.value}`);
  }
  lock.release();
}

async function mulProcess(): Promise<void> {
  const a = Value('i', 10);
  const lock = new Lock();
  const p1 = new Process({ target: mpFunc1, args: [a, lock] });
  const p2 = new Process({ target: mpFunc2, args: [a, lock] });
  p1.start();
  p2.start();
  await p1.join();
  await p2.join();
}

if (isMain(import.meta)) {
  await mulProcess();
}
