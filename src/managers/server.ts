// The manager server: CPython's manager protocol over our connections. Each connection runs its
// own async loop, so a call that waits (a queue get, a lock acquire) holds only its connection,
// never the event loop, and a connection that misbehaves is dropped alone, with a logged reason.
// CPython: Server in Lib/multiprocessing/managers.py. Wire: shared/spec/python-wire.md section 3.

import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { AuthenticationError, EOFError, ValueError } from '../errors.js';
import { answerChallenge, deliverChallenge } from '../connection/auth.js';
import type { Address } from '../connection/listener.js';
import { Connection } from '../connection/socket-connection.js';
import { dumps, loads, PyException, Tuple, tuple } from '../pickle/index.js';
import { pyRepr } from '../pickle/types.js';
import { bind, type Kwds } from './args.js';
import { servantFor, toPyException, type CallContext, type Servant } from './servants.js';
import { collectProxyRefs, Token, addressFromPy } from './token.js';
import type { Registration, ServerOptions } from './types.js';
import { isLoopback } from '../connection/address.js';
import { hasNative, native } from '../shm/binding.js';

const DEFAULT_MAX_FRAME = 128 * 1024 * 1024;
// serveForever(): after a turn that sent replies, look this long for the next request before the
// event loop sleeps. A client's next call usually follows its reply at once, and waking a sleeping
// process costs more than the call (on a 2-core VM, half of a loopback round trip).
const BUSY_POLL_MS = 0.1;
const PUBLIC = new Set(['shutdown', 'create', 'accept_connection', 'get_methods', 'debug_info', 'number_of_objects', 'dummy', 'incref', 'decref']);

interface Entry {
  readonly servant: Servant;
  readonly typeid: string;
  readonly exposed: ReadonlySet<string>;
  readonly methodToTypeid: Readonly<Record<string, string>> | undefined;
  refcount: number;
}

type Request = [ident: string | null, method: string, args: unknown[], kwds: Kwds];

/** Python-like traceback text for a #TRACEBACK reply: its last line is `Type: message`. */
function tracebackText(pyType: string, message: string, detail?: string): string {
  const name = pyType.startsWith('builtins.') ? pyType.slice(9) : pyType;
  return `Traceback (most recent call last):\n  (multiprocessing-ts manager server)${detail ? `\n${detail}` : ''}\n${name}${message ? `: ${message}` : ''}`;
}

function errorTraceback(err: unknown): string {
  const py = toPyException(err);
  const notes = py.state instanceof Map ? (py.state.get('__notes__') as string[] | undefined) : undefined;
  return tracebackText(py.pyType, py.message, notes?.join('\n'));
}

function describe(socket: Socket): string {
  return socket.remoteAddress !== undefined ? `${socket.remoteAddress}:${socket.remotePort}` : 'a local client';
}

class Shutdown extends Error {}

// End a connection we drop: let what we wrote (a #FAILURE#, a #TRACEBACK) go out, but never wait
// long on a peer that does not close its side.
function drop(socket: Socket): void {
  socket.end();
  const timer = setTimeout(() => socket.destroy(), 1000);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/**
 * A manager server: holds objects for clients and runs their method calls.
 * Obtained from `manager.getServer()`; `serveForever()` runs it until shutdown.
 *
 * Python: multiprocessing.managers.Server
 */
export class Server {
  readonly #registry: ReadonlyMap<string, Registration>;
  readonly #authkey: Uint8Array;
  readonly #requestedAddress: Address;
  readonly #maxFrame: number;
  readonly #handshakeTimeout: number;
  readonly #log: (message: string) => void;
  readonly #objects = new Map<string, Entry>();
  readonly #identOf = new Map<unknown, string>();
  readonly #sockets = new Set<Socket>();
  readonly #aborts = new Set<AbortController>();
  #net: NetServer | undefined;
  #listening: Promise<void> | undefined;
  #closed: Promise<void> | undefined;
  #resolveClosed!: () => void;
  readonly #done: Promise<void>;
  #nextIdent = 0;
  #busyPollMs = 0;
  #busyPollScheduled = false;
  #fds: Int32Array | undefined;

  /** @internal Use `manager.getServer()`. */
  constructor(registry: ReadonlyMap<string, Registration>, address: Address, authkey: Uint8Array, options: ServerOptions = {}) {
    if (typeof address !== 'string' && !isLoopback(address[0]) && authkey.length === 0) {
      throw new ValueError(`Refusing to serve on ${address[0] || 'every interface'} without an authkey: anyone who can reach it could call its objects. Pass { authkey }, or use 127.0.0.1`, { code: 'ERR_MP_NO_AUTHKEY' });
    }
    this.#registry = registry;
    this.#authkey = authkey;
    this.#requestedAddress = address;
    this.#maxFrame = options.maxFrameBytes ?? DEFAULT_MAX_FRAME;
    this.#handshakeTimeout = options.handshakeTimeout ?? 10_000;
    this.#log = options.log ?? ((message) => process.stderr.write(`[multiprocessing-ts manager] ${message}\n`));
    this.#done = new Promise((resolve) => (this.#resolveClosed = resolve));
  }

  /** Start listening (resolves once bound). */
  listen(): Promise<void> {
    if (this.#listening !== undefined) return this.#listening;
    const net = createServer((socket) => void this.#serve(socket));
    this.#net = net;
    this.#listening = new Promise<void>((resolve, reject) => {
      net.once('listening', resolve);
      net.once('error', reject);
      const address = this.#requestedAddress;
      // Python's '' host means every interface.
      if (typeof address === 'string') net.listen(address);
      else net.listen(address[1], address[0] === '' ? '0.0.0.0' : address[0]);
    });
    return this.#listening;
  }

  /** Listen, then serve until `close()` or a client's `shutdown` request. */
  async serveForever(): Promise<void> {
    // This process now exists to serve (Python's serve_forever never returns): it may poll
    // briefly for the next request instead of sleeping. A server from start() shares its
    // program's event loop, and never does.
    if (hasNative()) this.#busyPollMs = BUSY_POLL_MS;
    await this.listen();
    await this.#done;
  }

  /** The bound address (the real port when asked for port 0). */
  get address(): Address {
    const a = this.#net?.address();
    if (a === null || a === undefined) return this.#requestedAddress;
    return typeof a === 'string' ? a : [a.address, a.port];
  }

  /** How many objects the server holds. */
  get numberOfObjects(): number {
    return this.#objects.size;
  }

  /** Stop listening, end every connection (their waits end), and free every object. */
  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    this.#closed = (async () => {
      for (const abort of this.#aborts) abort.abort(new Shutdown('the manager server shut down'));
      for (const socket of this.#sockets) socket.destroy();
      const net = this.#net;
      if (net !== undefined && net.listening) await new Promise<void>((resolve) => net.close(() => resolve()));
      this.#objects.clear();
      this.#identOf.clear();
      this.#resolveClosed();
    })();
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // --- one connection ------------------------------------------------------------------------

  async #serve(socket: Socket): Promise<void> {
    if (this.#closed !== undefined) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    this.#sockets.add(socket);
    this.#fds = undefined;
    const abort = new AbortController();
    this.#aborts.add(abort);
    socket.once('close', () => {
      abort.abort(new EOFError('the client closed its connection', { code: 'ERR_MP_EOF' }));
      this.#sockets.delete(socket);
      this.#fds = undefined;
      this.#aborts.delete(abort);
    });
    const conn = new Connection(socket);
    const who = describe(socket);
    try {
      await this.#handshake(conn, socket);
    } catch (err) {
      this.#log(`dropped ${who}: ${(err as Error).message}`);
      drop(socket);
      return;
    }
    const ctx: CallContext = { owner: conn, signal: abort.signal };
    try {
      const first = await this.#recvRequest(conn);
      if (first === undefined) return;
      const [, funcname, args, kwds] = first;
      await this.#serverCall(conn, funcname, args, kwds);
      if (funcname === 'accept_connection') await this.#serveClient(conn, ctx);
    } catch (err) {
      if (err instanceof Shutdown) return;
      if (err instanceof EOFError && err.code === 'ERR_MP_EOF') return; // a normal end of session
      this.#log(`dropped ${who}: ${(err as Error).message}`);
    } finally {
      drop(socket);
    }
  }

  async #handshake(conn: Connection, socket: Socket): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        (async () => {
          // The server speaks first, and always authenticates (even with an empty key), as CPython's does.
          await deliverChallenge(conn, this.#authkey);
          await answerChallenge(conn, this.#authkey);
        })(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            socket.destroy();
            reject(new AuthenticationError(`the handshake took longer than ${this.#handshakeTimeout} ms`, { code: 'ERR_MP_AUTH' }));
          }, this.#handshakeTimeout);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One request; undefined at a clean end of stream. Malformed input throws (the connection is dropped). */
  async #recvRequest(conn: Connection): Promise<Request | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = await conn.recvBytes(this.#maxFrame);
    } catch (err) {
      if (err instanceof EOFError && err.code === 'ERR_MP_EOF') return undefined;
      throw err;
    }
    let request: unknown;
    let refs;
    try {
      [request, refs] = collectProxyRefs(() => loads(bytes));
    } catch (err) {
      this.#tryReply(conn, '#TRACEBACK', tracebackText('pickle.UnpicklingError', (err as Error).message));
      throw err;
    }
    if (!(request instanceof Tuple) || request.length !== 4 || !(request[0] === null || typeof request[0] === 'string') || typeof request[1] !== 'string' || !Array.isArray(request[2]) || !(request[3] instanceof Map)) {
      this.#tryReply(conn, '#TRACEBACK', tracebackText('builtins.ValueError', 'a request must be (ident, methodname, args, kwds)'));
      throw new ValueError(`malformed request: ${pyRepr(request, 0).slice(0, 200)}`, { code: 'ERR_MP_BAD_REQUEST' });
    }
    // Proxies inside values that point at this server keep their objects alive, as in CPython.
    for (const ref of refs) this.#keepAlive(ref.token);
    return request as unknown as Request;
  }

  #keepAlive(token: Token): void {
    const entry = this.#objects.get(token.id);
    if (entry !== undefined && sameAddress(token.address, this.address)) entry.refcount++;
  }

  #tryReply(conn: Connection, kind: string, payload: unknown): void {
    try {
      conn.sendBytes(dumps(tuple(kind, payload)));
    } catch {
      // the connection is going anyway
    }
  }

  #reply(conn: Connection, kind: string, payload: unknown): void {
    let bytes: Uint8Array;
    try {
      bytes = dumps(tuple(kind, payload));
    } catch (err) {
      bytes = dumps(tuple('#UNSERIALIZABLE', tracebackText('pickle.PicklingError', (err as Error).message)));
    }
    conn.sendBytes(bytes);
  }

  async #serverCall(conn: Connection, funcname: string, args: unknown[], kwds: Kwds): Promise<void> {
    let result: unknown;
    try {
      if (!PUBLIC.has(funcname)) throw new PyException('builtins.AssertionError', [`${pyRepr(funcname, 0)} unrecognized`]);
      result = await this.#serverFunction(funcname, args, kwds);
    } catch (err) {
      this.#reply(conn, '#TRACEBACK', errorTraceback(err));
      return;
    }
    this.#reply(conn, '#RETURN', result ?? null);
    if (funcname === 'shutdown') {
      // CPython's shutdown replies twice (once itself, once on the generic path).
      this.#reply(conn, '#RETURN', null);
      setImmediate(() => void this.close());
    }
  }

  async #serverFunction(funcname: string, args: unknown[], kwds: Kwds): Promise<unknown> {
    switch (funcname) {
      case 'dummy':
      case 'accept_connection':
      case 'shutdown':
        return null;
      case 'create': {
        if (args.length < 1 || typeof args[0] !== 'string') throw new PyException('builtins.TypeError', ['create() needs a typeid']);
        const [ident, exposed] = await this.create(args[0], args.slice(1), kwds);
        return tuple(ident, Tuple.from(exposed));
      }
      case 'incref':
        this.incref(String(bind('incref', ['ident'], args, kwds, 1)[0]));
        return null;
      case 'decref':
        this.decref(String(bind('decref', ['ident'], args, kwds, 1)[0]));
        return null;
      case 'get_methods': {
        const [token] = bind('get_methods', ['token'], args, kwds, 1);
        const id = token instanceof Token ? token.id : String(token);
        const entry = this.#objects.get(id);
        if (entry === undefined) throw new PyException('builtins.KeyError', [id]);
        return Tuple.from(entry.exposed);
      }
      case 'number_of_objects':
        return this.#objects.size;
      case 'debug_info':
        return [...this.#objects].map(([id, e]) => `  ${id}:       refcount=${e.refcount}\n    ${e.servant.repr().slice(0, 75)}`).join('\n');
    }
    throw new PyException('builtins.AssertionError', [`${pyRepr(funcname, 0)} unrecognized`]);
  }

  /** @internal Create an object of `typeid` (refcount 1, held by the caller): [ident, exposed]. */
  async create(typeid: string, args: unknown[], kwds: Kwds): Promise<[string, string[]]> {
    const reg = this.#registry.get(typeid);
    if (reg === undefined) throw new PyException('builtins.KeyError', [typeid]);
    let obj: unknown;
    if (reg.factory !== undefined) obj = await reg.factory(args, kwds);
    else if (reg.callable !== undefined) {
      const extra = kwds.size > 0 ? [Object.fromEntries([...kwds].map(([k, v]) => [String(k), v]))] : [];
      obj = await (reg.callable as (...a: unknown[]) => unknown)(...args, ...extra);
    } else {
      if (args.length !== 1 || kwds.size > 0) throw new PyException('builtins.ValueError', [`Without callable, must have one non-keyword argument`]);
      obj = args[0];
    }
    return this.#register(obj, typeid, reg);
  }

  #register(obj: unknown, typeid: string, reg: Registration): [string, string[]] {
    const shared = typeof obj === 'object' && obj !== null;
    let ident = shared ? this.#identOf.get(obj) : undefined;
    let entry = ident === undefined ? undefined : this.#objects.get(ident);
    if (entry === undefined || ident === undefined) {
      ident = (++this.#nextIdent).toString(16).padStart(8, '0');
      const servant = servantFor(obj, reg.exposed);
      entry = { servant, typeid, exposed: new Set(servant.exposed), methodToTypeid: reg.methodToTypeid, refcount: 0 };
      this.#objects.set(ident, entry);
      if (shared) this.#identOf.set(obj, ident);
    }
    entry.refcount++;
    // method_to_typeid keys are appended, duplicates kept, as CPython lists them.
    return [ident, [...entry.servant.exposed, ...Object.keys(reg.methodToTypeid ?? {})]];
  }

  /** @internal */
  incref(ident: string): void {
    const entry = this.#objects.get(ident);
    if (entry === undefined) throw new PyException('builtins.KeyError', [ident]);
    entry.refcount++;
  }

  /** @internal */
  decref(ident: string): void {
    const entry = this.#objects.get(ident);
    if (entry === undefined) throw new PyException('builtins.KeyError', [ident]);
    if (--entry.refcount <= 0) {
      this.#objects.delete(ident);
      if (this.#identOf.get(entry.servant.target) === ident) this.#identOf.delete(entry.servant.target);
    }
  }

  /** @internal The refcount of an ident (tests, debug). */
  refcount(ident: string): number | undefined {
    return this.#objects.get(ident)?.refcount;
  }

  // --- a persistent connection ---------------------------------------------------------------

  async #serveClient(conn: Connection, ctx: CallContext): Promise<void> {
    for (;;) {
      const request = await this.#recvRequest(conn);
      if (request === undefined) return;
      const [ident, method, args, kwds] = request;
      const [kind, payload] = await this.#objectCall(ident, method, args, kwds, ctx);
      if (ctx.signal.aborted) return;
      this.#reply(conn, kind, payload);
      if (this.#busyPollMs > 0 && !this.#busyPollScheduled) {
        this.#busyPollScheduled = true;
        setImmediate(this.#busyPoll);
      }
    }
  }

  // Once per event-loop turn, after every connection's replies of that turn have gone out.
  readonly #busyPoll = (): void => {
    this.#busyPollScheduled = false;
    if (this.#fds === undefined) {
      const fds: number[] = [];
      for (const socket of this.#sockets) {
        const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
        if (typeof fd === 'number' && fd >= 0) fds.push(fd);
      }
      this.#fds = Int32Array.from(fds);
    }
    native().spinUntilReadable(this.#fds, this.#busyPollMs);
  };

  async #objectCall(ident: string | null, method: string, args: unknown[], kwds: Kwds, ctx: CallContext): Promise<[string, unknown]> {
    const entry = ident === null ? undefined : this.#objects.get(ident);
    if (entry === undefined) return ['#TRACEBACK', tracebackText('builtins.KeyError', pyRepr(ident, 0), '  (no object with this ident: released, or never created)')];
    if (!entry.exposed.has(method)) {
      // CPython's fallbacks for names that are not exposed.
      try {
        if (method === '__str__' || method === '__repr__') return ['#RETURN', entry.servant.repr()];
        if (method === '#GETVALUE') return ['#RETURN', entry.servant.getValue()];
      } catch (err) {
        return ['#ERROR', toPyException(err)];
      }
      return ['#TRACEBACK', tracebackText('builtins.AttributeError', `method '${method}' of ${entry.typeid} object is not in exposed=${pyRepr(Tuple.from(entry.exposed), 0)}`)];
    }
    let result: unknown;
    try {
      result = await entry.servant.call(method, args, kwds, ctx);
    } catch (err) {
      return ['#ERROR', toPyException(err)];
    }
    const typeid = entry.methodToTypeid?.[method];
    if (typeid === undefined) return ['#RETURN', result ?? null];
    try {
      const [rident, rexposed] = await this.create(typeid, [result], new Map());
      return ['#PROXY', tuple(Tuple.from(rexposed), new Token(typeid, this.address, rident))];
    } catch (err) {
      return ['#TRACEBACK', errorTraceback(err)];
    }
  }
}

function sameAddress(a: unknown, b: import('../connection/listener.js').Address): boolean {
  let x: import('../connection/listener.js').Address;
  try {
    x = addressFromPy(a);
  } catch {
    return false;
  }
  if (typeof x === 'string' || typeof b === 'string') return x === b;
  return x[1] === b[1];
}
