// The Redis tier in code: a worker (serve(), what `mpts worker` runs) and a submitter's Pool and
// Queue, here in one program; across machines each side runs on its own (see the README). It uses
// the Redis server at $REDIS_URL (default redis://127.0.0.1:6379), and says so and stops if none
// answers there. An addition to Python's multiprocessing.
import { createConnection } from 'node:net';
import { isMain } from 'multiprocessing-ts';
import { moduleTargets, Pool, Queue, serve } from 'multiprocessing-ts/redis';

/** Whether something accepts connections at the URL's host and port. */
function answers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

if (isMain(import.meta)) {
  const redis = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!(await answers(redis))) {
    console.log(`NOTICE: no Redis server answers at ${redis} (start redis-server, or set REDIS_URL): skipping`);
  } else {
    const name = `example-${process.pid}`; // one pool per run, so that runs do not meet
    const module = new URL(import.meta.url.endsWith('.ts') ? './redis-tasks.ts' : './redis-tasks.js', import.meta.url); // from source or compiled
    const worker = await serve({ redis, name, module, concurrency: 2 });
    const tasks = moduleTargets<typeof import('./redis-tasks.js')>(module);
    const pool = new Pool({ redis, name });
    console.log(`map: ${(await pool.map(tasks.square, [1, 2, 3, 4, 5])).join(' ')}`);
    console.log(`apply: 2 + 3 = ${await pool.apply(tasks.add, [2, 3])}`);
    pool.close();
    await pool.join();

    const queue = new Queue<string>({ redis, name: `${name}-queue` });
    await queue.put('hello from a Redis list');
    console.log(`queue: ${await queue.get()}`);
    queue.close();
    await worker.close(); // finishes running tasks first
    console.log('done');
  }
}
