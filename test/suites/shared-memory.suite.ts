// SharedMemory: named segments, attached by name or passed to children; none left behind.
// CPython: _TestSharedMemory in Lib/test/_test_multiprocessing.py.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FileExistsError, FileNotFoundError, OSError, SharedMemory, ValueError } from 'multiprocessing-ts';
import { ourSegments, waitUntil } from '../helpers/leaks.js';
import { defineSuite } from '../helpers/suite.js';
import { LONG } from '../helpers/timeouts.js';

const holder = fileURLToPath(new URL('../fixtures/shm-holder.ts', import.meta.url));
const full = fileURLToPath(new URL('../fixtures/shm-full.ts', import.meta.url));

export default defineSuite({ area: 'SharedMemory', backends: ['process', 'thread'] }, ({ backend, ctx }, test) => {
  const { Process } = ctx;

  test('a child attaches by name or receives the object, and writes what the parent reads', async () => {
    const shm = new SharedMemory({ create: true, size: 4096 });
    try {
      assert.match(shm.name, /^mpts-\d+-[0-9a-f]{8}$/);
      assert.equal(shm.size, 4096);
      assert.ok(existsSync(`/dev/shm/${shm.name}`));
      shm.buf[0] = 7;
      const p = new Process({
        target: async (name: string, passed: SharedMemory) => {
          const { SharedMemory: Shm } = await import('multiprocessing-ts');
          const byName = new Shm({ name });
          byName.buf[1] = byName.buf[0]! + 1;
          passed.buf[2] = 9;
          byName.close();
        },
        args: [shm.name, shm],
      });
      p.start();
      await p.join();
      assert.equal(p.exitcode, 0);
      assert.deepEqual([...shm.buf.subarray(0, 3)], [7, 8, 9]);
    } finally {
      shm.close();
      shm.unlink();
    }
    assert.equal(shm.buf.length, 0);
    assert.deepEqual(ourSegments(), []);
  }); // CPython: _TestSharedMemory.test_shared_memory_basics

  test('wrong use is a clear error: attaching to a missing name, creating without a size', () => {
    assert.throws(() => new SharedMemory({ name: 'mpts-no-such-segment' }), (e: unknown) => (e as { code?: string }).code === 'ENOENT');
    assert.throws(() => new SharedMemory({ create: true }), (e: unknown) => e instanceof ValueError && /"size"/.test(e.message));
    assert.throws(() => new SharedMemory({ name: 'a/b' }), TypeError);
  });

  test("errors are Python's: FileNotFoundError for a missing name and a second unlink, FileExistsError for a taken one, with errno", () => {
    const isOSError = (cls: typeof OSError, code: string, errno: number, syscall: string) => (e: unknown): boolean =>
      e instanceof cls && e.code === code && e.errno === errno && e.syscall === syscall;
    assert.throws(() => new SharedMemory({ name: 'mpts-no-such-segment' }), isOSError(FileNotFoundError, 'ENOENT', 2, 'shm_open'));
    const shm = new SharedMemory({ create: true, size: 4096 });
    try {
      assert.throws(() => new SharedMemory({ name: shm.name, create: true, size: 4096 }), isOSError(FileExistsError, 'EEXIST', 17, 'shm_open'));
    } finally {
      shm.close();
      shm.unlink();
    }
    assert.throws(() => shm.unlink(), isOSError(FileNotFoundError, 'ENOENT', 2, 'shm_unlink'));
  });

  test('no room in /dev/shm is an OSError from posix_fallocate (ENOSPC), not a SIGBUS later', async (t) => {
    // A /dev/shm of 1 MiB in a mount namespace of its own (root only); the fixture asks for 2 MiB.
    const script = `mount -t tmpfs -o size=1m tmpfs /dev/shm && exec "$0" "$@"`;
    const run = spawnSync('unshare', ['-m', 'sh', '-c', script, process.execPath, ...process.execArgv, full], { encoding: 'utf8', timeout: LONG });
    if (run.status !== 0 && /unshare|mount/.test(run.stderr)) return t.skip(`no mount namespace here: ${run.stderr.trim()}`);
    assert.deepEqual(JSON.parse(run.stdout), { name: 'OSError', code: 'ENOSPC', syscall: 'posix_fallocate', errno: 28 });
  }, { timeout: LONG, only: { backends: ['process'], reason: 'the same call on either backend' } });

  test('a segment left by a program killed with SIGKILL is unlinked by the resource tracker', async () => {
    const name = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [...process.execArgv, holder, backend], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.setEncoding('utf8').once('data', (line: string) => {
        child.kill('SIGKILL');
        resolve(line.trim());
      });
      child.on('error', reject);
    });
    assert.match(name, /^mpts-/);
    await waitUntil(() => !existsSync(`/dev/shm/${name}`), 10_000, `/dev/shm/${name} to be unlinked`);
  }, { timeout: LONG });
});
