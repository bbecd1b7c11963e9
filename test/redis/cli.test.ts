// The mpts command: `mpts map` (local, no Redis) and argument errors.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it, after } from 'node:test';
import { BaseManager, type QueueProxy } from 'multiprocessing-ts';
import { assertNoLeaks } from '../helpers/leaks.js';
import { pythons, runPython } from '../helpers/python.js';
import { exited, mptsCli, tsNode, waitForLine } from '../helpers/redis.js';
import { LONG, SHORT } from '../helpers/timeouts.js';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function mpts(args: string[], input = ''): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...tsNode, mptsCli, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('mpts', () => {
  after(assertNoLeaks);

  it('map runs the command once per input line, with the line shell-quoted, N at a time', { timeout: LONG }, async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `item ${i}; $(no)`);
    const ran = await mpts(['map', '--jobs', '4', 'printf "%s|" {}; echo'], `${lines.join('\n')}\n\n`);
    assert.equal(ran.code, 0, ran.stderr);
    assert.deepEqual(ran.stdout.trim().split('\n').sort(), lines.map((l) => `${l}|`).sort());
    assert.equal(ran.stderr, '', 'no progress bar when stderr is not a terminal');
  });

  it('map exits 123 and summarises the failures; --progress draws the bar', { timeout: LONG }, async () => {
    const ran = await mpts(['map', '-j', '3', '--progress', 'test {} -ne 3 && test {} -ne 7'], `${Array.from({ length: 10 }, (_, i) => i).join('\n')}\n`);
    assert.equal(ran.code, 123);
    assert.match(ran.stderr, /\[#{30}\] 10\/10 100%/);
    assert.match(ran.stderr, /2 failed/);
    assert.match(ran.stderr, /mpts map: 2 of 10 commands failed:\n {2}exit 1: test '3' -ne 3 && test '3' -ne 7\n {2}exit 1: test '7'/);
  });

  it('usage errors exit 2 and say what is wrong', { timeout: SHORT }, async () => {
    const missing = await mpts(['worker', '--name', 'x']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--redis is required/);
    const unknown = await mpts(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    const jobs = await mpts(['map', '--jobs', 'zero', 'echo']);
    assert.equal(jobs.code, 2);
    assert.match(jobs.stderr, /--jobs must be a positive integer/);
  });

  it('manager serves named queues to Python\'s BaseManager and to ours, authkey from MPTS_AUTHKEY', { timeout: LONG }, async (t) => {
    const refused = await mpts(['manager', '--address', '127.0.0.1:0', '--queue', 'task_queue']);
    assert.equal(refused.code, 2, 'no MPTS_AUTHKEY');
    assert.match(refused.stderr, /set MPTS_AUTHKEY/);

    const child = spawn(process.execPath, [...tsNode, mptsCli, 'manager', '--address', '127.0.0.1:0', '--queue', 'task_queue', '--queue', 'result_queue'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, MPTS_AUTHKEY: 'test-key' },
    });
    try {
      const line = await waitForLine(child, 'stderr', /mpts manager: pid \d+ serving/, 'mpts manager');
      assert.match(line, /get_task_queue, get_result_queue on 127\.0\.0\.1:\d+/);
      const port = Number(/:(\d+)$/.exec(line)?.[1]);

      class QueueManager extends BaseManager {
        declare get_task_queue: () => Promise<QueueProxy<number>>;
        declare get_result_queue: () => Promise<QueueProxy<number>>;
      }
      QueueManager.register('get_task_queue');
      QueueManager.register('get_result_queue');
      await using m = new QueueManager({ address: ['127.0.0.1', port], authkey: 'test-key' });
      await m.connect();
      const tasksQ = await m.get_task_queue();
      for (const x of [1, 2, 3]) await tasksQ.put(x);

      if (!pythons[0]?.available) t.diagnostic('python3 not available: the Python side is not tested');
      else {
        // The seed's worker: take tasks, put squares.
        const code = [
          'import sys',
          'from multiprocessing.managers import BaseManager',
          'class QueueManager(BaseManager): pass',
          "QueueManager.register('get_task_queue'); QueueManager.register('get_result_queue')",
          "m = QueueManager(address=('127.0.0.1', int(sys.argv[1])), authkey=b'test-key'); m.connect()",
          't, r = m.get_task_queue(), m.get_result_queue()',
          'for _ in range(3): n = t.get(timeout=10); r.put(n * n)',
        ].join('\n');
        await runPython('python3', code, [String(port)]);
        const results = await m.get_result_queue();
        assert.deepEqual([await results.get(), await results.get(), await results.get()], [1, 4, 9]);
      }
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited(child), 0);
    }
  });
});
