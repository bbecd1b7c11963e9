// Handing ArrayBuffers over to a worker thread instead of copying them: the move() marker and the
// transfer lists of a task's arguments and of its result. As piscina's Piscina.move.
//
// move() marks the buffer itself (in a registry shared by every copy of the package in this
// thread) and returns it, so that `fn(buf: ArrayBuffer)` still type-checks with `move(buf)`.

/** What {@link move} accepts: an ArrayBuffer, or a view whose whole buffer is handed over. No Python twin. */
export type Movable = ArrayBuffer | ArrayBufferView;

interface Registry {
  readonly marked: WeakSet<object>;
  // Whether move() was ever called in this thread: until then no argument or result is searched.
  used: boolean;
}

const registryKey = Symbol.for('multiprocessing-ts.moved');
const globals = globalThis as typeof globalThis & { [registryKey]?: Registry };
const registry: Registry = (globals[registryKey] ??= { marked: new WeakSet(), used: false });

/**
 * Mark `value` to be handed over, not copied, when it travels to or from a worker thread as an
 * argument or a result: a task's argument (`pool.apply(fn, [move(buf)])`, an item of a map) or
 * what a task returns (`return move(buf)`), at the top level or inside the argument list or an
 * array result. Once sent, the sender's buffer is detached (zero bytes long): don't use it again.
 * A view hands over its whole buffer. On the process backend the value is copied as any other.
 * Returns `value` itself.
 *
 * No Python twin (Python pickles every argument); like piscina's `Piscina.move`.
 * @throws {TypeError} for anything but an ArrayBuffer or an ArrayBuffer view
 */
export function move<T extends Movable>(value: T): T {
  if (!(value instanceof ArrayBuffer) && !ArrayBuffer.isView(value)) {
    throw new TypeError(`Expected move() to be given an ArrayBuffer or a typed array, got ${value === null ? 'null' : typeof value}`);
  }
  registry.marked.add(value);
  registry.used = true;
  return value;
}

/**
 * The buffers move() marked in `value`: `value` itself, or its elements down to `depth` levels of
 * arrays (the arguments of a starmap chunk are two levels down). Empty until move() is used.
 */
export function movedIn(value: unknown, depth: number): readonly ArrayBuffer[] {
  if (!registry.used) return NO_BUFFERS;
  const found: ArrayBuffer[] = [];
  collect(value, depth, found);
  return found;
}

function collect(value: unknown, depth: number, found: ArrayBuffer[]): void {
  if (typeof value !== 'object' || value === null) return;
  if (registry.marked.has(value)) {
    const buffer = value instanceof ArrayBuffer ? value : (value as ArrayBufferView).buffer;
    if (buffer instanceof ArrayBuffer && !found.includes(buffer)) found.push(buffer);
  } else if (depth > 0 && Array.isArray(value)) {
    for (const item of value) collect(item, depth - 1, found);
  }
}

/**
 * The `transfer` option of applyAsync: a list of ArrayBuffers.
 * @throws {TypeError} for anything else
 */
export function transferOption(value: unknown): ArrayBuffer[] {
  if (!Array.isArray(value) || !value.every((item) => item instanceof ArrayBuffer)) {
    throw new TypeError(`Expected "transfer" to be an array of ArrayBuffers, got ${Array.isArray(value) ? 'an array holding something else' : typeof value}`);
  }
  return value;
}

/** An empty transfer list, shared. */
export const NO_BUFFERS: readonly ArrayBuffer[] = Object.freeze([]);

/** The buffers of `explicit` and `moved` together, each once ({@link NO_BUFFERS} when none). */
export function handedOver(explicit: readonly ArrayBuffer[], moved: readonly ArrayBuffer[]): readonly ArrayBuffer[] {
  if (explicit.length === 0 && moved.length === 0) return NO_BUFFERS;
  return joinTransfers([explicit, moved]) ?? NO_BUFFERS;
}

/** The transfer list of `lists` together, each buffer once. */
export function joinTransfers(lists: readonly (readonly ArrayBuffer[])[]): ArrayBuffer[] | undefined {
  let all: ArrayBuffer[] | undefined;
  for (const list of lists) for (const buffer of list) if (!(all ??= []).includes(buffer)) all.push(buffer);
  return all;
}
