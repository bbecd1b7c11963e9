// Pool(4) and 5 tasks: the fifth starts only when one of the first four has finished.
// Twin of examples/python/pool-long-time-task.py (seed 003, "进程池（Pool）").
import { isMain, Pool } from 'multiprocessing-ts'; // 提供跨平台的多进程支持

async function longTimeTask(name: number): Promise<void> {
  console.log(`Run task ${name} (${process.pid})...`);
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 3 * 1000)); // time.sleep(random.random()*3)
  const end = performance.now();
  console.log(`Task ${name} runs ${((end - start) / 1000).toFixed(2)} seconds.`);
}

if (isMain(import.meta)) {
  console.log(`Parent process ${process.pid}.`);
  const p = new Pool(4); // 创建进程池，共有四个进程，默认的大小是CPU的核数，最多同时创建4个进程
  for (let i = 0; i < 5; i++) {
    p.applyAsync(longTimeTask, [i]); // apply the async to invoke process， 使用异步的方式调用进程
  }
  console.log('waiting for all subprocesses done...');
  p.close();
  await p.join(); // 调用join方法会等待所有子进程执行完毕，之前必须调用close（）
  console.log('All subprocesses done...');
}
