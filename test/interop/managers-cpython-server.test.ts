// The managers suite (test/suites/managers.suite.ts) with our client against CPython's own
// SyncManager server, on every installed CPython: every proxy method we offer, proved against the
// real thing. The server is `SyncManager.get_server().serve_forever()`, unchanged.
import { spawn } from 'node:child_process';
import { pythons } from '../helpers/python.js';
import { runManagerSuite } from '../suites/managers.suite.js';

const PYENV = { PYENV_VERSION: '3.11.7:3.12.1:3.13.0' };

const SERVER = `
import sys
from multiprocessing.managers import SyncManager
m = SyncManager(address=('127.0.0.1', 0), authkey=sys.argv[1].encode())
server = m.get_server()
print(server.address[1], flush=True)
server.serve_forever()
`;

for (const python of pythons) {
  runManagerSuite(`${python.name}'s server`, async () => {
    const authkey = 'cpython-suite';
    const child = spawn(python.name, ['-c', SERVER, authkey], { env: { ...process.env, ...PYENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.setEncoding('utf8').once('data', (line: string) => resolve(Number(line.trim())));
      void exited.then(() => reject(new Error(`${python.name} exited before listening: ${stderr}`)));
    });
    return {
      address: ['127.0.0.1', port],
      authkey,
      stop: async () => {
        child.kill();
        await exited;
      },
    };
  }, { skip: python.available ? false : `${python.name} not available` });
}
