// multiprocessing-ts/connection: Listener, Client and Connection over sockets, wire-compatible
// with Python's multiprocessing.connection (framing, HMAC handshake, pickled objects).
export { Listener, Client } from './connection/listener.js';
export type { Address, ConnectionOptions } from './connection/listener.js';
export { Connection } from './connection/socket-connection.js';
export { wait } from './connection/wait.js';
export type { Waitable } from './connection/wait.js';
export { AuthenticationError, EOFError, BufferTooShort, UnpicklingError, PicklingError, TimeoutError, ValueError } from './errors.js';
// The pickle codec connections and managers speak: Python's values as data, nothing executed.
export { dumps, loads, registerClass, registerGlobal, Tuple, tuple, FrozenSet, PyObject, PyException, PyGlobal, PyRange, PyIterator } from './pickle/index.js';
export type { LoadOptions, DumpOptions, ClassBuilder, Reduction, Reducer } from './pickle/index.js';
