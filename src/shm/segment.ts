// Segments of shared memory for the library's own objects (locks, values, queues). Small objects
// share 64 KiB arenas (CPython: Lib/multiprocessing/heap.py).
//
// How a segment reaches another process is part (a) of the platform seam (binding.ts):
// - 'linux': an anonymous memfd, so nothing has a name and nothing can leak; the memory goes with
//   the last process that maps it. It travels as (pid, fd) of a process that holds it open, and
//   the receiver opens /proc/<pid>/fd/<fd>: the sender must be alive when the receiver attaches.
// - 'posix': a named POSIX segment, /mpts_<creator pid>_<random>. The creator unlinks its names
//   when it exits; the resource tracker unlinks those of a process that could not (killed), when
//   its parent sees it die or when the whole tree is gone. The creator must be alive when a
//   receiver attaches.
// To a worker thread a block goes as its SharedArrayBuffer (same address) either way.

import { randomBytes } from 'node:crypto';
import type { BackendKind } from '../runtime.js';
import { ProcessError } from '../errors.js';
import { register, unregister } from '../resource-tracker/tracker.js';
import { asOSError, hasNative, native, platformVariant } from '../addon/binding.js';
import { checkSegmentSize } from './memory-limit.js';

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
  /** The segment's name, for a named ('posix') segment. */
  name?: string;
  segmentSize: number;
  offset: number;
  size: number;
  buffer?: SharedArrayBuffer;
}

export interface Segment {
  /** Identity across processes: "<pid>:<fd>" of a memfd, the name of a named segment, or "plain:…" without the addon. */
  readonly id: string;
  readonly buffer: SharedArrayBuffer;
  readonly size: number;
  /** This process's fd for a memfd segment, else -1. */
  readonly fd: number;
  /** The name of a named segment (without the leading '/'). */
  readonly name?: string;
}

const ARENA_SIZE = 64 * 1024;
const ALIGN = 64; // one cache line per object: no false sharing between two locks
const DEDICATED_OVER = 16 * 1024;

const segments = new Map<string, Segment>();
let arena: Segment | undefined;
let arenaUsed = 0;
let plainCounter = 0;

// Names this process created and unlinks at exit.
const ownNames = new Set<string>();
function unlinkOwnNames(): void {
  for (const name of ownNames) {
    try {
      native().shmUnlink(`/${name}`);
      unregister(name);
    } catch {
      // gone already, or the tracker with it: nothing left to do at exit
    }
  }
  ownNames.clear();
}

function newNamedSegment(size: number): Segment {
  const b = native();
  for (;;) {
    // At most 31 characters with the slash, as macOS allows.
    const name = `mpts_${process.pid}_${randomBytes(4).toString('hex')}`;
    let fd: number;
    try {
      fd = b.shmCreate(`/${name}`, size, true);
    } catch (err) {
      if ((err as { code?: string }).code === 'EEXIST') continue;
      throw asOSError(err, `Could not create a shared memory segment of ${size} bytes`, name);
    }
    try {
      if (ownNames.size === 0) process.on('exit', unlinkOwnNames);
      ownNames.add(name);
      register(name);
      return { id: name, buffer: b.mapFd(fd, size), size, fd: -1, name };
    } finally {
      b.closeFd(fd);
    }
  }
}

function newSegment(size: number): Segment {
  checkSegmentSize(size);
  if (!hasNative()) {
    return { id: `plain:${process.pid}:${++plainCounter}`, buffer: new SharedArrayBuffer(size), size, fd: -1 };
  }
  let segment: Segment;
  if (platformVariant === 'posix') {
    segment = newNamedSegment(size);
  } else {
    const b = native();
    let fd: number;
    try {
      fd = b.memfdCreate(size, 'mpts');
    } catch (err) {
      throw asOSError(err, `Could not create a shared memory segment of ${size} bytes`);
    }
    segment = { id: `${process.pid}:${fd}`, buffer: b.mapFd(fd, size), size, fd };
  }
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

/**
 * Let go of a block that has a segment of its own (over 16 KiB) once no other process will attach
 * to it: its fd is closed, or its name unlinked. Mappings stay valid; the memory goes with the last.
 */
export function releaseBlock(block: Block): void {
  const { segment } = block;
  if (Math.ceil(block.size / ALIGN) * ALIGN <= DEDICATED_OVER || segments.get(segment.id) !== segment) return;
  segments.delete(segment.id);
  if (!hasNative()) return;
  if (segment.fd >= 0) native().closeFd(segment.fd);
  if (segment.name !== undefined && ownNames.delete(segment.name)) {
    native().shmUnlink(`/${segment.name}`);
    unregister(segment.name);
  }
}

/** The travelling form of a block, for a child on `dest`. */
export function reduceBlock(block: Block, dest: BackendKind): BlockTransfer {
  const { segment } = block;
  const transfer: BlockTransfer = { id: segment.id, pid: process.pid, fd: segment.fd, segmentSize: segment.size, offset: block.offset, size: block.size };
  if (segment.name !== undefined) transfer.name = segment.name;
  if (dest === 'thread') transfer.buffer = segment.buffer;
  else if (segment.fd < 0 && segment.name === undefined) {
    native(); // without the addon: ERR_MP_NO_NATIVE, saying why it is missing and what to do
    throw new ProcessError(
      "This object lives in plain memory, which only worker threads share: passing it to another process needs the native addon (see hasNative())",
      { code: 'ERR_MP_NO_NATIVE' },
    );
  }
  return transfer;
}

// Map a segment another process sent.
function attach(transfer: BlockTransfer): Segment {
  const b = native();
  if (transfer.name !== undefined) {
    let fd: number;
    try {
      [fd] = b.shmOpen(`/${transfer.name}`);
    } catch (err) {
      throw asOSError(err, `Could not attach to shared memory segment ${transfer.name}: the process that created it must be alive when it is received`, transfer.name);
    }
    try {
      return { id: transfer.id, buffer: b.mapFd(fd, transfer.segmentSize), size: transfer.segmentSize, fd: -1, name: transfer.name };
    } finally {
      b.closeFd(fd);
    }
  }
  const fd = transfer.pid === process.pid ? transfer.fd : b.openProcFd(transfer.pid, transfer.fd);
  return { id: transfer.id, buffer: b.mapFd(fd, transfer.segmentSize), size: transfer.segmentSize, fd };
}

/** Attach to a block received from another process or thread (each segment is mapped once). */
export function rebuildBlock(transfer: BlockTransfer): Block {
  let segment = segments.get(transfer.id);
  if (segment === undefined) {
    segment =
      transfer.buffer !== undefined
        ? { id: transfer.id, buffer: transfer.buffer, size: transfer.segmentSize, fd: transfer.fd, ...(transfer.name === undefined ? {} : { name: transfer.name }) }
        : attach(transfer);
    segments.set(transfer.id, segment);
  }
  return { buffer: segment.buffer, offset: transfer.offset, size: transfer.size, segment };
}
