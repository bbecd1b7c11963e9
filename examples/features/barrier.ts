// Barrier: three processes each wait until all three have arrived, then all go on together.
// Python: multiprocessing.Barrier (threading.Barrier across processes).
import { Barrier, fromModule, isMain, Process, SharedArray, Value, type SharedArrayView, type SharedValue } from 'multiprocessing-ts';

/** Runs in each child: arrive, wait for the others, note what it saw once through. */
export async function worker(barrier: Barrier, arrived: SharedValue, seen: SharedArrayView, slot: number): Promise<void> {
  arrived.getLock().withLockSync(() => (arrived.value += 1));
  const index = await barrier.wait(); // 0 .. parties-1, a different one for each process
  seen.set(slot, arrived.value * 10 + index);
}

if (isMain(import.meta)) {
  const barrier = new Barrier(3);
  const arrived = Value('i', 0);
  const seen = SharedArray('i', 3);
  const target = fromModule<typeof worker>(import.meta.url, 'worker');
  const ps = [0, 1, 2].map((slot) => new Process({ target, args: [barrier, arrived, seen, slot] }));
  for (const p of ps) p.start();
  for (const p of ps) await p.join();
  const results = seen.toArray().map(Number);
  console.log(`arrivals each process saw once through: ${results.map((r) => Math.floor(r / 10)).join(', ')}`);
  console.log(`wait() returned each index once: ${results.map((r) => r % 10).sort().join(', ')}`);
  console.log(`broken: ${barrier.broken}, waiting now: ${barrier.nWaiting}`);
}
