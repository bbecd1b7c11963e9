// Children's stdout and stderr: inherited by default, or piped to the parent as streams, with a
// prefix on each line; a pool's workers meet on its stream only at whole lines.
// No Python twin (Python's children always inherit); like subprocess.Popen's stdout=PIPE.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ValueError, moduleTargets } from 'multiprocessing-ts';
import { defineSuite } from '../helpers/suite.js';
import { LONG } from '../helpers/timeouts.js';

const tasks = moduleTargets<typeof import('../fixtures/pool-observe-tasks.js')>(new URL('../fixtures/pool-observe-tasks.ts', import.meta.url));
const outputScript = fileURLToPath(new URL('../fixtures/output-program.ts', import.meta.url));

async function readAll(stream: Readable | null): Promise<string> {
  assert.ok(stream !== null, 'the stream is piped');
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

function isCode(cls: new (...a: never[]) => Error, code: string) {
  return (e: unknown): boolean => e instanceof cls && (e as { code?: string }).code === code;
}

export default defineSuite({ area: 'Child output', backends: ['process', 'thread'] }, ({ backend, ctx }, test) => {
  const { Pool, Process } = ctx;

  test("a Process's stdout and stderr as streams, and null when inherited", async () => {
    const p = new Process({
      target: () => {
        console.log('to stdout');
        console.error('to stderr');
      },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const [out, err] = [readAll(p.stdout), readAll(p.stderr)];
    p.start();
    await p.join();
    assert.equal(p.exitcode, 0);
    assert.equal(await out, 'to stdout\n');
    assert.equal(await err, 'to stderr\n');
    const inherited = new Process({ target: () => undefined });
    assert.equal(inherited.stdout, null);
    assert.equal(inherited.stderr, null);
  });

  test('a prefix on each line: true names the child, a string, or a function', async () => {
    const write = (): void => void process.stdout.write('one\ntwo\nthree without newline');
    const named = new Process({ target: write, name: 'Writer', stdout: 'pipe', prefix: true });
    const text = readAll(named.stdout);
    named.start();
    await named.join();
    assert.equal(await text, '[Writer] one\n[Writer] two\n[Writer] three without newline\n');
    const fixed = new Process({ target: write, stdout: 'pipe', prefix: '> ' });
    const fixedText = readAll(fixed.stdout);
    fixed.start();
    await fixed.join();
    assert.equal(await fixedText, '> one\n> two\n> three without newline\n');
    const byStream = new Process({ target: () => console.error('oops'), name: 'E', stderr: 'pipe', prefix: (name, stream) => `${name}/${stream}: ` });
    const errText = readAll(byStream.stderr);
    byStream.start();
    await byStream.join();
    assert.equal(await errText, 'E/stderr: oops\n');
  });

  test("a pool's workers share one stream, whole prefixed lines at a time", async () => {
    const pool = new Pool(2, { stdout: 'pipe', stderr: 'pipe', prefix: true });
    const [out, err] = [readAll(pool.stdout), readAll(pool.stderr)];
    // Each line is written in 4 pieces with a turn of the event loop between them, by 4 tasks at once.
    const counts = await Promise.all(['a', 'b', 'c', 'd'].map((tag) => pool.apply(tasks.chatter, [tag, 10, 4])));
    assert.deepEqual(counts, [10, 10, 10, 10]);
    pool.close();
    await pool.join();
    const lines = (await out).split('\n');
    assert.equal(lines.pop(), '', 'the stream ends with a whole line');
    assert.equal(lines.length, 40);
    const next = new Map<string, number>();
    for (const line of lines) {
      const m = /^\[PoolWorker-\d+-\d+\] ([a-d]) line (\d+) x{40}$/.exec(line);
      assert.ok(m !== null, `a whole, prefixed line: ${JSON.stringify(line)}`);
      const [, tag = '', n = ''] = m;
      assert.equal(Number(n), next.get(tag) ?? 0, `the lines of task ${tag} in order`);
      next.set(tag, Number(n) + 1);
    }
    assert.deepEqual((await err).split('\n').filter(Boolean).map((l) => l.replace(/^\[PoolWorker-\d+-\d+\] /, '')).sort(), ['a done', 'b done', 'c done', 'd done']);
  }, { timeout: LONG });

  test('prefixed lines of an inheriting pool go to the parent’s own stdout', async () => {
    const child = spawn(process.execPath, [...process.execArgv, outputScript, backend], { stdio: ['ignore', 'pipe', 'ignore'] });
    const out = readAll(child.stdout);
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0);
    const lines = (await out).split('\n').filter(Boolean);
    assert.deepEqual(lines.filter((l) => l.startsWith('main:')), ['main: done']);
    const worker = lines.filter((l) => !l.startsWith('main:'));
    assert.equal(worker.length, 6);
    for (const line of worker) assert.match(line, /^\[PoolWorker-\d+-\d+\] [xy] line \d x{40}$/);
  }, { timeout: LONG });

  test('bad output options are a TypeError or a ValueError with a code', () => {
    const badValue = isCode(ValueError, 'ERR_MP_BAD_VALUE');
    const badType = isCode(TypeError, 'ERR_INVALID_ARG_TYPE');
    assert.throws(() => new Process({ target: () => undefined, stdout: 'file' as 'pipe' }), badValue);
    assert.throws(() => new Process({ target: () => undefined, stderr: 1 as unknown as 'pipe' }), badType);
    assert.throws(() => new Process({ target: () => undefined, prefix: 5 as unknown as string }), badType);
    assert.throws(() => new Pool(1, { stdout: 'null' as 'pipe' }), badValue);
    assert.throws(() => new Pool(1, { prefix: {} as unknown as string }), badType);
  });
});
