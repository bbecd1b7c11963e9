// local(): thread-local data with Python's meaning. CPython: Lib/_threading_local.py (local).
//
// In Python all threads share one heap, so threading.local has to keep one namespace per thread
// behind a single object. In Node every worker thread has its own isolate, so every object is
// already private to the thread that made it: what a `local` adds is what happens when one crosses
// to another thread. Python's answer is that the other thread sees the same local with its own
// (at first empty) attributes; here a local travels as a handle with an identity, and arrives as
// the receiving thread's own namespace for that identity: empty the first time, the same object
// every later time, and the original object (with its values) back in the thread that made it.

import { randomUUID } from 'node:crypto';
import { registerHandleType } from '../codec/handles.js';

const ids = new WeakMap<ThreadLocal, string>();
const byId = new Map<string, WeakRef<ThreadLocal>>();
const forget = new FinalizationRegistry<string>((id) => {
  if (byId.get(id)?.deref() === undefined) byId.delete(id);
});

function remember(local: ThreadLocal, id: string): void {
  ids.set(local, id);
  byId.set(id, new WeakRef(local));
  forget.register(local, id);
}

/**
 * Data private to each thread: the class behind {@link local}. Subclass it for fields with
 * initial values (a module-level instance is made again, with them, in every thread that imports
 * the module). A subclass instance sent to another thread arrives there as a plain ThreadLocal.
 * @example
 * class Counters extends ThreadLocal { hits = 0; }
 * const counters = new Counters(); // module level: 0 hits in every thread, counted per thread
 *
 * Python: threading.local
 */
export class ThreadLocal {}

registerHandleType<ThreadLocal, { id: string }>(ThreadLocal, {
  name: 'ThreadLocal',
  module: import.meta.url,
  reduce(local) {
    let id = ids.get(local);
    if (id === undefined) remember(local, (id = randomUUID()));
    return { id };
  },
  rebuild({ id }) {
    const known = byId.get(id)?.deref();
    if (known !== undefined) return known;
    const fresh = new ThreadLocal();
    remember(fresh, id);
    return fresh;
  },
});

/**
 * An object whose attributes are private to each thread, as Python's `threading.local()`.
 *
 * Made at module level, it is per thread the way Python's is: each worker thread imports the
 * module afresh (Node threads share no JavaScript objects), so each has its own, empty until it
 * sets something. Sent to another thread (in a Thread's `args`, through a Queue), it arrives as
 * that thread's own, at first empty, view of the same local; sent back, the thread that made it
 * finds its own object with its values. Within one thread, every async task sees the same values,
 * as every coroutine of a Python thread does.
 * @example
 * // tasks.ts, run by threads as fromModule(import.meta.url, 'processThread')
 * const localSchool = local<{ student: string }>();
 * export function processThread(name: string): void {
 *   localSchool.student = name;                    // this thread's student only
 *   console.log(`Hello,${localSchool.student} (in ${currentThread().name})`);
 * }
 *
 * Python: threading.local()
 */
export function local<T extends object = Record<string, unknown>>(): ThreadLocal & Partial<T> {
  return new ThreadLocal() as ThreadLocal & Partial<T>;
}
