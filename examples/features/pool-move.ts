// move() and transfer: a worker thread is handed an ArrayBuffer instead of a copy of it, and can
// hand one back the same way. The sender's buffer is detached (0 bytes) once sent. On the
// process backend move() is accepted and the buffer is copied. No Python twin; like piscina's
// Piscina.move.
import { isMain, move, Pool } from 'multiprocessing-ts/threads';

if (isMain(import.meta)) {
  await using pool = new Pool(1);
  const pixels = new Uint8Array(2 ** 20).fill(1);
  const total = await pool.apply((p: Uint8Array) => p.reduce((sum, x) => sum + x, 0), [move(pixels)]);
  console.log(`sum computed in a thread: ${total}`);
  console.log(`handed over, not copied: the buffer here is now ${pixels.byteLength} bytes`);

  const samples = new Float64Array([1, 2, 3]);
  const doubled = await pool.applyAsync((s: Float64Array) => s.map((x) => 2 * x), [samples], { transfer: [samples.buffer] }).get();
  console.log(`transfer option: ${doubled.join(', ')}; here ${samples.length} samples are left`);

  const back = await pool.apply(async (n: number) => {
    const { move } = await import('multiprocessing-ts/threads');
    return move(new Float64Array(n).fill(0.5));
  }, [4]);
  console.log(`a task handed back ${back.length} numbers: ${back.join(', ')}`);
}
