// The objects a manager server holds: idents, client reference counts, and which objects other
// objects hold. CPython: Server.id_to_obj, id_to_refcount and id_to_local_proxy_obj in
// Lib/multiprocessing/managers.py.
//
// Clients count their references (create, incref, decref). An object can also be held by another
// one: a list that holds a proxy to a queue (a proxy pickled inside a value) keeps the queue
// alive. CPython keeps every object ever held that way until the server stops; here an object
// with no client reference lives as long as a live object holds it, so removing the item,
// overwriting it or freeing its holder frees it, and objects that only hold each other are freed
// together. What is held is found by marking from the objects clients hold, through the objects
// that ever received a proxy: soon after something may have let one go, and at once before the
// server counts or lists its objects.

import { LocalQueue } from './primitives.js';
import type { Servant } from './servants.js';
import { ManagedValue, Namespace, ProxyRef } from './token.js';
import type { Registration } from './types.js';
import { PyException, PyIterator, PyObject } from '../pickle/index.js';

/** One object the server holds. */
export interface Entry {
  readonly servant: Servant;
  readonly typeid: string;
  readonly exposed: ReadonlySet<string>;
  readonly methodToTypeid: Readonly<Record<string, string>> | undefined;
  /** References held by clients (create's first one included). */
  refcount: number;
  /** A proxy to it was seen inside a value: another object may hold it. */
  referenced: boolean;
  /** It received a proxy to an object of this server: it may hold one. */
  holdsRefs: boolean;
}

/** Call `visit` on each proxy reference inside `value` (lists, tuples, dicts, sets, objects). */
export function forEachRef(value: unknown, visit: (ref: ProxyRef) => void, seen = new Set<object>()): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  const inner = (v: unknown): void => forEachRef(v, visit, seen);
  if (value instanceof ProxyRef) visit(value);
  else if (Array.isArray(value) || value instanceof Set) for (const v of value) inner(v);
  else if (value instanceof Map) {
    for (const [k, v] of value) {
      inner(k);
      inner(v);
    }
  } else if (value instanceof Namespace) for (const v of Object.values(value)) inner(v);
  else if (value instanceof ManagedValue) inner(value.value);
  else if (value instanceof PyObject || value instanceof PyException) {
    inner(value.args);
    inner(value.state);
  } else if (value instanceof LocalQueue) inner(value.snapshot());
  else if (value instanceof PyIterator) inner(value.remaining());
}

const MAX_SWEEP_DELAY_MS = 1000;

/** Objects kept alive for a message in flight: ident → how many references to it the message carries. */
export type Pins = Map<string, number>;

export class ObjectTable {
  readonly #objects = new Map<string, Entry>();
  readonly #identOf = new Map<unknown, string>();
  /** Per connection: the objects its current request or its last reply names, with how many times. */
  readonly #pins = new Set<Pins>();
  #nextIdent = 0;
  #sweep: NodeJS.Timeout | undefined;
  #lastSweepCost = 0;

  /** @param isOwn Whether a proxy reference names an object of this server. */
  constructor(readonly isOwn: (ref: ProxyRef) => boolean) {}

  get(ident: string): Entry | undefined {
    return this.#objects.get(ident);
  }

  /** How many objects are alive (after freeing those nothing holds). */
  get size(): number {
    this.sweepNow();
    return this.#objects.size;
  }

  /** Every live object, by ident (after freeing those nothing holds). */
  entries(): [string, Entry][] {
    this.sweepNow();
    return [...this.#objects];
  }

  /**
   * Hold `obj` for a client: a new ident, or the one it already has (the same JS object is one
   * object), with one more client reference. Returns the ident and the exposed names.
   */
  register(obj: unknown, typeid: string, reg: Registration, makeServant: () => Servant, holdsRefs: boolean): [string, string[]] {
    const shared = typeof obj === 'object' && obj !== null;
    let ident = shared ? this.#identOf.get(obj) : undefined;
    let entry = ident === undefined ? undefined : this.#objects.get(ident);
    if (entry === undefined || ident === undefined) {
      ident = (++this.#nextIdent).toString(16).padStart(8, '0');
      const servant = makeServant();
      entry = { servant, typeid, exposed: new Set(servant.exposed), methodToTypeid: reg.methodToTypeid, refcount: 0, referenced: false, holdsRefs: false };
      this.#objects.set(ident, entry);
      if (shared) this.#identOf.set(obj, ident);
    }
    entry.holdsRefs ||= holdsRefs;
    entry.refcount++;
    // method_to_typeid keys are appended, duplicates kept, as CPython lists them.
    return [ident, [...entry.servant.exposed, ...Object.keys(reg.methodToTypeid ?? {})]];
  }

  /** One more client reference (an object only others held becomes a client's again, as in CPython). */
  incref(ident: string): boolean {
    const entry = this.#objects.get(ident);
    if (entry === undefined) return false;
    entry.refcount++;
    // Most likely the reference a client takes on a proxy some reply gave it: that pin has done its job.
    for (const pins of this.#pins) {
      const n = pins.get(ident);
      if (n === undefined) continue;
      if (n > 1) pins.set(ident, n - 1);
      else pins.delete(ident);
      break;
    }
    return true;
  }

  /** One client reference less; false for an unknown ident. */
  decref(ident: string): boolean {
    const entry = this.#objects.get(ident);
    if (entry === undefined) return false;
    // An object only other objects hold: CPython skips such a decref too.
    if (entry.refcount === 0) return true;
    if (--entry.refcount > 0) return true;
    if (entry.referenced) this.changed();
    else this.#free(ident, entry);
    return true;
  }

  /** @internal A client's reference count (tests, debug). */
  refcount(ident: string): number | undefined {
    return this.#objects.get(ident)?.refcount;
  }

  /**
   * Note the proxy references a request or a reply carries: the objects they name may be held
   * from now on, `holder` (the object called) may hold them, and `pins` keeps them alive meanwhile:
   * a request's while it is handled; a reply's until the client has taken its own references
   * (its increfs), sent its next request on that connection, or gone.
   */
  noteRefs(refs: readonly ProxyRef[], pins: Pins, holder?: Entry): boolean {
    let any = false;
    for (const ref of refs) {
      if (!this.isOwn(ref)) continue;
      const ident = ref.token.id;
      const entry = this.#objects.get(ident);
      if (entry === undefined) continue;
      entry.referenced = true;
      pins.set(ident, (pins.get(ident) ?? 0) + 1);
      any = true;
    }
    if (any && holder !== undefined) holder.holdsRefs = true;
    return any;
  }

  /** A new set of pins, kept until `unpin`. */
  pin(): Pins {
    const pins: Pins = new Map();
    this.#pins.add(pins);
    return pins;
  }

  unpin(pins: Pins): void {
    this.#pins.delete(pins);
    if (pins.size > 0) this.changed();
  }

  /** Something may have let go of a held object: free what nothing holds, soon. */
  changed(): void {
    if (this.#sweep !== undefined) return;
    // The longer the last sweep, the longer the wait: sweeping stays a small share of the work.
    const delay = Math.min(MAX_SWEEP_DELAY_MS, this.#lastSweepCost / 1000);
    this.#sweep = setTimeout(() => this.sweepNow(), delay);
    this.#sweep.unref();
  }

  /** Free every object that no client and no live object holds. */
  sweepNow(): void {
    if (this.#sweep === undefined) return;
    clearTimeout(this.#sweep);
    this.#sweep = undefined;
    const reached = new Set<string>();
    const work: string[] = [];
    const reach = (ident: string): void => {
      if (!reached.has(ident) && this.#objects.has(ident)) {
        reached.add(ident);
        work.push(ident);
      }
    };
    for (const [ident, entry] of this.#objects) if (entry.refcount > 0) reach(ident);
    for (const pins of this.#pins) for (const ident of pins.keys()) reach(ident);
    const seen = new Set<object>();
    for (let ident = work.pop(); ident !== undefined; ident = work.pop()) {
      const entry = this.#objects.get(ident) as Entry;
      if (!entry.holdsRefs) continue;
      forEachRef(entry.servant.contents(), (ref) => {
        if (this.isOwn(ref)) reach(ref.token.id);
      }, seen);
    }
    this.#lastSweepCost = seen.size + this.#objects.size;
    for (const [ident, entry] of [...this.#objects]) if (!reached.has(ident)) this.#free(ident, entry);
  }

  #free(ident: string, entry: Entry): void {
    this.#objects.delete(ident);
    if (this.#identOf.get(entry.servant.target) === ident) this.#identOf.delete(entry.servant.target);
    // What it held may now be held by nothing.
    if (entry.holdsRefs) this.changed();
  }

  clear(): void {
    clearTimeout(this.#sweep);
    this.#sweep = undefined;
    this.#objects.clear();
    this.#identOf.clear();
    this.#pins.clear();
  }
}
