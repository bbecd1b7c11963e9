// The addon's helpers that Node has no way to do itself: spinUntilReadable (under the manager
// server's serveForever) reports a socket that has data at once, and gives up after its time when
// none has; copyBytes (under the rings) copies exactly the range asked, shared memory or not.
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { hasNative, native } from '../../src/addon/binding.js';
import { SHORT } from '../helpers/timeouts.js';

const fdOf = (socket: Socket): number => (socket as unknown as { _handle: { fd: number } })._handle.fd;

describe('copyBytes', { skip: hasNative() ? false : 'the native addon is not built here' }, () => {
  it('copies the range asked between plain and shared buffers, and refuses ranges out of bounds', { timeout: SHORT }, () => {
    const shared = new Uint8Array(new SharedArrayBuffer(64 * 1024));
    const plain = Uint8Array.from({ length: 64 * 1024 }, (_, i) => i % 251);
    native().copyBytes(shared, 100, plain, 7, 50_000);
    assert.deepEqual(shared.subarray(100, 50_100), plain.subarray(7, 50_007));
    assert.equal(shared[99], 0);
    assert.equal(shared[50_100], 0);
    const back = new Uint8Array(60_000);
    native().copyBytes(back.subarray(10), 0, shared, 100, 50_000);
    assert.deepEqual(back.subarray(10, 50_010), plain.subarray(7, 50_007));
    assert.throws(() => native().copyBytes(back, 59_999, plain, 0, 2), TypeError);
    assert.throws(() => native().copyBytes(back, 0, plain, -1, 2), TypeError);
    assert.throws(() => native().copyBytes(back, 0, new Int32Array(4) as unknown as Uint8Array, 0, 1), TypeError);
  });
});

describe('spinUntilReadable', { skip: hasNative() ? false : 'the native addon is not built here' }, () => {
  it('is true as soon as one of the sockets has data, false after the time when none has', { timeout: SHORT }, async () => {
    const server = createServer();
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const client = connect(port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    const peer = await accepted;
    try {
      const fds = Int32Array.from([fdOf(peer)]);
      const t0 = performance.now();
      assert.equal(native().spinUntilReadable(fds, 5), false);
      assert.ok(performance.now() - t0 >= 5, 'gave up before its time');
      const arrived = new Promise((resolve) => peer.once('data', resolve));
      // A connected socket writes at once, so the data is pending before the event loop runs again.
      client.write('x');
      assert.equal(native().spinUntilReadable(fds, SHORT), true);
      await arrived;
      assert.equal(native().spinUntilReadable(new Int32Array(0), 1), false);
      assert.throws(() => native().spinUntilReadable([1] as unknown as Int32Array, 1), TypeError);
    } finally {
      client.destroy();
      peer.destroy();
      server.close();
    }
  });
});
