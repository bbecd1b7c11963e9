// Managers: objects held by a server process (ours or Python's) and used through proxies, over
// CPython's wire protocol. CPython: Lib/multiprocessing/managers.py.
export { BaseManager } from './managers/base-manager.js';
export { SyncManager, Manager } from './managers/sync-manager.js';
export { SharedMemoryManager } from './managers/shared-memory-manager.js';
export { Server } from './managers/server.js';
export {
  BaseProxy, AutoProxy, QueueProxy, DictProxy, ListProxy, NamespaceProxy, ValueProxy, ArrayProxy, AcquirerProxy, ConditionProxy, EventProxy,
  BarrierProxy, IteratorProxy,
} from './managers/proxy.js';
export type { ProxyQueueOptions, ProxyAcquireOptions } from './managers/proxy.js';
export type { Kwds } from './managers/args.js';
export { Token, ProxyRef, Namespace, ManagedValue } from './managers/token.js';
export type { ManagerOptions, ServerOptions, RegisterOptions, ProxyClass, ProxyInit, Registration, Address } from './managers/types.js';
// Python tuples (dict keys, values that must stay tuples); the rest of the codec is in multiprocessing-ts/connection.
export { Tuple, tuple } from './pickle/index.js';
