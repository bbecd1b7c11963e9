// start() then join(), as in process-join.ts, from another tutorial (its "chilid" typo kept).
// Twin of examples/python/process-join-2.py (seed 003, "多进程（multiprocessing）").
import { isMain, Process } from 'multiprocessing-ts';

function runProc(name: string): void {
  console.log(`Run chilid process ${name}(${process.pid})`);
}

if (isMain(import.meta)) {
  console.log(`Parent process ${process.pid}.`); // 程序启动时，产生一个进程，拥有进程号
  const p = new Process({ target: runProc, args: ['test'] }); // p是子进程实例对象，由当前进程产生的进程。
  console.log('Child process will start...');
  p.start();
  await p.join();
  console.log('Child process end...');
}
