// initializer and initargs: each worker runs the initializer once, before its first task; here it
// sets up what the tasks then use (in a real program: a database connection, a loaded model).
// Python: Pool(initializer=..., initargs=...).
import { fromModule, isMain, Pool, Value, type SharedValue } from 'multiprocessing-ts';

// Each worker imports this module afresh: this variable is one per worker.
let greeting = 'not initialised';

/** Runs once in each worker. */
export function init(word: string, starts: SharedValue): void {
  greeting = word;
  starts.getLock().withLockSync(() => (starts.value += 1));
}

/** A task, run by a worker that init() has prepared. */
export function greet(name: string): string {
  return `${greeting}, ${name}`;
}

if (isMain(import.meta)) {
  const starts = Value('i', 0);
  const pool = new Pool(2, { initializer: fromModule<typeof init>(import.meta.url, 'init'), initargs: ['Hello', starts] });
  console.log((await pool.map(fromModule<typeof greet>(import.meta.url, 'greet'), ['Ada', 'Grace', 'Barbara', 'Edsger'])).join('; '));
  pool.close();
  await pool.join();
  console.log(`the initializer ran ${starts.value} times: once in each of the 2 workers`);
  console.log(`in the main process, greeting is still "${greeting}"`);
}
