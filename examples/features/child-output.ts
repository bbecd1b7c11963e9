// Children's output as streams: { stdout: 'pipe' } on a Process or a Pool, and a prefix on each
// line that names the worker. A pool's workers meet on pool.stdout only at whole lines.
// No Python twin (Python's children write to the parent's own stdout); like subprocess.PIPE.
import { createInterface } from 'node:readline';
import { fromModule, isMain, Pool, Process } from 'multiprocessing-ts';

/** A task that logs as it works. */
export function work(id: number): number {
  console.log(`task ${id} starting`);
  console.log(`task ${id} done`);
  return id;
}

if (isMain(import.meta)) {
  const pool = new Pool(2, { stdout: 'pipe', prefix: true });
  const lines: string[] = [];
  const reading = (async () => {
    for await (const line of createInterface({ input: pool.stdout! })) lines.push(line);
  })();
  await pool.map(fromModule<typeof work>(import.meta.url, 'work'), [1, 2, 3], 1);
  pool.close();
  await pool.join();
  await reading; // pool.stdout ends once the workers have exited
  console.log(`${lines.length} lines, each whole and prefixed: ${lines.every((l) => /^\[PoolWorker-\d+-\d+\] task \d (starting|done)$/.test(l))}`);
  console.log(lines.map((l) => l.replace(/^\[PoolWorker-\d+-\d+\] /, '')).sort().join(' | '));

  const child = new Process({ target: () => console.log('hello from the child'), name: 'Greeter', stdout: 'pipe', prefix: true });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const ended = new Promise((resolve) => child.stdout!.once('end', resolve));
  child.start();
  await child.join();
  await ended;
  console.log(`Process stdout: ${JSON.stringify(text)}`);
}
