// "KTV": a Semaphore(2) lets at most two of 13 children in at once, each staying 0 to 3 s.
// Twin of examples/python/semaphore-ktv.py (seed 001, "进程同步", 2. multiprocess.Semaphore：信号量).
// The output cannot show that at most two are inside at once (nobody prints when leaving):
// test/examples/examples.test.ts checks that with a shared counter.
import { isMain, Process, Semaphore } from 'multiprocessing-ts';

// Sent to the children as source, so it uses nothing from this module.
async function goKtv(sem: Semaphore, user: string): Promise<void> {
  // Python's random.randint(a, b): a whole number from a to b, both included.
  const randint = (a: number, b: number): number => a + Math.floor(Math.random() * (b - a + 1));
  await sem.acquire(); // 上锁
  console.log(`${user} 占坑`);
  await new Promise((resolve) => setTimeout(resolve, randint(0, 3) * 1000)); // 模拟每个人在ktv中待的时间不同
  // await new Promise((resolve) => setTimeout(resolve, 2000));
  sem.release(); // 释放锁
}

if (isMain(import.meta)) {
  const sem = new Semaphore(2); // 设置4个信号量
  const p1: Process[] = [];
  for (let i = 0; i < 13; i++) {
    const p = new Process({ target: goKtv, args: [sem, `user${i}`] });
    p.start();
    p1.push(p);
  }

  for (const i of p1) {
    await i.join();
  }
  console.log('================================>');
}
