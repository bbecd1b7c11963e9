// Warm children: a started child leaves an idle spare of the same recipe, which the next start takes.
// CPython: the forkserver start method's tests (test_multiprocessing_forkserver), where they apply.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getWarmChildren, setForkserverPreload, setWarmChildren, stopWarmChildren, ValueError, warmChildrenReady } from 'multiprocessing-ts';
import { getBackend, idleWarmChildren } from '../../src/backends/index.js';
import { FileChannel, withChannel } from '../fixtures/file-channel.js';
import { pidAlive, waitUntil } from '../helpers/leaks.js';
import { runFixture, type Ran } from '../helpers/program.js';
import { defineSuite } from '../helpers/suite.js';
import { HUGE, LONG } from '../helpers/timeouts.js';
import { transpile } from '../helpers/transpiled.js';

const parentScript = fileURLToPath(new URL('../fixtures/parent.ts', import.meta.url));
const gatedModule = new URL('../fixtures/gated-module.ts', import.meta.url).href;
const preloaded = fileURLToPath(new URL('../fixtures/preloaded.ts', import.meta.url));
const preloadStarts = fileURLToPath(new URL('../fixtures/preload-starts.ts', import.meta.url));

type Report = { exitcode: number; spares: number[] };

/** Runs test/fixtures/parent.ts's warm-spare scenario; `onReport` gets what it prints. */
const runParent = (args: string[], env: NodeJS.ProcessEnv, onReport: (report: Report, kill: () => void) => void): Promise<Ran> =>
  runFixture([parentScript, 'warm-spare', ...args], { env, onLine: (line, kill) => onReport(JSON.parse(line) as Report, kill) });

export default defineSuite({ area: 'warm children', backends: ['process', 'thread'] }, ({ backend, ctx }, test) => {
  const { Process } = ctx;

  async function run(target: () => unknown = () => {}): Promise<InstanceType<typeof Process>> {
    const p = new Process({ target });
    p.start();
    await p.join();
    assert.equal(p.exitcode, 0);
    return p;
  }

  const spareReady = (): Promise<void> => waitUntil(() => idleWarmChildren(backend).length > 0, LONG, 'a warm child');

  test('a start after the first takes the idle spare, which then runs as a fresh child', withChannel(async (channel) => {
    await run(() => void ((globalThis as { ranHere?: boolean }).ranHere = true));
    await spareReady();
    const [spare] = idleWarmChildren(backend);
    const p = new Process({
      target: async (ch: FileChannel) => {
        const { currentProcess } = await import('multiprocessing-ts');
        ch.write({ ranHere: (globalThis as { ranHere?: boolean }).ranHere ?? false, name: currentProcess().name, preload: process.env.MPTS_PRELOAD ?? null });
      },
      args: [channel],
      name: 'taken',
    });
    p.start();
    assert.equal(p.ident, spare);
    assert.ok(!idleWarmChildren(backend).includes(spare ?? -1));
    await p.join();
    assert.equal(p.exitcode, 0);
    // A spare has run no target before: a global set by the previous child is not there, nor
    // the list of modules it loaded while it waited.
    assert.deepEqual(channel.read(), [{ ranHere: false, name: 'taken', preload: null }]);
  }), { timeout: LONG });

  test('a spare killed from outside, not yet seen to end, is passed over: the start runs its target', async () => {
    await run();
    await spareReady();
    const [spare] = idleWarmChildren(backend) as [number];
    process.kill(spare, 'SIGKILL');
    // Without turning the event loop, so that the spare's end is not seen yet.
    const until = Date.now() + LONG;
    while (pidAlive(spare)) assert.ok(Date.now() < until, `spare ${spare} still alive after SIGKILL`);
    const p = await run();
    assert.notEqual(p.ident, spare);
  }, { timeout: LONG, only: { backends: ['process'], reason: 'a worker thread cannot be killed from outside' } });

  test('a change of environment or execArgv boots a fresh child, which sees the change', withChannel(async (channel) => {
    await run();
    await spareReady();
    const spares = idleWarmChildren(backend);
    const saved = process.execArgv.length;
    process.env.MPTS_WARM_TEST = 'changed';
    if (backend === 'process') process.execArgv.push('--no-deprecation');
    try {
      const p = new Process({
        target: (ch: FileChannel) => ch.write({ env: process.env.MPTS_WARM_TEST ?? null, noDeprecation: process.execArgv.includes('--no-deprecation') }),
        args: [channel],
      });
      p.start();
      assert.ok(!spares.includes(p.ident ?? -1), 'the child is not a spare of the old recipe');
      await p.join();
      assert.equal(p.exitcode, 0);
      assert.deepEqual(channel.read(), [{ env: 'changed', noDeprecation: backend === 'process' }]);
    } finally {
      delete process.env.MPTS_WARM_TEST;
      process.execArgv.splice(saved);
    }
  }), { timeout: LONG });

  test('a burst of 20 starts runs 20 distinct children', async () => {
    const burst = Array.from({ length: 20 }, () => new Process({ target: () => {} }));
    for (const p of burst) p.start();
    await Promise.all(burst.map((p) => p.join()));
    assert.deepEqual(burst.map((p) => p.exitcode), Array<number>(20).fill(0));
    assert.equal(new Set(burst.map((p) => p.ident)).size, 20);
  }, { timeout: HUGE });

  test('setWarmChildren(0) stops the spares and starts boot fresh children', async () => {
    await run();
    await spareReady();
    const spares = idleWarmChildren(backend);
    setWarmChildren(0);
    try {
      assert.deepEqual(idleWarmChildren(backend), []);
      const p = await run();
      assert.ok(!spares.includes(p.ident ?? -1));
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(idleWarmChildren(backend), []);
    } finally {
      setWarmChildren(1);
    }
    if (backend === 'process') await waitUntil(() => spares.every((pid) => !pidAlive(pid)), LONG, 'the stopped spares to end');
  }, { timeout: LONG });

  test('spares boot one at a time: the next once the one before has reported ready', async () => {
    await run();
    await stopWarmChildren();
    setWarmChildren(3);
    try {
      // Looked at on every turn of the event loop: two spares booted at once would show together.
      let idle: number[] = [];
      while (idle.length === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        idle = idleWarmChildren(backend);
      }
      assert.equal(idle.length, 1);
      await waitUntil(() => idleWarmChildren(backend).length === 3, LONG, 'three warm children');
    } finally {
      setWarmChildren(1);
    }
  }, { timeout: LONG });

  test('warmChildrenReady() waits for every spare to boot, one after another', async () => {
    await run();
    setWarmChildren(2);
    try {
      await warmChildrenReady();
      assert.equal(idleWarmChildren(backend).length, 2);
      setWarmChildren(0);
      await warmChildrenReady();
    } finally {
      setWarmChildren(1);
    }
  }, { timeout: LONG });

  test('a spare reports ready only once it has loaded its mode module: after warmChildrenReady() a start waits on no import', async () => {
    const gate = mkdtempSync(join(tmpdir(), 'mpts-gate-'));
    // Its own environment gives it a slot of its own: the spares of the other tests load no gate.
    const first = getBackend(backend).launch({ name: 'gated', module: gatedModule, env: { ...process.env, MPTS_TEST_GATE_DIR: gate } });
    const firstEnded = new Promise<void>((resolve) => first.onExit(() => resolve()));
    try {
      let ready = false;
      // Looked at when warmChildrenReady() resolves: whether the spare had finished loading by then.
      let loadedWhenReady = false;
      const allReady = warmChildrenReady().then(() => {
        ready = true;
        loadedWhenReady = readdirSync(gate).some((file) => file.startsWith('loaded-'));
      });
      // The spare booted after the first child is loading the module (the first child loads it only at its start).
      await waitUntil(() => readdirSync(gate).some((file) => file.startsWith('loading-')), LONG, 'the spare to load the gated module');
      assert.equal(ready, false);
      writeFileSync(join(gate, 'open'), '');
      await allReady;
      assert.equal(ready, true);
      assert.equal(loadedWhenReady, true);
    } finally {
      rmSync(gate, { recursive: true, force: true });
      first.kill();
      await firstEnded;
      await stopWarmChildren();
    }
  }, { timeout: LONG });

  test('setForkserverPreload: each spare imports the modules before it reports ready, skipping one that fails; the list can be emptied', withChannel(async (channel) => {
    const report = async (): Promise<void> => {
      const p = new Process({ target: (ch: FileChannel) => void ch.write((globalThis as { mptsPreloaded?: number }).mptsPreloaded ?? 0), args: [channel] });
      p.start();
      await p.join();
      assert.equal(p.exitcode, 0);
    };
    await run();
    try {
      setForkserverPreload([preloaded, new URL('../fixtures/no-such-module.ts', import.meta.url)]);
      await warmChildrenReady();
      await report();
      setForkserverPreload([]);
      await warmChildrenReady();
      await report();
      assert.deepEqual(channel.read(), [1, 0]);
    } finally {
      setForkserverPreload([]);
    }
  }), { timeout: LONG });

  test('a module a spare preloads may not start a child at its top level: ERR_MP_START_IN_IMPORT there', withChannel(async (channel) => {
    await run();
    try {
      setForkserverPreload([preloadStarts]);
      await warmChildrenReady();
      const p = new Process({ target: (ch: FileChannel) => void ch.write((globalThis as { mptsPreloadStart?: string }).mptsPreloadStart ?? null), args: [channel] });
      p.start();
      await p.join();
      assert.equal(p.exitcode, 0);
      assert.deepEqual(channel.read(), ['ERR_MP_START_IN_IMPORT']);
    } finally {
      setForkserverPreload([]);
    }
  }), { timeout: LONG });

  test('setForkserverPreload checks its list', () => {
    assert.throws(() => setForkserverPreload('./tasks.ts' as unknown as string[]), TypeError);
    assert.throws(() => setForkserverPreload([1] as unknown as string[]), TypeError);
    assert.throws(() => setForkserverPreload(['']), TypeError);
  });

  test('stopWarmChildren() ends the spares; setWarmChildren checks its count', async () => {
    await run();
    await spareReady();
    const spares = idleWarmChildren(backend);
    await stopWarmChildren();
    assert.deepEqual(idleWarmChildren(backend), []);
    if (backend === 'process') assert.ok(spares.every((pid) => !pidAlive(pid)));
    assert.throws(() => setWarmChildren(5), (e: unknown) => e instanceof ValueError && e.code === 'ERR_MP_BAD_VALUE');
    assert.throws(() => setWarmChildren(-1), (e: unknown) => e instanceof ValueError && e.code === 'ERR_MP_BAD_VALUE');
    assert.throws(() => setWarmChildren(1.5), TypeError);
    assert.equal(getWarmChildren(), 1);
  }, { timeout: LONG });

  test('a program ends at its end with its spare idle, and the spare ends with it', async () => {
    let spares: number[] = [];
    const { code } = await runParent([backend, 'exit'], {}, (report) => (spares = report.spares));
    assert.equal(code, 0);
    assert.equal(spares.length, 1);
    if (backend === 'process') await waitUntil(() => spares.every((pid) => !pidAlive(pid)), LONG, 'the spare to end with its parent');
  }, { timeout: LONG });

  test('MPTS_WARM_CHILDREN=0 keeps no spare', async () => {
    let spares: number[] | undefined;
    const { code } = await runParent([backend, 'exit'], { MPTS_WARM_CHILDREN: '0' }, (report) => (spares = report.spares));
    assert.equal(code, 0);
    assert.deepEqual(spares, []);
  }, { timeout: LONG });

  test('under type stripping, a compiled library starts a self-contained target without tsx, and a module target with it', async () => {
    const copy = await transpile();
    try {
      const probe = join(copy.dir, 'loader-probe.ts');
      copyFileSync(fileURLToPath(new URL('../fixtures/loader-probe.ts', import.meta.url)), probe);
      const out = execFileSync(process.execPath, ['--import', 'tsx', probe, 'main'], { cwd: copy.dir, encoding: 'utf8', timeout: LONG, stdio: ['ignore', 'pipe', 'ignore'] });
      // exitcode 1: the child had loaded tsx
      assert.deepEqual(JSON.parse(out), { plain: 0, viaModule: 1 });
    } finally {
      copy.remove();
    }
  }, {
    timeout: LONG,
    only: {
      backends: (process.features as { typescript?: unknown }).typescript ? ['process'] : [],
      reason: 'Node strips types from Node 22.18 / 23.6; threads keep their loader',
    },
  });

  test('the spares of a parent killed with SIGKILL end with it', async () => {
    let spares: number[] = [];
    const { signal } = await runParent([backend], {}, (report, kill) => {
      spares = report.spares;
      kill();
    });
    assert.equal(signal, 'SIGKILL');
    assert.equal(spares.length, 1);
    await waitUntil(() => spares.every((pid) => !pidAlive(pid)), LONG, 'the orphaned spare to end');
  }, { timeout: LONG, only: { backends: ['process'], reason: 'a worker thread cannot outlive its process' } });
});
