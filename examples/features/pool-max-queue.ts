// maxQueue and drained(): a bound on the tasks waiting for a worker. A submission that finds the
// queue full rejects with Full (ERR_MP_QUEUE_FULL); a producer awaits drained() to wait for room;
// a map of many chunks waits for room by itself. No Python twin (Python's queue has no bound);
// like piscina's maxQueue and its 'drain' event.
import { Event, Full, isMain, Pool } from 'multiprocessing-ts';

const square = (x: number): number => x * x;

if (isMain(import.meta)) {
  await using pool = new Pool(1, { maxQueue: 2 });
  const release = new Event();
  const holding = pool.applyAsync((e: Event) => e.wait(), [release]); // keeps the only worker busy
  const queued = [pool.apply(square, [2]), pool.apply(square, [3])];
  try {
    await pool.apply(square, [4]);
  } catch (err) {
    console.log(`a third task waiting: ${err instanceof Full ? 'Full' : 'something else'} (${(err as Full).code})`);
  }
  release.set();
  await holding.get();
  console.log(`the two queued ran: ${(await Promise.all(queued)).join(', ')}`);

  // A producer that never overfills the queue: wait for it to drain when it is full.
  const results: Promise<number>[] = [];
  let mostWaiting = 0;
  for (let i = 0; i < 50; i++) {
    if (pool.stats.queued >= 2) await pool.drained();
    results.push(pool.apply(square, [i]));
    mostWaiting = Math.max(mostWaiting, pool.stats.queued);
  }
  const sum = (await Promise.all(results)).reduce((a, b) => a + b, 0);
  console.log(`producer: 50 tasks, sum of squares ${sum}, never more than 2 waiting: ${mostWaiting <= 2}`);

  // A map of 100 one-item chunks, far more than maxQueue: it waits for room instead of failing.
  const squares = await pool.map(square, Array.from({ length: 100 }, (_, i) => i), 1);
  console.log(`map of 100 chunks: sum ${squares.reduce((a, b) => a + b, 0)}`);
}
