// The manager server under hostile or broken input: wrong keys, malformed and oversized frames,
// unknown opcodes, refused globals (os.system), thousands of mutated captured frames, and many
// clients at once. A connection whose frames break is dropped alone, with a logged reason; a
// request that cannot be read gets an error reply; everyone else is still served. Also: the captured CPython requests decode, and our replies match CPython's bytes.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AuthenticationError, DictProxy, RemoteError, SyncManager } from 'multiprocessing-ts';
import { Client, type Address } from '../../src/connection/listener.js';
import { frameHeader } from '../../src/connection/framing.js';
import { unwrapReply } from '../../src/managers/client.js';
import { dumps, loads, PyException, Tuple, tuple } from '../../src/pickle/index.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { HUGE, LONG, SHORT } from '../helpers/timeouts.js';

interface Frame { seq: number; conn: number; dir: 'c2s' | 's2c'; step: string; phase: string; hex: string }
const load = (name: string): Frame[] => (JSON.parse(readFileSync(new URL(`../fixtures/vectors/${name}.json`, import.meta.url), 'utf8')) as { frames: Frame[] }).frames;
const captures = ['queue_roundtrip', 'syncmanager', 'custom_calc'].map((name) => ({ name, frames: load(name) }));
const requests = captures.flatMap((c) => c.frames.filter((f) => f.dir === 'c2s' && f.phase === 'request'));
const replies = captures.flatMap((c) => c.frames.filter((f) => f.dir === 's2c' && f.phase === 'reply'));

/** A server whose log lines are kept, to check that each drop says why. */
async function loggedManager(options: { maxFrameBytes?: number } = {}): Promise<{ m: SyncManager; logged: string[]; address: Address }> {
  const logged: string[] = [];
  const m = new SyncManager({ authkey: 'key', log: (line) => logged.push(line), ...options });
  await m.start();
  return { m, logged, address: m.address };
}

/** Authenticate, write `bytes` raw, half-close; resolves once the server has closed the connection. */
async function sendRaw(address: Address, bytes: Uint8Array, authkey = 'key'): Promise<void> {
  const conn = await Client(address, { authkey });
  const socket = conn.socket;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined); // the server may reset a connection it drops
  socket.end(bytes);
  await closed;
}

function frame(payload: Uint8Array): Uint8Array {
  return Buffer.concat([frameHeader(payload.length), payload]);
}

async function stillServes(m: SyncManager): Promise<void> {
  const d = await m.dict<string, string>();
  await d.set('k', 'v');
  assert.equal(await d.get('k'), 'v');
  await d.decref();
}

describe('captured CPython traffic', () => {
  it('every captured request decodes to (ident, method, args, kwds), every reply to (kind, payload)', { timeout: SHORT }, () => {
    assert.ok(requests.length > 100 && replies.length > 100);
    for (const f of requests) {
      const r = loads(Buffer.from(f.hex, 'hex'));
      assert.ok(r instanceof Tuple && r.length === 4 && typeof r[1] === 'string' && Array.isArray(r[2]) && r[3] instanceof Map, `seq ${f.seq}`);
    }
    for (const f of replies) {
      // A #GETVALUE of a __main__ object names a class no allowlist knows: refused, as the spec says.
      let r: unknown;
      try {
        r = loads(Buffer.from(f.hex, 'hex'));
      } catch (err) {
        assert.ok(f.hex.includes(Buffer.from('__main__').toString('hex')) && /not in the allowlist/.test(String(err)), `seq ${f.seq}: ${String(err)}`);
        continue;
      }
      assert.ok(r instanceof Tuple && r.length === 2 && typeof r[0] === 'string', `seq ${f.seq}`);
      const kind = r[0] as string;
      try {
        unwrapReply(r, ['127.0.0.1', 1]);
      } catch (err) {
        assert.ok(err instanceof Error && ['#ERROR', '#TRACEBACK', '#UNSERIALIZABLE'].includes(kind), `seq ${f.seq}: ${String(err)}`);
      }
    }
  });

  it('our replies are byte-identical to CPython\'s: #RETURN None, and #ERROR queue.Empty', { timeout: SHORT }, () => {
    assert.equal(Buffer.from(dumps(tuple('#RETURN', null))).toString('hex'), '8004950e000000000000008c072352455455524e944e86942e');
    const empty = requests.length > 0 ? load('queue_roundtrip').find((f) => f.dir === 's2c' && f.hex.includes(Buffer.from('Empty').toString('hex'))) : undefined;
    assert.ok(empty !== undefined);
    assert.equal(Buffer.from(dumps(tuple('#ERROR', new PyException('queue.Empty', [])))).toString('hex'), empty.hex);
  });
});

describe('the server drops bad connections alone, and says why', () => {
  after(assertNoLeaks);

  it('a wrong authkey: AuthenticationError for the client, a closed connection, a logged reason', { timeout: SHORT }, async () => {
    const { m, logged, address } = await loggedManager();
    try {
      const intruder = new SyncManager({ address, authkey: 'wrong' });
      await assert.rejects(intruder.connect(), AuthenticationError);
      await stillServes(m);
      assert.ok(logged.some((line) => /digest received was wrong/.test(line)), logged.join('\n'));
    } finally {
      await m.shutdown();
    }
  });

  it('negative, oversized and truncated frames, garbage, unknown opcodes and requests of the wrong shape', { timeout: SHORT }, async () => {
    const { m, logged, address } = await loggedManager({ maxFrameBytes: 4096 });
    try {
      const cases: [string, Uint8Array, RegExp][] = [
        ['negative length', Buffer.from('fffffffe', 'hex'), /negative length/],
        ['oversized', Buffer.concat([frameHeader(5000), Buffer.alloc(100)]), /longer than the 4096 allowed/],
        ['huge 64-bit length', Buffer.from('ffffffff00000001000000000000', 'hex'), /longer than|announced/],
        ['truncated', Buffer.concat([frameHeader(100), Buffer.alloc(10)]), /middle of a message/],
        ['not a pickle', frame(Buffer.from('hello, manager')), /pickle|opcode|memo/i],
        ['unknown opcode', frame(Buffer.from('8004ff2e', 'hex')), /opcode|load key/i],
        ['a pickle that is not a request', frame(dumps(42)), /malformed request/],
        ['unknown server function', frame(dumps(tuple(null, 'rm_rf', tuple(), new Map()))), /./],
      ];
      for (const [name, bytes, reason] of cases) {
        const before = logged.length;
        await sendRaw(address, bytes);
        if (name !== 'unknown server function') assert.ok(logged.slice(before).some((line) => reason.test(line)), `${name}: ${logged.slice(before).join('\n')}`);
        await stillServes(m);
      }
    } finally {
      await m.shutdown();
    }
  });

  it('a pickle naming os.system is refused and never executed; a first request refused ends its connection', { timeout: SHORT }, async () => {
    const { m, logged, address } = await loggedManager();
    const dir = mkdtempSync(join(tmpdir(), 'mpts-pwn-'));
    const marker = join(dir, 'pwned');
    try {
      const command = `touch ${marker}`;
      const cmd = Buffer.from(command);
      // Protocol 4: os.system(command) as the whole request, and as an argument of a real request.
      const p4 = Buffer.concat([
        Buffer.from('80048c026f73948c0673797374656d9493948c', 'hex'), Buffer.from([cmd.length]), cmd, Buffer.from('948594529494', 'hex'), Buffer.from('2e', 'hex'),
      ]);
      // Protocol 0 (text GLOBAL), the classic exploit.
      const p0 = Buffer.from(`cos\nsystem\n(V${command}\ntR.`);
      // Nested: (None, 'create', ('dict', os.system(cmd)), {})
      const nested = Buffer.concat([
        Buffer.from('80044e8c066372656174659428', 'hex').subarray(0, 2), Buffer.from('284e8c06637265617465948c0464696374948c026f73948c0673797374656d94939494', 'hex'),
        Buffer.from('8c', 'hex'), Buffer.from([cmd.length]), cmd, Buffer.from('94859452948694', 'hex'), Buffer.from('7d9474942e', 'hex'),
      ]);
      for (const payload of [p4, p0, nested]) {
        assert.throws(() => loads(payload), /os\.system|not allowed|refus/i);
        const before = logged.length;
        await sendRaw(address, frame(payload));
        assert.ok(logged.slice(before).some((line) => /os\.system|not allowed|refus/i.test(line)), logged.slice(before).join('\n'));
      }
      assert.equal(existsSync(marker), false, 'os.system ran');
      await stillServes(m);
    } finally {
      await m.shutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a request that cannot be read on a persistent connection gets a #TRACEBACK, and that connection goes on (as CPython's serve_client)", { timeout: SHORT }, async () => {
    const { m, logged, address } = await loggedManager();
    const dir = mkdtempSync(join(tmpdir(), 'mpts-pwn-'));
    const marker = join(dir, 'pwned');
    const conn = await Client(address, { authkey: 'key' });
    try {
      const d = await m.dict<string, string>();
      conn.send(tuple(null, 'accept_connection', tuple('MainProcess'), new Map()));
      assert.equal(unwrapReply(await conn.recv(), address), null);
      const requests = [
        Buffer.from(`cos\nsystem\n(Vtouch ${marker}\ntR.`), // a refused global
        Buffer.from('8004ff2e', 'hex'), // an unknown opcode
        dumps(tuple('not', 'a request')), // the wrong shape
      ];
      for (const bytes of requests) {
        const before = logged.length;
        conn.sendBytes(bytes);
        const reply = loads(await conn.recvBytes());
        assert.throws(() => unwrapReply(reply, address), (e: unknown) => e instanceof RemoteError && e.code === 'ERR_MP_REMOTE');
        assert.ok(logged.slice(before).some((line) => /refused a request/.test(line)), logged.slice(before).join('\n'));
        // The same connection is still served.
        conn.send(tuple(d.token.id, '__setitem__', tuple('k', 'v'), new Map()));
        assert.equal(unwrapReply(await conn.recv(), address), null);
      }
      assert.equal(await d.get('k'), 'v');
      assert.equal(existsSync(marker), false, 'os.system ran');
    } finally {
      conn.close();
      await m.shutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Deterministic pseudo-random numbers, so that a failure can be replayed.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

function mutate(random: () => number, base: Buffer): Buffer {
  const b = Buffer.from(base);
  const pick = (n: number): number => Math.floor(random() * n);
  switch (pick(6)) {
    case 0: // flip bits
      for (let i = 0, n = 1 + pick(4); i < n && b.length > 0; i++) b[pick(b.length)]! ^= 1 << pick(8);
      return b;
    case 1: // random bytes here and there
      for (let i = 0, n = 1 + pick(4); i < n && b.length > 0; i++) b[pick(b.length)] = pick(256);
      return b;
    case 2: // cut short
      return b.subarray(0, pick(b.length));
    case 3: { // insert garbage
      const at = pick(b.length + 1);
      return Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + pick(8) }, () => pick(256))), b.subarray(at)]);
    }
    case 4: { // duplicate a slice
      const at = pick(b.length);
      return Buffer.concat([b.subarray(0, at), b.subarray(at, at + pick(16)), b.subarray(at)]);
    }
    default: // random bytes after a PROTO
      return Buffer.concat([Buffer.from([0x80, 2 + pick(4)]), Buffer.from(Array.from({ length: pick(40) }, () => pick(256)))]);
  }
}

describe('fuzz and load', () => {
  after(assertNoLeaks);

  it('10,000 random and mutated frames (from the captures), each on its own connection; then a good client is served', { timeout: HUGE }, async () => {
    const { m, logged, address } = await loggedManager({ maxFrameBytes: 64 * 1024 });
    try {
      const random = rng(0x5eed);
      // The seeds: every captured request but shutdown (a valid one would end the test early).
      const seeds = requests.map((f) => Buffer.from(f.hex, 'hex')).filter((b) => !b.includes(Buffer.from('shutdown')));
      const TOTAL = 10_000;
      let sent = 0;
      const worker = async (): Promise<void> => {
        while (sent < TOTAL) {
          sent++;
          const r = random();
          let bytes: Uint8Array;
          if (r < 0.8) bytes = frame(mutate(random, seeds[Math.floor(random() * seeds.length)]!));
          else if (r < 0.9) bytes = Buffer.concat([Buffer.from(Array.from({ length: 4 }, () => Math.floor(random() * 256))), Buffer.from(Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256)))]);
          else bytes = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256)));
          await sendRaw(address, bytes);
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      assert.equal(sent, TOTAL);
      assert.ok(logged.length > TOTAL / 2, `most frames were dropped with a reason (${logged.length} logged)`);
      await stillServes(m);
    } finally {
      await m.shutdown();
    }
  });

  it('100 concurrent clients × 1,000 calls each all succeed', { timeout: LONG }, async () => {
    await using server = new SyncManager({ authkey: 'key' });
    await server.start();
    const d = await server.dict<number, number>();
    const clients = await Promise.all(Array.from({ length: 100 }, async () => {
      const c = new SyncManager({ address: server.address, authkey: 'key' });
      await c.connect();
      return c;
    }));
    try {
      await Promise.all(clients.map(async (c, n) => {
        const mine = await c.dict<number, number>();
        // The shared dict, reached through this client (a borrowed proxy: it holds no reference).
        const shared = new DictProxy<number, number>({ token: d.token, client: c.client, exposed: d.exposed, owned: false });
        for (let i = 0; i < 499; i++) {
          await mine.set(i, i * n);
          assert.equal(await mine.get(i), i * n);
        }
        await shared.set(n, n);
        assert.equal(await mine.len(), 499);
      }));
      assert.equal(await d.len(), 100);
    } finally {
      for (const c of clients) await c.shutdown();
    }
  });
});
