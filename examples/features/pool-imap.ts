// imap and imapUnordered: results as they come, from an iterable that is read a little at a time.
// Python: Pool.imap / Pool.imap_unordered.
import { isMain, Pool } from 'multiprocessing-ts';

/** An endless supply: imap reads ahead only as far as the workers need. */
function* naturals(): Generator<number> {
  for (let n = 1; ; n++) yield n;
}

if (isMain(import.meta)) {
  await using pool = new Pool(2);
  const squares: number[] = [];
  for await (const square of pool.imap((x: number) => x * x, naturals())) {
    squares.push(square);
    if (squares.length === 8) break; // stops reading the generator
  }
  console.log(`imap, in order: ${squares.join(' ')}`);

  const cubes: number[] = [];
  for await (const cube of pool.imapUnordered((x: number) => x ** 3, [1, 2, 3, 4, 5], 2)) cubes.push(cube);
  console.log(`imapUnordered, in the order they finished, sorted: ${cubes.sort((a, b) => a - b).join(' ')}`);
}
