// os.fork() has no Node twin: the spawn-style equivalent, a child Process that reports its parent.
// Twin of examples/python/fork.py (seed 000, "os.fork()函数").
//
// Why Node has no fork(): fork() copies the whole memory of a process but only the thread that
// called it. A Node process is never single-threaded: V8 runs garbage collection and compilation
// on helper threads, and libuv runs a thread pool plus an event loop whose epoll and signal state
// belong to this process. In a forked copy those threads are gone, locks they held stay locked
// forever and the event loop is shared with the parent, so Node does not offer fork() at all.
// Instead, a Process starts a fresh Node process and sends it the function to run: what Python
// calls the 'spawn' start method. So start() returns once, in the parent; the child's side is
// the target function.
import { Process } from 'multiprocessing-ts';

console.log(`Main Process : ${process.pid} `);

const child = new Process({
  // Python's `if pid == 0:` branch: this runs in the child.
  target: () => {
    console.log(`I am child process ${process.pid} and my parent is ${process.ppid}`);
  },
});
child.start();

// Python's `else:` branch: the parent, which knows the child's pid.
console.log(`I ${process.pid} just created a child process ${child.pid}`);
