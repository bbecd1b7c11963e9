// multiprocessing-ts/redis: the distributed tier. A Pool whose workers (`mpts worker`, or serve())
// run on any number of machines, and a Queue, both kept in Redis. The pool is built on BullMQ for
// its leases, stalled-job detection and retries.
export { Pool } from './redis/pool.js';
export type { PoolOptions, ApplyOptions, MapOptions } from './redis/pool.js';
export { serve, Worker } from './redis/serve.js';
export type { ServeOptions } from './redis/serve.js';
export { Queue } from './redis/queue.js';
export type { RedisQueueOptions } from './redis/queue.js';
export type { RedisTarget } from './redis/connection.js';
export type { QueueOptions } from './queues/queue.js';
export { AsyncResult } from './pool/async-result.js';
export { fromModule, moduleTargets } from './codec/targets.js';
export type { ModuleTarget, ModuleTargets, TargetArgs, TargetResult } from './codec/targets.js';
export { Empty, Full, OSError, PicklingError, ProcessError, TimeoutError, ValueError, WorkerLostError } from './errors.js';
