// Five children, each printing its own pid and its parent's pid.
// Twin of examples/python/process-five-children.py (seed 001, first program).
import { isMain, Process } from 'multiprocessing-ts';

function f(x: number): number {
  console.log(`子进程id: ${process.pid} 父进程id: ${process.ppid}`);
  // As in Python, a Process target's return value is discarded (a Pool would return it).
  return x * x;
}

if (isMain(import.meta)) {
  console.log(`主进程id： ${process.pid}`);
  for (let i = 0; i < 5; i++) {
    // 这里创建了5个子进程
    const p = new Process({ target: f, args: [i] });
    p.start();
  }
}
