// multiprocessing-ts/connection against live CPython peers, both directions, each installed version.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthenticationError, Client, Listener, type Address } from 'multiprocessing-ts/connection';
import { Tuple, tuple } from '../../src/pickle/index.js';
import { pythons, runPython } from '../helpers/python.js';
import { LONG } from '../helpers/timeouts.js';

const pyClient = `
import sys
from multiprocessing.connection import Client
conn = Client(('127.0.0.1', int(sys.argv[1])), authkey=sys.argv[2].encode())
conn.send({'from': 'python', 'n': 2**70, 't': (1, 'a'), 'l': [None, True, 1.5], 'b': b'\\x00\\xff'})
got = conn.recv()
assert got == {'from': 'ts', 'n': -5, 't': (2, 'b'), 's': {1, 2}}, got
conn.send_bytes(b'raw bytes')
conn.close()
print('ok')
`;

const pyListener = `
import sys
from multiprocessing.connection import Listener
with Listener(('127.0.0.1', 0), authkey=sys.argv[1].encode()) as listener:
    print(listener.address[1], flush=True)
    with listener.accept() as conn:
        got = conn.recv()
        conn.send(('echo', got))
`;

describe('connection interop with CPython', () => {
  for (const python of pythons) {
    const skip = python.available ? false : `${python.name} not available`;

    it(`a ${python.name} Client talks to our Listener`, { timeout: LONG, skip }, async () => {
      await using listener = new Listener(['127.0.0.1', 0], { authkey: 'secret' });
      await listener.ready();
      const port = (listener.address as [string, number])[1];
      const py = runPython(python.name, pyClient, [String(port), 'secret']);
      const conn = await listener.accept();
      const got = (await conn.recv()) as Map<string, unknown>;
      assert.equal(got.get('from'), 'python');
      assert.equal(got.get('n'), 2n ** 70n);
      assert.ok(got.get('t') instanceof Tuple);
      assert.deepEqual([...(got.get('t') as Tuple)], [1, 'a']);
      assert.deepEqual(got.get('l'), [null, true, 1.5]);
      assert.deepEqual([...(got.get('b') as Uint8Array)], [0, 255]);
      conn.send(new Map<string, unknown>([['from', 'ts'], ['n', -5], ['t', tuple(2, 'b')], ['s', new Set([1, 2])]]));
      assert.equal(Buffer.from(await conn.recvBytes()).toString(), 'raw bytes');
      assert.equal((await py).trim(), 'ok');
      conn.close();
    });

    it(`our Client talks to a ${python.name} Listener`, { timeout: LONG, skip }, async () => {
      let resolvePort!: (port: number) => void;
      const portKnown = new Promise<number>((resolve) => (resolvePort = resolve));
      const { spawn } = await import('node:child_process');
      const child = spawn(python.name, ['-c', pyListener, 'secret'], { env: { ...process.env, PYENV_VERSION: '3.11.7:3.12.1:3.13.0' }, stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout.setEncoding('utf8').once('data', (line: string) => resolvePort(Number(line.trim())));
      const exited = new Promise((resolve) => child.on('close', resolve));
      const address: Address = ['127.0.0.1', await portKnown];
      const conn = await Client(address, { authkey: 'secret' });
      conn.send(tuple(1, 'two', 3.5));
      const reply = (await conn.recv()) as Tuple;
      assert.equal(reply[0], 'echo');
      assert.deepEqual([...(reply[1] as Tuple)], [1, 'two', 3.5]);
      conn.close();
      assert.equal(await exited, 0);
    });

    it(`a wrong authkey fails on both sides against ${python.name}`, { timeout: LONG, skip }, async () => {
      await using listener = new Listener(['127.0.0.1', 0], { authkey: 'secret' });
      await listener.ready();
      const port = (listener.address as [string, number])[1];
      const py = runPython(python.name, pyClient, [String(port), 'wrong']).then(
        () => 'connected',
        (err: Error) => (/AuthenticationError/.test(err.message) ? 'rejected' : err.message),
      );
      await assert.rejects(listener.accept(), (e: unknown) => e instanceof AuthenticationError && /digest received was wrong/.test(e.message));
      assert.equal(await py, 'rejected');
    });
  }

  it('refuses to listen beyond loopback without an authkey', () => {
    assert.throws(() => new Listener(['0.0.0.0', 0]), (e: unknown) => (e as { code?: string }).code === 'ERR_MP_NO_AUTHKEY');
  });
});
