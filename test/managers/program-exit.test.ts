// A program that starts a manager in-process ends when its work ends, as a Python program does
// (its manager process dies with it); serveForever() keeps a program alive until shutdown. The
// README's Managers snippet, run as written (on a free port instead of 5000), exits.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SyncManager } from 'multiprocessing-ts';
import { assertNoLeaks } from '../helpers/leaks.js';
import { LONG } from '../helpers/timeouts.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `source` as a TypeScript program of this package (it imports 'multiprocessing-ts'). It is
 * killed if it has not ended after `limit` ms: a program that never exits fails the test.
 */
async function runProgram(source: string, limit: number, onLine?: (line: string) => void): Promise<Ran> {
  // Inside the package, so that 'multiprocessing-ts' resolves to it.
  const dir = mkdtempSync(join(root, 'test', '.program-'));
  try {
    const file = join(dir, 'program.ts');
    writeFileSync(file, source);
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, ['--conditions=multiprocessing-ts:source', '--import', 'tsx', file], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      for (const line of chunk.split('\n')) if (line !== '') onLine?.(line);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), limit);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('close', (c, s) => resolve([c, s])));
    clearTimeout(timer);
    return { code, signal, stdout, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The first ```ts block of the README's Managers section. */
function readmeManagersSnippet(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Managers'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(match !== null, 'the README has a Managers snippet');
  return match[1] as string;
}

// Generous: a program's start-up (tsx compiling) on a loaded machine. A hang is what fails.
const EXIT_LIMIT = 30_000;

describe("a program's lifetime with an in-process manager", () => {
  after(assertNoLeaks);

  it("the README's Managers snippet, run as written, exits by itself", { timeout: LONG }, async () => {
    const snippet = readmeManagersSnippet();
    assert.match(snippet, /5000/);
    const ran = await runProgram(snippet.replace('5000', String(await freePort())), EXIT_LIMIT);
    assert.deepEqual([ran.code, ran.signal, ran.stderr], [0, null, ''], ran.stdout);
  });

  it('a program whose manager was started with start() or Manager(), and never shut down, exits at its end', { timeout: LONG }, async () => {
    const ran = await runProgram(`
import { Manager, SyncManager } from 'multiprocessing-ts';
const m = new SyncManager();
await m.start();
const d = await m.dict<string, number>();
await d.set('a', 1);
const q = await (await Manager()).Queue<number>();
await q.put(await d.getItem('a'));
console.log('got', await q.get({ timeout: 5000 }));
`, EXIT_LIMIT);
    assert.deepEqual([ran.code, ran.signal, ran.stdout.trim(), ran.stderr], [0, null, 'got 1', '']);
  });

  it('serveForever() keeps its program alive until a client asks the server to shut down', { timeout: LONG }, async () => {
    let resolvePort!: (port: number) => void;
    const port = new Promise<number>((resolve) => (resolvePort = resolve));
    const running = runProgram(`
import { SyncManager } from 'multiprocessing-ts';
const server = new SyncManager({ address: ['127.0.0.1', 0], authkey: 'forever' }).getServer();
const serving = server.serveForever();
await server.listen();
console.log((server.address as [string, number])[1]);
await serving;
console.log('served');
`, EXIT_LIMIT * 2, (line) => resolvePort(Number(line)));
    // Nothing else keeps that program alive: it is there to answer because serveForever() holds it.
    const client = new SyncManager({ address: ['127.0.0.1', await port], authkey: 'forever' });
    await client.connect();
    const d = await client.dict<string, string>();
    await d.set('alive', 'yes');
    assert.equal(await d.get('alive'), 'yes');
    await client.client.serverCall('shutdown');
    await client.shutdown();
    const ran = await running;
    assert.deepEqual([ran.code, ran.signal, ran.stderr], [0, null, '']);
    assert.match(ran.stdout, /served/);
  });
});
