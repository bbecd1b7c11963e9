// A byte ring in shared memory carrying length-prefixed messages from any number of writers to
// any number of readers, in processes or threads. The transport under Queue and Pipe.
// CPython's Queue uses a pipe and a feeder thread; this ring needs neither.
//
// Layout: a header of Int32 words, then `capacity` bytes (a power of two). Positions are byte
// counts that wrap at 2^32.
//   0  HEAD          bytes consumed
//   1  TAIL          bytes committed by writers
//   2  DATA_SEQ      bumped after every commit; a reader waiting for data sleeps on it
//   3  SPACE_SEQ     bumped after every consume; a writer waiting for room sleeps on it
//   4  READERS_WAITING, 5 WRITERS_WAITING: sleepers, so that a wake costs a syscall only when needed
//   6  COUNT         messages in the ring (a message counts from its first byte being committed)
//   7  CLOSED        1 once closed for writing
//   8  READ_END      where the large message being read ends (while READING ≠ 0)
//   9  LENT          for pipes: copies of the writing end sent to another process or thread and
//                    not yet rebuilt there (the ring is not closed for writing while one travels)
//   10 CAPACITY
//   11 UNFINISHED    JoinableQueue: puts not yet matched by taskDone (join() sleeps on it)
//   12 READ_AT       where the header of the large message being read is
//   13 READING       id of the large message a reader is taking, 0 for none. A reader that dies
//                    or gives up in its middle leaves it set: the next reader skips the rest
//   14 LARGE         id of the large message being written, 0 for none; | DROPPED once a reader
//                    gave up on it, which tells its writer to end it and send it again
//   15 LARGE_AT      where the header of that message is
//   16 LAST_ID       the last id given to a large message
//   17 HANDOFF_FROM  messages of at least this many bytes that do not fit whole are handed over
//                    in a segment of their own (0: never), set by the ring's creator
//   18 HANDED_OVER   descriptors in the ring: a writer waits while there are MAX_HANDED_OVER,
//                    so that a fast producer's messages do not pile up in memory, and its
//                    segments are reused
//   19 DOORBELL      1 while the reader sleeps outside the ring, on a wake-up its writer sends
//                    another way (a pool's link: the worker's IPC channel, which wakes the event
//                    loop itself rather than a waiter thread that then wakes it)
//   20–31 HOLDERS    for pipes: six slots [holder, open copies] of the threads that hold the
//                    writing end, as CPython's OS pipe counts its open descriptors. A reader
//                    sees EOF once every holder but its own thread has closed its copies or died
//                    (its own copy does not keep it waiting); a slot of a holder that has gone
//                    stays until the slots run out, so that a reader knows one was there.
//
// Messages. A small one (4-byte length + tag + body within `wholeLimit`, a quarter of the ring)
// is committed at once: [length][payload]. A larger one streams through the ring in chunks while
// its writer holds the write lock and its reader the read lock, so that one side copies a chunk
// while the other copies the next: [length][id], then chunks [n][n bytes] of at most `wholeLimit`
// payload bytes each (so where it ends follows from its length), each committed at once. A chunk
// length of END_MARK ends a message early: its writer gave up (a timeout, close(), or a reader
// that gave up), or died and whoever took its write lock over ended it. Such a message is skipped
// whole, and its writer (if alive) sends it again or reports that it did not go in: a message
// is delivered whole or not at all. A writer in the middle of a message keeps 4 bytes free for
// that mark. A mark where a message would start (a writer died just after its last chunk) is
// skipped too.
//
// A message handed over (shm/handoff.ts) is a small whole message, its length word marked with
// HANDOFF: the descriptor of the segment that holds it. Its reader claims the segment before
// HEAD moves, then copies the message out of it.
//
// A small message is copied out before HEAD moves, so a reader that dies mid-get loses nothing,
// and the next reader (which takes over the dead reader's lock) finds the ring as it was.

import { threadId } from 'node:worker_threads';
import { hasNative, native } from '../addon/binding.js';
import { lookFor, RING_SPIN_MS } from '../latency.js';
import { expired, type Deadline } from '../shm/deadline.js';
import { processAlive } from '../shm/liveness.js';
import { canHandOver, claim, handOver, withdraw, type HandoffOwner } from '../shm/handoff.js';
import { allocate, rebuildBlock, reduceBlock, type Block, type BlockTransfer } from '../shm/segment.js';
import { sleepOn, type WaitPlan } from '../shm/wait-driver.js';
import { WAIT_TIMED_OUT, wake } from '../shm/waiter.js';
import { Lock } from './lock.js';
import { wordsOf } from './shared-object.js';

const HEAD = 0;
const TAIL = 1;
const DATA_SEQ = 2;
const SPACE_SEQ = 3;
const READERS_WAITING = 4;
const WRITERS_WAITING = 5;
export const COUNT = 6;
const CLOSED = 7;
const READ_END = 8;
const LENT = 9;
const CAPACITY = 10;
export const UNFINISHED = 11;
const READ_AT = 12;
const READING = 13;
const LARGE = 14;
const LARGE_AT = 15;
const LAST_ID = 16;
const HANDOFF_FROM = 17;
const HANDED_OVER = 18;
const DOORBELL = 19;
const HOLDERS = 20;
const HOLDERS_END = HOLDERS + 2 * 6; // six slots of two words
const HEADER_BYTES = 128;
const PID_MASK = (1 << 22) - 1; // Linux's largest pid_max

const ID_MASK = 0x3fffffff;
const DROPPED = 0x40000000;
const END_MARK = 0xffffffff;
const MARK_BYTES = 4;
const LARGE_HEADER = 8;
const CHUNK_HEADER = 4;
const HANDOFF = 0x80000000;
// Room for a descriptor of a segment (with a name) and its length word.
const HANDOFF_ROOM = 64;
// Two: the writer fills one segment while the reader copies another out.
const MAX_HANDED_OVER = 2;

/**
 * Messages from this size up that do not fit a ring whole are handed over in a segment of their
 * own rather than streamed through it in pieces. Below it (a small ring's medium messages),
 * streaming costs less than making and mapping a segment.
 */
export const HANDOFF_FROM_BYTES = 256 * 1024;

const SLICE_MS = 200;

export const DEFAULT_CAPACITY = 1 << 20;

// V8 copies to or from shared memory with relaxed atomics, word by word; the addon's memcpy is
// several times faster for large pieces, and the ring copies only bytes that nobody else writes
// at the time (committed data out, free space in). Small copies stay in JS (no call across).
const NATIVE_COPY_FROM = 4096;
const nativeCopy = hasNative() ? native().copyBytes : undefined;

function copy(target: Uint8Array, targetOffset: number, source: Uint8Array, sourceOffset: number, length: number): void {
  if (nativeCopy !== undefined && length >= NATIVE_COPY_FROM) nativeCopy(target, targetOffset, source, sourceOffset, length);
  else target.set(source.subarray(sourceOffset, sourceOffset + length), targetOffset);
}

// This thread as a holder of a pipe's writing end: its pid, and which thread of it (threads of one
// process share a pid; two whose ids meet modulo 255 share a slot, which only merges their counts).
function holderKey(): number {
  return process.pid | (threadId === 0 ? 0 : ((threadId % 255) + 1) << 22);
}

/** What a wait for data or room ended with. */
export type WaitOutcome = 'ready' | 'timeout' | 'closed' | 'peer-gone';
/** Why a message was not sent or received: its deadline passed, the ring is closed, the pipe's writer died, or it can never go through without waiting. */
export type Refusal = 'timeout' | 'closed' | 'peer-gone' | 'too-large';

export interface RingTransfer {
  block: BlockTransfer;
  writeLock: BlockTransfer;
  readLock: BlockTransfer;
}

export class Ring implements HandoffOwner {
  readonly block: Block;
  readonly i32: Int32Array;
  readonly base: number;
  readonly bytes: Uint8Array;
  readonly capacity: number;
  readonly mask: number;
  readonly writeLock: Lock;
  readonly readLock: Lock;
  /** Messages (with their 4-byte length) up to this size travel whole; larger ones stream in chunks of it. */
  readonly wholeLimit: number;
  /** Whether this process, at exit, waits until the messages it handed over through this ring are taken (Queue.cancelJoinThread). */
  joinAtExit = true;
  /** @internal For tests: called when this reader has claimed a message handed over, before it copies it out. */
  afterClaim: (() => void) | undefined;

  constructor(capacity = DEFAULT_CAPACITY, parts?: { block: Block; writeLock: Lock; readLock: Lock }) {
    if (parts === undefined) {
      if (!Number.isInteger(capacity) || capacity < 64 || (capacity & (capacity - 1)) !== 0) throw new TypeError(`Ring capacity must be a power of two ≥ 64, got ${capacity}`);
      const block = allocate(HEADER_BYTES + capacity);
      parts = { block, writeLock: new Lock(), readLock: new Lock() };
      const words = new Int32Array(block.buffer, block.offset, HEADER_BYTES / 4);
      words[CAPACITY] = capacity;
      words[HANDOFF_FROM] = HANDOFF_FROM_BYTES;
    }
    this.block = parts.block;
    const { i32, base } = wordsOf(parts.block);
    this.i32 = i32;
    this.base = base;
    this.capacity = i32[base + CAPACITY] ?? 0;
    this.mask = this.capacity - 1;
    this.bytes = new Uint8Array(parts.block.buffer, parts.block.offset + HEADER_BYTES, this.capacity);
    this.writeLock = parts.writeLock;
    this.readLock = parts.readLock;
    this.wholeLimit = this.capacity >>> 2;
    // Both sides' state stays consistent however a holder dies: the next taker of a dead holder's
    // lock goes on (a writer first ends the message the dead one left unfinished).
    this.readLock.recoverable = true;
    this.writeLock.recoverable = true;
  }

  reduce(dest: 'process' | 'thread'): RingTransfer {
    return { block: reduceBlock(this.block, dest), writeLock: reduceBlock(this.writeLock.words.block, dest), readLock: reduceBlock(this.readLock.words.block, dest) };
  }

  static rebuild(t: RingTransfer): Ring {
    return new Ring(0, {
      block: rebuildBlock(t.block),
      writeLock: new Lock(wordsOf(rebuildBlock(t.writeLock))),
      readLock: new Lock(wordsOf(rebuildBlock(t.readLock))),
    });
  }

  load(word: number): number {
    return Atomics.load(this.i32, this.base + word);
  }

  add(word: number, n: number): number {
    return Atomics.add(this.i32, this.base + word, n);
  }

  #store(word: number, value: number): void {
    Atomics.store(this.i32, this.base + word, value);
  }

  get count(): number {
    return this.load(COUNT);
  }

  get closed(): boolean {
    return this.load(CLOSED) === 1;
  }

  close(): void {
    this.#store(CLOSED, 1);
    this.#bump(DATA_SEQ, READERS_WAITING, Infinity);
    this.#bump(SPACE_SEQ, WRITERS_WAITING, Infinity);
  }

  /** @internal Messages of at least `bytes` that do not fit whole are handed over (0: never; they stream in pieces). For every process of the ring. */
  set handoffFrom(bytes: number) {
    this.#store(HANDOFF_FROM, bytes);
  }

  get handoffFrom(): number {
    return this.load(HANDOFF_FROM);
  }

  /** @internal A pipe's writing end is open in this thread (once more). */
  holdWriting(): void {
    const me = holderKey();
    const mine = this.#slotOf(me);
    if (mine !== undefined) return void this.add(mine + 1, 1);
    // A free slot, else one of a holder that has gone; with none, this holder goes uncounted.
    const slot = this.#slotOf(0) ?? this.#slotOf(undefined);
    if (slot === undefined) return;
    const key = this.load(slot);
    if (Atomics.compareExchange(this.i32, this.base + slot, key, me) === key) this.#store(slot + 1, 1);
    else this.holdWriting(); // taken meanwhile by another thread: look again
  }

  /** @internal A copy of the writing end is on its way to another process or thread. */
  lendWriting(): void {
    this.add(LENT, 1);
  }

  /** @internal A copy lent elsewhere has arrived here. */
  receivedWriting(): void {
    this.holdWriting();
    this.add(LENT, -1);
  }

  /**
   * @internal This thread closed a copy of the writing end. Closes the ring for writing when no copy
   * is open anywhere nor on its way; otherwise wakes readers, so that they look again for the end.
   */
  releaseWriting(): void {
    const mine = this.#slotOf(holderKey());
    if (mine !== undefined && this.load(mine + 1) > 0) this.add(mine + 1, -1);
    if (this.load(LENT) > 0 || this.#slotOf(undefined, true) !== undefined) this.#bump(DATA_SEQ, READERS_WAITING, Infinity);
    else this.close();
  }

  // The first holder slot whose key is `key`; with `key` undefined, the first whose holder has
  // gone (or, with `holding`, the first whose holder has not).
  #slotOf(key: number | undefined, holding = false): number | undefined {
    for (let slot = HOLDERS; slot < HOLDERS_END; slot += 2) {
      if (key === undefined ? this.#holds(slot) === holding : this.load(slot) === key) return slot;
    }
    return undefined;
  }

  #holds(slot: number): boolean {
    const key = this.load(slot);
    return key !== 0 && this.load(slot + 1) > 0 && processAlive(key & PID_MASK);
  }

  // Every holder of the writing end but this thread has gone, and there was one. While a copy is
  // lent, a live process's slot without a count may be one taking that copy right now (its key is
  // claimed before its count is set): not gone.
  #writersGone(): boolean {
    const me = holderKey();
    const lent = this.load(LENT) > 0;
    let gone = false;
    for (let slot = HOLDERS; slot < HOLDERS_END; slot += 2) {
      const key = this.load(slot);
      if (key === 0 || key === me) continue;
      if (this.#holds(slot)) return false;
      if (lent && processAlive(key & PID_MASK)) return false;
      gone = true;
    }
    return gone;
  }

  #used(): number {
    return (this.load(TAIL) - this.load(HEAD)) >>> 0;
  }

  /** Bytes available to read now. */
  available(): number {
    return this.#used();
  }

  roomFor(n: number): boolean {
    return this.capacity - this.#used() >= n;
  }

  #bump(seq: number, waiting: number, n: number): void {
    Atomics.add(this.i32, this.base + seq, 1);
    if (Atomics.load(this.i32, this.base + waiting) > 0) wake(this.i32, this.base + seq, n);
  }

  // ---- waiting ---------------------------------------------------------------------------------

  /**
   * The reader, about to sleep until its writer rings a doorbell outside the ring: true if it may
   * (nothing is here; the next write will see the bell armed), false if data came first.
   */
  armDoorbell(): boolean {
    this.#store(DOORBELL, 1);
    if (this.#used() === 0) return true;
    this.#store(DOORBELL, 0);
    return false;
  }

  /** The writer, after a write: true once per sleep of a reader on the doorbell, for the caller to ring it. */
  takeDoorbell(): boolean {
    return this.load(DOORBELL) !== 0 && Atomics.exchange(this.i32, this.base + DOORBELL, 0) === 1;
  }

  #spin(ready: () => boolean, otherSide: Lock): boolean {
    // While the other side is at work (holds its lock), a wait is usually as short as copying a
    // piece of a large message: look a moment before sleeping (latency.ts).
    if (RING_SPIN_MS === 0 || !otherSide.locked()) return false;
    return lookFor(RING_SPIN_MS, ready);
  }

  /**
   * Wait until `ready()` (data for a reader, room for a writer) or `deadline`. `end` may stop the
   * wait first: it is asked before every sleep, with `slept` true after a slice ran out (the time
   * to look at things that cost a syscall, like whether a peer process lives).
   */
  *waitFor(side: 'data' | 'space', ready: () => boolean, deadline: Deadline, end?: (slept: boolean) => WaitOutcome | undefined): WaitPlan<WaitOutcome> {
    const [seq, waiting] = side === 'data' ? [DATA_SEQ, READERS_WAITING] : [SPACE_SEQ, WRITERS_WAITING];
    if (ready()) return 'ready';
    if (!expired(deadline) && this.#spin(ready, side === 'data' ? this.writeLock : this.readLock)) return 'ready';
    let slept = false;
    for (;;) {
      const s = this.load(seq);
      if (ready()) return 'ready';
      const stop = end?.(slept);
      if (stop !== undefined) return stop;
      if (expired(deadline)) return 'timeout';
      this.add(waiting, 1);
      try {
        slept = (yield sleepOn(this.i32, this.base + seq, s, deadline, SLICE_MS)) === WAIT_TIMED_OUT;
      } finally {
        this.add(waiting, -1);
      }
    }
  }

  // ---- writing ---------------------------------------------------------------------------------

  #copyIn(position: number, data: Uint8Array, from = 0, n = data.length - from): void {
    const at = position & this.mask;
    const first = Math.min(n, this.capacity - at);
    copy(this.bytes, at, data, from, first);
    if (first < n) copy(this.bytes, 0, data, from + first, n - first);
  }

  #commit(n: number): void {
    Atomics.add(this.i32, this.base + TAIL, n);
    this.#bump(DATA_SEQ, READERS_WAITING, 1);
  }

  // Scratch for lengths, ids and the tag: one for writing, one for reading, as a process may do both at once.
  readonly #header = new Uint8Array(LARGE_HEADER);
  readonly #headerView = new DataView(this.#header.buffer);
  readonly #readHeader = new Uint8Array(LARGE_HEADER);
  readonly #readHeaderView = new DataView(this.#readHeader.buffer);

  #u32In(position: number, value: number, second?: number): void {
    this.#headerView.setUint32(0, value, true);
    if (second === undefined) return this.#copyIn(position, this.#header, 0, 4);
    this.#headerView.setUint32(4, second, true);
    this.#copyIn(position, this.#header);
  }

  // The caller holds the write lock and has checked `roomFor(size)` (`size` counts the 4-byte length and the tag).
  #writeWhole(body: Uint8Array, tag: number, mark = 0): void {
    const tagged = tag >= 0 ? 1 : 0;
    const tail = this.load(TAIL);
    this.#headerView.setUint32(0, (body.length + tagged) | mark, true);
    this.#header[4] = tag;
    this.#copyIn(tail, this.#header, 0, 4 + tagged);
    this.#copyIn((tail + 4 + tagged) >>> 0, body);
    this.add(COUNT, 1);
    this.#commit(body.length + 4 + tagged);
  }

  /**
   * Write a message whole now if the write lock is free, the message is small and there is room;
   * false otherwise (the caller then goes the slow way). `admit` is checked under the lock.
   */
  tryWriteNow(body: Uint8Array, tag = -1, admit?: () => boolean): boolean {
    const size = body.length + (tag >= 0 ? 5 : 4);
    if (size > this.wholeLimit || !this.writeLock.acquireSync(false)) return false;
    try {
      if ((admit !== undefined && !admit()) || !this.roomFor(size)) return false;
      this.#writeWhole(body, tag);
      return true;
    } finally {
      this.writeLock.release();
    }
  }

  /** The bytes a large message of `length` payload bytes takes in the ring, with the room it keeps for an end mark. */
  #largeSize(length: number): number {
    return LARGE_HEADER + length + CHUNK_HEADER * Math.ceil(length / this.wholeLimit) + MARK_BYTES;
  }

  /**
   * Send one message: the tag byte (if `tag` ≥ 0) and `body`, so a caller with a header byte need
   * not copy its body to prepend it. Takes the write lock, waits for `admit()` (a queue's maxsize)
   * and for room, all by `deadline`. A deadline already passed means "now or not at all": a
   * message that does not fit whole now is refused before any of it goes in.
   */
  *send(body: Uint8Array, tag: number, deadline: Deadline, admit?: () => boolean): WaitPlan<'sent' | Refusal> {
    if (this.closed) return 'closed';
    if (!(yield* this.writeLock.acquirePlan(deadline))) return 'timeout';
    try {
      this.#endDeadWritersMessage();
      const closed = (): WaitOutcome | undefined => (this.closed ? 'closed' : undefined);
      if (admit !== undefined) {
        const outcome = yield* this.waitFor('space', admit, deadline, closed);
        if (outcome !== 'ready') return outcome;
      }
      const length = body.length + (tag >= 0 ? 1 : 0);
      if (length + 4 <= this.wholeLimit) {
        const outcome = yield* this.waitFor('space', () => this.roomFor(length + 4), deadline, closed);
        if (outcome !== 'ready') return outcome;
        this.#writeWhole(body, tag);
        return 'sent';
      }
      if (this.#handsOver(length)) return yield* this.#handOver(body, tag, deadline);
      if (length >= HANDOFF) return 'too-large';
      const size = this.#largeSize(length);
      if (expired(deadline) && !this.roomFor(size)) return size > this.capacity ? 'too-large' : 'timeout';
      for (;;) {
        const outcome = yield* this.#writeLarge(body, tag, deadline);
        if (outcome !== 'dropped') return outcome;
      }
    } finally {
      this.writeLock.release();
    }
  }

  #handsOver(length: number): boolean {
    const from = this.load(HANDOFF_FROM);
    return from > 0 && length >= from && this.capacity >= 4 * HANDOFF_ROOM && canHandOver();
  }

  // The caller holds the write lock: the message goes into a segment, its descriptor into the ring.
  *#handOver(body: Uint8Array, tag: number, deadline: Deadline): WaitPlan<'sent' | Refusal> {
    const ready = (): boolean => this.roomFor(HANDOFF_ROOM) && this.load(HANDED_OVER) < MAX_HANDED_OVER;
    const room = yield* this.waitFor('space', ready, deadline, () => (this.closed ? 'closed' : undefined));
    if (room !== 'ready') return room;
    const descriptor = handOver(body, tag, this);
    if (descriptor.length + 4 > HANDOFF_ROOM) {
      withdraw(descriptor);
      throw new Error(`internal: a descriptor of ${descriptor.length} bytes`);
    }
    this.#writeWhole(descriptor, -1, HANDOFF);
    // Counted after the descriptor is in (and uncounted by its reader before it is consumed): a
    // party that dies in between leaves the count low, a bound a little looser, never a writer stuck.
    this.add(HANDED_OVER, 1);
    return 'sent';
  }

  // One attempt at a large message: its header, then chunks as room comes. 'dropped': its reader
  // gave up on it, so it was ended and must be sent again. However it ends short, it is ended
  // with a mark, so readers skip it.
  *#writeLarge(body: Uint8Array, tag: number, deadline: Deadline): WaitPlan<'sent' | 'dropped' | Refusal> {
    const tagged = tag >= 0 ? 1 : 0;
    const length = body.length + tagged;
    const closed = (): WaitOutcome | undefined => (this.closed ? 'closed' : undefined);
    const header = yield* this.waitFor('space', () => this.roomFor(LARGE_HEADER + MARK_BYTES), deadline, closed);
    if (header !== 'ready') return header;
    const id = (this.load(LAST_ID) % ID_MASK) + 1;
    const at = this.load(TAIL);
    this.#store(LAST_ID, id);
    this.#store(LARGE_AT, at);
    this.#store(LARGE, id);
    let sent = false;
    try {
      this.#u32In(at, length, id);
      this.add(COUNT, 1);
      this.#commit(LARGE_HEADER);
      for (let offset = 0; offset < length; ) {
        const n = Math.min(this.wholeLimit, length - offset);
        const room = yield* this.waitFor('space', () => this.roomFor(CHUNK_HEADER + n + MARK_BYTES) || this.load(LARGE) !== id, deadline, closed);
        if (room !== 'ready') return room;
        if (this.load(LARGE) !== id) return 'dropped';
        this.#writeChunk(body, tagged === 1 ? tag : -1, offset, n);
        offset += n;
      }
      sent = Atomics.compareExchange(this.i32, this.base + LARGE, id, 0) === id;
      return sent ? 'sent' : 'dropped';
    } finally {
      if (!sent) this.#endLarge();
    }
  }

  // Chunk [n][payload offset..offset+n), where the payload is the tag byte (if any) then the body.
  #writeChunk(body: Uint8Array, tag: number, offset: number, n: number): void {
    const tail = this.load(TAIL);
    this.#u32In(tail, n);
    let at = (tail + CHUNK_HEADER) >>> 0;
    let from = offset;
    let left = n;
    if (tag >= 0) {
      if (offset === 0) {
        this.#header[0] = tag;
        this.#copyIn(at, this.#header, 0, 1);
        at = (at + 1) >>> 0;
        left--;
      } else from--;
    }
    this.#copyIn(at, body, from, left);
    this.#commit(CHUNK_HEADER + n);
  }

  // End the large message being written here: a mark in the room kept for it, and no message in flight.
  #endLarge(): void {
    this.#u32In(this.load(TAIL), END_MARK);
    this.#commit(MARK_BYTES);
    this.#store(LARGE, 0);
  }

  // The caller holds the write lock. A writer that died in the middle of a large message left it
  // unfinished: end it, so readers skip it (a message whose header never went in needs nothing).
  #endDeadWritersMessage(): void {
    if (this.load(LARGE) === 0) return;
    if (this.load(TAIL) === this.load(LARGE_AT)) this.#store(LARGE, 0);
    else this.#endLarge();
  }

  // A reader waiting for a chunk: if the writer died holding the write lock, take it over, end
  // the message it left, and give the lock back (the wait then finds the mark).
  #rescueFromDeadWriter(): undefined {
    if (!this.writeLock.takeFromDeadOwner()) return undefined;
    try {
      this.#endDeadWritersMessage();
    } finally {
      this.writeLock.release();
    }
    return undefined;
  }

  // ---- reading ---------------------------------------------------------------------------------

  #copyOut(position: number, out: Uint8Array, from = 0, n = out.length - from): void {
    const at = position & this.mask;
    const first = Math.min(n, this.capacity - at);
    copy(out, from, this.bytes, at, first);
    if (first < n) copy(out, from + first, this.bytes, 0, n - first);
  }

  #u32Out(position: number, second = false): number {
    this.#copyOut(position, this.#readHeader, 0, second ? 8 : 4);
    return this.#readHeaderView.getUint32(second ? 4 : 0, true);
  }

  #consume(n: number): void {
    Atomics.add(this.i32, this.base + HEAD, n);
    this.#bump(SPACE_SEQ, WRITERS_WAITING, 1);
  }

  // The next message if all of it is here and it travels whole (the caller holds the read lock); else undefined.
  #readWhole(): Uint8Array | undefined {
    if (this.load(READING) !== 0) return undefined;
    const used = this.#used();
    if (used < 4) return undefined;
    const head = this.load(HEAD);
    const length = this.#u32Out(head);
    if (length + 4 > this.wholeLimit || used < length + 4) return undefined;
    const out = new Uint8Array(length);
    this.#copyOut((head + 4) >>> 0, out);
    this.add(COUNT, -1);
    this.#consume(length + 4);
    return out;
  }

  /** Take the next message now if the read lock is free and all of a small one is here; else undefined. */
  tryReadNow(): Uint8Array | undefined {
    if (!this.readLock.acquireSync(false)) return undefined;
    try {
      return this.#readWhole();
    } finally {
      this.readLock.release();
    }
  }

  /**
   * Receive one message: takes the read lock, then the next message as it arrives, all by
   * `deadline`. A deadline already passed means "now or not at all": a message that is not all
   * here is left untouched. A reader that gives up in the middle of a message asks its writer to
   * send it again, so nothing a live writer sent is lost.
   */
  *receive(deadline: Deadline): WaitPlan<Uint8Array | Refusal> {
    if (!(yield* this.readLock.acquirePlan(deadline))) return 'timeout';
    try {
      return yield* this.#read(deadline);
    } finally {
      this.readLock.release();
    }
  }

  *#read(deadline: Deadline): WaitPlan<Uint8Array | Refusal> {
    for (;;) {
      if (this.load(READING) !== 0) {
        const skipped = yield* this.#skipLeftover(deadline);
        if (skipped !== 'done') return skipped;
      }
      const data = yield* this.waitFor('data', () => this.#used() >= 4, deadline, (slept) => this.#atEnd(slept));
      if (data !== 'ready') return data;
      const head = this.load(HEAD);
      const length = this.#u32Out(head);
      if (length === END_MARK) {
        this.#consume(MARK_BYTES);
        continue;
      }
      if ((length & HANDOFF) !== 0) {
        const message = this.#takeHandedOver(head, length & ~HANDOFF);
        if (message !== undefined) return message;
        continue;
      }
      if (length + 4 <= this.wholeLimit) return this.#readWhole()!;
      if (expired(deadline) && !this.#allHere()) return this.#largeSize(length) > this.capacity ? 'too-large' : 'timeout';
      const message = yield* this.#readLarge(head, length, deadline);
      if (message !== 'ended') return message;
    }
  }

  // The message whose descriptor (of `n` bytes) is at `head`: claimed before the descriptor is
  // consumed, so a reader that dies before leaves it to the next; undefined if its writer died
  // before a reader took it (the message is gone with it).
  #takeHandedOver(head: number, n: number): Uint8Array | undefined {
    const descriptor = new Uint8Array(n);
    this.#copyOut((head + 4) >>> 0, descriptor);
    const claimed = claim(descriptor);
    this.add(COUNT, -1);
    this.add(HANDED_OVER, -1);
    this.#consume(n + 4);
    if (claimed === undefined) return undefined;
    this.afterClaim?.();
    return claimed.copyOut();
  }

  // Nothing to read and nothing will come: the ring is closed, or every other holder of a pipe's
  // writing end has gone.
  #atEnd(slept: boolean): WaitOutcome | undefined {
    if (this.#used() !== 0) return undefined;
    if (this.closed) return 'closed';
    if (!slept) return undefined;
    return this.#writersGone() ? 'peer-gone' : undefined;
  }

  // Whether the large message at HEAD is all in the ring (or ended early), so that it can be read without waiting.
  #allHere(): boolean {
    const head = this.load(HEAD);
    const used = this.#used();
    let left = this.#u32Out(head);
    for (let at = LARGE_HEADER; left > 0; ) {
      if (used < at + CHUNK_HEADER) return false;
      const n = this.#u32Out((head + at) >>> 0);
      if (n === END_MARK) return true;
      at += CHUNK_HEADER + n;
      left -= n;
    }
    return true;
  }

  // Take the large message whose header is at `head`. 'ended': its writer ended it early, so there
  // is no message to return (the caller reads the next one).
  *#readLarge(head: number, length: number, deadline: Deadline): WaitPlan<Uint8Array | 'ended' | 'timeout'> {
    const id = this.#u32Out(head, true);
    // Where it ends, and who reads it, before any of it is consumed: a reader that takes over
    // from this one (if it dies) knows what is left.
    this.#store(READ_AT, head);
    this.#store(READ_END, head + this.#largeSize(length) - MARK_BYTES);
    this.#store(READING, id);
    this.#consume(LARGE_HEADER);
    // Uninitialised memory for a large message: every byte is written before it is returned.
    const out = length > 65536 ? new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length) : new Uint8Array(length);
    const taken = yield* this.#chunks(out, deadline);
    return taken === 'done' ? out : taken;
  }

  // A message that a reader left in its middle (it died, or gave up): skip the rest of it, or read
  // it afresh if its header was never consumed.
  *#skipLeftover(deadline: Deadline): WaitPlan<'done' | 'timeout'> {
    if (this.load(HEAD) === this.load(READ_AT)) {
      this.#store(READING, 0);
      return 'done';
    }
    this.#drop(this.load(READING));
    const skipped = yield* this.#chunks(null, deadline);
    return skipped === 'timeout' ? 'timeout' : 'done';
  }

  // Read (or with `out` null, skip) the chunks of the message being read, until its end or an end mark.
  *#chunks(out: Uint8Array | null, deadline: Deadline): WaitPlan<'done' | 'ended' | 'timeout'> {
    const end = this.load(READ_END);
    const id = this.load(READING);
    let offset = 0;
    for (let head = this.load(HEAD); head !== end; head = this.load(HEAD)) {
      const data = yield* this.waitFor('data', () => this.#used() >= CHUNK_HEADER, deadline, (slept) => (slept ? this.#rescueFromDeadWriter() : undefined));
      // Past its deadline, a reader gives up on a message its writer is still sending (and asks
      // for it again); once the writer is done, the rest is here to take.
      if (data !== 'ready' && this.#drop(id)) return 'timeout';
      if (data !== 'ready') continue;
      const n = this.#u32Out(head);
      if (n === END_MARK) {
        this.#consume(MARK_BYTES);
        this.#doneReading();
        return 'ended';
      }
      if (out !== null) this.#copyOut((head + CHUNK_HEADER) >>> 0, out, offset, n);
      offset += n;
      this.#consume(CHUNK_HEADER + n);
    }
    this.#doneReading();
    return 'done';
  }

  // Ask the writer of message `id` to end it and send it again, if it is still sending it; true if it is (or was already asked).
  #drop(id: number): boolean {
    const large = this.load(LARGE);
    if (large === (id | DROPPED)) return true;
    if (large !== id || Atomics.compareExchange(this.i32, this.base + LARGE, id, id | DROPPED) !== id) return false;
    this.#bump(SPACE_SEQ, WRITERS_WAITING, Infinity);
    return true;
  }

  #doneReading(): void {
    this.add(COUNT, -1);
    this.#store(READING, 0);
    // A put waiting for the count to drop below maxsize sleeps on SPACE_SEQ.
    this.#bump(SPACE_SEQ, WRITERS_WAITING, 1);
  }

  /**
   * Let go of the segments of the messages handed over that are still in this ring, once no one
   * will read it again (its reader died): they are free for this writer's next messages. For a
   * ring whose messages all travel whole or handed over (`handoffFrom` 1), so each starts where
   * the last ends.
   */
  withdrawHandedOver(): void {
    for (let head = this.load(HEAD); head !== this.load(TAIL); ) {
      const length = this.#u32Out(head);
      if ((length & HANDOFF) === 0 || length === END_MARK) {
        head = (head + 4 + (length === END_MARK ? 0 : length)) >>> 0;
        continue;
      }
      const descriptor = new Uint8Array(length & ~HANDOFF);
      this.#copyOut((head + 4) >>> 0, descriptor);
      withdraw(descriptor);
      head = (head + 4 + descriptor.length) >>> 0;
    }
  }

  /** Whether something (or the end of the stream) can be received, waiting until `deadline`. */
  *poll(deadline: Deadline): WaitPlan<boolean> {
    return (yield* this.waitFor('data', () => this.#used() > 0, deadline, (slept) => this.#atEnd(slept))) !== 'timeout';
  }

  /** JoinableQueue: wake join() waiters once UNFINISHED reaches 0. */
  wakeUnfinished(): void {
    wake(this.i32, this.base + UNFINISHED, Infinity);
  }

  /** JoinableQueue.join: until UNFINISHED is 0 (woken when it gets there; a slice bounds a missed wake). */
  *unfinishedPlan(): WaitPlan<void> {
    for (let n = this.load(UNFINISHED); n > 0; n = this.load(UNFINISHED)) yield sleepOn(this.i32, this.base + UNFINISHED, n, Infinity, SLICE_MS);
  }
}
