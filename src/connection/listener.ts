// Listener and Client over TCP or Unix sockets, with CPython's authentication handshake.
// No server listens beyond loopback without an authkey. CPython: Listener, Client in
// Lib/multiprocessing/connection.py.

import { connect, createServer, type Server, type Socket } from 'node:net';
import { AuthenticationError, TimeoutError, ValueError } from '../errors.js';
import { withTimeout } from '../shm/deadline.js';
import { answerChallenge, deliverChallenge } from './auth.js';
import { Connection } from './socket-connection.js';
import { isLoopback, keyOf } from './address.js';

/** A TCP address `[host, port]`, or a Unix socket path. Python: an address of `multiprocessing.connection` (a `(host, port)` tuple or a path) */
export type Address = [host: string, port: number] | string;

/** Options of {@link Listener} and {@link Client}. Python: the keyword arguments of `Listener` and `Client` */
export interface ConnectionOptions {
  /** Shared secret for the HMAC handshake; required for a TCP address that is not loopback. Python: `authkey` (bytes; a string here is UTF-8 encoded) */
  authkey?: string | Uint8Array;
  /** Milliseconds the handshake may take (default 10 s; Python waits forever). */
  handshakeTimeout?: number;
}

function checkAddress(address: Address): void {
  if (typeof address === 'string') return;
  if (!Array.isArray(address) || typeof address[0] !== 'string' || !Number.isInteger(address[1]) || address[1] < 0 || address[1] > 65535) {
    throw new TypeError(`Expected an address [host, port] or a socket path, got ${JSON.stringify(address)}`);
  }
}

// The handshake must end in time, or the socket goes.
function handshakeWithin<T>(promise: Promise<T>, ms: number, socket: Socket): Promise<T> {
  return withTimeout(promise, ms, () => {
    socket.destroy();
    return new TimeoutError(`The authentication handshake took longer than ${ms} ms: is the peer a multiprocessing peer with an authkey?`, { code: 'ERR_MP_TIMEOUT' });
  });
}

/**
 * Accepts connections on an address; with an authkey, every connection is authenticated both ways.
 * @example
 * const listener = new Listener(['127.0.0.1', 6000], { authkey: 'secret' });
 * const conn = await listener.accept();
 *
 * Python: multiprocessing.connection.Listener
 */
export class Listener {
  readonly #server: Server;
  readonly #authkey: Uint8Array | undefined;
  readonly #timeout: number;
  readonly #ready: Promise<void>;
  readonly #pending: Socket[] = [];
  readonly #waiters: ((s: Socket | undefined) => void)[] = [];
  #closed = false;
  #listenError: Error | undefined;
  #lastAccepted: Address | undefined;

  /**
   * Listen on `address` (port 0 picks a free one; see `address` for the one bound).
   * Python: `Listener(address=None, family=None, backlog=1, authkey=None)`
   */
  constructor(address: Address = ['127.0.0.1', 0], options: ConnectionOptions = {}) {
    checkAddress(address);
    this.#authkey = keyOf(options.authkey);
    this.#timeout = options.handshakeTimeout ?? 10_000;
    if (typeof address !== 'string' && !isLoopback(address[0]) && this.#authkey === undefined) {
      throw new ValueError(`Refusing to listen on ${address[0]} without an authkey: anyone who can reach it could connect. Pass { authkey }, or listen on 127.0.0.1`, { code: 'ERR_MP_NO_AUTHKEY' });
    }
    this.#server = createServer((socket) => {
      const waiter = this.#waiters.shift();
      if (waiter) waiter(socket);
      else this.#pending.push(socket);
    });
    this.#ready = new Promise((resolve, reject) => {
      this.#server.once('listening', resolve);
      this.#server.once('error', (err) => {
        this.#listenError = err;
        reject(err);
      });
    });
    this.#ready.catch(() => undefined);
    if (typeof address === 'string') this.#server.listen(address);
    else this.#server.listen(address[1], address[0]);
  }

  /** Resolves once the listener is bound (then `address` is known, with the real port for port 0). No Python twin (Python's `Listener()` binds before it returns). */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** The bound address: `[host, port]`, or the socket path. Python: `Listener.address` */
  get address(): Address {
    const a = this.#server.address();
    if (a === null) throw new ValueError('The listener is not bound yet: await ready() first', { code: 'ERR_MP_NOT_READY' });
    return typeof a === 'string' ? a : [a.address, a.port];
  }

  /**
   * Wait for the next connection and authenticate it (if there is an authkey).
   * Python: `Listener.accept`
   * @throws {AuthenticationError} for a peer with a wrong key (the listener stays usable)
   */
  async accept(): Promise<Connection> {
    await this.#ready;
    if (this.#closed) throw new ValueError('The listener is closed', { code: 'ERR_MP_CLOSED' });
    const socket = this.#pending.shift() ?? (await new Promise<Socket | undefined>((resolve) => this.#waiters.push(resolve)));
    if (socket === undefined) throw new ValueError('The listener was closed while waiting', { code: 'ERR_MP_CLOSED' });
    this.#lastAccepted = socket.remoteAddress !== undefined ? [socket.remoteAddress, socket.remotePort ?? 0] : '';
    const conn = new Connection(socket);
    if (this.#authkey !== undefined) {
      const key = this.#authkey;
      try {
        await handshakeWithin((async () => {
          await deliverChallenge(conn, key);
          await answerChallenge(conn, key);
        })(), this.#timeout, socket);
      } catch (err) {
        conn.close();
        throw err instanceof AuthenticationError || err instanceof TimeoutError ? err : new AuthenticationError(`The handshake failed: ${(err as Error).message}`, { code: 'ERR_MP_AUTH', cause: err });
      }
    }
    return conn;
  }

  /** The address of the peer last accepted (`''` for a Unix socket), undefined before the first. Python: Listener.last_accepted */
  get lastAccepted(): Address | undefined {
    return this.#lastAccepted;
  }

  /** Stop listening; pending accept() calls reject. Python: `Listener.close` */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
    for (const socket of this.#pending.splice(0)) socket.destroy();
    if (this.#listenError !== undefined) return;
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** `await using` closes the listener. Python: `with Listener(...) as listener:` */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Connect to a Listener (ours or Python's) and authenticate (if there is an authkey).
 * Python: multiprocessing.connection.Client
 */
export async function Client(address: Address, options: ConnectionOptions = {}): Promise<Connection> {
  checkAddress(address);
  const authkey = keyOf(options.authkey);
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = typeof address === 'string' ? connect(address) : connect(address[1], address[0]);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
  socket.setNoDelay(true);
  const conn = new Connection(socket);
  if (authkey !== undefined) {
    try {
      await handshakeWithin((async () => {
        await answerChallenge(conn, authkey);
        await deliverChallenge(conn, authkey);
      })(), options.handshakeTimeout ?? 10_000, socket);
    } catch (err) {
      conn.close();
      throw err;
    }
  }
  return conn;
}
