// The mpts command: `mpts map` (local, no Redis) and argument errors.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** Start mpts with `input` on stdin; `ran` resolves when it has ended. */
function startMpts(args: string[], input = ''): { child: ChildProcess; ran: Promise<Ran> } {
  const child = spawn(process.execPath, [...tsNode, mptsCli, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const ran = new Promise<Ran>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  child.stdin?.end(input);
  return { child, ran };
}

function mpts(args: string[], input = ''): Promise<Ran> {
  return startMpts(args, input).ran;
}

/**
 * Runs `mpts map --jobs 5 --progress [--keep-order]` over the lines 1..5, each command waiting
 * until this test releases it (it reads a FIFO of its own to the end). Lines 2..5 are released
 * first; once mpts's progress bar says 4 of 5 are done, line 1 is: so line 1's command ends last.
 */
async function lastLineEndsLast(keepOrder: boolean): Promise<Ran> {
  const dir = mkdtempSync(join(tmpdir(), 'mpts-map-'));
  const { child, ran } = startMpts(['map', '--jobs', '5', '--progress', ...(keepOrder ? ['--keep-order'] : []), `cat "${dir}/{}" >/dev/null; echo "line {}"`], '1\n2\n3\n4\n5\n');
  try {
    const release = async (n: number): Promise<void> => (await open(join(dir, String(n)), 'w')).close();
    for (let n = 1; n <= 5; n++) assert.equal(spawnSync('mkfifo', [join(dir, String(n))]).status, 0, 'mkfifo failed');
    await Promise.all([2, 3, 4, 5].map(release));
    await waitForLine(child, 'stderr', /\b4\/5\b/, 'mpts map to report 4 of 5 done');
    await release(1);
    return await ran;
  } finally {
    child.kill('SIGKILL');
    await ran.catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('mpts', () => {
  after(assertNoLeaks);

  it('map runs the command once per input line, the line as one word, N at a time', { timeout: LONG }, async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `item ${i}; $(no)`);
    const ran = await mpts(['map', '--jobs', '4', 'printf "%s|" {}; echo'], `${lines.join('\n')}\n\n`);
    assert.equal(ran.code, 0, ran.stderr);
    assert.deepEqual(ran.stdout.trim().split('\n').sort(), lines.map((l) => `${l}|`).sort());
    assert.equal(ran.stderr, '', 'no progress bar when stderr is not a terminal');
  });

  it('map puts the line where {} stands as it is: a bare {} is one word, inside "..." or \'...\' it is part of the text, as xargs -I{}', { timeout: LONG }, async () => {
    const lines = [`a b; echo INJECTED $(echo NO) \`echo NO\` "dq" 'sq' \\ $HOME *`, 'plain', "it's"];
    const places = `printf '%s|' {} x{}.txt "q {}" 'q {}' "$(printf %s {})" "\`printf %s {}\`" \\{}; echo`;
    const ran = await mpts(['map', '--keep-order', '--jobs', '2', places], `${lines.join('\n')}\n`);
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stdout, lines.map((l) => `${l}|x${l}.txt|q ${l}|q ${l}|${l}|${l}|{}|\n`).join(''));
    const seed = await mpts(['map', 'echo "file: {}"'], 'a b\n');
    assert.equal(seed.stdout, 'file: a b\n');
    const appended = await mpts(['map', '--keep-order', "printf '%s|'"], `${lines.join('\n')}\n`);
    assert.equal(appended.stdout, lines.map((l) => `${l}|`).join(''));
  });

  it('map without --keep-order prints each output as its command ends', { timeout: LONG }, async () => {
    const ran = await lastLineEndsLast(false);
    assert.equal(ran.code, 0, ran.stderr);
    const lines = ran.stdout.trim().split('\n');
    assert.deepEqual(lines.slice(0, 4).sort(), ['line 2', 'line 3', 'line 4', 'line 5']);
    assert.equal(lines[4], 'line 1');
  });

  it('map --keep-order prints the outputs in input order, the commands still running at once', { timeout: LONG }, async () => {
    const ran = await lastLineEndsLast(true);
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stdout, 'line 1\nline 2\nline 3\nline 4\nline 5\n');
  });

  it('map exits 123 and summarises the failures; --progress draws the bar', { timeout: LONG }, async () => {
    const ran = await mpts(['map', '-j', '3', '--progress', 'test {} -ne 3 && test {} -ne 7'], `${Array.from({ length: 10 }, (_, i) => i).join('\n')}\n`);
    assert.equal(ran.code, 123);
    // Not a terminal: the bar is drawn for 80 columns, and never reaches the last one.
    assert.match(ran.stderr, /\[#+\] 10\/10 100%/);
    for (const line of ran.stderr.split(/\r|\n/)) assert.ok(line.replace('\x1b[K', '').length <= 79, JSON.stringify(line));
    assert.match(ran.stderr, /2 failed/);
    assert.match(ran.stderr, /mpts map: 2 of 10 commands failed:\n {2}exit 1: test '3' -ne 3 && test '3' -ne 7\n {2}exit 1: test '7'/);
  });

  it('usage errors exit 2 and say what is wrong', { timeout: SHORT }, async () => {
    const missing = await mpts(['worker', '--name', 'x']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--redis URL \(or MPTS_REDIS_URL in the environment\) is required/);
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
