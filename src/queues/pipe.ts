// Pipe and Connection: two ends that send objects (or bytes) to each other, between processes or
// threads, over rings in shared memory. CPython: Connection and Pipe in Lib/multiprocessing/connection.py.

import { registerHandleType } from '../codec/handles.js';
import { BufferTooShort, EOFError, ValueError } from '../errors.js';
import { deadlineOf } from '../shm/deadline.js';
import { runAsync, runSync } from '../shm/wait-driver.js';
import { decode, decodeNow, encode } from './queue.js';
import { Ring, type RingTransfer } from '../synchronize/ring.js';

const PIPE_CAPACITY = 1 << 20;

function closedError(): ValueError {
  return new ValueError('The connection is closed: create a new Pipe', { code: 'ERR_MP_CLOSED' });
}

function eofError(): EOFError {
  return new EOFError('The other end of the connection was closed and nothing is left to receive', { code: 'ERR_MP_EOF' });
}

/**
 * One end of a Pipe. `send` is synchronous (it waits only when the pipe is full, as a full OS
 * pipe does); `recv` resolves the next object and rejects with EOFError once the other end has
 * closed (or its process has died) and nothing is left.
 *
 * Python: multiprocessing.connection.Connection
 */
export class Connection<T = unknown> {
  #in: Ring | null;
  #out: Ring | null;
  #closed = false;

  /** @internal `received`: rebuilt from a copy sent here, rather than made by Pipe(). */
  constructor(incoming: Ring | null, outgoing: Ring | null, received = false) {
    this.#in = incoming;
    this.#out = outgoing;
    if (received) outgoing?.receivedWriting();
    else outgoing?.holdWriting();
  }

  /** @internal */
  get rings(): { incoming: Ring | null; outgoing: Ring | null } {
    return { incoming: this.#in, outgoing: this.#out };
  }

  /** Whether `close()` was called. Python: `Connection.closed` */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether this end can receive (false for the sending end of `Pipe(false)`). Python: `Connection.readable` */
  get readable(): boolean {
    return this.#in !== null;
  }

  /** Whether this end can send (false for the receiving end of `Pipe(false)`). Python: `Connection.writable` */
  get writable(): boolean {
    return this.#out !== null;
  }

  #writer(): Ring {
    if (this.#closed) throw closedError();
    if (this.#out === null) throw new ValueError('This end of the pipe is read-only: send from the other end', { code: 'ERR_MP_READ_ONLY' });
    return this.#out;
  }

  #reader(): Ring {
    if (this.#closed) throw closedError();
    if (this.#in === null) throw new ValueError('This end of the pipe is write-only: receive on the other end', { code: 'ERR_MP_WRITE_ONLY' });
    return this.#in;
  }

  #write(body: Uint8Array, tag = -1): void {
    const ring = this.#writer();
    if (ring.closed) throw closedError();
    if (ring.tryWriteNow(body, tag)) return;
    if (runSync(ring.send(body, tag, Infinity)) !== 'sent') throw closedError();
  }

  async #read(): Promise<Uint8Array> {
    const got = await runAsync(this.#reader().receive(Infinity));
    if (typeof got === 'string') throw eofError();
    return got;
  }

  /** Send an object to the other end. Python: `Connection.send` */
  send(obj: T): void {
    const { tag, body } = encode(obj);
    this.#write(body, tag);
  }

  /** Receive the next object. Python: `Connection.recv` @throws {EOFError} when the other end closed and nothing is left */
  recv(): Promise<T> {
    let bytes: Uint8Array | undefined;
    try {
      bytes = this.#reader().tryReadNow();
    } catch (err) {
      return Promise.reject(err);
    }
    if (bytes !== undefined) return decodeNow(bytes) as Promise<T>;
    return this.#read().then(decode) as Promise<T>;
  }

  /** Send raw bytes (`size` bytes from `offset`). Python: `Connection.send_bytes` */
  sendBytes(buf: Uint8Array, offset = 0, size = buf.length - offset): void {
    if (!(buf instanceof Uint8Array)) throw new TypeError('Expected a Uint8Array');
    if (offset < 0 || size < 0 || offset + size > buf.length) throw new ValueError(`offset ${offset} and size ${size} do not fit a buffer of ${buf.length} bytes`, { code: 'ERR_MP_BAD_VALUE' });
    this.#write(buf.subarray(offset, offset + size));
  }

  /** Receive one message sent with sendBytes. Python: `Connection.recv_bytes` @throws {ValueError} when it is longer than `maxlength` */
  async recvBytes(maxlength?: number): Promise<Uint8Array> {
    const bytes = await this.#read();
    if (maxlength !== undefined && bytes.length > maxlength) {
      throw new ValueError(`The message is ${bytes.length} bytes, longer than maxlength ${maxlength}`, { code: 'ERR_MP_BAD_LENGTH' });
    }
    return bytes;
  }

  /**
   * Receive one message into `buf` at `offset`; resolves its length.
   * Python: `Connection.recv_bytes_into`
   * @throws {BufferTooShort} when it does not fit (the message is in `error.payload`)
   */
  async recvBytesInto(buf: Uint8Array, offset = 0): Promise<number> {
    const bytes = await this.#read();
    if (offset + bytes.length > buf.length) {
      throw new BufferTooShort(`The message is ${bytes.length} bytes and does not fit the buffer at offset ${offset}: the whole message is in error.payload`, bytes, { code: 'ERR_MP_BUFFER_TOO_SHORT' });
    }
    buf.set(bytes, offset);
    return bytes.length;
  }

  /** Whether something (or EOF) can be received, waiting up to `timeout` ms (0: just look). Python: `Connection.poll` (seconds there) */
  async poll(timeout = 0): Promise<boolean> {
    const ring = this.#reader();
    if (ring.available() > 0) return true;
    return runAsync(ring.poll(deadlineOf(timeout)));
  }

  /**
   * Close this end. As with CPython's OS pipe, the other end's `recv` gets EOFError, once it has
   * taken what was sent, when every copy of this end is closed (or its process is dead): a copy
   * sent to a child stays open after the parent closes its own. Unlike CPython, a copy held in the
   * reader's own thread does not keep that reader waiting.
   * Python: `Connection.close`
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#out?.releaseWriting();
  }
}

/**
 * A pair of connected ends. Duplex (the default): both ends send and receive. `Pipe(false)`:
 * `[reader, writer]`.
 *
 * Python: multiprocessing.Pipe
 */
export function Pipe<T = unknown>(duplex = true): [Connection<T>, Connection<T>] {
  if (!duplex) {
    const ring = new Ring(PIPE_CAPACITY);
    return [new Connection<T>(ring, null), new Connection<T>(null, ring)];
  }
  const a = new Ring(PIPE_CAPACITY);
  const b = new Ring(PIPE_CAPACITY);
  return [new Connection<T>(b, a), new Connection<T>(a, b)];
}

registerHandleType(Connection, {
  name: 'Connection',
  module: import.meta.url,
  reduce: (c: Connection, dest) => {
    const { incoming, outgoing } = c.rings;
    outgoing?.lendWriting();
    return { incoming: incoming?.reduce(dest) ?? null, outgoing: outgoing?.reduce(dest) ?? null };
  },
  rebuild: ({ incoming, outgoing }: { incoming: RingTransfer | null; outgoing: RingTransfer | null }) =>
    new Connection(incoming === null ? null : Ring.rebuild(incoming), outgoing === null ? null : Ring.rebuild(outgoing), true),
});
