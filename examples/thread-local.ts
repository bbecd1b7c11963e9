// A module-level local(): each thread binds its own student to it and reads it back, without
// seeing the other thread's.
// Twin of examples/python/thread-local.py (seed 003, "ThreadLocal", 方式二).
//
// In Node each worker thread has its own isolate and imports this module afresh, so each has its
// own localSchool, as each Python thread has its own attributes on the one local_school. The
// threads run processThread as a module export (fromModule) for that reason: it is this module's
// function, with this module's localSchool. Which thread prints first varies, in Python too.
import { currentThread, fromModule, isMain, local, Thread } from 'multiprocessing-ts/threads';

const localSchool = local<{ student: string }>(); // 创建全局变量ThreadLocal

function processStudent(): void {
  // 获取当前线程关联的student
  const std = localSchool.student;
  console.log(`Hello,${std} (in ${currentThread().name})`);
}

export function processThread(name: string): void {
  // 绑定ThreLocal的student变量
  localSchool.student = name;
  processStudent();
}

if (isMain(import.meta)) {
  const t1 = new Thread({ target: fromModule<typeof processThread>(import.meta.url, 'processThread'), args: ['li'], name: 'Thread-1' });
  const t2 = new Thread({ target: fromModule<typeof processThread>(import.meta.url, 'processThread'), args: ['cheng'], name: 'Thread-2' });
  t1.start();
  t2.start();
  await t1.join();
  await t2.join();
}
