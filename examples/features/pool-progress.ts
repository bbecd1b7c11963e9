// Progress from inside tasks: reportProgress(value) in a worker reaches the onProgress callback of
// the call that submitted the task, in order; map and imap draw a progress bar with
// { progress: true } when stderr is a terminal. No Python twin; like tqdm.
import { fromModule, isMain, Pool, reportProgress } from 'multiprocessing-ts';

/** A task that reports each part it has done. */
export async function download(file: string, parts: number): Promise<string> {
  for (let part = 1; part <= parts; part++) {
    await new Promise((resolve) => setImmediate(resolve));
    reportProgress({ file, part });
  }
  return `${file}: ${parts} parts`;
}

if (isMain(import.meta)) {
  const pool = new Pool(2);
  const task = fromModule<typeof download>(import.meta.url, 'download');
  const parts = new Map<string, number[]>();
  const onProgress = (value: unknown): void => {
    const { file, part } = value as { file: string; part: number };
    parts.set(file, [...(parts.get(file) ?? []), part]);
  };
  const results = await Promise.all([pool.apply(task, ['a.iso', 3], { onProgress }), pool.applyAsync(task, ['b.iso', 4], { onProgress }).get()]);
  console.log(results.join('; '));
  for (const [file, seen] of [...parts].sort()) console.log(`${file}: parts ${seen.join(', ')} reported in order`);

  // The bar is drawn only on a terminal: run this example in one to see it.
  const squares = await pool.map((x: number) => x * x, Array.from({ length: 1000 }, (_, i) => i), { progress: true });
  console.log(`map with { progress: true }: ${squares.length} results`);
  console.log(`outside a pool task reportProgress sends nothing: ${reportProgress('ignored')}`);
  pool.close();
  await pool.join();
}
