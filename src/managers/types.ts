// Shared shapes of the managers: registrations, options. CPython: BaseManager._registry entries
// (callable, exposed, method_to_typeid, proxytype) in Lib/multiprocessing/managers.py.

import type { Address } from '../connection/listener.js';
import type { Kwds } from './args.js';

/** A proxy class: what `register(..., { proxytype })` takes. Built by the client from a create reply. Python: the `proxytype` argument of `register` */
export interface ProxyClass<P = unknown> {
  /** Called by the client with the token, connection and exposed names. Python: `proxytype(token, serializer, manager=, authkey=, exposed=)` */
  new (init: ProxyInit): P;
}

/** @internal What a proxy is built from. */
export interface ProxyInit {
  readonly token: import('./token.js').Token;
  readonly client: import('./client.js').ManagerClient;
  readonly exposed: readonly string[] | undefined;
  /** Whether this proxy owns a reference on the server (released by `release()`). */
  readonly owned: boolean;
}

/** Options of `BaseManager.register`. Python: the keyword arguments of `BaseManager.register` */
export interface RegisterOptions {
  /** Method names clients may call (default: the object's public methods, or the servant's list). Python: `exposed` */
  exposed?: readonly string[];
  /** Methods whose results are returned as proxies of the given typeid (Python's `method_to_typeid`). */
  methodToTypeid?: Readonly<Record<string, string>>;
  /** The proxy class clients build for this typeid (default: AutoProxy). Python: `proxytype` */
  proxytype?: ProxyClass;
  /** Add a method named `typeid` to the manager (default true). Python: `create_method` */
  createMethod?: boolean;
}

/** A registered type: how the server makes it, and how clients see it. Python: an entry of `BaseManager._registry` */
export interface Registration {
  /** Server side: the user's callable (its keyword arguments arrive as a trailing options object). Python: `callable` */
  readonly callable: ((...args: never[]) => unknown) | undefined;
  /** @internal Server side: Python-shaped factory (args, kwds), for the SyncManager types. */
  readonly factory?: (args: unknown[], kwds: Kwds) => unknown;
  /** The method names clients may call. Python: the registry's `exposed` */
  readonly exposed: readonly string[] | undefined;
  /** Methods whose results come back as proxies of the given typeid. Python: `method_to_typeid` */
  readonly methodToTypeid: Readonly<Record<string, string>> | undefined;
  /** The proxy class clients build. Python: `proxytype` */
  readonly proxytype: ProxyClass | undefined;
  /** Whether the manager has a method named after the typeid. Python: `create_method` */
  readonly createMethod: boolean;
}

/** Options of a manager server. Python: what `Server(registry, address, authkey, serializer)` takes; these two are ours */
export interface ServerOptions {
  /** Largest frame accepted from a client, in bytes (default 128 MiB); a longer one drops that connection. No Python twin (Python reads frames of any size). */
  maxFrameBytes?: number;
  /** Milliseconds a client has to complete the handshake (default 10,000; Python waits forever). */
  handshakeTimeout?: number;
  /**
   * Where the server reports why it dropped a connection (bad authkey, malformed frame, refused
   * pickle...). Default: one line on stderr.
   * No Python twin (Python logs through `multiprocessing.util`).
   */
  log?: (message: string) => void;
}

/** Options of `new BaseManager(...)`. Python: `BaseManager(address=None, authkey=None, …)` */
export interface ManagerOptions extends ServerOptions {
  /** `[host, port]` (port 0: any free port) or a Unix socket path. Default `['127.0.0.1', 0]`. Python: `address` */
  address?: Address;
  /** The shared secret; required to listen beyond loopback. Default: 32 random bytes (start only). Python: `authkey` (bytes; a string here is UTF-8 encoded) */
  authkey?: string | Uint8Array;
}

export type { Address, Kwds };
