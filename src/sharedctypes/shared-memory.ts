// SharedMemory: a named block of shared memory any process can attach to by name.
// CPython: Lib/multiprocessing/shared_memory.py.

import { randomBytes } from 'node:crypto';
import { registerHandleType } from '../codec/handles.js';
import { ValueError } from '../errors.js';
import { register, unregister } from '../resource-tracker/tracker.js';
import { native } from '../shm/binding.js';

/** Options of {@link SharedMemory}. */
export interface SharedMemoryOptions {
  /** The segment's name; a new unique 'mpts-…' name when creating without one. */
  name?: string;
  /** Create a new segment (true) or attach to an existing one (false, the default). */
  create?: boolean;
  /** Size in bytes, needed when creating. */
  size?: number;
}

/**
 * A named segment of shared memory. The creator registers it with the resource tracker, which
 * unlinks it if the program ends (even by SIGKILL) without calling `unlink()`.
 * @example
 * const shm = new SharedMemory({ create: true, size: 1024 });
 * const other = new SharedMemory({ name: shm.name });   // in another process
 *
 * Python: multiprocessing.shared_memory.SharedMemory
 */
export class SharedMemory {
  readonly name: string;
  readonly size: number;
  #buf: Uint8Array;
  #fd: number;
  readonly #buffer: SharedArrayBuffer;
  #unlinked = false;
  readonly #created: boolean;

  constructor(options: SharedMemoryOptions = {}) {
    const { create = false, size } = options;
    let name = options.name;
    if (name !== undefined && (typeof name !== 'string' || name === '' || name.includes('/'))) {
      throw new TypeError(`Expected "name" to be a non-empty string without "/", got ${JSON.stringify(name)}`);
    }
    const b = native();
    if (create) {
      if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) {
        throw new ValueError(`"size" must be a positive whole number of bytes when creating, got ${String(size)}`, { code: 'ERR_MP_BAD_VALUE' });
      }
      name ??= `mpts-${process.pid}-${randomBytes(4).toString('hex')}`;
      this.#fd = b.shmCreate(`/${name}`, size, true);
      register(name);
      this.size = size;
    } else {
      if (name === undefined) throw new ValueError('"name" is needed to attach to an existing SharedMemory (or pass create: true)', { code: 'ERR_MP_BAD_VALUE' });
      const [fd, actual] = b.shmOpen(`/${name}`);
      this.#fd = fd;
      this.size = actual;
    }
    this.name = name;
    this.#created = create;
    this.#buffer = b.mapFd(this.#fd, this.size);
    this.#buf = new Uint8Array(this.#buffer);
  }

  /** The segment's bytes. After `close()` it is an empty array. */
  get buf(): Uint8Array {
    return this.#buf;
  }

  /** Stop using the segment in this process; others keep it. */
  close(): void {
    if (this.#fd < 0) return;
    const b = native();
    b.detach(this.#buffer);
    b.closeFd(this.#fd);
    this.#fd = -1;
    this.#buf = new Uint8Array(0);
  }

  /** Remove the name, so that the memory goes once every process has closed it. Call it once. */
  unlink(): void {
    if (this.#unlinked) return;
    native().shmUnlink(`/${this.name}`);
    this.#unlinked = true;
    if (this.#created) unregister(this.name);
  }
}

// A SharedMemory passed to a child attaches there by name.
registerHandleType(SharedMemory, {
  name: 'SharedMemory',
  module: import.meta.url,
  reduce: (shm) => shm.name,
  rebuild: (name: string) => new SharedMemory({ name }),
});
