// A Download subclass of Process overriding run(); the parent sleeps 10 s instead of joining.
// Twin of examples/python/process-subclass-download.py (seed 001, "Process子类创建进程" 示例2).
// As in process-subclass.ts, the class is exported and names its module, and isMain() guards
// the program, so the child can import this file to rebuild the Download object.
import { isMain, Process } from 'multiprocessing-ts';

export class Download extends Process {
  static override module = import.meta.url;
  interval: number;

  constructor(interval: number) {
    super();
    this.interval = interval;
  }

  // 重写Process类中的run()方法
  override async run(): Promise<void> {
    // 开启这个进程所需执行的代码
    const tStart = performance.now();
    console.log(`开启进程：${process.pid}进行下载操作`);
    console.log(`子进程（${process.pid}）开始执行，父进程为（${process.ppid}）`);
    await new Promise((resolve) => setTimeout(resolve, this.interval * 1000));
    const tStop = performance.now();
    // Python's %f: six decimals.
    console.log(`子进程（${process.pid}）执行完毕，耗时(${((tStop - tStart) / 1000).toFixed(6)})秒`);
  }
}

if (isMain(import.meta)) {
  const tStart = performance.now();
  console.log(`当前进程（${process.pid}）`);
  const p = new Download(2);
  p.start();
  // await p.join(10_000);  // join: 父进程等待子进程执行完毕后立刻执行
  await new Promise((resolve) => setTimeout(resolve, 10_000)); // 模拟阻塞，保证子进程完毕后父进程在执行
  const tStop = performance.now();
  console.log(`主进程（${process.pid}）执行完毕，耗时(${((tStop - tStart) / 1000).toFixed(6)})秒`);
}
