// A connection over a TCP or Unix socket, speaking CPython's framing; objects travel as pickles.
// CPython: Connection in Lib/multiprocessing/connection.py.

import type { Socket } from 'node:net';
import { BufferTooShort, EOFError, ValueError } from '../errors.js';
import { dumps, loads } from '../pickle/index.js';
import { FrameReader, frameHeader } from './framing.js';

/** Messages up to this size are sent with their header in one write (one copy of the payload). */
const SMALL_MESSAGE = 16384;

/**
 * One end of a socket connection to a Python or TypeScript peer.
 * Python: multiprocessing.connection.Connection
 */
export class Connection<T = unknown> {
  readonly #socket: Socket;
  readonly #reader = new FrameReader();
  #ended = false;
  #error: Error | undefined;
  #closed = false;
  /** Who waits for the next chunk: usually one (a recv); rarely more at once (a poll too). All are woken. */
  #wake: (() => void) | undefined;
  #moreWakers: Set<() => void> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #readers = 0;

  /** @internal */
  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#reader.push(chunk);
      this.#notify();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on('error', (err) => {
      this.#error = err;
      this.#ended = true;
      this.#notify();
    });
    socket.on('close', () => {
      this.#ended = true;
      this.#notify();
    });
  }

  #notify(): void {
    const wake = this.#wake;
    const more = this.#moreWakers;
    this.#wake = undefined;
    this.#moreWakers = undefined;
    wake?.();
    if (more !== undefined) for (const w of more) w();
  }

  #addWaker(wake: () => void): void {
    if (this.#wake === undefined) this.#wake = wake;
    else (this.#moreWakers ??= new Set()).add(wake);
  }

  #dropWaker(wake: () => void): void {
    if (this.#wake === wake) this.#wake = undefined;
    else this.#moreWakers?.delete(wake);
  }

  /** Resolves at the next chunk, end or close, or after `timeout` ms. */
  #change(timeout = Infinity): Promise<void> {
    if (!Number.isFinite(timeout)) return new Promise<void>((resolve) => this.#addWaker(resolve));
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#dropWaker(wake);
        resolve();
      }, timeout);
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.#addWaker(wake);
    });
  }

  /** Whether `close()` was called. Python: `Connection.closed` */
  get closed(): boolean {
    return this.#closed;
  }

  /** Always true: a socket connection is duplex. Python: `Connection.readable` */
  readonly readable = true;
  /** Always true: a socket connection is duplex. Python: `Connection.writable` */
  readonly writable = true;

  #checkOpen(): void {
    if (this.#closed) throw new ValueError('The connection is closed', { code: 'ERR_MP_CLOSED' });
  }

  /** Send raw bytes as one message. Python: `Connection.send_bytes` */
  sendBytes(buf: Uint8Array, offset = 0, size = buf.length - offset): void {
    this.#checkOpen();
    if (offset < 0 || size < 0 || offset + size > buf.length) throw new ValueError(`offset ${offset} and size ${size} do not fit a buffer of ${buf.length} bytes`, { code: 'ERR_MP_BAD_VALUE' });
    const payload = buf.subarray(offset, offset + size);
    // Small messages go in one write, header and payload in one buffer, as CPython does (Nagle).
    if (size <= SMALL_MESSAGE) {
      const frame = Buffer.allocUnsafe(4 + size);
      frame.writeInt32BE(size, 0);
      frame.set(payload, 4);
      this.#socket.write(frame);
    } else {
      this.#socket.write(frameHeader(size));
      this.#socket.write(payload);
    }
  }

  /** Send an object, pickled (protocol 4). Python: `Connection.send` */
  send(obj: T): void {
    this.sendBytes(dumps(obj));
  }

  // One reader at a time: each call waits for the previous to finish. With none in flight (the
  // usual case: one call at a time), it starts at once, without chaining on the last one.
  #serial<R>(fn: () => Promise<R>): Promise<R> {
    const next = this.#readers === 0 ? fn() : this.#queue.then(fn, fn);
    this.#readers++;
    const settled = (): void => {
      this.#readers--;
    };
    this.#queue = next.then(settled, settled);
    return next;
  }

  async #frame(maxlength?: number): Promise<Uint8Array> {
    for (;;) {
      this.#checkOpen();
      const frame = this.#reader.next(maxlength);
      if (frame !== undefined) return frame;
      if (this.#ended) {
        this.#reader.assertClean();
        throw new EOFError(`The peer closed the connection${this.#error ? ` (${this.#error.message})` : ''} and nothing is left to receive`, { code: 'ERR_MP_EOF', cause: this.#error });
      }
      await this.#change();
    }
  }

  /** Receive one message's bytes. Python: `Connection.recv_bytes` @throws {UnpicklingError} when it is longer than `maxlength` */
  recvBytes(maxlength?: number): Promise<Uint8Array> {
    return this.#serial(() => this.#frame(maxlength));
  }

  /** Receive one message into `buf`; resolves its length. Python: `Connection.recv_bytes_into` @throws {BufferTooShort} when it does not fit */
  recvBytesInto(buf: Uint8Array, offset = 0): Promise<number> {
    return this.#serial(async () => {
      const bytes = await this.#frame();
      if (offset + bytes.length > buf.length) throw new BufferTooShort(`The message is ${bytes.length} bytes and does not fit the buffer: the whole message is in error.payload`, bytes, { code: 'ERR_MP_BUFFER_TOO_SHORT' });
      buf.set(bytes, offset);
      return bytes.length;
    });
  }

  /** Receive one object (unpickled without executing anything). Python: `Connection.recv` */
  async recv(): Promise<T> {
    return loads(await this.recvBytes()) as T;
  }

  /** Whether a message (or EOF) is there, waiting up to `timeout` ms (null: as long as it takes). Python: `Connection.poll` (seconds there) */
  async poll(timeout: number | null = 0): Promise<boolean> {
    this.#checkOpen();
    const deadline = timeout === null ? Infinity : performance.now() + Math.max(0, timeout);
    for (;;) {
      if (this.#reader.buffered >= 4 || this.#ended) return true;
      const left = deadline - performance.now();
      if (left <= 0 || this.#closed) return false;
      await this.#change(left);
    }
  }

  /** Close the connection. Python: `Connection.close` */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.end();
    this.#socket.destroySoon?.();
    this.#notify();
  }

  /** @internal */
  get socket(): Socket {
    return this.#socket;
  }
}
