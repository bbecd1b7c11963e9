// The manager server: CPython's manager protocol over our connections. Each connection runs its
// own async loop, so a call that waits (a queue get, a lock acquire) holds only its connection,
// never the event loop. A request that cannot be read (a refused global, a malformed pickle) gets
// an error reply and the connection goes on, as CPython's does; a connection whose frames break
// (or whose handshake fails) is dropped alone, with a logged reason.
// CPython: Server in Lib/multiprocessing/managers.py. Wire: shared/spec/python-wire.md section 3.

import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { AuthenticationError, EOFError, ValueError } from '../errors.js';
import { answerChallenge, deliverChallenge } from '../connection/auth.js';
import type { Address } from '../connection/listener.js';
import { Connection } from '../connection/socket-connection.js';
import { dumps, loads, PyException, Tuple, tuple } from '../pickle/index.js';
import { pyRepr } from '../pickle/types.js';
import { bind, type Kwds } from './args.js';
import { BusyPoller } from './busy-poll.js';
import { ObjectTable, type Entry, type Pins } from './objects.js';
import { servantFor, toPyException, type CallContext } from './servants.js';
import { collectProxyRefs, sameServer, Token, type ProxyRef } from './token.js';
import type { Registration, ServerOptions } from './types.js';
import { isLoopback } from '../connection/address.js';

const DEFAULT_MAX_FRAME = 128 * 1024 * 1024;
const PUBLIC = new Set(['shutdown', 'create', 'accept_connection', 'get_methods', 'debug_info', 'number_of_objects', 'dummy', 'incref', 'decref']);

type Request = [ident: string | null, method: string, args: unknown[], kwds: Kwds];

/** A request that could not be read, and was answered with an error. */
const UNREADABLE: unique symbol = Symbol('unreadable request');

/** One client connection. */
interface Session {
  readonly conn: Connection;
  readonly who: string;
  readonly ctx: CallContext;
  /** The objects its current request, or its last reply, names (alive meanwhile: see ObjectTable.noteRefs). */
  pins: Pins;
}

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

function isRequest(value: unknown): value is Request {
  return value instanceof Tuple && value.length === 4 && (value[0] === null || typeof value[0] === 'string') && typeof value[1] === 'string' && Array.isArray(value[2]) && value[3] instanceof Map;
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
  readonly #objects = new ObjectTable((ref) => sameServer(ref.token.address, this.address));
  readonly #sockets = new Set<Socket>();
  readonly #aborts = new Set<AbortController>();
  #net: NetServer | undefined;
  #listening: Promise<void> | undefined;
  #closed: Promise<void> | undefined;
  #resolveClosed!: () => void;
  readonly #done: Promise<void>;
  /** Set by serveForever(): the server is what this process is for. */
  #forever = false;
  #poller: BusyPoller | undefined;
  /** Server-level functions a kind of manager adds (SharedMemoryManager's track_segment...). */
  readonly #functions = new Map<string, (args: unknown[], kwds: Kwds) => unknown>();
  readonly #onClose: (() => void)[] = [];

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

  /**
   * Start listening (resolves once bound). Alone (as `manager.start()` uses it), the server does
   * not keep the program alive: like Python's manager process, it ends with the program.
   */
  listen(): Promise<void> {
    if (this.#listening !== undefined) return this.#listening;
    const net = createServer((socket) => void this.#serve(socket));
    this.#net = net;
    if (!this.#forever) net.unref();
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

  /** Listen, then serve until `close()` or a client's `shutdown` request (the program stays alive meanwhile). Python: `Server.serve_forever` */
  async serveForever(): Promise<void> {
    // This process now exists to serve (Python's serve_forever never returns): it may poll
    // briefly for the next request instead of sleeping. A server from start() shares its
    // program's event loop, and never does.
    this.#forever = true;
    this.#net?.ref();
    for (const socket of this.#sockets) socket.ref();
    this.#poller = new BusyPoller();
    for (const socket of this.#sockets) this.#poller.add(socket);
    await this.listen();
    await this.#done;
  }

  /** Resolves once the server has stopped (closed, or shut down by a client). Python: what BaseManager.join waits for */
  get stopped(): Promise<void> {
    return this.#done;
  }

  /** The bound address (the real port when asked for port 0). Python: `Server.address` */
  get address(): Address {
    const a = this.#net?.address();
    if (a === null || a === undefined) return this.#requestedAddress;
    return typeof a === 'string' ? a : [a.address, a.port];
  }

  /** How many objects the server holds (those held only inside other objects included). Python: `Server.number_of_objects` */
  get numberOfObjects(): number {
    return this.#objects.size;
  }

  /** Stop listening, end every connection (their waits end), and free every object. Python: `Server.shutdown` (on the server's side) */
  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    this.#closed = (async () => {
      for (const abort of this.#aborts) abort.abort(new Shutdown('the manager server shut down'));
      for (const socket of this.#sockets) socket.destroy();
      const net = this.#net;
      if (net !== undefined && net.listening) await new Promise<void>((resolve) => net.close(() => resolve()));
      this.#objects.clear();
      for (const fn of this.#onClose) fn();
      this.#resolveClosed();
    })();
    return this.#closed;
  }

  /** `await using` closes the server. No Python twin (Python's Server is stopped by `shutdown`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** @internal Add a server-level function (called as `(None, name, args, kwds)`), and what to do at close. */
  extend(functions: Record<string, (args: unknown[], kwds: Kwds) => unknown>, onClose?: () => void): void {
    for (const [name, fn] of Object.entries(functions)) this.#functions.set(name, fn);
    if (onClose !== undefined) this.#onClose.push(onClose);
  }

  // --- one connection ------------------------------------------------------------------------

  #track(socket: Socket): AbortController {
    socket.setNoDelay(true);
    if (!this.#forever) socket.unref();
    this.#sockets.add(socket);
    this.#poller?.add(socket);
    const abort = new AbortController();
    this.#aborts.add(abort);
    socket.once('close', () => {
      abort.abort(new EOFError('the client closed its connection', { code: 'ERR_MP_EOF' }));
      this.#sockets.delete(socket);
      this.#poller?.delete(socket);
      this.#aborts.delete(abort);
    });
    return abort;
  }

  async #serve(socket: Socket): Promise<void> {
    if (this.#closed !== undefined) {
      socket.destroy();
      return;
    }
    const abort = this.#track(socket);
    const conn = new Connection(socket);
    const who = describe(socket);
    try {
      await this.#handshake(conn, socket);
    } catch (err) {
      this.#log(`dropped ${who}: ${(err as Error).message}`);
      drop(socket);
      return;
    }
    const session: Session = { conn, who, ctx: { owner: conn, signal: abort.signal }, pins: this.#objects.pin() };
    try {
      // The first request is a server call; accept_connection makes the connection persistent.
      const first = await this.#nextRequest(session);
      if (first === undefined || first === UNREADABLE) return;
      const [, funcname, args, kwds] = first;
      await this.#serverCall(session, funcname, args, kwds);
      if (funcname === 'accept_connection') await this.#serveClient(session);
    } catch (err) {
      if (err instanceof Shutdown) return;
      if (err instanceof EOFError && err.code === 'ERR_MP_EOF') return; // a normal end of session
      this.#log(`dropped ${who}: ${(err as Error).message}`);
    } finally {
      this.#objects.unpin(session.pins);
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
          timer.unref();
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The next request: undefined at a clean end of stream, UNREADABLE when it could not be read
   * (answered with a #TRACEBACK, as CPython answers). A broken frame throws (the connection is dropped).
   */
  async #nextRequest(session: Session): Promise<Request | undefined | typeof UNREADABLE> {
    let bytes: Uint8Array;
    try {
      bytes = await session.conn.recvBytes(this.#maxFrame);
    } catch (err) {
      if (err instanceof EOFError && err.code === 'ERR_MP_EOF') return undefined;
      throw err;
    }
    // The client has handled the last reply (and taken its references) before it sends again.
    this.#repin(session);
    let request: unknown;
    let refs: readonly ProxyRef[];
    try {
      [request, refs] = collectProxyRefs(loads, bytes);
    } catch (err) {
      return this.#unreadable(session, 'pickle.UnpicklingError', (err as Error).message);
    }
    if (!isRequest(request)) return this.#unreadable(session, 'builtins.ValueError', `malformed request: ${pyRepr(request, 0).slice(0, 200)}`);
    const [ident] = request;
    if (refs.length > 0) this.#objects.noteRefs(refs, session.pins, ident === null ? undefined : this.#objects.get(ident));
    return request;
  }

  /** Release the session's pins (its request is handled, or its last reply was), for new ones. */
  #repin(session: Session): void {
    // (Most messages name no object: their empty pins are kept as they are.)
    if (session.pins.size === 0) return;
    this.#objects.unpin(session.pins);
    session.pins = this.#objects.pin();
  }

  #unreadable(session: Session, pyType: string, message: string): typeof UNREADABLE {
    this.#log(`refused a request from ${session.who}: ${message}`);
    this.#reply(session, '#TRACEBACK', tracebackText(pyType, message));
    return UNREADABLE;
  }

  /** Send a reply; the objects it names stay alive until the client's next request. */
  #reply(session: Session, kind: string, payload: unknown): void {
    let bytes: Uint8Array;
    let refs: readonly ProxyRef[];
    try {
      [bytes, refs] = collectProxyRefs(dumps, tuple(kind, payload));
    } catch (err) {
      [bytes, refs] = [dumps(tuple('#UNSERIALIZABLE', tracebackText('pickle.PicklingError', (err as Error).message))), []];
    }
    if (refs.length > 0) this.#objects.noteRefs(refs, session.pins);
    if (!session.conn.closed) session.conn.sendBytes(bytes);
  }

  async #serverCall(session: Session, funcname: string, args: unknown[], kwds: Kwds): Promise<void> {
    let result: unknown;
    try {
      if (!PUBLIC.has(funcname) && !this.#functions.has(funcname)) throw new PyException('builtins.AssertionError', [`${pyRepr(funcname, 0)} unrecognized`]);
      result = await this.#serverFunction(funcname, args, kwds, session);
    } catch (err) {
      this.#reply(session, '#TRACEBACK', errorTraceback(err));
      return;
    }
    this.#repin(session);
    this.#reply(session, '#RETURN', result ?? null);
    if (funcname === 'shutdown') {
      // CPython's shutdown replies twice (once itself, once on the generic path).
      this.#reply(session, '#RETURN', null);
      setImmediate(() => void this.close());
    }
  }

  async #serverFunction(funcname: string, args: unknown[], kwds: Kwds, session: Session): Promise<unknown> {
    switch (funcname) {
      case 'create': {
        if (args.length < 1 || typeof args[0] !== 'string') throw new PyException('builtins.TypeError', ['create() needs a typeid']);
        const [ident, exposed] = await this.create(args[0], args.slice(1), kwds, session.pins.size > 0);
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
        return Tuple.from(this.#entry(id).exposed);
      }
      case 'number_of_objects':
        return this.#objects.size;
      case 'debug_info':
        return this.#objects.entries().map(([id, e]) => `  ${id}:       refcount=${e.refcount}\n    ${e.servant.repr().slice(0, 75)}`).join('\n');
    }
    const added = this.#functions.get(funcname);
    if (added !== undefined) return added(args, kwds);
    // dummy, accept_connection, shutdown
    return null;
  }

  #entry(ident: string): Entry {
    const entry = this.#objects.get(ident);
    if (entry === undefined) throw new PyException('builtins.KeyError', [ident]);
    return entry;
  }

  /**
   * @internal Create an object of `typeid` (refcount 1, held by the caller): [ident, exposed].
   * `holdsRefs`: its arguments carried proxies to this server's objects.
   */
  async create(typeid: string, args: unknown[], kwds: Kwds, holdsRefs = false): Promise<[string, string[]]> {
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
    return this.#objects.register(obj, typeid, reg, () => servantFor(obj, reg.exposed), holdsRefs);
  }

  /** @internal */
  incref(ident: string): void {
    if (!this.#objects.incref(ident)) throw new PyException('builtins.KeyError', [ident]);
  }

  /** @internal */
  decref(ident: string): void {
    if (!this.#objects.decref(ident)) throw new PyException('builtins.KeyError', [ident]);
  }

  /** @internal The client refcount of an ident (tests, debug). */
  refcount(ident: string): number | undefined {
    return this.#objects.refcount(ident);
  }

  // --- a persistent connection ---------------------------------------------------------------

  async #serveClient(session: Session): Promise<void> {
    for (;;) {
      const request = await this.#nextRequest(session);
      if (request === undefined) return;
      if (request === UNREADABLE) continue;
      const [ident, method, args, kwds] = request;
      const [kind, payload] = await this.#objectCall(ident, method, args, kwds, session);
      if (session.ctx.signal.aborted) return;
      this.#repin(session);
      this.#reply(session, kind, payload);
      this.#poller?.schedule();
    }
  }

  async #objectCall(ident: string | null, method: string, args: unknown[], kwds: Kwds, session: Session): Promise<[string, unknown]> {
    const entry = ident === null ? undefined : this.#objects.get(ident);
    if (entry === undefined) return ['#TRACEBACK', tracebackText('builtins.KeyError', pyRepr(ident, 0), '  (no object with this ident: released, or never created)')];
    if (!entry.exposed.has(method)) return this.#fallback(entry, method);
    let result: unknown;
    try {
      result = await entry.servant.call(method, args, kwds, session.ctx);
    } catch (err) {
      return ['#ERROR', toPyException(err)];
    } finally {
      // The call may have let go of an object this one held.
      if (entry.holdsRefs) this.#objects.changed();
    }
    const typeid = entry.methodToTypeid?.[method];
    if (typeid === undefined) return ['#RETURN', result ?? null];
    try {
      const [rident, rexposed] = await this.create(typeid, [result], new Map(), entry.holdsRefs);
      return ['#PROXY', tuple(Tuple.from(rexposed), new Token(typeid, this.address, rident))];
    } catch (err) {
      return ['#TRACEBACK', errorTraceback(err)];
    }
  }

  /** CPython's fallbacks for names that are not exposed: str, repr, and #GETVALUE. */
  #fallback(entry: Entry, method: string): [string, unknown] {
    try {
      if (method === '__str__' || method === '__repr__') return ['#RETURN', entry.servant.repr()];
      if (method === '#GETVALUE') return ['#RETURN', entry.servant.getValue()];
    } catch (err) {
      return ['#ERROR', toPyException(err)];
    }
    return ['#TRACEBACK', tracebackText('builtins.AttributeError', `method '${method}' of ${entry.typeid} object is not in exposed=${pyRepr(Tuple.from(entry.exposed), 0)}`)];
  }
}
