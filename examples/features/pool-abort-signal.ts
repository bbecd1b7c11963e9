// Cancelling tasks with an AbortSignal: a queued task is dropped, a running one is stopped (its
// worker is replaced), and the pool goes on. An addition to Python's Pool, which cannot cancel.
import { Event, isMain, Pool } from 'multiprocessing-ts';

/** A task that never ends by itself: it says it has started, then waits forever. */
async function endless(started: Event): Promise<void> {
  started.set();
  await new Promise(() => undefined);
}

if (isMain(import.meta)) {
  await using pool = new Pool(1);
  const started = new Event();
  const controller = new AbortController();
  const running = pool.applyAsync(endless, [started], { signal: controller.signal });
  const queued = pool.applyAsync((x: number) => x * 2, [21], { signal: controller.signal }); // waits: one worker
  await started.wait();
  console.log('the first task is running, the second waits for the worker: aborting both');
  controller.abort();
  for (const [which, result] of [['running', running], ['queued', queued]] as const) {
    await result.get().then(
      () => console.log(`${which} task: finished?`),
      (err: Error) => console.log(`${which} task: rejected with ${err.name}`),
    );
  }
  console.log(`the pool goes on: 7 * 7 = ${await pool.apply((x: number) => x * x, [7])}`);
  const late = pool.applyAsync((x: number) => x, [1], { signal: AbortSignal.abort() });
  await late.get().catch((err: Error) => console.log(`a task given an aborted signal is not sent: ${err.name}`));
}
