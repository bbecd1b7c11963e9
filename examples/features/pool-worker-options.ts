// env, argv, execArgv, resourceLimits and maxWorkerMemory: how each worker is started and how
// much memory it may use. No Python twin; like piscina's options of the same names.
import { isMain, Pool } from 'multiprocessing-ts';

if (isMain(import.meta)) {
  await using pool = new Pool(1, {
    env: { ...process.env, GREETING: 'hello from the pool' },
    argv: ['--mode', 'fast'],
    // execArgv replaces this process's options, as fork() and new Worker() do: keep them.
    execArgv: [...process.execArgv, '--no-deprecation'],
    // The heap limit counts both generations: Node 24's default young one alone is 3 × 64 MiB.
    resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 },
    // Replace a worker, after its task, once its resident set passes 1 GiB.
    maxWorkerMemory: 2 ** 30,
  });
  const seen = await pool.apply(async () => ({
    greeting: process.env.GREETING,
    argv: process.argv.slice(2),
    noDeprecation: process.execArgv.includes('--no-deprecation'),
    heapMiB: (await import('node:v8')).getHeapStatistics().heap_size_limit / 2 ** 20,
  }));
  console.log(`worker's GREETING: ${seen.greeting}`);
  console.log(`worker's arguments: ${seen.argv.join(' ')}`);
  console.log(`worker runs with --no-deprecation: ${seen.noDeprecation}`);
  console.log(`worker's heap limit is under 256 MiB: ${seen.heapMiB < 256}`);
  console.log(`this process has no GREETING: ${process.env.GREETING === undefined}`);
}
