// SharedMemory: a named block of bytes that another process attaches to by its name.
// Python: multiprocessing.shared_memory.SharedMemory (the docs' first example, across processes).
import { fromModule, isMain, Process, SharedMemory } from 'multiprocessing-ts';

/** Runs in the child: attach by name, write into the block, let go of it. */
export function fill(name: string, values: number[]): void {
  const shm = new SharedMemory({ name });
  shm.buf.set(values);
  console.log(`child: wrote ${values.length} bytes into a block of ${shm.size}`);
  shm.close();
}

if (isMain(import.meta)) {
  const shm = new SharedMemory({ create: true, size: 10 });
  const p = new Process({ target: fromModule<typeof fill>(import.meta.url, 'fill'), args: [shm.name, [22, 33, 44, 55, 66]] });
  p.start();
  await p.join();
  console.log(`parent: the block now holds ${Array.from(shm.buf.subarray(0, 5)).join(', ')}`);
  shm.close();
  shm.unlink(); // the creator frees it; without this the resource tracker would, at exit
  console.log('parent: closed and unlinked');
}
