// Two hosts and a partition: an `mpts worker` in a network namespace of this test reaches Redis
// over a veth pair; the link goes down while that worker runs a task of a map, for longer than the
// task's lease, and comes back. A worker on the other side takes the task over; every result
// arrives once, in its place, the submitter does not hang, and the healed worker serves on.
// Skips (with a notice) where network namespaces cannot be made: not root, or no `ip`.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Pool, moduleTargets } from 'multiprocessing-ts/redis';
import { assertNoLeaks, waitUntil } from '../helpers/leaks.js';
import { exited, mptsCli, skipRedis, startRedis, startWorker, tsNode, waitForLine, type RedisServer, type WorkerProcess } from '../helpers/redis.js';
import { LONG } from '../helpers/timeouts.js';

const tasksUrl = new URL('../fixtures/redis-tasks.ts', import.meta.url);
const tasksFile = fileURLToPath(tasksUrl);
const tasks = moduleTargets<typeof import('../fixtures/redis-tasks.js')>(tasksUrl);
// Short leases, so that the partition outlasts one within seconds.
const lease = ['--concurrency', '1', '--lock-duration', '1000', '--stalled-interval', '500'];

function ip(...args: string[]): void {
  const ran = spawnSync('ip', args, { encoding: 'utf8' });
  if (ran.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${ran.error?.message ?? ran.stderr.trim()}`);
}

function namespaceSkip(): string | false {
  if (skipRedis !== false) return skipRedis;
  if (process.getuid?.() !== 0) return 'not root: network namespaces cannot be made, skipping the partition test';
  const probe = `mpts-probe-${process.pid}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
  } catch (err) {
    return `network namespaces cannot be made here (${(err as Error).message}): skipping the partition test`;
  }
  return false;
}
const skip = namespaceSkip();
if (skip !== false && skip !== skipRedis) console.warn(`NOTICE: ${skip}`);

/** This run's namespace, veth pair and /30 (names and addresses unique per run). */
function network(): { ns: string; host: string; peer: string; hostAddr: string; peerAddr: string } {
  const id = `${process.pid.toString(36)}${randomInt(36 ** 3).toString(36)}`.slice(-6);
  const [a, b, c] = [200 + randomInt(50), randomInt(256), randomInt(64) * 4];
  return { ns: `mpts-part-${id}`, host: `mph${id}`, peer: `mpw${id}`, hostAddr: `10.${a}.${b}.${c + 1}`, peerAddr: `10.${a}.${b}.${c + 2}` };
}

describe('redis Pool across a network partition', { skip }, () => {
  const net = network();
  let redis: RedisServer | undefined;
  let inside: ChildProcess | undefined;
  let outside: WorkerProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'mpts-partition-'));
  after(async () => {
    if (inside !== undefined && inside.exitCode === null && inside.signalCode === null) {
      inside.kill('SIGKILL');
      await exited(inside);
    }
    await outside?.stop();
    await redis?.stop();
    spawnSync('ip', ['netns', 'del', net.ns]);
    spawnSync('ip', ['link', 'del', net.host]);
    rmSync(dir, { recursive: true, force: true });
  });
  after(assertNoLeaks);

  it('the link goes down mid-map for longer than the lease: the task moves over, every result arrives once, the healed worker serves on', { timeout: LONG }, async () => {
    ip('netns', 'add', net.ns);
    ip('link', 'add', net.host, 'type', 'veth', 'peer', 'name', net.peer);
    ip('link', 'set', net.peer, 'netns', net.ns);
    ip('addr', 'add', `${net.hostAddr}/30`, 'dev', net.host);
    ip('link', 'set', net.host, 'up');
    ip('netns', 'exec', net.ns, 'ip', 'addr', 'add', `${net.peerAddr}/30`, 'dev', net.peer);
    ip('netns', 'exec', net.ns, 'ip', 'link', 'set', net.peer, 'up');
    redis = await startRedis([net.hostAddr]);
    const remote = new URL(redis.url);
    remote.hostname = net.hostAddr;
    const remoteUrl = remote.href;

    // The worker on the far side holds every task it takes until the test releases it.
    const worker = spawn('ip', ['netns', 'exec', net.ns, process.execPath, ...tsNode, mptsCli, 'worker', '--redis', remoteUrl, '--name', 'part', '--module', tasksFile, ...lease], {
      stdio: ['ignore', 'inherit', 'pipe'],
      env: { ...process.env, MPTS_TEST_HOLD: '1' },
    });
    inside = worker;
    await waitForLine(worker, 'stderr', /mpts worker: pid \d+ serving/, 'the worker in the namespace');
    worker.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    const runs = (): string[][] => (existsSync(join(dir, 'runs')) ? readFileSync(join(dir, 'runs'), 'utf8').trim().split('\n').map((line) => line.split(' ')) : []);

    await using pool = new Pool({ redis: redis.url, name: 'part' });
    const n = 20;
    const results = pool.starmap(tasks.heldWhereTold, Array.from({ length: n }, (_, i): [string, number] => [dir, i]), 1);
    void results.catch(() => undefined);
    await waitUntil(() => runs().some(([, pid]) => pid === String(worker.pid)), LONG, 'the worker in the namespace to start a task');
    const held = (runs().find(([, pid]) => pid === String(worker.pid)) as string[])[0] as string;

    ip('link', 'set', net.host, 'down');
    outside = await startWorker(redis.url, 'part', tasksFile, lease);
    const pid = String(outside.pid);
    // Evidence that the lease ran out: the held task runs again, on this side.
    await waitUntil(() => runs().some(([i, by]) => i === held && by === pid), LONG, `task ${held} to be taken over`);
    ip('link', 'set', net.host, 'up');
    writeFileSync(join(dir, 'release'), '');

    assert.deepEqual(await results, Array.from({ length: n }, (_, i) => i * 10));
    assert.equal(pool.pending, 0);
    assert.deepEqual(runs().filter(([i]) => i === held).map(([, by]) => by).sort(), [String(worker.pid), pid].sort(), 'the held task ran on both sides');

    // Healed: with the near worker gone, the far one takes the next task.
    assert.equal(await outside.stop(), 0);
    assert.equal(await pool.apply(tasks.heldWhereTold, [dir, n]), n * 10);
    assert.ok(runs().some(([i, by]) => i === String(n) && by === String(worker.pid)), 'the worker in the namespace ran the task after the partition');
    worker.kill('SIGTERM');
    assert.equal(await exited(worker), 0);
  });
});
