// Condition: a consumer sleeps until a producer has put an item and notified it.
// Python: multiprocessing.Condition (threading.Condition's wait_for/notify_all across processes).
import { Condition, Event, fromModule, isMain, Process, RawValue, type SharedValue } from 'multiprocessing-ts';

/** Runs in the child: wait, under the condition's lock, until there is an item. */
export async function consumer(cond: Condition, item: SharedValue, waiting: Event): Promise<void> {
  await cond.acquire();
  try {
    console.log('consumer: waiting for an item');
    waiting.set();
    await cond.waitFor(() => item.value !== 0); // releases the lock while it sleeps
    console.log(`consumer: got ${item.value}`);
  } finally {
    cond.release();
  }
}

if (isMain(import.meta)) {
  const cond = new Condition();
  const item = RawValue('i', 0); // no lock of its own: the condition's guards it
  const waiting = new Event();
  const p = new Process({ target: fromModule<typeof consumer>(import.meta.url, 'consumer'), args: [cond, item, waiting] });
  p.start();
  await waiting.wait();
  await cond.acquire();
  try {
    console.log('producer: putting 42 and notifying');
    item.value = 42;
    cond.notifyAll();
  } finally {
    cond.release();
  }
  await p.join();
  console.log(`producer: the consumer ended with exit code ${p.exitcode}`);
}
