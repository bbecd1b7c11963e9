// The addon's spinUntilReadable, under the manager server's serveForever(): it reports a socket
// that has data at once, and gives up after its time when none has.
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { hasNative, native } from '../../src/shm/binding.js';
import { SHORT } from '../helpers/timeouts.js';

const fdOf = (socket: Socket): number => (socket as unknown as { _handle: { fd: number } })._handle.fd;

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
