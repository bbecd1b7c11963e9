// Pool(3) and 4 tasks: three print at once, the fourth once a worker is free, half a second later.
// Twin of examples/python/pool-print.py (seed 004, "4. 进程池").
import { isMain, Pool } from 'multiprocessing-ts';

async function mpFunc(x: number): Promise<void> {
  console.log(`input: ${x}`);
  await new Promise((resolve) => setTimeout(resolve, 500)); // time.sleep(0.5)
}

async function multipro(): Promise<void> {
  const pool = new Pool(3);
  for (let i = 0; i < 4; i++) {
    pool.applyAsync(mpFunc, [i]);
  }
  console.log('Waiting for print...');
  pool.close();
  await pool.join();
}

if (isMain(import.meta)) {
  await multipro();
}
