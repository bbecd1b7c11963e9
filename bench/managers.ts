// managers: SyncManager proxy round trips over TCP loopback, ours against Python's, in one run.
//   managers-dict   `await d.set('k', i); await d.getItem('k')` on a DictProxy (Python: d['k'] = i; d['k'])
//   managers-queue  `await q.put(i); await q.get()` on a QueueProxy (Python: q.put(i); q.get())
//
// Each call is a request/reply round trip to the manager's server; a repetition is ROUNDS pairs of
// calls, one after the other, and the figure is µs per pair. As in Python (whose
// SyncManager.start() puts the server in a child process and uses the proxies in the main
// process), the server runs in a process of its own and the client in another, fresh one that
// times itself (anchors/node/manager-client.mjs; anchors/python/managers.py):
//   ours ↔ ours          our server (anchors/node/manager-server.mjs, forked), our client
//   python3 ↔ python3    SyncManager(address=('127.0.0.1', 0)).start() and its client (managers.py local)
//   ours → python3       our client, a Python SyncManager server (managers.py serve)
//   python3 → ours       a Python client (managers.py client) of our server
// and the floor under them: the same number of round trips of a small message to a bare TCP echo
// server, Node's event loop (anchors/node/tcp-echo.mjs) and Python's blocking socket (managers.py).
// Servers are started in setup with a random authkey; the proxies are made before the timing.

import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runCommand, type Case, type System } from './harness.js';
import { pythonRun, pythonSystem } from './python.js';

const ROUNDS = 1_000;
const STOP_MS = 5_000;

const benchDir = new URL(import.meta.url.includes('/bench/dist/') ? '../' : './', import.meta.url);
const serverScript = fileURLToPath(new URL('anchors/node/manager-server.mjs', benchDir));
const clientScript = fileURLToPath(new URL('anchors/node/manager-client.mjs', benchDir));
const echoScript = fileURLToPath(new URL('anchors/node/tcp-echo.mjs', benchDir));
const pythonScript = fileURLToPath(new URL('anchors/python/managers.py', benchDir));

type Op = 'dict' | 'queue';
type TcpAddress = [host: string, port: number];

/** A server process (ours or Python's): its address and how to stop it. */
interface ServerProcess {
  address: TcpAddress;
  stop(): Promise<void>;
}

/** Wait for `child` to exit, up to STOP_MS; then kill it (and, for a group leader, its group). */
async function ended(child: ChildProcess, group: boolean): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  const late = await Promise.race([exited.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), STOP_MS).unref())]);
  if (!late) return;
  try {
    if (group) process.kill(-child.pid!, 'SIGKILL');
    else child.kill('SIGKILL');
  } catch {
    // gone already
  }
  await exited;
}

/** The first of: `ready` resolves, or the child exits or fails to start (rejects). */
function readyOrExit<T>(child: ChildProcess, what: string, ready: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onExit = (code: number | null, signal: string | null): void => reject(new Error(`${what} exited with ${code ?? signal} before listening`));
    const onError = (err: Error): void => reject(err);
    child.once('exit', onExit);
    child.once('error', onError);
    ready.then(resolve, reject).finally(() => {
      child.off('exit', onExit);
      child.off('error', onError);
    });
  });
}

/** Our SyncManager server in a forked process; it serves until its IPC channel closes. */
async function ourServer(authkey: Uint8Array): Promise<ServerProcess> {
  const child = fork(serverScript, [Buffer.from(authkey).toString('hex')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const message = new Promise<{ address: TcpAddress }>((resolve) => child.once('message', (m) => resolve(m as { address: TcpAddress })));
  const { address } = await readyOrExit(child, 'our manager server', message);
  return {
    address,
    async stop() {
      if (child.connected) child.disconnect();
      await ended(child, false);
    },
  };
}

/** A Python SyncManager server (`managers.py serve`), in its own process group; it serves until its stdin closes. */
async function pythonServer(authkey: Uint8Array): Promise<ServerProcess> {
  const child = spawn('python3', [pythonScript, 'serve', '--authkey', Buffer.from(authkey).toString('hex')], { detached: true, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const first = new Promise<string>((resolve) => lines.once('line', resolve));
  const line = await readyOrExit(child, 'the Python manager server', first).catch(async (err: unknown) => {
    await ended(child, true);
    throw err;
  });
  const { address } = JSON.parse(line) as { address: TcpAddress };
  return {
    address,
    async stop() {
      lines.close();
      child.stdin!.end();
      await ended(child, true);
    },
  };
}


/** A Python client (`managers.py client`, timing itself) of our server, started in setup. */
function pythonClient(name: string, op: Op, extra: Partial<System>): System {
  let server: ServerProcess | undefined;
  let authkey: Uint8Array | undefined;
  const run = pythonRun('managers.py', 'client', () => [
    '--n', String(ROUNDS), '--ops', op,
    '--address', `${server!.address[0]}:${server!.address[1]}`, '--authkey', Buffer.from(authkey!).toString('hex'),
  ]);
  const system = pythonSystem(run, op, name, extra);
  return {
    ...system,
    async setup() {
      authkey = new Uint8Array(randomBytes(32));
      server = await ourServer(authkey);
    },
    async teardown() {
      await server?.stop();
    },
  };
}

// Node's JIT takes some 5,000 calls to settle on the client's and the server's paths (the first
// thousand run at half speed), so 8 warm-up repetitions of 1,000 pairs; Python's interpreter does
// not warm up, and gets the same.
/**
 * Our client in a process of its own (anchors/node/manager-client.mjs), timing itself, of a
 * server started in setup: as Python's client is timed in a fresh process, and as a client that
 * talks to two kinds of server in one process (or shares it with the other cases) sees its
 * optimised code slowed for both, which no real client does.
 */
function ourClient(name: string, op: Op, start: (authkey: Uint8Array) => Promise<ServerProcess>, extra: Partial<System>): System {
  let server: ServerProcess | undefined;
  let authkey: Uint8Array | undefined;
  return {
    name,
    kind: 'ours',
    ...extra,
    async setup() {
      authkey = new Uint8Array(randomBytes(32));
      server = await start(authkey);
    },
    async external(options) {
      const argv = [
        clientScript, '--n', String(ROUNDS), '--ops', op, '--reps', String(options.reps), '--warmup', String(options.warmup),
        '--address', `${server!.address[0]}:${server!.address[1]}`, '--authkey', Buffer.from(authkey!).toString('hex'),
      ];
      const out = JSON.parse(await runCommand(process.execPath, argv, options.timeout * 5)) as { systems: Record<string, { samples: number[] }> };
      return out.systems[op]?.samples ?? { skipped: 'the client printed no samples' };
    },
    async teardown() {
      await server?.stop();
    },
  };
}

/** The floor under a client and server on Node: as many round trips to a bare TCP echo server. */
const bareNodeEcho: System = {
  name: 'bare Node TCP echo',
  kind: 'anchor',
  async external(options) {
    const argv = [echoScript, '--n', String(ROUNDS), '--reps', String(options.reps), '--warmup', String(options.warmup)];
    const out = JSON.parse(await runCommand(process.execPath, argv, options.timeout * 5)) as { systems: Record<string, { samples: number[] }> };
    return out.systems.tcp?.samples ?? { skipped: 'the echo client printed no samples' };
  },
};

const repetitions = { reps: 20, warmup: 8, quick: { reps: 3, warmup: 4 } };

function systems(op: Op, what: string): System[] {
  const python = 'python3 ↔ python3';
  const local = pythonRun('managers.py', 'local', () => ['--n', String(ROUNDS), '--ops', `${op},tcp`]);
  return [
    ourClient('ours ↔ ours', op, ourServer, {
      baseline: python,
      target: 1,
      check: `${what} round trip over TCP loopback, our client and server no slower than Python's (ours ↔ ours vs python3 ↔ python3)`,
    }),
    pythonSystem(local, op, python),
    ourClient('ours client → python3 server', op, pythonServer, { baseline: python }),
    pythonClient('python3 client → ours server', op, { baseline: python }),
    { ...bareNodeEcho, baseline: 'bare python3 TCP echo' },
    pythonSystem(local, 'tcp', 'bare python3 TCP echo'),
  ];
}

const unit = (what: string) => ({ unit: `µs per ${what}`, of: (ms: number) => (ms * 1000) / ROUNDS, digits: 1 });

export const managersDict: Case = {
  name: 'managers-dict',
  description:
    `${ROUNDS.toLocaleString('en-US')} set + get pairs on a SyncManager dict proxy over TCP loopback, one call after the other (ours \`await d.set('k', i); await d.getItem('k')\`, Python \`d['k'] = i; d['k']\`: ` +
    "`__setitem__` then `__getitem__`, two request/reply round trips per pair), in µs per pair. The server runs in a process of its own, the client in the benchmark's (Python: `SyncManager(address=('127.0.0.1', 0)).start()`, proxies in the main process); the cross rows pair a client of one with a server of the other.",
  measure: unit('set+get'),
  repetitions,
  systems: systems('dict', 'dict-proxy set+get'),
};

export const managersQueue: Case = {
  name: 'managers-queue',
  description:
    `${ROUNDS.toLocaleString('en-US')} put + get pairs on a SyncManager Queue proxy over TCP loopback, one call after the other (ours \`await q.put(i); await q.get()\`, Python \`q.put(i); q.get()\`; ` +
    'two round trips per pair, the get never waits), in µs per pair; processes as in managers-dict.',
  measure: unit('put+get'),
  repetitions,
  systems: systems('queue', 'queue-proxy put+get'),
};

export const managerCases: Case[] = [managersDict, managersQueue];
