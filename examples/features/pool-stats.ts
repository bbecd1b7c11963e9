// pool.stats: what a pool has done and how long its tasks took and waited (milliseconds), as
// piscina reports. An addition to Python's Pool.
import { isMain, Pool } from 'multiprocessing-ts';

if (isMain(import.meta)) {
  await using pool = new Pool(2);
  const inverses = await Promise.allSettled(
    [4, 2, 1, 0].map((x) =>
      pool.apply((x: number) => {
        if (x === 0) throw new RangeError('no inverse of 0');
        return 1 / x;
      }, [x]),
    ),
  );
  console.log(`results: ${inverses.map((r) => (r.status === 'fulfilled' ? r.value : `${(r.reason as Error).name}`)).join(', ')}`);
  const stats = pool.stats;
  console.log(`completed ${stats.completed}, failed ${stats.failed}, queued ${stats.queued}, running ${stats.running}`);
  const { runTime, waitTime } = stats;
  console.log(`run time: 0 <= median <= p99 <= max: ${0 <= runTime.median && runTime.median <= runTime.p99 && runTime.p99 <= runTime.max}`);
  console.log(`wait time: 0 <= median <= p99 <= max: ${0 <= waitTime.median && waitTime.median <= waitTime.p99 && waitTime.p99 <= waitTime.max}`);
}
