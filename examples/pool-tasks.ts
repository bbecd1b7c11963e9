// Pool(4) and 10 one-second tasks: four workers take them four at a time.
// Twin of examples/python/pool-tasks.py (seed 001, "使用进程池Pool创建进程").
import { isMain, Pool } from 'multiprocessing-ts';

async function task(name: number): Promise<void> {
  console.log(`子进程 (${process.pid})执行的任务是 (${name})`);
  await new Promise((resolve) => setTimeout(resolve, 1000)); // time.sleep(1)
}

if (isMain(import.meta)) {
  console.log(`父进程 (${process.pid})开始执行`);
  const p = new Pool(4);
  for (let i = 0; i < 10; i++) {
    p.applyAsync(task, [i]);
  }

  p.close();
  await p.join();
  console.log('所有子进程结束.....');
}
