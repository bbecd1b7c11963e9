// The examples beyond the seeds, one per feature (examples/features/): each runs and prints what
// it shows, line for line.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { assertNoLeaks } from '../helpers/leaks.js';
import { skipRedis, startRedis } from '../helpers/redis.js';
import { LONG } from '../helpers/timeouts.js';
import { examplePrograms } from './programs.js';

const { runTwin } = examplePrograms();

// They have no Python twin: each prints in an order that does not depend on timing.
const features: { name: string; output: string[] }[] = [
  {
    name: 'shared-memory',
    output: ['child: wrote 5 bytes into a block of 10', 'parent: the block now holds 22, 33, 44, 55, 66', 'parent: closed and unlinked'],
  },
  {
    name: 'condition',
    output: ['consumer: waiting for an item', 'producer: putting 42 and notifying', 'consumer: got 42', 'producer: the consumer ended with exit code 0'],
  },
  {
    name: 'barrier',
    output: ['arrivals each process saw once through: 3, 3, 3', 'wait() returned each index once: 0, 1, 2', 'broken: false, waiting now: 0'],
  },
  {
    name: 'pool-imap',
    output: ['imap, in order: 1 4 9 16 25 36 49 64', 'imapUnordered, in the order they finished, sorted: 1 8 27 64 125'],
  },
  {
    name: 'pool-abort-signal',
    output: [
      'the first task is running, the second waits for the worker: aborting both',
      'running task: rejected with AbortError',
      'queued task: rejected with AbortError',
      'the pool goes on: 7 * 7 = 49',
      'a task given an aborted signal is not sent: AbortError',
    ],
  },
  {
    name: 'pool-stats',
    output: [
      'results: 0.25, 0.5, 1, RangeError',
      'completed 3, failed 1, queued 0, running 0',
      'run time: 0 <= median <= p99 <= max: true',
      'wait time: 0 <= median <= p99 <= max: true',
    ],
  },
  {
    name: 'pool-events',
    output: [
      'taskEnd: 3 ok, failed with RangeError; the channel saw 4',
      'run time histogram: 4 tasks, min <= median <= p99 <= max: true',
      '2 workers ran 4 tasks; utilization within [0, 1]: true',
      'workerStart: 2 workers; workerExit codes: 0, 0',
    ],
  },
  {
    name: 'pool-progress',
    output: [
      'a.iso: 3 parts; b.iso: 4 parts',
      'a.iso: parts 1, 2, 3 reported in order',
      'b.iso: parts 1, 2, 3, 4 reported in order',
      'map with { progress: true }: 1000 results',
      'outside a pool task reportProgress sends nothing: false',
    ],
  },
  {
    name: 'child-output',
    output: [
      '6 lines, each whole and prefixed: true',
      'task 1 done | task 1 starting | task 2 done | task 2 starting | task 3 done | task 3 starting',
      'Process stdout: "[Greeter] hello from the child\\n"',
    ],
  },
  { name: 'joinable-queue', output: ['all 100 items done; their sum is 5050', 'the workers ended with exit codes 0, 0, 0'] },
  {
    name: 'listener-client',
    output: ['server: got [1,"hello",null]', 'server: got bytes "some bytes"', 'client: the server answered ["pong",2]', 'server: the client ended with exit code 0'],
  },
  {
    name: 'pool-initializer',
    output: ['Hello, Ada; Hello, Grace; Hello, Barbara; Hello, Edsger', 'the initializer ran 2 times: once in each of the 2 workers', 'in the main process, greeting is still "not initialised"'],
  },
  {
    name: 'pool-max-tasks-per-child',
    output: ['12 tasks ran in at least 4 different worker processes', 'no worker ran more than 3 tasks: true', 'none of them was the main process: true'],
  },
  {
    name: 'pool-elastic',
    output: ['at rest: 1 worker', '4 tasks running at once: 4 workers', 'they ran in 4 processes', 'after 100 ms idle: 1 worker again', 'and it still works: 6 * 7 = 42'],
  },
  {
    name: 'pool-max-queue',
    output: [
      'a third task waiting: Full (ERR_MP_QUEUE_FULL)',
      'the two queued ran: 4, 9',
      'producer: 50 tasks, sum of squares 40425, never more than 2 waiting: true',
      'map of 100 chunks: sum 328350',
    ],
  },
  {
    name: 'pool-worker-options',
    output: [
      "worker's GREETING: hello from the pool",
      "worker's arguments: --mode fast",
      'worker runs with --no-deprecation: true',
      "worker's heap limit is under 256 MiB: true",
      'this process has no GREETING: true',
    ],
  },
  {
    name: 'pool-move',
    output: [
      'sum computed in a thread: 1048576',
      'handed over, not copied: the buffer here is now 0 bytes',
      'transfer option: 2, 4, 6; here 0 samples are left',
      'a task handed back 4 numbers: 0.5, 0.5, 0.5, 0.5',
    ],
  },
];

async function checkFeature(name: string, output: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  const run = await runTwin(`features/${name}`, [], env);
  const shown = `\n--- exit ${run.code} ---\n${run.stdout}${run.stderr}`;
  assert.equal(run.code, 0, `the example failed${shown}`);
  assert.equal(run.stderr, '', `the example wrote to stderr${shown}`);
  assert.deepEqual(run.stdout.replace(/\n$/, '').split('\n'), output, `the example printed other lines${shown}`);
}

describe('examples of each feature print what they show', { concurrency: 4 }, () => {
  after(assertNoLeaks);

  for (const { name, output } of features) {
    it(`features/${name}.ts`, { timeout: LONG }, () => checkFeature(name, output));
  }

  // A Redis server of its own where redis-server is installed; elsewhere the example says it skips.
  it('features/redis-pool.ts', { timeout: LONG }, async () => {
    if (skipRedis !== false) {
      const nowhere = 'redis://127.0.0.1:1';
      return checkFeature('redis-pool', [`NOTICE: no Redis server answers at ${nowhere} (start redis-server, or set REDIS_URL): skipping`], { REDIS_URL: nowhere });
    }
    const server = await startRedis();
    try {
      await checkFeature('redis-pool', ['map: 1 4 9 16 25', 'apply: 2 + 3 = 5', 'queue: hello from a Redis list', 'done'], { REDIS_URL: server.url });
    } finally {
      await server.stop();
    }
  });
});
