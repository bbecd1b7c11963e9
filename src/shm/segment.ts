// Segments of shared memory for the library's own objects (locks, values, queues): anonymous memfd
// segments, so nothing has a name and nothing can leak; the memory goes with the last process
// that maps it. Small objects share 64 KiB arenas (CPython: Lib/multiprocessing/heap.py).
//
// Travelling: to a worker thread a block goes as its SharedArrayBuffer (same address); to a
// process it goes as (pid, fd) of a process that holds the segment open, and the receiver opens
// /proc/<pid>/fd/<fd> — so the sender must be alive when the receiver attaches.

import type { BackendKind } from '../backends/backend.js';
import { ProcessError } from '../errors.js';
import { hasNative, native } from './binding.js';

/** A block of shared memory: `size` bytes at `offset` of `buffer`. */
export interface Block {
  readonly buffer: SharedArrayBuffer;
  readonly offset: number;
  readonly size: number;
  readonly segment: Segment;
}

/** A block in travelling form. */
export interface BlockTransfer {
  id: string;
  pid: number;
  fd: number;
  segmentSize: number;
  offset: number;
  size: number;
  buffer?: SharedArrayBuffer;
}

export interface Segment {
  /** Identity across processes: "<creator pid>:<creator fd>", or "plain:<n>" without the addon. */
  readonly id: string;
  readonly buffer: SharedArrayBuffer;
  readonly size: number;
  /** This process's fd for the segment, or -1 for a plain SharedArrayBuffer. */
  readonly fd: number;
}

const ARENA_SIZE = 64 * 1024;
const ALIGN = 64; // one cache line per object: no false sharing between two locks
const DEDICATED_OVER = 16 * 1024;

const segments = new Map<string, Segment>();
let arena: Segment | undefined;
let arenaUsed = 0;
let plainCounter = 0;

function newSegment(size: number): Segment {
  if (!hasNative()) {
    return { id: `plain:${process.pid}:${++plainCounter}`, buffer: new SharedArrayBuffer(size), size, fd: -1 };
  }
  const b = native();
  const fd = b.memfdCreate(size, 'mpts');
  const segment = { id: `${process.pid}:${fd}`, buffer: b.mapFd(fd, size), size, fd };
  segments.set(segment.id, segment);
  return segment;
}

/** Allocate `size` zeroed bytes of shared memory, 64-byte aligned. */
export function allocate(size: number): Block {
  if (!Number.isInteger(size) || size <= 0) throw new TypeError(`Expected a positive whole number of bytes, got ${size}`);
  const rounded = Math.ceil(size / ALIGN) * ALIGN;
  if (rounded > DEDICATED_OVER) {
    const segment = newSegment(Math.ceil(rounded / 4096) * 4096);
    return { buffer: segment.buffer, offset: 0, size, segment };
  }
  if (arena === undefined || arenaUsed + rounded > ARENA_SIZE) {
    arena = newSegment(ARENA_SIZE);
    arenaUsed = 0;
  }
  const block = { buffer: arena.buffer, offset: arenaUsed, size, segment: arena };
  arenaUsed += rounded;
  return block;
}

/** The travelling form of a block, for a child on `dest`. */
export function reduceBlock(block: Block, dest: BackendKind): BlockTransfer {
  const { segment } = block;
  const transfer: BlockTransfer = { id: segment.id, pid: process.pid, fd: segment.fd, segmentSize: segment.size, offset: block.offset, size: block.size };
  if (dest === 'thread') transfer.buffer = segment.buffer;
  else if (segment.fd < 0) {
    throw new ProcessError(
      "This object lives in plain memory, which only worker threads share: passing it to another process needs the native addon (see hasNative())",
      { code: 'ERR_MP_NO_NATIVE' },
    );
  }
  return transfer;
}

/** Attach to a block received from another process or thread (each segment is mapped once). */
export function rebuildBlock(transfer: BlockTransfer): Block {
  let segment = segments.get(transfer.id);
  if (segment === undefined) {
    if (transfer.buffer !== undefined) {
      segment = { id: transfer.id, buffer: transfer.buffer, size: transfer.segmentSize, fd: transfer.fd };
    } else {
      const b = native();
      const fd = transfer.pid === process.pid ? transfer.fd : b.openProcFd(transfer.pid, transfer.fd);
      segment = { id: transfer.id, buffer: b.mapFd(fd, transfer.segmentSize), size: transfer.segmentSize, fd };
    }
    segments.set(transfer.id, segment);
  }
  return { buffer: segment.buffer, offset: transfer.offset, size: transfer.size, segment };
}
