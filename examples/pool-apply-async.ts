// Pool(16) and 20 tasks submitted with applyAsync(): 16 run at once, the other 4 wait for a free worker.
// Twin of examples/python/pool-apply-async.py (seed 000, "multiprocessing.Pool").
import { isMain, Pool } from 'multiprocessing-ts';

// Sent to the workers as source, so it uses nothing from this module.
async function longTimeProcess(subName: number): Promise<void> {
  console.log(`Run child process ${subName} ${process.pid}, parent pid ${process.ppid} `);

  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * 1000)); // time.sleep(random.random()*5)
  const end = performance.now();

  console.log(`child process ${subName} runs ${(end - start) / 1000} seconds.`);
}

if (isMain(import.meta)) {
  console.log(`Main Process ${process.pid}`);

  // # Pool类默认大小是CPU核数，因为最多同时执行CPU核数个进程，这是Pool有意设计的限制，
  // 当然，如果设置为30，也可以最多同时执行30个进程
  const p = new Pool(16);
  for (let i = 0; i < 20; i++) {
    p.applyAsync(longTimeProcess, [i]);
  }
  console.log('Waiting for all subprocesses done...');

  p.close(); // 调用close()之后就不能继续添加新的Process了

  await p.join(); // Pool对象调用join()方法会等待所有子进程执行完毕

  console.log('Done');
}
