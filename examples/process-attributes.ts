// pid, name and isAlive() of a Process after join().
// Twin of examples/python/process-attributes.py (seed 004, "1. 创建新的进程").
import { isMain, Process } from 'multiprocessing-ts';

async function mpFunc(v: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 100)); // time.sleep(0.1)
  console.log(`${v}`);
}

/** Python's str() of a bool. */
const py = (value: boolean): string => (value ? 'True' : 'False');

async function multiPros(): Promise<void> {
  const p = new Process({ target: mpFunc, args: [3] });
  p.start();
  await p.join();
  console.log(`p.pid: ${p.pid}`);
  console.log(`p.name: ${p.name}`);
  console.log(`p.is_alive: ${py(p.isAlive())}`);
}

if (isMain(import.meta)) {
  await multiPros();
}
