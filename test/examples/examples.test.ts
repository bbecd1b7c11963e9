// Each example twin prints what its Python original prints: both programs run side by side and
// their outputs are compared after normalising what differs from run to run (pids, timings).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertNoLeaks } from '../helpers/leaks.js';
import { LONG } from '../helpers/timeouts.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Pair {
  /** examples/<name>.ts is the twin of examples/python/<name>.py. */
  name: string;
  /** How many lines come first, in this order, in both outputs: the main process's lines before it starts a child. */
  first: number;
  /** How many lines come last, in this order: the main process's lines after it has joined every child. */
  last: number;
}

// Order across processes is not deterministic, so the outputs are compared as sorted lists of
// lines; `first` and `last` check the order that is guaranteed. A child's lines can come before
// the main process's lines that follow start(), and the seeds that do not join have no `last`.
const pairs: Pair[] = [
  { name: 'fork', first: 1, last: 0 },
  { name: 'process-start', first: 1, last: 0 },
  { name: 'process-five-children', first: 1, last: 0 },
  { name: 'process-join', first: 2, last: 1 },
  { name: 'process-join-2', first: 2, last: 1 },
  { name: 'current-process', first: 0, last: 0 },
  { name: 'process-is-alive', first: 2, last: 1 },
  // The child's line comes before the three lines the parent prints after join().
  { name: 'process-attributes', first: 0, last: 4 },
  {
    name: 'process-subclass',
    first: 2,
    last: 1,
  },
  // No join(): the parent's last line comes last only because it sleeps 10 s and the child 2 s.
  { name: 'process-subclass-download', first: 1, last: 0 },
];

interface Run {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runProgram(command: string, args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONIOENCODING: 'utf-8' };
  delete env.NODE_TEST_CONTEXT; // the example is a program, not a test file of this run
  delete env.PYTHONUNBUFFERED; // see pythonLineBuffered
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    // 'close' comes after every process holding the pipes (children included) has let go of them.
    child.once('close', (code, signal) => resolve({ pid: child.pid ?? -1, code, signal, stdout, stderr }));
  });
}

// Python writes to a pipe in 8 KiB blocks, and os.fork() copies the unwritten block into the child,
// which would print "Main Process" twice; unbuffered (`python3 -u`, or PYTHONUNBUFFERED in the
// environment) it writes each piece of a print() on its own, so that another process's line can
// land inside it. The seeds were run in a terminal, which is line-buffered: so is this, through a
// wrapper that runs the file as __main__ exactly as `python3 <file>` does.
const pythonLineBuffered =
  "import runpy, sys; sys.stdout.reconfigure(line_buffering=True); sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')";

function runPython(name: string): Promise<Run> {
  return runProgram('python3', ['-c', pythonLineBuffered, `examples/python/${name}.py`]);
}

function runTwin(name: string): Promise<Run> {
  return runProgram(process.execPath, ['--conditions=source', '--import', 'tsx', `examples/${name}.ts`]);
}

/**
 * The output's lines with what changes from run to run replaced, by these rules, in order:
 * 1. the main process's pid (known: we started it) → `<main>`, so "my parent is <main>" is checked;
 * 2. seconds with a fraction (`1.00`, `2.003839`; not the `%0.2f` a seed prints as is) → `<t>`;
 * 3. any other number of 3 digits or more → `<pid>` (a child's pid; the seeds print no other such number);
 * 4. the name of the main script's module in a child → `<main module in child>`: Python's fork
 *    start method (Linux's default before 3.14) runs the target in `__main__` itself, the spawn
 *    method re-imports the script as `__mp_main__`, and our children do as spawn does.
 */
function normalise(run: Run): string[] {
  const lines = run.stdout.replace(/\n$/, '').split('\n');
  return lines.map((line) =>
    line
      .replace(new RegExp(`\\b${run.pid}\\b`, 'g'), '<main>')
      .replace(/(?<![%\d.])\d+\.\d+/g, '<t>')
      .replace(/\d{3,}/g, '<pid>')
      .replace(/^模块名称: __(mp_)?main__$/, '模块名称: <main module in child>'),
  );
}

/** How many different child pids the output shows (each child prints its own). */
function childPidCount(run: Run): number {
  const numbers = run.stdout.replace(/(?<![%\d.])\d+\.\d+/g, '').match(/\d{3,}/g) ?? [];
  return new Set(numbers.filter((n) => n !== String(run.pid))).size;
}

function describeRuns(python: Run, twin: Run): string {
  return `\n--- python (exit ${python.code}) ---\n${python.stdout}${python.stderr}\n--- twin (exit ${twin.code}) ---\n${twin.stdout}${twin.stderr}`;
}

describe('examples: each TypeScript twin prints what its Python original prints', { concurrency: true }, () => {
  after(assertNoLeaks);

  for (const pair of pairs) {
    it(`${pair.name}.ts matches examples/python/${pair.name}.py`, { timeout: LONG }, async () => {
      const [python, twin] = await Promise.all([runPython(pair.name), runTwin(pair.name)]);
      const runs = describeRuns(python, twin);

      assert.equal(python.code, 0, `the Python original failed${runs}`);
      assert.equal(twin.code, 0, `the twin failed${runs}`);
      assert.equal(python.stderr, '', `the Python original wrote to stderr${runs}`);
      assert.equal(twin.stderr, '', `the twin wrote to stderr${runs}`);

      const expected = normalise(python);
      const actual = normalise(twin);

      assert.deepEqual([...actual].sort(), [...expected].sort(), `the twin prints other lines than Python${runs}`);
      assert.deepEqual(actual.slice(0, pair.first), expected.slice(0, pair.first), `the first lines differ in order${runs}`);
      assert.deepEqual(actual.slice(actual.length - pair.last), expected.slice(expected.length - pair.last), `the last lines differ in order${runs}`);
      assert.equal(childPidCount(twin), childPidCount(python), `the twin shows another number of child processes${runs}`);
    });
  }
});
