// Start three child processes with a target and an argument, without join().
// Twin of examples/python/process-start.py (seed 000, "multiprocessing.Process").
// Like Python, the parent does not exit before its non-daemonic children end: they keep it alive.
import { isMain, Process } from 'multiprocessing-ts';

// 子进程要执行的代码 (sent to the child as source, so it uses nothing from this module)
function runSubproc(subName: string): void {
  console.log(`Run child process ${subName} ${process.pid}`);
}

if (isMain(import.meta)) {
  console.log(`Main process ${process.pid}`);

  for (let i = 0; i < 3; i++) {
    const subName = `test_${i}`;
    const p = new Process({ target: runSubproc, args: [subName] });
    p.start();
  }
}
