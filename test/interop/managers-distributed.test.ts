// The seed's distributed master/worker, both ways: our master with the seed's Python worker, the
// seed's Python master with our worker, and ours with ours. Ten tasks, every result right.
// The Python programs are examples/python/distributed/*.py (the seed, verbatim but for the
// address 127.0.0.1), run from a copy whose port 5000 is replaced by a free one.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertNoLeaks } from '../helpers/leaks.js';
import { pythons } from '../helpers/python.js';
import { HUGE } from '../helpers/timeouts.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const PYENV = { PYENV_VERSION: '3.11.7:3.12.1:3.13.0' };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Started {
  /** Resolves with the first line printed. */
  firstLine: Promise<string>;
  done: Promise<Run>;
}

function start(command: string, args: string[], port: number): Started {
  const env: NodeJS.ProcessEnv = { ...process.env, ...PYENV, MPTS_TASK_PORT: String(port), PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let resolveFirst!: (line: string) => void;
  const firstLine = new Promise<string>((resolve) => (resolveFirst = resolve));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (stdout.includes('\n')) resolveFirst(stdout.slice(0, stdout.indexOf('\n')));
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<Run>((resolve) => child.once('close', (code) => {
    resolveFirst('');
    resolve({ code, stdout, stderr });
  }));
  return { firstLine, done };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** examples/python/distributed/<name>.py with the port replaced, in `dir`. */
function pythonCopy(dir: string, name: string, port: number): string {
  const source = readFileSync(join(root, `examples/python/distributed/${name}.py`), 'utf8');
  assert.equal(source.match(/5000\)/g)?.length, 1, 'the seed names port 5000 once');
  const path = join(dir, `${name}.py`);
  writeFileSync(path, source.replace('5000)', `${port})`));
  return path;
}

const tsMaster = (port: number): Started => start(process.execPath, ['--conditions=multiprocessing-ts:source', '--import', 'tsx', 'examples/distributed/task_master.ts'], port);
const tsWorker = (port: number): Started => start(process.execPath, ['--conditions=multiprocessing-ts:source', '--import', 'tsx', 'examples/distributed/task_worker.ts'], port);

/** Both programs succeeded, and the master got n*n for each of its ten tasks, in order. */
function checkRuns(master: Run, worker: Run): void {
  const runs = `\n--- master (exit ${master.code}) ---\n${master.stdout}${master.stderr}\n--- worker (exit ${worker.code}) ---\n${worker.stdout}${worker.stderr}`;
  assert.equal(master.code, 0, `the master failed${runs}`);
  assert.equal(worker.code, 0, `the worker failed${runs}`);
  const tasks = [...master.stdout.matchAll(/^Put task (\d+)\.\.\.$/gm)].map((m) => Number(m[1]));
  const results = [...master.stdout.matchAll(/^Result: (\d+)\*(\d+)=(\d+)$/gm)].map((m) => [Number(m[1]), Number(m[2]), Number(m[3])]);
  assert.equal(tasks.length, 10, runs);
  assert.deepEqual(results.map(([a]) => a), tasks, `results in the order of the tasks${runs}`);
  for (const [a, b, product] of results) assert.ok(a === b && product === a! * b!, `wrong result ${a}*${b}=${product}${runs}`);
  assert.match(master.stdout, /Try get result\.\.\.\n[\s\S]*master exit\.\n$/, runs);
  assert.match(worker.stdout, /^Connect to server 127\.0\.0\.1\.\.\.\n/, runs);
  assert.deepEqual([...worker.stdout.matchAll(/^run task (\d+)\*\d+\.\.\.$/gm)].map((m) => Number(m[1])), tasks, runs);
  assert.match(worker.stdout, /worker exit\n$/, runs);
}

describe('the seed\'s distributed master and worker', { concurrency: true }, () => {
  after(assertNoLeaks);
  const dir = mkdtempSync(join(tmpdir(), 'mpts-distributed-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const python of pythons) {
    const skip = python.available ? false : `${python.name} not available`;
    it(`our master with the seed's Python worker (${python.name})`, { timeout: HUGE, skip }, async () => {
      const port = await freePort();
      const master = tsMaster(port);
      await master.firstLine; // listening: it prints after start()
      const worker = start(python.name, [pythonCopy(mkdtempSync(join(dir, 'w-')), 'task_worker', port)], port);
      checkRuns(await master.done, await worker.done);
    });

    it(`the seed's Python master (${python.name}) with our worker`, { timeout: HUGE, skip }, async () => {
      const port = await freePort();
      const master = start(python.name, [pythonCopy(mkdtempSync(join(dir, 'm-')), 'task_master', port)], port);
      await master.firstLine;
      const worker = tsWorker(port);
      checkRuns(await master.done, await worker.done);
    });
  }

  it('our master with our worker', { timeout: HUGE }, async () => {
    const port = await freePort();
    const master = tsMaster(port);
    await master.firstLine;
    const worker = tsWorker(port);
    checkRuns(await master.done, await worker.done);
  });
});
