// isAlive(), name and pid of two running children, then join() both.
// Twin of examples/python/process-is-alive.py (seed 001, "join()方法的使用").
import { isMain, Process } from 'multiprocessing-ts';

async function child1(n: number): Promise<void> {
  console.log(`子进程(${process.pid})开始执行，它的父进程是(${process.ppid})`);
  const tStart = performance.now();
  await new Promise((resolve) => setTimeout(resolve, n * 1000)); // time.sleep(n)
  const tEnd = performance.now();
  const _seconds = (tEnd - tStart) / 1000;
  // The seed mixes str.format() with a %-placeholder, so Python prints "%0.2f" as it is and never
  // shows the time it measured. The twin prints exactly what Python prints.
  console.log(`子进程（${process.pid}）执行时间为%0.2f秒`);
}

async function child2(n: number): Promise<void> {
  console.log(`子进程(${process.pid})开始执行，它的父进程是(${process.ppid})`);
  const tStart = performance.now();
  await new Promise((resolve) => setTimeout(resolve, n * 1000));
  const tEnd = performance.now();
  const _seconds = (tEnd - tStart) / 1000;
  console.log(`子进程（${process.pid}）执行时间为%0.2f秒`);
}

/** Python's str() of a bool. */
const py = (value: boolean): string => (value ? 'True' : 'False');

async function main1(): Promise<void> {
  console.log('主进程开始');
  console.log(`主进程的PID；${process.pid}`);
  const p1 = new Process({ target: child1, args: [1] });
  const p2 = new Process({ target: child2, args: [2] });
  p1.start();
  p2.start();
  console.log(`p1.is_alive=${py(p1.isAlive())}`);
  console.log(`p2.is_alive=${py(p2.isAlive())}`);
  console.log(`p1.name=${p1.name}`);
  console.log(`p1.id=${p1.pid}`);
  console.log(`p2.name=${p2.name}`);
  console.log(`p2.id=${p2.pid}`);
  // 使用join函数之后，主进程会等待子进程结束之后才继续往下执行
  await p1.join();
  await p2.join();
  console.log('主进程结束..');
}

if (isMain(import.meta)) {
  await main1();
}
