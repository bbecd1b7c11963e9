// A private redis-server per test file, on a free loopback port, with no persistence; and
// `mpts worker` processes run from source. Files skip (with a notice) where redis-server is missing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Why the Redis tests skip here, or false when redis-server is installed. */
export const skipRedis: string | false =
  spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0 ? false : 'redis-server is not installed (apt-get install redis-server): skipping the Redis tests';
if (skipRedis !== false) console.warn(`NOTICE: ${skipRedis}`);

export const mptsCli = fileURLToPath(new URL('../../src/cli/mpts.ts', import.meta.url));
/** How to run a TypeScript file from source, as the test runner itself does. */
export const tsNode = ['--conditions=multiprocessing-ts:source', '--import', 'tsx'];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolve when `child` prints a line matching `pattern` on `stream`; reject if it exits first. */
export function waitForLine(child: ChildProcess, stream: 'stdout' | 'stderr', pattern: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      const match = text.split('\n').find((line) => pattern.test(line));
      if (match !== undefined) {
        cleanup();
        resolve(match);
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(`${what} exited (${signal ?? code}) before it was ready; output:\n${text}`));
    };
    const cleanup = (): void => {
      child[stream]?.off('data', onData);
      child.off('exit', onExit);
    };
    child[stream]?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Resolve with the exit code (or signal) once `child` has exited. */
export function exited(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? (child.signalCode as string));
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal as string))));
}

/** A redis-server of this test file. */
export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * Start a redis-server on a free loopback port; retried if another program takes the port first.
 * Listening also on the `also` addresses (beyond loopback), it requires a password, which `url` carries.
 */
export async function startRedis(also: string[] = []): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mpts-redis-'));
  const password = also.length > 0 ? randomBytes(16).toString('hex') : undefined;
  const auth = password === undefined ? [] : ['--requirepass', password];
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...also, ...auth, '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await waitForLine(child, 'stdout', /Ready to accept connections/, 'redis-server');
    } catch (err) {
      if (attempt < 3) continue;
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    child.stdout?.resume();
    child.stderr?.resume();
    return {
      url: `redis://${password === undefined ? '' : `:${password}@`}127.0.0.1:${port}`,
      async stop() {
        child.kill('SIGTERM');
        await exited(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

/** An `mpts worker` process, started and ready. */
export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** SIGTERM (finish running tasks), then wait for the exit. */
  stop(): Promise<number | string>;
}

/** Start `mpts worker` from source and wait until it serves; `urlFrom: 'env'` gives it the URL in MPTS_REDIS_URL. */
export async function startWorker(url: string, name: string, module: string, extra: string[] = [], urlFrom: 'argv' | 'env' = 'argv'): Promise<WorkerProcess> {
  const where = urlFrom === 'argv' ? { args: ['--redis', url], env: process.env } : { args: [], env: { ...process.env, MPTS_REDIS_URL: url } };
  const child = spawn(process.execPath, [...tsNode, mptsCli, 'worker', ...where.args, '--name', name, '--module', module, ...extra], { stdio: ['ignore', 'inherit', 'pipe'], env: where.env });
  await waitForLine(child, 'stderr', /mpts worker: pid \d+ serving/, 'mpts worker');
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  return {
    child,
    pid: child.pid as number,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited(child);
    },
  };
}
