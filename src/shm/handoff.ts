// Large messages handed over in a segment of their own instead of being copied through a ring in
// pieces: the writer copies the message into a segment and sends a small descriptor of it through
// the ring; the reader maps the segment and copies the message out. One copy in, one out, and
// neither side waits for the other between pieces.
//
// Who holds a segment. A segment belongs to its writer's process, which keeps it open (a memfd's
// fd, or a named segment's name) until a reader has opened it: a reader attaches through
// /proc/<writer>/fd/<fd> (or the name), which needs the writer alive. So a writer does not exit
// while a segment it handed over is still in a ring (Python's feeder thread likewise flushes a
// queue's buffer into its pipe before its process exits); Queue.cancelJoinThread lifts that.
// A writer killed before its message is taken takes the memory with it (a memfd dies with its
// last holder; the resource tracker unlinks a named one): the reader finds it gone and skips the
// message, as Python loses what its feeder had not written. A reader killed after taking one
// loses that message (as with any get), and its writer reuses the segment once it sees the reader
// dead. Segments are reused (up to a few of moderate size, and one large), and readers keep the
// last few they mapped, since first touching a page costs more than copying it.
//
// A segment: a header of Int32 words, then the message (its tag byte, then its body).
//   0 STATE   FREE, IN_RING (a descriptor of it is in a ring), TAKEN (a reader is copying it
//             out), RETIRED (its writer let it go: readers drop their mapping)
//   1 TOKEN   random, fixed for the segment's life: a descriptor of a reused fd names another segment
//   2 USE     bumped at each reuse: a stale descriptor (a reader died after taking it) is refused
//   3 READER  the pid of the process taking it, so that a writer sees when it died
// A descriptor: writer pid, fd (-1 for a named segment), token, use, segment size, message
// length, then the name (a named segment).

import { randomBytes } from 'node:crypto';
import { asOSError, hasNative, native, platformVariant } from '../addon/binding.js';
import { register, unregister } from '../resource-tracker/tracker.js';
import { processAlive } from './liveness.js';
import { checkSegmentSize } from './memory-limit.js';
import { waitAsync, waitSync, wake } from './waiter.js';

const STATE = 0;
const TOKEN = 1;
const USE = 2;
const READER = 3;
const DATA_AT = 64;

const FREE = 0;
const IN_RING = 1;
const TAKEN = 2;
const RETIRED = 3;

const DESCRIPTOR_BYTES = 32;
// Segments up to this size are kept for reuse, at most POOLED of them per writer and CACHED per reader.
const REUSED_UP_TO = 16 << 20;
const POOLED = 4;
// Of larger ones, up to this size, one is kept (per writer, and mapped per reader): first touching
// the pages of a fresh segment costs more than copying into it, so a program that sends large
// messages again and again reuses one, and holds the memory of at most one.
const LARGE_REUSED_UP_TO = 256 << 20;
const CACHED = 4;
const SMALLEST = 1 << 20;
const EXIT_SLICE_MS = 1000;

/** Whether large messages can be handed over here (segments need the addon). */
export function canHandOver(): boolean {
  return hasNative();
}

/** What a writer's segment is handed over for: whether its process waits at exit until it is taken. */
export interface HandoffOwner {
  joinAtExit: boolean;
}

interface Mapping {
  readonly buffer: SharedArrayBuffer;
  readonly i32: Int32Array;
  readonly bytes: Uint8Array;
  readonly size: number;
}

interface OwnSegment extends Mapping {
  readonly fd: number;
  readonly name: string | undefined;
  readonly token: number;
  owner: HandoffOwner | undefined;
}

function mapping(buffer: SharedArrayBuffer, size: number): Mapping {
  return { buffer, size, i32: new Int32Array(buffer, 0, DATA_AT / 4), bytes: new Uint8Array(buffer) };
}

// ---- the writer's side ----------------------------------------------------------------------------

const own: OwnSegment[] = [];
let exitHooked = false;

function createSegment(size: number): OwnSegment {
  checkSegmentSize(size);
  const b = native();
  let fd: number;
  let name: string | undefined;
  if (platformVariant === 'posix') {
    for (;;) {
      name = `mpts_${process.pid}_${randomBytes(4).toString('hex')}`;
      try {
        fd = b.shmCreate(`/${name}`, size, true);
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== 'EEXIST') throw asOSError(err, `Could not create a shared memory segment of ${size} bytes for a message`, name);
      }
    }
    register(name);
  } else {
    try {
      fd = b.memfdCreate(size, 'mpts-message');
    } catch (err) {
      throw asOSError(err, `Could not create a shared memory segment of ${size} bytes for a message`);
    }
  }
  let buffer: SharedArrayBuffer;
  try {
    buffer = b.mapFd(fd, size);
  } finally {
    if (name !== undefined) b.closeFd(fd);
  }
  const segment: OwnSegment = { ...mapping(buffer, size), fd: name === undefined ? fd : -1, name, token: randomBytes(4).readInt32LE(0) | 1, owner: undefined };
  segment.i32[TOKEN] = segment.token;
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', releaseAllAtExit);
  }
  return segment;
}

function retire(segment: OwnSegment): void {
  const b = native();
  Atomics.store(segment.i32, STATE, RETIRED);
  b.detach(segment.buffer);
  if (segment.name === undefined) b.closeFd(segment.fd);
  else {
    try {
      b.shmUnlink(`/${segment.name}`);
      unregister(segment.name);
    } catch {
      // unlinked already (the tracker): nothing left to release
    }
  }
}

// A segment whose reader died while copying it out is free again.
function freeIfReaderDied(segment: OwnSegment): number {
  const state = Atomics.load(segment.i32, STATE);
  if (state !== TAKEN) return state;
  const reader = Atomics.load(segment.i32, READER);
  if (reader === process.pid || processAlive(reader)) return state;
  return Atomics.compareExchange(segment.i32, STATE, TAKEN, FREE) === TAKEN ? FREE : Atomics.load(segment.i32, STATE);
}

// A free segment of at least `size` bytes (the smallest), after letting go of those not worth keeping.
function freeSegment(size: number): OwnSegment | undefined {
  let best: OwnSegment | undefined;
  let kept = 0;
  let keptLarge = 0;
  for (let i = own.length - 1; i >= 0; i--) {
    const segment = own[i]!;
    if (freeIfReaderDied(segment) !== FREE) continue;
    const large = segment.size > REUSED_UP_TO;
    // A large segment only for a large message: a small one would hold it from the next.
    const fits = segment.size >= size && large === size > REUSED_UP_TO && segment.size <= LARGE_REUSED_UP_TO;
    if (fits && (best === undefined || segment.size < best.size)) best = segment;
    if (large ? segment.size <= LARGE_REUSED_UP_TO && ++keptLarge <= 1 : ++kept <= POOLED) continue;
    if (segment === best) continue;
    retire(segment);
    own.splice(i, 1);
  }
  return best;
}

function roundUp(size: number): number {
  if (size > REUSED_UP_TO) return Math.ceil(size / 4096) * 4096;
  let rounded = SMALLEST;
  while (rounded < size) rounded *= 2;
  return rounded;
}

/**
 * Copy a message (the tag byte if `tag` ≥ 0, then `body`) into a segment of this process's own,
 * marked as in a ring; returns its descriptor, for the ring. If the descriptor does not go into
 * the ring after all, {@link withdraw} it.
 */
export function handOver(body: Uint8Array, tag: number, owner: HandoffOwner): Uint8Array {
  const length = body.length + (tag >= 0 ? 1 : 0);
  let segment = freeSegment(DATA_AT + length);
  if (segment === undefined) {
    segment = createSegment(roundUp(DATA_AT + length));
    own.push(segment);
  }
  segment.owner = owner;
  const use = (Atomics.add(segment.i32, USE, 1) + 1) | 0;
  Atomics.store(segment.i32, READER, 0);
  let at = DATA_AT;
  if (tag >= 0) segment.bytes[at++] = tag;
  native().copyBytes(segment.bytes, at, body, 0, body.length);
  Atomics.store(segment.i32, STATE, IN_RING);
  return describe(segment, use, length);
}

function describe(segment: OwnSegment, use: number, length: number): Uint8Array {
  const name = segment.name === undefined ? new Uint8Array(0) : Buffer.from(segment.name);
  const out = new Uint8Array(DESCRIPTOR_BYTES + name.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, process.pid, true);
  view.setInt32(4, segment.fd, true);
  view.setInt32(8, segment.token, true);
  view.setInt32(12, use, true);
  view.setFloat64(16, segment.size, true);
  view.setFloat64(24, length, true);
  out.set(name, DESCRIPTOR_BYTES);
  return out;
}

/** A descriptor that {@link handOver} gave did not go into a ring: its segment is free again. */
export function withdraw(descriptor: Uint8Array): void {
  const token = new DataView(descriptor.buffer, descriptor.byteOffset, descriptor.byteLength).getInt32(8, true);
  const segment = own.find((s) => s.token === token);
  if (segment !== undefined) Atomics.store(segment.i32, STATE, FREE);
}

function inRing(segment: OwnSegment, owner?: HandoffOwner): boolean {
  return (owner === undefined || segment.owner === owner) && Atomics.load(segment.i32, STATE) === IN_RING;
}

// At exit, wait until every message handed over is taken (unless its queue said not to), then let go.
function releaseAllAtExit(): void {
  for (const segment of own) {
    while (segment.owner?.joinAtExit !== false && inRing(segment)) waitSync(segment.i32, STATE, IN_RING, EXIT_SLICE_MS);
  }
  for (const segment of own.splice(0)) retire(segment);
}

/** Resolves once every message this process handed over for `owner` has been taken by a reader. */
export async function allTaken(owner: HandoffOwner): Promise<void> {
  for (const segment of own) {
    while (inRing(segment, owner)) await waitAsync(segment.i32, STATE, IN_RING, EXIT_SLICE_MS);
  }
}

// ---- the reader's side ----------------------------------------------------------------------------

interface Descriptor {
  pid: number;
  fd: number;
  token: number;
  use: number;
  size: number;
  length: number;
  name: string | undefined;
}

function parse(descriptor: Uint8Array): Descriptor {
  const view = new DataView(descriptor.buffer, descriptor.byteOffset, descriptor.byteLength);
  const name = descriptor.length > DESCRIPTOR_BYTES ? Buffer.from(descriptor.subarray(DESCRIPTOR_BYTES)).toString() : undefined;
  return {
    pid: view.getUint32(0, true),
    fd: view.getInt32(4, true),
    token: view.getInt32(8, true),
    use: view.getInt32(12, true),
    size: view.getFloat64(16, true),
    length: view.getFloat64(24, true),
    name,
  };
}

const cache = new Map<string, Mapping>();

function keyOf(d: Descriptor): string {
  return `${d.name ?? `${d.pid}:${d.fd}`}:${d.token}`;
}

function forget(key: string, m: Mapping): void {
  cache.delete(key);
  native().detach(m.buffer);
}

// Map the segment a descriptor names; undefined when it is gone (its writer died).
function attach(d: Descriptor): Mapping | undefined {
  const b = native();
  let fd: number;
  try {
    fd = d.name === undefined ? b.openProcFd(d.pid, d.fd) : b.shmOpen(`/${d.name}`)[0];
  } catch {
    return undefined;
  }
  try {
    return b.fdSize(fd) >= d.size ? mapping(b.mapFd(fd, d.size), d.size) : undefined;
  } catch {
    return undefined;
  } finally {
    b.closeFd(fd);
  }
}

function mappingOf(d: Descriptor): { map: Mapping; cached: boolean } | undefined {
  if (d.pid === process.pid) {
    const mine = own.find((s) => s.token === d.token && s.fd === d.fd);
    if (mine !== undefined) return { map: mine, cached: true };
  }
  for (const [key, m] of cache) if (Atomics.load(m.i32, STATE) === RETIRED) forget(key, m);
  const key = keyOf(d);
  const hit = cache.get(key);
  if (hit !== undefined) return { map: hit, cached: true };
  const map = attach(d);
  if (map === undefined) return undefined;
  if (d.size > LARGE_REUSED_UP_TO) return { map, cached: false };
  // At most one large mapping is kept, as its writer keeps at most one large segment.
  if (d.size > REUSED_UP_TO) for (const [oldKey, old] of cache) if (old.size > REUSED_UP_TO) forget(oldKey, old);
  if (cache.size >= CACHED) {
    const [oldKey, old] = cache.entries().next().value as [string, Mapping];
    forget(oldKey, old);
  }
  cache.set(key, map);
  return { map, cached: true };
}

/** A message handed over and claimed by this reader: copy it out once the ring has let go of its descriptor. */
export interface Claim {
  copyOut(): Uint8Array;
}

/**
 * Claim the message a descriptor names: map its segment and mark it taken by this process.
 * Undefined when it is gone (its writer died before a reader took it): the message is lost.
 */
export function claim(descriptor: Uint8Array): Claim | undefined {
  const d = parse(descriptor);
  const found = mappingOf(d);
  if (found === undefined) return undefined;
  const { map, cached } = found;
  const state = Atomics.load(map.i32, STATE);
  // TAKEN: a reader that died before it let go of the descriptor; the message is still to take.
  if (map.size < DATA_AT + d.length || map.i32[TOKEN] !== d.token || Atomics.load(map.i32, USE) !== d.use || (state !== IN_RING && state !== TAKEN)) {
    if (!cached) native().detach(map.buffer);
    return undefined;
  }
  Atomics.store(map.i32, READER, process.pid);
  Atomics.store(map.i32, STATE, TAKEN);
  return {
    copyOut(): Uint8Array {
      // Uninitialised memory: every byte is written before it is returned.
      const out = new Uint8Array(Buffer.allocUnsafeSlow(d.length).buffer, 0, d.length);
      native().copyBytes(out, 0, map.bytes, DATA_AT, d.length);
      if (Atomics.compareExchange(map.i32, STATE, TAKEN, FREE) === TAKEN) wake(map.i32, STATE, Infinity);
      if (!cached) native().detach(map.buffer);
      return out;
    },
  };
}
