// currentProcess().name in five children, and which module the target runs in.
// Twin of examples/python/current-process.py (seed 001, third program).
//
// The target here is a module export (fromModule), not a function sent as source, so the child
// imports this very file, as Python's spawn start method re-imports the main script. There, as in
// Python, the guarded program below does not run again: isMain(import.meta) is false in a child.
// Python calls the main script imported by a spawned child '__mp_main__' (and, with the fork start
// method that Linux used by default before 3.14, still '__main__'); this prints the same names.
import { currentProcess, fromModule, isMain, Process } from 'multiprocessing-ts';

export function foo(_i: number): void {
  // 同样的参数传递方法
  console.log(`这里是  ${currentProcess().name}`);
  console.log(`模块名称: ${isMain(import.meta) ? '__main__' : '__mp_main__'}`);
  console.log(`父进程 id: ${process.ppid}`); // 获取父进程id
  console.log(`当前子进程 id: ${process.pid}`); // 获取自己的进程id
  console.log('------------------------');
}

if (isMain(import.meta)) {
  for (let i = 0; i < 5; i++) {
    const p = new Process({ target: fromModule<typeof foo>(import.meta.url, 'foo'), args: [i] });
    p.start();
  }
}
