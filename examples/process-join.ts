// start() then join(): the parent waits for the child before going on.
// Twin of examples/python/process-join.py (seed 001, second program).
import { isMain, Process } from 'multiprocessing-ts';

// 子进程需要执行的代码
function runProce(name: string): void {
  console.log(`Run child process ${name} (${process.pid})`);
}

if (isMain(import.meta)) {
  console.log(`Parent process ${process.pid}.`);
  const p = new Process({ target: runProce, args: ['test'] });
  console.log('Child process will start.');
  p.start();
  await p.join();
  console.log('Child process end.');
}
