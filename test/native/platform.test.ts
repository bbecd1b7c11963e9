// The platform seam: both variants of sharing a segment and of a child dying with its parent run
// here ('linux', and 'posix' forced with MPTS_PLATFORM=posix, in which CI also runs the whole
// suite), and a process started from a worker thread ends with that thread.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Event, getContext, hasNative, Value, type SharedValue } from 'multiprocessing-ts';
import { assertNoLeaks, pidAlive, waitUntil } from '../helpers/leaks.js';
import { runFixture } from '../helpers/program.js';
import { LONG } from '../helpers/timeouts.js';

const skip = hasNative() ? false : 'the native addon is not built here';
const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

describe('the platform seam', { skip }, () => {
  const linuxOnly = process.platform === 'linux' ? false : 'Linux only';
  for (const variant of ['linux', 'posix'] as const) {
    const env = { MPTS_PLATFORM: variant === 'posix' ? 'posix' : '' };
    it(`${variant}: a parent killed with SIGKILL takes its child along, though the child's event loop never turns`, { timeout: LONG, skip: variant === 'linux' && linuxOnly }, async () => {
      let child = 0;
      await runFixture([fixture('parent.ts'), 'busy-child', 'process'], { env, onLine: (line, kill) => {
        child = (JSON.parse(line) as { child: number }).child;
        kill();
      } });
      assert.ok(child > 0, 'the parent did not report its child');
      await waitUntil(() => !pidAlive(child), 5_000, `busy child ${child} to end with its parent`);
    });
  }

  it("posix: the library's segments are named after their creator, travel by name, and none outlives its process", { timeout: LONG, skip: linuxOnly && 'lists /dev/shm' }, async () => {
    const { code, stdout, stderr } = await runFixture([fixture('posix-segments.ts')], { env: { MPTS_PLATFORM: 'posix' } });
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout.trim().split('\n').pop()!) as { pid: number; parentNames: number; childNames: number; childValue: number; afterKill: number; lockWorks: boolean; plainValue: number };
    assert.ok(report.parentNames > 0, 'the parent has no named segments');
    assert.ok(report.childNames > 0, 'the child had no named segments');
    assert.equal(report.childValue, 5);
    assert.equal(report.afterKill, 0, "the killed child's segments were not unlinked");
    assert.equal(report.lockWorks, true);
    assert.equal(report.plainValue, 1.5);
    assert.deepEqual(readdirSync('/dev/shm').filter((name) => name.startsWith(`mpts_${report.pid}_`)), [], 'the program left its segments behind');
  });

  it('MPTS_PLATFORM other than posix (or unset) is a ValueError at import', { timeout: LONG }, () => {
    const code = `import('multiprocessing-ts').then(() => console.log('{}'), (e) => console.log(JSON.stringify({ name: e.name, code: e.code })))`;
    const r = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', code], { encoding: 'utf8', env: { ...process.env, MPTS_PLATFORM: 'windows' } });
    assert.deepEqual(JSON.parse(r.stdout.trim()), { name: 'ValueError', code: 'ERR_MP_BAD_VALUE' });
  });

  it('a process started from a worker thread runs while the thread lives and ends with it, even with its event loop blocked', { timeout: LONG, skip: linuxOnly && 'the leak check reads /proc' }, async () => {
    // A ChildProcess handle and its IPC channel belong to the event loop of the thread that
    // started it; when that thread ends, so does the child (PR_SET_PDEATHSIG fires on the
    // thread's exit on Linux; the lifeline closes with the thread's handles elsewhere).
    const grandchild = Value('i', 0);
    const started = new Event();
    const thread = new (getContext('thread').Process)({
      target: async (pid: SharedValue, started: InstanceType<typeof Event>) => {
        const { Event: Ev, getContext: context } = await import('multiprocessing-ts');
        const busy = new Ev();
        const child = new (context('process').Process)({
          target: (busy: InstanceType<typeof Ev>) => {
            busy.set();
            for (;;);
          },
          args: [busy],
        });
        child.start();
        await busy.wait();
        pid.value = child.pid!;
        started.set();
        await new Promise(() => setInterval(() => {}, 1000));
      },
      args: [grandchild, started],
    });
    thread.start();
    assert.equal(await started.wait(LONG), true);
    assert.ok(pidAlive(grandchild.value), 'the process started from the thread is not running');
    thread.terminate();
    await thread.join();
    await waitUntil(() => !pidAlive(grandchild.value), 5_000, `process ${grandchild.value} to end with the thread that started it`);
    await assertNoLeaks();
  });
});
