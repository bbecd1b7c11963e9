// A Thread runs loop(), which prints five times, a second apart, under the thread's name; the main
// thread, named MainThread, waits for it with join(). Master-Worker with threads: the main thread
// hands out the work, a worker thread does it.
// Twin of examples/python/thread-loop.py (seed 003, "多线程").
//
// The Thread is a worker thread (worker_threads) with an isolate of its own: loop() runs there,
// so it is a module export (fromModule) that the thread imports, with this module's imports.
import { currentThread, fromModule, isMain, Thread } from 'multiprocessing-ts/threads';

export async function loop(): Promise<void> {
  // 函数current_thread()永远返回当前线程的实例
  console.log(`thread ${currentThread().name} is running...`);
  let n = 0;
  while (n < 5) {
    n = n + 1;
    console.log(`thread ${currentThread().name} ---> ${n}`);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // time.sleep(1)
  }
  console.log(`thread ${currentThread().name} ended.`);
}

if (isMain(import.meta)) {
  console.log(`thread ${currentThread().name} is running...`);
  const t = new Thread({ target: fromModule<typeof loop>(import.meta.url, 'loop'), name: 'Loopthread' });
  // 把一个函数传入，并创建线程实例，然后调用start开始执行
  t.start();
  await t.join();
  console.log(`thread ${currentThread().name} ended.`);
}
