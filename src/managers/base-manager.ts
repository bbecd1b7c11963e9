// BaseManager: register types, serve them (start / getServer().serveForever()), or connect to a
// server somewhere else (ours or Python's), and create objects there through proxies.
// CPython: BaseManager in Lib/multiprocessing/managers.py.
//
// Where start() runs the server: in THIS process, not a child. Registered callables are
// closures (`() => taskQueue`) over this program's objects; a child process could not run
// them, so Python's fork-based trick has no JS equivalent. The server costs the event loop
// nothing while idle, and no call blocks it: every wait on the server is a Promise, and each
// connection is served on its own.

import { randomBytes } from 'node:crypto';
import { ValueError } from '../errors.js';
import type { Address } from '../connection/listener.js';
import type { Kwds } from './args.js';
import { ManagerClient } from './client.js';
import { buildProxy, type BaseProxy } from './proxy.js';
import { Server } from './server.js';
import { Token } from './token.js';
import type { ManagerOptions, ProxyClass, Registration, RegisterOptions } from './types.js';
import { isLoopback, keyOf } from '../connection/address.js';

const registries = new WeakMap<object, Map<string, Registration>>();

type State = 'initial' | 'started' | 'connected' | 'serving' | 'shutdown';

/**
 * A manager: serves registered types, or connects to a server that does.
 *
 * Registered typeids become async methods of the instance (`await m.get_task_queue()`); declare
 * them on your subclass to type them:
 * @example
 * class QueueManager extends BaseManager {
 *   declare get_task_queue: () => Promise<QueueProxy<number>>;
 * }
 * QueueManager.register('get_task_queue', () => taskQueue);
 * const m = new QueueManager({ address: ['127.0.0.1', 5000], authkey: 'key' });
 * await m.start();
 * const q = await m.get_task_queue();
 *
 * Python: multiprocessing.managers.BaseManager
 */
export class BaseManager {
  readonly #options: ManagerOptions;
  readonly #authkey: Uint8Array;
  readonly #explicitKey: boolean;
  #server: Server | undefined;
  #client: ManagerClient | undefined;
  #state: State = 'initial';

  /** Python: `BaseManager(address=None, authkey=None, serializer='pickle', ctx=None, *, shutdown_timeout=1.0)`; `serializer` is always pickle here. */
  constructor(options: ManagerOptions = {}) {
    this.#options = { ...options };
    const key = keyOf(options.authkey);
    this.#explicitKey = key !== undefined;
    // Python's default is the process's authkey; ours is random per manager (children get it with the proxies they are passed).
    this.#authkey = key ?? new Uint8Array(randomBytes(32));
  }

  /** The types registered on this class (and inherited ones). @internal */
  static registry(): ReadonlyMap<string, Registration> {
    for (let cls: object | null = this as object; cls !== null; cls = Object.getPrototypeOf(cls) as object | null) {
      const own = registries.get(cls);
      if (own !== undefined) return own;
    }
    return new Map();
  }

  /**
   * Register a type: on a server, `callable(...args)` makes the object (`undefined`: the object
   * comes with the request, for `methodToTypeid` results); on a client, only the typeid matters.
   * Unless `createMethod: false`, managers of this class get a method named `typeid`.
   * (Subclasses get a copy of the registry on their first register, as in Python.)
   */
  static register(typeid: string, callable?: (...args: never[]) => unknown, options: RegisterOptions = {}): void {
    if (typeof typeid !== 'string' || typeid === '') throw new TypeError('Expected "typeid" to be a non-empty string');
    if (callable !== undefined && typeof callable !== 'function') throw new TypeError(`Expected "callable" of ${typeid} to be a function`);
    let own = registries.get(this);
    if (own === undefined) registries.set(this, (own = new Map(this.registry())));
    const reg: Registration = {
      callable,
      exposed: options.exposed,
      methodToTypeid: options.methodToTypeid,
      proxytype: options.proxytype,
      createMethod: options.createMethod ?? true,
    };
    own.set(typeid, reg);
    if (reg.createMethod) {
      Object.defineProperty(this.prototype, typeid, {
        configurable: true,
        writable: true,
        value: function (this: BaseManager, ...args: unknown[]): Promise<BaseProxy> {
          return this.create(typeid, args);
        },
      });
    }
  }

  /** @internal Register with a Python-shaped factory (SyncManager's types). */
  protected static registerFactory(typeid: string, factory: (args: unknown[], kwds: Kwds) => unknown, options: RegisterOptions = {}): void {
    this.register(typeid, undefined, { ...options, createMethod: false });
    const own = registries.get(this) as Map<string, Registration>;
    own.set(typeid, { ...(own.get(typeid) as Registration), factory });
  }

  /** The manager's address: the server's bound one once started (with the real port). Python: `BaseManager.address` */
  get address(): Address {
    if (this.#server !== undefined) {
      const a = this.#server.address;
      // A server bound to every interface is reached on loopback from here.
      if (typeof a !== 'string' && (a[0] === '0.0.0.0' || a[0] === '::' || a[0] === '')) return ['127.0.0.1', a[1]];
      return a;
    }
    return this.#options.address ?? ['127.0.0.1', 0];
  }

  /** The key clients and server authenticate with. Python: `BaseManager._authkey` */
  get authkey(): Uint8Array {
    return this.#authkey;
  }

  #checkAddress(): Address {
    const address = this.#options.address ?? ['127.0.0.1', 0];
    if (typeof address !== 'string' && !isLoopback(address[0]) && !this.#explicitKey) {
      throw new ValueError(`Refusing to serve on ${address[0] || 'every interface'} without an explicit authkey: anyone who can reach it could call its objects. Pass { authkey }, or use 127.0.0.1`, { code: 'ERR_MP_NO_AUTHKEY' });
    }
    return address;
  }

  /**
   * A server for the registered types, not yet listening: `await server.serveForever()` runs it
   * until a client asks it to shut down (or `server.close()`).
   * Python: `BaseManager.get_server`
   */
  getServer(): Server {
    if (this.#state !== 'initial') throw new ValueError(`Cannot getServer() on a manager that is ${this.#state}`, { code: 'ERR_MP_BAD_STATE' });
    const registry = (this.constructor as typeof BaseManager).registry();
    this.#server = new Server(registry, this.#checkAddress(), this.#authkey, this.#options);
    this.#state = 'serving';
    return this.#server;
  }

  /** Start the server (in this process: see the module comment) and connect to it. Python: `BaseManager.start` (which starts a server process) */
  async start(): Promise<void> {
    if (this.#state !== 'initial') throw new ValueError(`Cannot start() a manager that is ${this.#state}`, { code: 'ERR_MP_BAD_STATE' });
    const server = this.getServer();
    try {
      await server.listen();
    } catch (err) {
      this.#state = 'shutdown';
      await server.close();
      throw err;
    }
    this.#client = this.#makeClient(this.address);
    this.#state = 'started';
  }

  /** Connect to a running server (ours or Python's) at `address`. @throws {AuthenticationError} */
  async connect(): Promise<void> {
    if (this.#state !== 'initial') throw new ValueError(`Cannot connect() a manager that is ${this.#state}`, { code: 'ERR_MP_BAD_STATE' });
    if (this.#options.address === undefined) throw new ValueError('connect() needs the server\'s address: new BaseManager({ address, authkey })', { code: 'ERR_MP_BAD_VALUE' });
    if (!this.#explicitKey) throw new ValueError('connect() needs the server\'s authkey: new BaseManager({ address, authkey })', { code: 'ERR_MP_NO_AUTHKEY' });
    const client = this.#makeClient(this.#options.address);
    await client.serverCall('dummy');
    this.#client = client;
    this.#state = 'connected';
  }

  #makeClient(address: Address): ManagerClient {
    const client = new ManagerClient(address, this.#authkey, { handshakeTimeout: this.#options.handshakeTimeout });
    const registry = (this.constructor as typeof BaseManager).registry();
    client.proxytypes = new Map([...registry].map(([typeid, reg]) => [typeid, reg.proxytype]));
    return client;
  }

  /** Stop: a started manager stops its server (its objects are freed); a connected one closes its connections. Python: `BaseManager.shutdown` */
  async shutdown(): Promise<void> {
    if (this.#state === 'shutdown') return;
    this.#state = 'shutdown';
    this.#client?.close();
    await this.#server?.close();
  }

  /** `await using m = new SyncManager(); await m.start()` shuts it down at the end of the block. Python: `with manager:` (`BaseManager.__exit__`) */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  /**
   * Resolves once this manager's server has stopped (after `shutdown()`, or a client's shutdown
   * request), or after `timeout` ms; at once for a manager that has no server here (connected).
   * Python: BaseManager.join (which waits for the server process)
   */
  async join(timeout?: number): Promise<void> {
    const stopped = this.#server?.stopped;
    if (stopped === undefined) return;
    if (timeout === undefined) return stopped;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopped, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeout)))]);
    clearTimeout(timer);
  }

  /** @internal The client of a started or connected manager. */
  get client(): ManagerClient {
    if (this.#client === undefined || (this.#state !== 'started' && this.#state !== 'connected')) {
      throw new ValueError(`The manager is ${this.#state}: start() or connect() it first`, { code: 'ERR_MP_BAD_STATE' });
    }
    return this.#client;
  }

  /**
   * Create an object of a registered `typeid` on the server (`callable(...args, kwds)`) and get a
   * proxy for it. The proxy holds the reference `create` made (Python: `_create` then the proxy).
   */
  async create<P extends BaseProxy = BaseProxy>(typeid: string, args: readonly unknown[] = [], kwds: Kwds = new Map()): Promise<P> {
    const client = this.client;
    const reply = await client.serverCall('create', [typeid, ...args], kwds);
    if (!(Array.isArray(reply) && reply.length === 2 && typeof reply[0] === 'string' && Array.isArray(reply[1]))) {
      throw new ValueError(`The manager answered create(${typeid}) with something that is not (ident, exposed)`, { code: 'ERR_MP_BAD_REPLY' });
    }
    const exposed = (reply[1] as unknown[]).map(String);
    const registered: ProxyClass | undefined = (this.constructor as typeof BaseManager).registry().get(typeid)?.proxytype;
    return buildProxy(new Token(typeid, client.address, reply[0]), client, exposed, true, registered) as P;
  }

  /** How many objects the server holds (Python: `_number_of_objects()`). */
  async numberOfObjects(): Promise<number> {
    return Number(await this.client.serverCall('number_of_objects'));
  }

  /** The server's per-object refcounts, as text (Python: `_debug_info()`). */
  async debugInfo(): Promise<string> {
    return String(await this.client.serverCall('debug_info'));
  }
}
