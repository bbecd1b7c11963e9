// A module-level variable is not shared: each child changes its own `a`, which starts at 10, so
// one prints 11 to 20 and the other 20 to 110. A Lock, passed to both, keeps them one at a time.
// Twin of examples/python/globals-not-shared.py (seed 004, "3. 多进程同步", first program).
//
// The targets are module exports (fromModule), so each child imports this file and runs its
// top-level code afresh: its own `let a = 10`, as Python's spawn start method re-imports the
// script. Python's fork start method copies the parent's globals instead; either way, nothing a
// child does to `a` reaches another process.
//
// The seed's lock is a module-level global too, which works in Python only because the forked
// children inherit the parent's lock: a Node child does not inherit anything from the parent's
// modules (a `new Lock()` at the top of this file would make a new, unshared lock in each child,
// as under Python's spawn). So the main program makes the lock and passes it as an argument,
// where it arrives as a live handle on the same lock.
import { fromModule, isMain, Lock, Process } from 'multiprocessing-ts';

let a = 10;

export async function mpFunc1(lock: Lock): Promise<void> {
  await lock.acquire();
  for (let i = 0; i < 10; i++) {
    a = a + 1;
    await new Promise((resolve) => setTimeout(resolve, 100)); // time.sleep(0.1)
    console.log(`${a}`);
  }
  lock.release();
}

export async function mpFunc2(lock: Lock): Promise<void> {
  await lock.acquire();
  for (let i = 0; i < 10; i++) {
    a = a + 10;
    await new Promise((resolve) => setTimeout(resolve, 100)); // time.sleep(0.1)
    console.log(`${a}`);
  }
  lock.release();
}

async function mulProcess(): Promise<void> {
  const lock = new Lock();
  const p1 = new Process({ target: fromModule<typeof mpFunc1>(import.meta.url, 'mpFunc1'), args: [lock] });
  const p2 = new Process({ target: fromModule<typeof mpFunc2>(import.meta.url, 'mpFunc2'), args: [lock] });
  p1.start();
  p2.start();
  await p1.join();
  await p2.join();
}

if (isMain(import.meta)) {
  await mulProcess();
}
