// threading on multiprocessing-ts/threads: Thread, currentThread, local, and the seed's balance.
// CPython: ThreadTests and ThreadLocalTests in Lib/test/test_threading.py, test_threading_local.py.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import {
  currentThread,
  Event,
  fromModule,
  local,
  Lock,
  Process,
  Queue,
  Thread,
  ThreadLocal,
  ValueError,
  Value,
  type SharedValue,
} from 'multiprocessing-ts/threads';
import { Counter, type Report } from '../fixtures/threading.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { LONG, SHORT } from '../helpers/timeouts.js';

const fixtureUrl = new URL('../fixtures/threading.ts', import.meta.url);
const fixture = fileURLToPath(fixtureUrl);
const report = fromModule<typeof import('../fixtures/threading.js').report>(fixtureUrl, 'report');
const study = fromModule<typeof import('../fixtures/threading.js').study>(fixtureUrl, 'study');
const useLocal = fromModule<typeof import('../fixtures/threading.js').useLocal>(fixtureUrl, 'useLocal');
const runThread = fromModule<typeof import('../fixtures/threading.js').runThread>(fixtureUrl, 'runThread');

/** Runs the fixture as a program of its own; resolves its exit code and output. */
function runFixture(mode: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fixture, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('threading: Thread, currentThread, local', () => {
  after(assertNoLeaks);

  it('start() runs the target with its args in a worker thread of this process; join() waits for it', { timeout: SHORT }, async () => {
    const q = new Queue<Report>();
    const t = new Thread({ target: report, args: [q], name: 'reporter' });
    assert.equal(t.isAlive(), false);
    t.start();
    const r = await q.get({ timeout: SHORT });
    await t.join();
    assert.equal(t.isAlive(), false);
    assert.equal(t.exitcode, 0);
    assert.deepEqual(r, { name: 'reporter', ident: t.ident, daemon: false, pid: process.pid });
    assert.notEqual(r.ident, threadId, 'the target ran on the main thread');
  }); // CPython: ThreadTests.test_various_ops

  it('is the thread backend\'s Process: same machinery, threading\'s names', { timeout: SHORT }, () => {
    const t = new Thread();
    assert.ok(t instanceof Process);
    assert.ok(t instanceof Thread);
    assert.equal(Thread.backendKind, 'thread');
  });

  it('join(timeout) returns after the timeout with the thread still alive, then join() waits for its end', { timeout: SHORT }, async () => {
    const go = new Event();
    const t = new Thread({ target: (e: Event) => e.wait(), args: [go] });
    t.start();
    assert.equal(t.isAlive(), true);
    const before = performance.now();
    await t.join(100);
    assert.ok(performance.now() - before >= 95, 'join(100) returned early');
    assert.equal(t.isAlive(), true);
    assert.equal(t.exitcode, null);
    go.set();
    await t.join();
    assert.equal(t.isAlive(), false);
    assert.equal(t.exitcode, 0);
  }); // CPython: ThreadTests.test_join_timeout (test_various_ops)

  it('names threads Thread-N (target), Thread-N without a target, and keeps a given name', { timeout: SHORT }, () => {
    function worker(): void {}
    const a = new Thread({ target: worker });
    const b = new Thread();
    const c = new Thread({ target: worker, name: 'mine' });
    const d = new Thread({ target: report, args: [new Queue<Report>()] });
    const n = Number(/^Thread-(\d+) \(worker\)$/.exec(a.name)?.[1]);
    assert.ok(n > 0, `unexpected name ${a.name}`);
    assert.equal(b.name, `Thread-${n + 1}`);
    assert.equal(c.name, 'mine');
    assert.equal(d.name, `Thread-${n + 2} (report)`, 'a module export is named by its export name');
    c.name = 'renamed';
    assert.equal(c.name, 'renamed');
  }); // CPython: ThreadTests.test_default_names (3.10+: the target's name in parentheses)

  it('currentThread() is MainThread on the main thread and the Thread\'s name inside it', { timeout: SHORT }, async () => {
    assert.deepEqual(currentThread(), { name: 'MainThread', ident: 0, daemon: false });
    const q = new Queue<Report>();
    const t = new Thread({ target: report, args: [q] });
    t.start();
    const r = await q.get({ timeout: SHORT });
    await t.join();
    assert.equal(r.name, t.name);
    assert.equal(r.ident, t.ident);
  }); // CPython: ThreadTests.test_ident_of_no_threading_threads (current_thread, main_thread)

  it('daemon: false by default; a daemon thread knows it is one', { timeout: SHORT }, async () => {
    const q = new Queue<Report>();
    const t = new Thread({ target: report, args: [q], daemon: true });
    assert.equal(new Thread().daemon, false);
    assert.equal(t.daemon, true);
    t.start();
    const r = await q.get({ timeout: SHORT });
    await t.join();
    assert.equal(r.daemon, true);
    assert.throws(() => (t.daemon = false), ValueError, 'daemon cannot change after start()');
  }); // CPython: ThreadTests.test_daemon_param

  it('a daemon thread does not keep the program alive; a non-daemon thread does until it ends', { timeout: LONG }, async () => {
    const daemon = await runFixture('daemon');
    assert.equal(daemon.stderr, '');
    assert.equal(daemon.code, 0);
    assert.equal(daemon.stdout, 'main done, thread alive: true\n');
    const normal = await runFixture('non-daemon');
    assert.equal(normal.stderr, '');
    assert.equal(normal.code, 0);
    assert.equal(normal.stdout, 'main done, thread alive: true\nthread done\n');
  }); // CPython: ThreadTests.test_daemon_threads_safe_at_exit, test_join_nondaemon_on_shutdown

  it('start() twice is an error, as is join() before start()', { timeout: SHORT }, async () => {
    const t = new Thread({ target: () => undefined });
    await assert.rejects(t.join(), ValueError);
    t.start();
    assert.throws(() => t.start(), ValueError);
    await t.join();
  }); // CPython: ThreadTests.test_start_twice (RuntimeError in Python)

  it('a Thread subclass overriding run() runs it in the thread, with its fields', { timeout: SHORT }, async () => {
    const total = Value('i', 0);
    const t = new Counter(1000, total);
    t.start();
    await t.join();
    assert.equal(t.exitcode, 0);
    assert.equal(total.value, 1000);
    assert.equal(t.name, 'counter');
  });

  it('local(): a module-level local has its own values in each thread', { timeout: SHORT }, async () => {
    const { school } = await import('../fixtures/threading.js');
    school.student = 'main';
    const q = new Queue<{ before: string | undefined; after: string | undefined; thread: string }>();
    const threads = ['li', 'cheng'].map((name) => new Thread({ target: study, args: [name, q], name }));
    for (const t of threads) t.start();
    const seen = [await q.get({ timeout: SHORT }), await q.get({ timeout: SHORT })].sort((a, b) => a.thread.localeCompare(b.thread));
    for (const t of threads) await t.join();
    assert.deepEqual(seen, [
      { before: undefined, after: 'cheng', thread: 'cheng' },
      { before: undefined, after: 'li', thread: 'li' },
    ]);
    assert.equal(school.student, 'main', 'a thread changed the main thread\'s value');
    assert.ok(school instanceof ThreadLocal);
  }); // CPython: ThreadLocalTest.test_local_refs / _local_refs

  it('local(): sent to a thread it arrives empty (the same object for both args), and comes back as the original with its values', { timeout: SHORT }, async () => {
    const mine = local<{ x: number }>();
    mine.x = 1;
    const q = new Queue<unknown>();
    const t = new Thread({ target: useLocal, args: [mine, mine, q] });
    t.start();
    const seen = await q.get({ timeout: SHORT });
    const back = await q.get({ timeout: SHORT });
    await t.join();
    assert.deepEqual(seen, { hasX: false, same: true });
    assert.equal(back, mine, 'the local did not come back as the same object');
    assert.equal(mine.x, 1, 'the thread\'s value reached the main thread');
  }); // CPython: ThreadLocalTest.test_arguments / _test_one_class

  it('the seed\'s balance: two threads, 100,000 changes each under a Lock, end at 0', { timeout: LONG }, async () => {
    const balance: SharedValue = Value('i', 0);
    const lock = new Lock();
    const t1 = new Thread({ target: runThread, args: [balance, lock, 5] });
    const t2 = new Thread({ target: runThread, args: [balance, lock, 8] });
    t1.start();
    t2.start();
    await t1.join();
    await t2.join();
    assert.deepEqual([t1.exitcode, t2.exitcode], [0, 0]);
    assert.equal(balance.value, 0);
    assert.equal(lock.locked(), false);
  });
});
