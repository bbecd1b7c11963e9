// More shared memory than the machine can give is a MemoryError before anything is reserved
// (a memfd has no limit, and committing it brought the OOM killer), on every way of asking.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { MemoryError, RawArray, SharedArray, SharedMemory, ValueError } from 'multiprocessing-ts';
import { ourSegments } from '../helpers/leaks.js';
import { SHORT } from '../helpers/timeouts.js';

const isCode = (cls: new (...a: never[]) => Error, code: string) => (e: unknown): boolean => e instanceof cls && (e as { code?: string }).code === code;
const noMemory = isCode(MemoryError, 'ERR_MP_NO_MEMORY');

describe('MemoryError', () => {
  afterEach(() => {
    delete process.env.MPTS_SHM_MAX_BYTES;
  });

  it("SharedArray('d', 2 ** 32) (32 GiB) and a SharedMemory of 1 PiB are refused before anything is reserved", { timeout: SHORT }, () => {
    const before = process.memoryUsage().rss;
    assert.throws(() => SharedArray('d', 2 ** 32), noMemory);
    assert.throws(() => RawArray('b', 2 ** 50), noMemory);
    assert.throws(() => new SharedMemory({ create: true, size: 2 ** 50 }), noMemory);
    assert.ok(process.memoryUsage().rss - before < 64 << 20, 'memory was reserved');
    assert.deepEqual(ourSegments(), []);
  });

  it('MPTS_SHM_MAX_BYTES sets the limit; a bad value is a ValueError', { timeout: SHORT }, () => {
    process.env.MPTS_SHM_MAX_BYTES = String(64 * 1024);
    assert.throws(() => SharedArray('d', 16 * 1024), noMemory);
    assert.equal(SharedArray('d', 1024).length, 1024);
    process.env.MPTS_SHM_MAX_BYTES = 'lots';
    assert.throws(() => SharedArray('d', 16 * 1024), isCode(ValueError, 'ERR_MP_BAD_VALUE'));
  });
});
