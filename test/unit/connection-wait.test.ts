// connection.wait() and Listener.lastAccepted. CPython: wait and Listener.last_accepted in
// Lib/multiprocessing/connection.py; _TestListenerClient, _TestPoll in _test_multiprocessing.py.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client, Listener, wait } from 'multiprocessing-ts/connection';
import { SHORT } from '../helpers/timeouts.js';

describe('connection.wait and Listener.lastAccepted', () => {
  it('wait() resolves the connections that have a message (or their end), in the order given; [] when the time runs out', { timeout: SHORT }, async () => {
    await using listener = new Listener(['127.0.0.1', 0], { authkey: 'k' });
    await listener.ready();
    assert.equal(listener.lastAccepted, undefined);
    const [c1, s1] = await Promise.all([Client(listener.address, { authkey: 'k' }), listener.accept()]);
    const [c2, s2] = await Promise.all([Client(listener.address, { authkey: 'k' }), listener.accept()]);
    // (Connections compare by identity here: deepEqual would find any two alike.)
    const same = (got: unknown[], want: unknown[]): void => assert.ok(got.length === want.length && got.every((c, i) => c === want[i]), `${got.length} connections`);
    assert.deepEqual(listener.lastAccepted, ['127.0.0.1', c2.socket.localPort]);
    try {
      same(await wait([s1, s2], 20), []);
      const waiting = wait([s1, s2]);
      c2.send('two');
      same(await waiting, [s2]);
      c1.send('one');
      assert.equal(await s1.poll(5000), true);
      same(await wait([s1, s2], 0), [s1, s2]);
      assert.deepEqual([await s1.recv(), await s2.recv()], ['one', 'two']);
      // A recv already waiting and a wait() on the same connection are both woken.
      const receiving = s1.recv();
      const polled = wait([s1], 5000);
      c1.send('again');
      c1.send('more');
      assert.equal(await receiving, 'again');
      same(await polled, [s1]);
      assert.equal(await s1.recv(), 'more');
      c2.close();
      same(await wait([s1, s2], 5000), [s2]); // the end of a connection counts as ready
      same(await wait([]), []);
    } finally {
      for (const c of [c1, c2, s1, s2]) c.close();
    }
  });
});
