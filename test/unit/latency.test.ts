// The latency tricks' switch (src/latency.ts) and the one guarded reader of a Node internal
// (handleFd in src/runtime.ts).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { handleFd } from '../../src/runtime.js';

const latency = fileURLToPath(new URL('../../src/latency.ts', import.meta.url));

// The module's exports as a process with `env` sees them (it reads the switch once, at import).
function constantsWith(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const script = `import(${JSON.stringify(latency)}).then((m) => console.log(JSON.stringify(m)))`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out) as Record<string, unknown>;
}

describe('latency tricks', { timeout: 120_000 }, () => {
  it('are on by default, and MPTS_LATENCY_TRICKS=0 turns every one off', () => {
    const on = constantsWith({ MPTS_LATENCY_TRICKS: undefined });
    assert.equal(on.latencyTricks, true);
    const tunings = Object.entries(on).filter(([name]) => name !== 'latencyTricks');
    assert.ok(tunings.length >= 4 && tunings.every(([, v]) => typeof v === 'number' && v > 0), JSON.stringify(on));
    const off = constantsWith({ MPTS_LATENCY_TRICKS: '0' });
    assert.deepEqual(off, { ...Object.fromEntries(tunings.map(([name]) => [name, 0])), latencyTricks: false });
    assert.equal(constantsWith({ MPTS_LATENCY_TRICKS: '1' }).latencyTricks, true);
  });
});

describe('handleFd', { timeout: 30_000 }, () => {
  it('reads the fd of a connected socket', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    const client = connect(port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    const peer = await accepted;
    try {
      const fds = [handleFd(client), handleFd(peer)];
      assert.ok(fds.every((fd) => Number.isInteger(fd) && fd! > 2), String(fds));
      assert.notEqual(fds[0], fds[1]);
    } finally {
      client.destroy();
      peer.destroy();
      server.close();
    }
  });

  it('is undefined where there is no such internal, or a strange one', () => {
    for (const stream of [null, undefined, {}, { _handle: null }, { _handle: { fd: -1 } }, { _handle: { fd: '3' } }, { _handle: { fd: 1.5 } }]) {
      assert.equal(handleFd(stream), undefined, JSON.stringify(stream));
    }
  });
});
