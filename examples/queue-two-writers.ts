// Two writers put three urls each on one Queue; one reader prints them until it is terminated.
// Twin of examples/python/queue-two-writers.py (seed 001, "代码示例2").
import { isMain, Process, Queue } from 'multiprocessing-ts';

// 写数据进程执行的代码
async function procWrite(q: Queue<string>, urls: string[]): Promise<void> {
  console.log(`Process(${process.pid}) is writing...`);
  for (const url of urls) {
    await q.put(url);
    console.log(`Put ${url} to queue...`);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 1000)); // time.sleep(random.random())
  }
}

// 读进程执行的代码
async function procRead(q: Queue<string>): Promise<void> {
  console.log(`Process(${process.pid}) is reading...`);
  for (;;) {
    const url = await q.get(); // q.get(True)
    console.log(`Get ${url} from queue.`);
  }
}

if (isMain(import.meta)) {
  // 父进程创建Queue，并传给各个子进程
  const q = new Queue<string>();
  const procWriter1 = new Process({ target: procWrite, args: [q, ['url1', 'url2', 'url3']] });
  const procWriter2 = new Process({ target: procWrite, args: [q, ['url4', 'url5', 'url6']] });
  const procReader = new Process({ target: procRead, args: [q] });
  // 启动子进程proc_writeer 写入
  procWriter1.start();
  procWriter2.start();
  // 启动子进程proc_reader,读取
  procReader.start();
  // 等待子进程proc_writer结束
  await procWriter1.join();
  await procWriter2.join();
  // proc_reader进程里是死循环，无法等待其结束，要强行终止
  procReader.terminate();
}
