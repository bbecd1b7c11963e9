// CPython's own manager tests against our server. Every installed CPython runs the manager
// classes of its own test suite (test._test_multiprocessing from its stdlib: the WithManagerTest*
// classes install_tests_in_module_dict builds, TestSyncManagerTypes, TestInitializers and, where
// it exists, TestManagerExceptions) twice: against Python's own manager (the control) and against
// a SyncManager server of ours hosted by this test, with nothing patched but how the test classes
// get their manager (test/fixtures/cpython_manager_suite.py). Ours must pass every test the
// control passes, except the by-design exclusions below, and leave no object at any shutdown.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { SyncManager } from 'multiprocessing-ts';
import type { Server } from '../../src/managers/server.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { pythons } from '../helpers/python.js';
import { HUGE } from '../helpers/timeouts.js';

const DRIVER = fileURLToPath(new URL('../fixtures/cpython_manager_suite.py', import.meta.url));
const PYENV = { PYENV_VERSION: '3.11.7:3.12.1:3.13.0' };
/** Seconds one CPython test may take (its slowest, the barrier and pool ones, take about 3 s). */
const TEST_LIMIT = 30;

/**
 * Tests that cannot pass against a TypeScript server by design, with why. Matched against the
 * test id without its module (`WithManagerTestPool.test_map`); `*` ends a prefix.
 */
const EXCLUSIONS: Record<string, string> = {
  'WithManagerTestPool.*': 'manager.Pool runs Python functions in a Python process pool: a TypeScript server cannot run a Python callable',
  'TestSyncManagerTypes.test_pool': 'manager.Pool: a TypeScript server cannot run Python callables',
  'WithManagerTestBarrier.test_action': 'Barrier(action=...): the action is a Python callable',
};

interface Outcome {
  outcome: 'pass' | 'fail' | 'error' | 'skip' | 'timeout';
  detail: string;
}

interface Report {
  python: string;
  mode: 'ours' | 'control';
  seconds: number;
  outcomes: Record<string, Outcome>;
  timings: Record<string, number>;
  warnings: { test: string | null; message: string }[];
}

interface Run {
  report: Report;
  /** The tail of the suite's verbose log (stderr). */
  log: string;
  /** The tests that started a server of ours the suite never shut down. */
  unclosed: string[];
  serverLog: string[];
}

function shortId(id: string): string {
  return id.slice(id.indexOf('.') + 1);
}

function exclusionOf(id: string): string | undefined {
  const short = shortId(id);
  for (const [pattern, reason] of Object.entries(EXCLUSIONS)) {
    if (pattern.endsWith('*') ? short.startsWith(pattern.slice(0, -1)) : short === pattern) return reason;
  }
  return undefined;
}

/** Run the suite once with `python`, against Python's manager or ours. */
async function runSuite(python: string, mode: 'ours' | 'control'): Promise<Run> {
  // Its own working directory: some tests make files there, and the runs go in parallel.
  const dir = mkdtempSync(join(tmpdir(), 'mpts-cpython-'));
  const child = spawn(python, [DRIVER, mode, String(TEST_LIMIT), ...Object.keys(EXCLUSIONS)], {
    cwd: dir,
    env: { ...process.env, ...PYENV, PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    log = (log + chunk).slice(-200_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  const control = child.stdio[3] as Socket;
  const servers = new Set<{ server: Server; test: string; closed: boolean }>();
  const serverLog: string[] = [];
  let report: Report | undefined;
  try {
    for await (const line of createInterface({ input: control })) {
      if (line.startsWith('new ')) {
        const [, key, test] = line.split(' ');
        // A Unix socket, as Python's Manager() uses on Linux (over TCP, CPython's client waits
        // for delayed ACKs: 40 ms per new connection, whichever server it talks to).
        const address = join(dir, `m${servers.size}.sock`);
        const m = new SyncManager({ address, authkey: Buffer.from(key as string, 'hex'), log: (message) => serverLog.push(`${test}: ${message}`) });
        const server = m.getServer();
        const entry = { server, test: test as string, closed: false };
        servers.add(entry);
        void server.serveForever().then(() => (entry.closed = true));
        await server.listen();
        control.write(`${address}\n`);
      } else if (line.startsWith('done ')) {
        report = JSON.parse(line.slice(5)) as Report;
      }
    }
    const code = await exited;
    assert.ok(report !== undefined, `${python} (${mode}) exited with ${code} without a report:\n${log.slice(-20_000)}`);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  const unclosed: string[] = [];
  for (const { server, test, closed } of servers) {
    if (!closed) unclosed.push(test);
    await server.close();
  }
  rmSync(dir, { recursive: true, force: true });
  // For a look at every outcome and timing: MPTS_CPYTHON_REPORTS=<dir>.
  const reports = process.env.MPTS_CPYTHON_REPORTS;
  if (reports !== undefined) writeFileSync(join(reports, `${python}-${mode}.json`), JSON.stringify(report, null, 1));
  return { report, log, unclosed, serverLog };
}

function passed(report: Report): Set<string> {
  return new Set(Object.entries(report.outcomes).filter(([, o]) => o.outcome === 'pass').map(([id]) => id));
}

function leftovers(report: Report): string[] {
  const out: string[] = [];
  report.warnings.forEach((w, i) => {
    if (w.message.startsWith('Shared objects which still exist')) out.push(`${w.test}: ${w.message}\n${report.warnings[i + 1]?.message ?? ''}`);
  });
  return out;
}

describe("CPython's manager tests against our manager server", { concurrency: true }, () => {
  after(assertNoLeaks);

  for (const python of pythons) {
    const skip = python.available ? false : `${python.name} not available`;
    it(`${python.name}: ours passes every test Python's own manager passes (but the exclusions), with no object left at shutdown`, { timeout: HUGE * 2, skip }, async () => {
      const [control, ours] = await Promise.all([runSuite(python.name, 'control'), runSuite(python.name, 'ours')]);
      const excluded = Object.keys(ours.report.outcomes).filter((id) => exclusionOf(id) !== undefined);
      const controlPassed = passed(control.report);
      const oursPassed = passed(ours.report);
      const missing = [...controlPassed].filter((id) => !oursPassed.has(id) && exclusionOf(id) === undefined);
      const describeMissing = missing.map((id) => `--- ${id}: ${ours.report.outcomes[id]?.outcome ?? 'not run'}\n${ours.report.outcomes[id]?.detail ?? ''}`).join('\n');
      const nowPassing = excluded.filter((id) => oursPassed.has(id));
      console.log(`# ${python.name} ${ours.report.python}: control ${controlPassed.size} passed in ${control.report.seconds} s; ours ${oursPassed.size} passed in ${ours.report.seconds} s; ${excluded.length} excluded by design${nowPassing.length > 0 ? ` (${nowPassing.length} of them pass: ${nowPassing.join(', ')})` : ''}`);
      assert.deepEqual(missing, [], `tests the control passes and ours does not:\n${describeMissing}\n\nserver log:\n${ours.serverLog.join('\n')}`);
      assert.deepEqual(leftovers(ours.report), [], 'objects left on our server at shutdown');
      // (A class whose setUpClass fails, as the Pool tests' does here, never shuts its manager down.)
      assert.deepEqual(ours.unclosed.filter((test) => exclusionOf(test) === undefined), [], 'servers the suite did not shut down');
    });
  }
});
