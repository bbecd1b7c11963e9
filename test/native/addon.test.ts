// The addon's own safety: every argument is checked before it is cast (NaN, negative, fractional
// and huge numbers are TypeError/RangeError, never undefined behaviour), a mapping larger than its
// segment is an error instead of a SIGBUS on first touch, and a zombie is not alive.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { hasNative, native, WAIT_NOT_EQUAL, WAIT_OK, WAIT_TIMED_OUT } from '../../src/addon/binding.js';
import { SHORT } from '../helpers/timeouts.js';

const skip = hasNative() ? false : 'the native addon is not built here';
const isCode = (cls: new (...a: never[]) => Error, code: string) => (e: unknown): boolean => e instanceof cls && (e as { code?: string }).code === code;
const rangeError = isCode(RangeError, 'ERR_OUT_OF_RANGE');

function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2];
  } catch {
    return undefined;
  }
}

describe('the addon refuses bad numbers before casting them', { skip }, () => {
  it('sizes: NaN, 0, negative, fractional, past 2^53 and non-numbers', { timeout: SHORT }, () => {
    const b = native();
    assert.throws(() => b.memfdCreate(Number.NaN, 'x'), TypeError);
    assert.throws(() => b.memfdCreate('4096' as unknown as number, 'x'), TypeError);
    for (const size of [0, -1, 1.5, 2 ** 53, Infinity]) assert.throws(() => b.memfdCreate(size, 'x'), rangeError, `size ${size}`);
    assert.throws(() => b.shmCreate('/mpts-never', -4096, true), rangeError);
    assert.throws(() => b.mapFd(-1, 4096), rangeError);
    assert.throws(() => b.mapFd(0.5, 4096), rangeError);
  });

  it('timeouts: NaN is a TypeError, negative a RangeError, Infinity and anything too large for nanoseconds wait forever', { timeout: SHORT }, async () => {
    const b = native();
    const word = new Int32Array(new SharedArrayBuffer(8));
    assert.throws(() => b.futexWait(word, 0, 0, Number.NaN), TypeError);
    assert.throws(() => b.futexWait(word, 0, 0, -1), rangeError);
    assert.throws(() => b.futexWaitAsync(word, 0, 0, -5), rangeError);
    assert.throws(() => b.spinUntilReadable(new Int32Array(0), Number.NaN), TypeError);
    assert.equal(b.futexWait(word, 0, 1, Infinity), WAIT_NOT_EQUAL);
    assert.equal(b.futexWait(word, 0, 0, 0), WAIT_TIMED_OUT);
    // 1e300 ms would overflow a cast to nanoseconds: it means forever, so only a wake ends it.
    const forever = b.futexWaitAsync(word, 0, 0, 1e300);
    Atomics.store(word, 0, 1);
    b.futexWake(word, 0, 1);
    assert.equal(await forever, WAIT_OK);
  });

  it('indexes and counts: out of range, fractional, negative or NaN', { timeout: SHORT }, () => {
    const b = native();
    const word = new Int32Array(new SharedArrayBuffer(8));
    assert.throws(() => b.futexWait(word, 2, 0, 0), rangeError);
    assert.throws(() => b.futexWait(word, 0.5, 0, 0), rangeError);
    assert.throws(() => b.futexWait(word, -1, 0, 0), rangeError);
    assert.throws(() => b.futexWait(word, 0, 2 ** 31, 0), rangeError);
    assert.throws(() => b.futexWake(word, 0, -1), rangeError);
    assert.throws(() => b.futexWake(word, 0, Number.NaN), TypeError);
    assert.equal(b.futexWake(word, 0, Infinity), 0);
    assert.throws(() => b.processAlive(Number.NaN), TypeError);
    assert.throws(() => b.processStartTime(-3), rangeError);
    assert.throws(() => (b.futexWait as (...a: unknown[]) => unknown)(word, 0), TypeError);
  });
});

describe('mapFd checks the size against the segment', { skip }, () => {
  it('a size larger than the segment is an EINVAL error, not a SIGBUS on first touch; a smaller one maps', { timeout: SHORT }, () => {
    const b = native();
    const fd = process.platform === 'linux' ? b.memfdCreate(4096, 'mpts-test') : b.shmCreate(`/mpts_${process.pid}_test`, 4096, true);
    if (process.platform !== 'linux') b.shmUnlink(`/mpts_${process.pid}_test`);
    try {
      assert.throws(() => b.mapFd(fd, 8192), (e: unknown) => (e as { code?: string; syscall?: string }).code === 'EINVAL' && (e as { syscall?: string }).syscall === 'mmap');
      const half = new Uint8Array(b.mapFd(fd, 2048));
      half[2047] = 7;
      assert.equal(half[2047], 7);
      assert.equal(b.fdSize(fd), 4096);
    } finally {
      b.closeFd(fd);
    }
  });
});

describe('processAlive', { skip }, () => {
  const linuxOnly = process.platform === 'linux' ? false : 'reads /proc to see the zombie';
  it('a zombie (killed, not yet reaped because this thread is busy) is not alive, though kill(pid, 0) still finds it', { timeout: SHORT, skip: linuxOnly }, async () => {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    const pid = child.pid!;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    assert.equal(native().processAlive(pid), true);
    child.kill('SIGKILL');
    // Node reaps on the event loop, which this synchronous loop keeps from running.
    const deadline = performance.now() + 10_000;
    while (procState(pid) !== 'Z') assert.ok(performance.now() < deadline, 'the child did not become a zombie');
    assert.doesNotThrow(() => process.kill(pid, 0), 'kill(pid, 0) finds a zombie');
    assert.equal(native().processAlive(pid), false);
    await exited;
    assert.equal(native().processAlive(pid), false);
    assert.equal(native().processAlive(process.pid), true);
    assert.ok(native().processStartTime(process.pid) > 0);
  });
});
