// A byte ring in shared memory carrying length-prefixed messages from any number of writers to
// any number of readers, in processes or threads. The transport under Queue and Pipe.
// CPython's Queue uses a pipe and a feeder thread; this ring needs neither.
//
// Layout: a header of Int32 words, then `capacity` bytes (a power of two).
//   0  HEAD          bytes consumed (wraps at 2^32)
//   1  TAIL          bytes committed by writers (wraps at 2^32)
//   2  DATA_SEQ      bumped after every commit; a reader waiting for data sleeps on it
//   3  SPACE_SEQ     bumped after every consume; a writer waiting for room sleeps on it
//   4  READERS_WAITING, 5 WRITERS_WAITING: sleepers, so that a wake costs a syscall only when needed
//   6  COUNT         messages in the ring (a message counts from its first byte being committed)
//   7  CLOSED        1 once closed for writing
//   8  PARTIAL       bytes left of a message larger than the ring that a reader is taking in pieces
//   9  WRITER_PID    for pipes: the process of the writing end, so a reader sees EOF if it dies
//   10 CAPACITY
//   11 UNFINISHED    JoinableQueue: puts not yet matched by taskDone (join() sleeps on it)
//
// Writers take the write lock for a whole message, readers the read lock: a message larger than a
// quarter of the ring streams through it in quarter-ring pieces while both hold their locks, so
// that one side copies a piece while the other copies the next. A small message is copied
// out before HEAD moves, so a reader that dies mid-get loses nothing and the next reader (which
// takes over the dead reader's lock) finds the ring as it was; a large message the dead reader
// had started is skipped, since its first part is gone.

import { WAIT_TIMED_OUT, waitAsync, waitSync, wake } from '../shm/waiter.js';
import { hasNative, native } from '../addon/binding.js';
import { allocate, rebuildBlock, reduceBlock, type Block, type BlockTransfer } from '../shm/segment.js';
import { Lock } from '../synchronize/lock.js';
import { wordsOf } from '../synchronize/shared-object.js';

const HEAD = 0;
const TAIL = 1;
const DATA_SEQ = 2;
const SPACE_SEQ = 3;
const READERS_WAITING = 4;
const WRITERS_WAITING = 5;
export const COUNT = 6;
const CLOSED = 7;
const PARTIAL = 8;
const WRITER_PID = 9;
const CAPACITY = 10;
export const UNFINISHED = 11;
const HEADER_BYTES = 64;
const SLICE_MS = 200;
// While the other side is at work (holds its lock), a wait is usually as short as copying a piece
// of a large message: look this long before sleeping, since waking a sleeper costs more.
const SPIN_MS = 0.1;

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

/** What a wait for data or room ended with. */
export type WaitOutcome = 'ready' | 'timeout' | 'closed' | 'peer-gone';

export interface RingTransfer {
  block: BlockTransfer;
  writeLock: BlockTransfer;
  readLock: BlockTransfer;
}

function left(until: number): number {
  return until === Infinity ? SLICE_MS : Math.max(0, Math.min(SLICE_MS, until - performance.now()));
}

export class Ring {
  readonly block: Block;
  readonly i32: Int32Array;
  readonly base: number;
  readonly bytes: Uint8Array;
  readonly capacity: number;
  readonly mask: number;
  readonly writeLock: Lock;
  readonly readLock: Lock;
  /** Messages (with their 4-byte length) up to this size travel whole; larger ones stream in pieces of it. */
  readonly wholeLimit: number;

  constructor(capacity = DEFAULT_CAPACITY, parts?: { block: Block; writeLock: Lock; readLock: Lock }) {
    if (parts === undefined) {
      if (!Number.isInteger(capacity) || capacity < 64 || (capacity & (capacity - 1)) !== 0) throw new TypeError(`Ring capacity must be a power of two ≥ 64, got ${capacity}`);
      const block = allocate(HEADER_BYTES + capacity);
      parts = { block, writeLock: new Lock(), readLock: new Lock() };
      new Int32Array(block.buffer, block.offset, HEADER_BYTES / 4)[CAPACITY] = capacity;
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
    this.readLock.recoverable = true;
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

  get count(): number {
    return this.load(COUNT);
  }

  get closed(): boolean {
    return this.load(CLOSED) === 1;
  }

  close(): void {
    Atomics.store(this.i32, this.base + CLOSED, 1);
    this.#bump(DATA_SEQ, READERS_WAITING, Infinity);
    this.#bump(SPACE_SEQ, WRITERS_WAITING, Infinity);
  }

  setWriter(pid: number): void {
    Atomics.store(this.i32, this.base + WRITER_PID, pid);
  }

  #used(): number {
    return (this.load(TAIL) - this.load(HEAD)) >>> 0;
  }

  #bump(seq: number, waiting: number, n: number): void {
    Atomics.add(this.i32, this.base + seq, 1);
    if (Atomics.load(this.i32, this.base + waiting) > 0) wake(this.i32, this.base + seq, n);
  }

  // A pipe's writer that died leaves its reader at EOF, as a closed pipe would.
  #writerGone(): boolean {
    const pid = this.load(WRITER_PID);
    return pid !== 0 && pid !== process.pid && hasNative() && !native().processAlive(pid);
  }

  // ---- waiting (sync and async twins) --------------------------------------------------------

  #spin(ready: () => boolean, otherSide: Lock): boolean {
    if (!otherSide.locked()) return false;
    const until = performance.now() + SPIN_MS;
    do if (ready()) return true;
    while (performance.now() < until);
    return false;
  }

  /** Wait until `ready()` holds; the caller holds the lock for its side. */
  waitSync(side: 'data' | 'space', ready: () => boolean, until: number): WaitOutcome {
    const [seq, waiting] = side === 'data' ? [DATA_SEQ, READERS_WAITING] : [SPACE_SEQ, WRITERS_WAITING];
    if (this.#spin(ready, side === 'data' ? this.writeLock : this.readLock)) return 'ready';
    for (;;) {
      const s = this.load(seq);
      if (ready()) return 'ready';
      if (this.closed && (side === 'space' || this.count === 0)) return 'closed';
      const ms = left(until);
      if (ms === 0) return 'timeout';
      this.add(waiting, 1);
      const r = waitSync(this.i32, this.base + seq, s, ms);
      this.add(waiting, -1);
      if (r === WAIT_TIMED_OUT && side === 'data' && this.#writerGone() && !ready()) return 'peer-gone';
    }
  }

  async waitAsync(side: 'data' | 'space', ready: () => boolean, until: number): Promise<WaitOutcome> {
    const [seq, waiting] = side === 'data' ? [DATA_SEQ, READERS_WAITING] : [SPACE_SEQ, WRITERS_WAITING];
    if (this.#spin(ready, side === 'data' ? this.writeLock : this.readLock)) return 'ready';
    for (;;) {
      const s = this.load(seq);
      if (ready()) return 'ready';
      if (this.closed && (side === 'space' || this.count === 0)) return 'closed';
      const ms = left(until);
      if (ms === 0) return 'timeout';
      this.add(waiting, 1);
      const r = await waitAsync(this.i32, this.base + seq, s, ms);
      this.add(waiting, -1);
      if (r === WAIT_TIMED_OUT && side === 'data' && this.#writerGone() && !ready()) return 'peer-gone';
    }
  }

  // ---- writing (the caller holds writeLock) ---------------------------------------------------

  #copyIn(position: number, data: Uint8Array): void {
    const at = position & this.mask;
    const first = Math.min(data.length, this.capacity - at);
    copy(this.bytes, at, data, 0, first);
    if (first < data.length) copy(this.bytes, 0, data, first, data.length - first);
  }

  #commit(n: number): void {
    Atomics.add(this.i32, this.base + TAIL, n);
    this.#bump(DATA_SEQ, READERS_WAITING, 1);
  }

  // Scratch for the length and tag: one for writing, one for reading, as a process may do both at once.
  readonly #header = new Uint8Array(5);
  readonly #headerView = new DataView(this.#header.buffer);
  readonly #readHeader = new Uint8Array(4);
  readonly #readHeaderView = new DataView(this.#readHeader.buffer);

  // The 4-byte length, then the tag byte if there is one (tag < 0: none); its size.
  #frame(body: Uint8Array, tag: number): number {
    const tagged = tag >= 0 ? 1 : 0;
    this.#headerView.setUint32(0, body.length + tagged, true);
    if (tagged === 1) this.#header[4] = tag;
    return 4 + tagged;
  }

  /**
   * Write one message: the tag byte (if `tag` ≥ 0) and `body`, so a caller with a header byte
   * need not copy its body to prepend it. Yields the bytes of room it needs before it can go on;
   * the driver waits for them (sync or async, as the caller runs). A message larger than
   * `wholeLimit` streams through the ring in pieces.
   */
  *write(body: Uint8Array, tag = -1): Generator<number, void, void> {
    const headerBytes = this.#frame(body, tag);
    if (headerBytes + body.length <= this.wholeLimit) {
      yield headerBytes + body.length;
      this.#writeWhole(body, tag);
      return;
    }
    yield headerBytes;
    this.#copyIn(this.load(TAIL), this.#header.subarray(0, headerBytes));
    this.add(COUNT, 1);
    this.#commit(headerBytes);
    // Pieces of a quarter ring: the reader copies one out while the next goes in.
    const piece = this.wholeLimit;
    for (let offset = 0; offset < body.length; ) {
      yield Math.min(piece, body.length - offset);
      const n = Math.min(this.capacity - this.#used(), body.length - offset, piece);
      this.#copyIn(this.load(TAIL), body.subarray(offset, offset + n));
      this.#commit(n);
      offset += n;
    }
  }

  // The caller holds the write lock and has checked `roomFor(size)` (`size` counts the 4-byte length and the tag).
  #writeWhole(body: Uint8Array, tag = -1): void {
    const headerBytes = this.#frame(body, tag);
    const tail = this.load(TAIL);
    this.#copyIn(tail, headerBytes === 5 ? this.#header : this.#header.subarray(0, 4));
    this.#copyIn((tail + headerBytes) >>> 0, body);
    this.add(COUNT, 1);
    this.#commit(body.length + headerBytes);
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

  roomFor(n: number): boolean {
    return this.capacity - this.#used() >= n;
  }

  // ---- reading (the caller holds readLock) ----------------------------------------------------

  #copyOut(position: number, out: Uint8Array, from = 0, n = out.length - from): void {
    const at = position & this.mask;
    const first = Math.min(n, this.capacity - at);
    copy(out, from, this.bytes, at, first);
    if (first < n) copy(out, from + first, this.bytes, 0, n - first);
  }

  #consume(n: number): void {
    Atomics.add(this.i32, this.base + HEAD, n);
    this.#bump(SPACE_SEQ, WRITERS_WAITING, 1);
  }

  hasMessage(): boolean {
    return this.load(PARTIAL) === 0 && this.#used() >= 4;
  }

  /** Bytes available to read now. */
  available(): number {
    return this.#used();
  }

  // The next message if all of it is here and it travels whole (the caller holds the read lock); else undefined.
  #readWhole(): Uint8Array | undefined {
    if (this.load(PARTIAL) !== 0) return undefined;
    const used = this.#used();
    if (used < 4) return undefined;
    const head = this.load(HEAD);
    this.#copyOut(head, this.#readHeader);
    const length = this.#readHeaderView.getUint32(0, true);
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
   * Read one message. Yields the number of bytes it needs available before it can go on; the
   * driver waits for them. Returns the payload.
   */
  *read(): Generator<number, Uint8Array, void> {
    // A reader that died in the middle of a large message left the rest of it: skip it.
    for (let partial = this.load(PARTIAL); partial > 0; partial = this.load(PARTIAL)) {
      yield 1;
      const n = Math.min(partial, this.#used());
      Atomics.store(this.i32, this.base + PARTIAL, partial - n);
      this.#consume(n);
      if (partial - n === 0) this.add(COUNT, -1);
    }
    yield 4;
    this.#copyOut(this.load(HEAD), this.#readHeader);
    const length = this.#readHeaderView.getUint32(0, true);
    // Uninitialised memory for a large message: every byte is written before it is returned.
    const out = length > 65536 ? new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length) : new Uint8Array(length);
    if (length + 4 <= this.wholeLimit) {
      yield length + 4;
      this.#copyOut((this.load(HEAD) + 4) >>> 0, out);
      this.add(COUNT, -1);
      this.#consume(length + 4);
      return out;
    }
    Atomics.store(this.i32, this.base + PARTIAL, length);
    this.#consume(4);
    const piece = this.wholeLimit;
    for (let offset = 0; offset < length; ) {
      yield Math.min(piece, length - offset);
      const n = Math.min(this.#used(), length - offset, piece);
      this.#copyOut(this.load(HEAD), out, offset, n);
      offset += n;
      Atomics.store(this.i32, this.base + PARTIAL, length - offset);
      this.#consume(n);
    }
    this.add(COUNT, -1);
    return out;
  }

  /** JoinableQueue: wake join() waiters once UNFINISHED reaches 0. */
  wakeUnfinished(): void {
    wake(this.i32, this.base + UNFINISHED, Infinity);
  }

  waitUnfinishedAsync(value: number, ms: number): Promise<number> {
    return waitAsync(this.i32, this.base + UNFINISHED, value, ms);
  }
}
