// Pool events: pool.on('workerStart' | 'workerExit' | 'taskStart' | 'taskEnd' | 'drain' | 'error'),
// the same events on node:diagnostics_channel channels for tools that do not hold the pool, and
// pool.stats' histograms and utilization. No Python twin; like piscina's events and histograms.
import diagnosticsChannel from 'node:diagnostics_channel';
import { once } from 'node:events';
import { isMain, Pool, POOL_CHANNEL_PREFIX, type PoolChannelMessage } from 'multiprocessing-ts';

if (isMain(import.meta)) {
  const pool = new Pool(2);
  const workers = new Set<string>();
  let ok = 0;
  const errors: string[] = [];
  pool.on('workerStart', (e) => workers.add(e.worker));
  pool.on('taskEnd', (e) => (e.ok ? ok++ : errors.push((e.error as Error).name)));
  // What an APM tool does: subscribe by name, and tell pools apart by `pool`.
  let published = 0;
  const onTaskEnd = (message: unknown): void => void ((message as PoolChannelMessage<'taskEnd'>).pool === pool && published++);
  diagnosticsChannel.subscribe(`${POOL_CHANNEL_PREFIX}taskEnd`, onTaskEnd);

  const drained = once(pool, 'drain');
  const divide = (x: number): number => {
    if (x === 0) throw new RangeError('division by zero');
    return 12 / x;
  };
  await Promise.allSettled([1, 2, 3, 0].map((x) => pool.apply(divide, [x])));
  await drained;
  diagnosticsChannel.unsubscribe(`${POOL_CHANNEL_PREFIX}taskEnd`, onTaskEnd);
  console.log(`taskEnd: ${ok} ok, failed with ${errors.join(', ')}; the channel saw ${published}`);

  const stats = pool.stats;
  console.log(`run time histogram: ${stats.runTime.count} tasks, min <= median <= p99 <= max: ${stats.runTime.min <= stats.runTime.median && stats.runTime.median <= stats.runTime.p99 && stats.runTime.p99 <= stats.runTime.max}`);
  console.log(`${stats.workers.length} workers ran ${stats.workers.reduce((n, w) => n + w.tasks, 0)} tasks; utilization within [0, 1]: ${stats.workers.every((w) => w.utilization >= 0 && w.utilization <= 1)}`);

  const exits: number[] = [];
  pool.on('workerExit', (e) => exits.push(e.exitcode));
  pool.close();
  await pool.join();
  console.log(`workerStart: ${workers.size} workers; workerExit codes: ${exits.join(', ')}`);
}
