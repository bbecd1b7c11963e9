// The values managers put in pickles besides plain data: Token (which object, where), proxy
// references (a proxy pickled inside a value: RebuildProxy), Namespace and Value snapshots.
// CPython: Token, RebuildProxy, Namespace, Value in Lib/multiprocessing/managers.py.
// Wire layouts: shared/spec/python-wire.md sections 3.11, 3.12 and 4.4.

import { registerClass, registerGlobal, tuple, PyGlobal } from '../pickle/index.js';
import type { Address } from '../connection/listener.js';

const MODULE = 'multiprocessing.managers';

/**
 * Names one object held by a manager server: its type id, the server's address and its ident.
 * Python: multiprocessing.managers.Token
 */
export class Token {
  /** Python: `Token(typeid, address, id)` */
  constructor(
    /** The registered type id, e.g. `'dict'` or `'get_task_queue'`. Python: `Token.typeid` */
    public typeid: string,
    /** The address of the server that holds the object. Python: `Token.address` */
    public address: Address,
    /** The object's ident on that server (an opaque string). Python: `Token.id` */
    public id: string,
  ) {}

  /** `Token(typeid=…, address=…, id=…)`, as Python's `Token.__repr__`. */
  toString(): string {
    return `Token(typeid=${JSON.stringify(this.typeid)}, address=${JSON.stringify(this.address)}, id=${JSON.stringify(this.id)})`;
  }
}

/** A Python address as it travels in a Token: `(host, port)` or a path. */
export function addressToPy(address: Address): unknown {
  return typeof address === 'string' ? address : tuple(address[0], address[1]);
}

/** Our Address from a Python one. */
export function addressFromPy(value: unknown): Address {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'number') return [value[0], value[1]];
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8'); // abstract/bytes Unix paths
  throw new TypeError(`A Token carries an address that is neither (host, port) nor a path: ${String(value)}`);
}

/** Whether two addresses name the same server: the same path, or the same port (a server bound to every interface names itself 0.0.0.0). */
export function sameServer(a: unknown, b: Address): boolean {
  let x: Address;
  try {
    x = addressFromPy(a);
  } catch {
    return false;
  }
  if (typeof x === 'string' || typeof b === 'string') return x === b;
  return x[1] === b[1];
}

function tokenFromState(state: unknown): Token {
  if (!(Array.isArray(state) && state.length === 3 && typeof state[0] === 'string' && typeof state[2] === 'string')) {
    throw new TypeError('Token state must be (typeid, address, id)');
  }
  return new Token(state[0], addressFromPy(state[1]), state[2]);
}

/**
 * A proxy pickled inside a value (`d['sub'] = other_proxy` in Python): kept as data, and written
 * back unchanged. `func` is the proxy class Python names (e.g. `ListProxy`, `AutoProxy`).
 * Python: RebuildProxy(func, token, serializer, kwds)
 */
export class ProxyRef {
  /** Python: `RebuildProxy(func, token, serializer, kwds)` as a pickle carries it. */
  constructor(
    /** The proxy class Python names, e.g. `multiprocessing.managers.ListProxy`. */
    readonly func: PyGlobal,
    /** Which object, on which server. Python: `RebuildProxy`'s `token` */
    readonly token: Token,
    /** Python's serializer name: `'pickle'` (the only one that crosses to TypeScript). */
    readonly serializer: string = 'pickle',
    /** The keyword arguments of the proxy class, e.g. `exposed` for an AutoProxy. Python: `RebuildProxy`'s `kwds` */
    readonly kwds: Map<unknown, unknown> = new Map(),
  ) {}
}

/**
 * Python's attribute bag: what `getValue()` of a Namespace proxy returns.
 * Python: multiprocessing.managers.Namespace
 */
export class Namespace {
  [attribute: string]: unknown;

  /** Python: `Namespace(**kwds)`: each entry becomes an attribute. */
  constructor(attributes: Record<string, unknown> | Map<string, unknown> = {}) {
    const entries = attributes instanceof Map ? attributes.entries() : Object.entries(attributes);
    for (const [k, v] of entries) this[k] = v;
  }
}

/**
 * A snapshot of a managed Value (what `getValue()` of a Value proxy returns).
 * Python: multiprocessing.managers.Value
 */
export class ManagedValue<T = unknown> {
  /** Python: `managers.Value(typecode, value)` */
  constructor(
    /** The array-module type code Python gave, e.g. `'i'` or `'d'`. Python: `Value._typecode` */
    public typecode: string,
    /** The value when the snapshot was taken. Python: `Value.value` */
    public value: T,
  ) {}
}

/**
 * @internal Implemented by proxies: the reference a proxy pickles as (a proxy put inside a value
 * travels as Python's RebuildProxy, and the receiver rebuilds a proxy of its own).
 */
export const AS_PROXY_REF: unique symbol = Symbol('multiprocessing-ts proxy reference');

interface RefLike {
  [AS_PROXY_REF](): ProxyRef;
}

function refOf(v: unknown): ProxyRef | undefined {
  if (v instanceof ProxyRef) return v;
  if (typeof v === 'object' && v !== null && AS_PROXY_REF in v) return (v as RefLike)[AS_PROXY_REF]();
  return undefined;
}

// While a client reads a reply, what a proxy reference inside it becomes (a proxy of its own).
let rebuilding: ((ref: ProxyRef) => unknown) | undefined;

/** @internal Run `fn` (which unpickles) with proxy references rebuilt by `rebuild`. */
export function rebuildingProxies<T>(rebuild: (ref: ProxyRef) => unknown, fn: () => T): T {
  const outer = rebuilding;
  rebuilding = rebuild;
  try {
    return fn();
  } finally {
    rebuilding = outer;
  }
}

/** Parses RebuildProxy's arguments. */
function proxyRefFromArgs(args: unknown[]): ProxyRef {
  const [func, token, serializer, kwds] = args;
  if (!(func instanceof PyGlobal) || !(token instanceof Token)) throw new TypeError('RebuildProxy needs a proxy class and a Token');
  return new ProxyRef(func, token, typeof serializer === 'string' ? serializer : 'pickle', kwds instanceof Map ? kwds : new Map());
}


// Proxy classes Python may name as RebuildProxy's first argument: values only, never called.
const PROXY_CLASSES = [
  'AutoProxy', 'BaseProxy', 'ListProxy', 'DictProxy', 'NamespaceProxy', 'ValueProxy', 'IteratorProxy', 'AcquirerProxy',
  'EventProxy', 'ConditionProxy', 'BarrierProxy', 'ArrayProxy', 'PoolProxy', 'SetProxy',
];

// While a server reads a request or writes a reply, the proxy references in it are noted here:
// the server keeps the objects they name alive (as Python's server does for proxies held by its objects).
// (One buffer for every collection, nested ones included: most messages carry no proxy, and
// then nothing is allocated.)
const found: ProxyRef[] = [];
let collecting = 0;
const NONE: readonly ProxyRef[] = Object.freeze([]);

/** @internal Run `fn(arg)` (which unpickles or pickles), and return the ProxyRefs it met too. */
export function collectProxyRefs<A, T>(fn: (arg: A) => T, arg: A): [T, readonly ProxyRef[]] {
  const start = found.length;
  collecting++;
  try {
    const value = fn(arg);
    return [value, found.length === start ? NONE : found.slice(start)];
  } finally {
    collecting--;
    found.length = start;
  }
}

function noteFound(ref: ProxyRef): void {
  if (collecting > 0) found.push(ref);
}

let registered = false;

/** @internal Allow the manager classes in pickles (idempotent). */
export function registerManagerPickles(): void {
  if (registered) return;
  registered = true;
  for (const name of PROXY_CLASSES) registerGlobal(`${MODULE}.${name}`);
  registerClass(`${MODULE}.Token`, (_args, state) => tokenFromState(state), {
    test: (v) => v instanceof Token,
    reduce: (t: Token) => ({ module: MODULE, name: 'Token', args: [], state: tuple(t.typeid, addressToPy(t.address), t.id), newobj: true }),
  });
  registerClass(
    `${MODULE}.RebuildProxy`,
    (args) => {
      const ref = proxyRefFromArgs(args);
      noteFound(ref);
      return rebuilding === undefined ? ref : rebuilding(ref);
    },
    {
      test: (v) => refOf(v) !== undefined,
      reduce: (v: unknown) => {
        const r = refOf(v) as ProxyRef;
        noteFound(r);
        return { module: MODULE, name: 'RebuildProxy', args: [r.func, r.token, r.serializer, r.kwds], newobj: false };
      },
    },
  );
  registerClass(
    `${MODULE}.Namespace`,
    (_args, state) => new Namespace(state instanceof Map ? (state as Map<string, unknown>) : {}),
    {
      test: (v) => v instanceof Namespace,
      reduce: (ns: Namespace) => ({ module: MODULE, name: 'Namespace', args: [], state: new Map(Object.entries(ns)), newobj: true }),
    },
  );
  registerClass(
    `${MODULE}.Value`,
    (_args, state) => {
      const dict = state instanceof Map ? state : new Map();
      return new ManagedValue(String(dict.get('_typecode') ?? ''), dict.get('_value'));
    },
    {
      test: (v) => v instanceof ManagedValue,
      reduce: (v: ManagedValue) => ({ module: MODULE, name: 'Value', args: [], state: new Map<string, unknown>([['_typecode', v.typecode], ['_value', v.value]]), newobj: true }),
    },
  );
}

registerManagerPickles();

