// CPython's framing: a signed 32-bit big-endian length, then the payload; payloads over
// 0x7fffffff bytes use -1 then an unsigned 64-bit big-endian length.
// CPython: Connection._send_bytes / _recv_bytes in Lib/multiprocessing/connection.py.

import { EOFError, UnpicklingError } from '../errors.js';

const LARGE = 0x7fffffff;

/** The header for a payload of `length` bytes. */
export function frameHeader(length: number): Uint8Array {
  if (length <= LARGE) {
    const header = new Uint8Array(4);
    new DataView(header.buffer).setInt32(0, length, false);
    return header;
  }
  const header = new Uint8Array(12);
  const view = new DataView(header.buffer);
  view.setInt32(0, -1, false);
  view.setBigUint64(4, BigInt(length), false);
  return header;
}

/**
 * Reassembles frames from a byte stream. `push` data as it arrives; `next()` returns a payload,
 * or undefined until one is complete. A frame longer than `maxLength` is a protocol error.
 */
export class FrameReader {
  #chunks: Buffer[] = [];
  #buffered = 0;
  #needed: number | undefined;

  constructor(private readonly maxLength = Number.MAX_SAFE_INTEGER) {}

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  get buffered(): number {
    return this.#buffered;
  }

  #take(n: number): Buffer {
    const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered = rest.length;
    return out;
  }

  #peek(n: number): Buffer {
    const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#buffered);
    this.#chunks = [all];
    return all.subarray(0, n);
  }

  next(maxLength = this.maxLength): Uint8Array | undefined {
    // Fast path: one chunk that holds a whole small frame (a request or a reply), cut out directly.
    if (this.#needed === undefined && this.#chunks.length === 1 && this.#buffered >= 4) {
      const chunk = this.#chunks[0]!;
      const length = chunk.readInt32BE(0);
      if (length >= 0 && length <= maxLength && 4 + length <= chunk.length) {
        const end = 4 + length;
        if (end === chunk.length) {
          this.#chunks = [];
          this.#buffered = 0;
        } else {
          this.#chunks[0] = chunk.subarray(end);
          this.#buffered = chunk.length - end;
        }
        return chunk.subarray(4, end);
      }
    }
    if (this.#needed === undefined) {
      if (this.#buffered < 4) return undefined;
      const first = this.#peek(4).readInt32BE(0);
      let length: number;
      let headerSize = 4;
      if (first === -1) {
        if (this.#buffered < 12) return undefined;
        const big = this.#peek(12).readBigUInt64BE(4);
        if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw badFrame(`a frame announced ${big} bytes`);
        length = Number(big);
        headerSize = 12;
      } else if (first < 0) {
        throw badFrame(`a frame announced a negative length (${first})`);
      } else {
        length = first;
      }
      if (length > maxLength) throw badFrame(`a frame of ${length} bytes is longer than the ${maxLength} allowed here`);
      this.#take(headerSize);
      this.#needed = length;
    }
    if (this.#buffered < this.#needed) return undefined;
    const payload = this.#take(this.#needed);
    this.#needed = undefined;
    return payload;
  }

  /** At end of stream: throws if a frame was cut short. */
  assertClean(): void {
    if (this.#needed !== undefined || this.#buffered > 0) {
      throw new EOFError('The connection ended in the middle of a message', { code: 'ERR_MP_EOF_MID_MESSAGE' });
    }
  }
}

function badFrame(what: string): UnpicklingError {
  return new UnpicklingError(`Malformed frame from the peer: ${what}; the connection cannot be used any more`, { code: 'ERR_MP_BAD_FRAME' });
}
