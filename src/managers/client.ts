// The client side of the manager protocol: one-shot connections for server calls (create,
// incref, decref...) and a pool of persistent connections for method calls, so that a call
// that waits (a queue get) never holds up the others. Replies become values or our errors.
// CPython: dispatch, BaseProxy._callmethod, BaseManager._create in Lib/multiprocessing/managers.py.

import { BrokenBarrierError, Empty, Full, RemoteError, ValueError } from '../errors.js';
import { Client, type Address } from '../connection/listener.js';
import type { Connection } from '../connection/socket-connection.js';
import { CLIENT_POLL_MS } from '../latency.js';
import { loads, PyException, Tuple, tuple } from '../pickle/index.js';
import { currentProcess } from '../process/current.js';
import type { Kwds } from './args.js';
import { BusyPoller } from './busy-poll.js';
import { rebuildingProxies, Token, type ProxyRef } from './token.js';
import type { ProxyClass } from './types.js';

/** A `#PROXY` reply: the method's result lives on the server; build a proxy for it. */
export class ProxyReply {
  constructor(readonly exposed: readonly string[], readonly token: Token) {}
}

/** The last line of a Python traceback, `Type: message`, split. */
function lastLine(text: string): [string, string] {
  const lines = text.trimEnd().split('\n');
  const line = lines.at(-1) ?? '';
  const m = /^([A-Za-z_][\w.]*)(?::\s?(.*))?$/.exec(line);
  return m === null ? ['Exception', line] : [m[1] as string, m[2] ?? ''];
}

/** The error a TypeScript caller gets for a Python exception raised by a method on the server. */
export function fromPyException(py: unknown): Error {
  if (!(py instanceof PyException)) return new RemoteError(`The manager replied #ERROR with a non-exception: ${String(py)}`, 'Exception', '', { code: 'ERR_MP_REMOTE' });
  switch (py.pyType) {
    case 'queue.Empty':
      return new Empty('Queue is empty: nothing arrived in time (on the manager)', { code: 'ERR_MP_EMPTY', cause: py });
    case 'queue.Full':
      return new Full('Queue is full: no room in time (on the manager)', { code: 'ERR_MP_FULL', cause: py });
    case 'threading.BrokenBarrierError':
      return new BrokenBarrierError('The barrier on the manager is broken (aborted, reset, or a wait timed out)', { code: 'ERR_MP_BROKEN_BARRIER', cause: py });
  }
  const notes = py.state instanceof Map ? py.state.get('__notes__') : undefined;
  const stack = Array.isArray(notes) ? notes.map(String).join('\n') : '';
  const name = py.name;
  return new RemoteError(`${name}${py.message ? `: ${py.message}` : ''}`, name, stack, { code: 'ERR_MP_REMOTE', cause: py });
}

/** Interpret a reply `(kind, payload)`. */
export function unwrapReply(reply: unknown, address: Address): unknown {
  if (!(reply instanceof Tuple) || reply.length !== 2 || typeof reply[0] !== 'string') {
    throw new RemoteError('The manager sent a reply that is not (kind, payload)', 'ProtocolError', '', { code: 'ERR_MP_BAD_REPLY' });
  }
  const [kind, payload] = reply;
  switch (kind) {
    case '#RETURN':
      return payload;
    case '#ERROR':
      throw fromPyException(payload);
    case '#TRACEBACK': {
      const text = String(payload);
      const [name, message] = lastLine(text);
      throw new RemoteError(`${name}${message ? `: ${message}` : ''} (raised by the manager server; its traceback is in remoteStack)`, name, text, { code: 'ERR_MP_REMOTE' });
    }
    case '#UNSERIALIZABLE': {
      const text = String(payload);
      throw new RemoteError(`Unserializable message: the manager could not pickle the result: ${lastLine(text).join(': ')}`, 'PicklingError', text, { code: 'ERR_MP_REMOTE_UNSERIALIZABLE' });
    }
    case '#PROXY': {
      if (!(Array.isArray(payload) && payload.length === 2 && Array.isArray(payload[0]) && payload[1] instanceof Token)) {
        throw new RemoteError('The manager sent a malformed #PROXY reply', 'ProtocolError', '', { code: 'ERR_MP_BAD_REPLY' });
      }
      // The token names the server's bound address (maybe 0.0.0.0): use the one we dialled, as Python does.
      const token = new Token(payload[1].typeid, address, payload[1].id);
      return new ProxyReply((payload[0] as unknown[]).map(String), token);
    }
  }
  throw new ValueError(`Unrecognized message type ${JSON.stringify(kind)} from the manager`, { code: 'ERR_MP_BAD_REPLY' });
}

const MAX_IDLE = 16;
const REBUILD_PROXY = Buffer.from('RebuildProxy');

/** A proxy rebuilt from a reference that came in a value, and its incref under way. */
export interface Rebuilt {
  proxy: unknown;
  ready: Promise<unknown>;
}

// Set by the proxy module (which imports this one): how a reference in a value becomes a proxy.
let rebuilder: ((ref: ProxyRef, client: ManagerClient) => Rebuilt) | undefined;

/** @internal */
export function setProxyRebuilder(fn: (ref: ProxyRef, client: ManagerClient) => Rebuilt): void {
  rebuilder = fn;
}

/** Options of a ManagerClient. */
export interface ManagerClientOptions {
  /** Milliseconds the handshake may take (default 10,000). */
  handshakeTimeout?: number;
}

/**
 * Talks to one manager server (ours or Python's).
 * @internal Reached through managers and proxies.
 */
export class ManagerClient {
  readonly #idle: Connection[] = [];
  readonly #busy = new Set<Connection>();
  // Looks for the replies of this turn's calls before the event loop sleeps (latency.ts).
  readonly #poller = new BusyPoller(CLIENT_POLL_MS);
  #closed = false;
  /** Proxy classes registered for typeids (by the manager class that made this client). */
  proxytypes: ReadonlyMap<string, ProxyClass | undefined> | undefined;

  constructor(readonly address: Address, readonly authkey: Uint8Array, readonly options: ManagerClientOptions = {}) {}

  get closed(): boolean {
    return this.#closed;
  }

  async #connect(): Promise<Connection> {
    if (this.#closed) throw new ValueError('The manager connection is closed (shutdown() was called)', { code: 'ERR_MP_CLOSED' });
    return Client(this.address, { authkey: this.authkey, handshakeTimeout: this.options.handshakeTimeout ?? 10_000 });
  }

  /** A server-level call (`dummy`, `create`, `incref`, `decref`...) on a connection of its own, as Python does. */
  async serverCall(funcname: string, args: unknown[] = [], kwds: Kwds = new Map()): Promise<unknown> {
    const conn = await this.#connect();
    try {
      conn.send(tuple(null, funcname, Tuple.from(args), kwds));
      return unwrapReply(await conn.recv(), this.address);
    } finally {
      conn.close();
    }
  }

  /** A new persistent connection (`accept_connection`, as Python's proxies open theirs). */
  async #open(): Promise<Connection> {
    const conn = await this.#connect();
    try {
      const name = currentProcess().name;
      conn.send(tuple(null, 'accept_connection', tuple(name), new Map()));
      unwrapReply(await conn.recv(), this.address);
    } catch (err) {
      conn.close();
      throw err;
    }
    return conn;
  }

  #giveBack(conn: Connection): void {
    this.#busy.delete(conn);
    if (this.#closed || this.#idle.length >= MAX_IDLE) {
      conn.close();
      return;
    }
    // An idle connection does not keep the program alive (Python's do not either: its threads are daemons).
    conn.socket.unref();
    this.#idle.push(conn);
  }

  /**
   * A reply's value. Proxies inside it (Python's RebuildProxy) become proxies of ours, each taking
   * its own reference on the server, as Python's do while they are unpickled; `increfs` gets
   * those calls, which must be done before the connection sends anything else.
   */
  #load(bytes: Uint8Array, increfs: Promise<unknown>[]): unknown {
    const rebuild = rebuilder;
    // (Most replies name no proxy: they are read with nothing more.)
    if (rebuild === undefined || Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(REBUILD_PROXY) < 0) return loads(bytes);
    return rebuildingProxies((ref) => {
      const { proxy, ready } = rebuild(ref, this);
      increfs.push(ready);
      return proxy;
    }, () => loads(bytes));
  }

  /** A method call on object `ident`, on a persistent connection. */
  async call(ident: string, method: string, args: readonly unknown[] = [], kwds: Kwds = new Map()): Promise<unknown> {
    // An idle connection is taken at once (no await: a call costs one round trip and no more).
    const conn = this.#idle.pop() ?? (await this.#open());
    conn.socket.ref();
    this.#busy.add(conn);
    let reply: unknown;
    const increfs: Promise<unknown>[] = [];
    try {
      conn.send(tuple(ident, method, Tuple.from(args), kwds));
      this.#poller.add(conn.socket);
      this.#poller.schedule();
      reply = this.#load(await conn.recvBytes(), increfs);
    } catch (err) {
      this.#busy.delete(conn);
      conn.close();
      throw err;
    } finally {
      this.#poller.delete(conn.socket);
    }
    // The server keeps the objects a reply names alive until this connection's next request.
    const failed = increfs.length > 0 ? (await Promise.allSettled(increfs)).find((r) => r.status === 'rejected') : undefined;
    this.#giveBack(conn);
    if (failed !== undefined) throw failed.reason;
    return unwrapReply(reply, this.address);
  }

  /** Close every connection; calls in flight end with an error. */
  close(): void {
    this.#closed = true;
    for (const conn of this.#idle.splice(0)) conn.close();
    for (const conn of this.#busy) conn.close();
    this.#busy.clear();
  }
}

const shared = new Map<string, ManagerClient>();

/** @internal One client per (address, authkey) in this process: for proxies rebuilt from handles. */
export function sharedClient(address: Address, authkey: Uint8Array): ManagerClient {
  const key = `${JSON.stringify(address)}|${Buffer.from(authkey).toString('hex')}`;
  let client = shared.get(key);
  if (client === undefined || client.closed) shared.set(key, (client = new ManagerClient(address, authkey)));
  return client;
}
