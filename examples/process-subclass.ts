// A Process subclass that overrides run(), with its own field (interval) and an optional name.
// Twin of examples/python/process-subclass.py (seed 001, "Process子类创建进程" 示例1).
//
// The child imports this module to find SubProcess (hence `export` and `static module`), and
// copies the instance's own fields across, as Python pickles the Process object. The program
// itself is guarded by isMain(), the twin of `if __name__ == '__main__':`, so the import in the
// child does not run it again.
import { isMain, Process } from 'multiprocessing-ts';

export class SubProcess extends Process {
  static override module = import.meta.url;
  interval: number;

  constructor(interval: number, name = '') {
    super();
    this.interval = interval;
    if (name) this.name = name;
  }

  override async run(): Promise<void> {
    console.log(`子进程(${process.pid})开始执行，它的父进程是(${process.ppid})`);
    const tStart = performance.now();
    await new Promise((resolve) => setTimeout(resolve, this.interval * 1000));
    const tEnd = performance.now();
    console.log(`子进程（${process.pid}）执行时间为${((tEnd - tStart) / 1000).toFixed(2)}秒`);
  }
}

/** Python's str() of a bool. */
const py = (value: boolean): string => (value ? 'True' : 'False');

async function main1(): Promise<void> {
  console.log('主进程开始');
  console.log(`主进程的PID；${process.pid}`);
  const p1 = new SubProcess(1, 'mrsoft');
  const p2 = new SubProcess(2);
  // 调用start()方法时会自动执行run()方法
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
