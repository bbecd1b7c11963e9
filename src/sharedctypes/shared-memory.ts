// SharedMemory: a named block of shared memory any process can attach to by name.
// CPython: Lib/multiprocessing/shared_memory.py.

import { randomBytes } from 'node:crypto';
import { registerHandleType } from '../codec/handles.js';
import { ValueError } from '../errors.js';
import { register, unregister } from '../resource-tracker/tracker.js';
import { asOSError, native } from '../addon/binding.js';
import { checkSegmentSize } from '../shm/memory-limit.js';

/** Options of {@link SharedMemory}. Python: `SharedMemory(name=None, create=False, size=0)` */
export interface SharedMemoryOptions {
  /** The segment's name; a new unique 'mpts-…' name when creating without one. Python: `name` */
  name?: string;
  /** Create a new segment (true) or attach to an existing one (false, the default). Python: `create` */
  create?: boolean;
  /** Size in bytes, needed when creating. Python: `size` */
  size?: number;
}

/**
 * A named segment of shared memory. The creator registers it with the resource tracker, which
 * unlinks it if the program ends (even by SIGKILL) without calling `unlink()`.
 *
 * Errors are Python's: attaching to a name that does not exist, or unlinking one twice, throws
 * FileNotFoundError (`code: 'ENOENT'`); creating a name that exists throws FileExistsError
 * (`code: 'EEXIST'`); no room in /dev/shm is an OSError (`code: 'ENOSPC'`); more than the
 * machine's memory is a MemoryError, before anything is reserved.
 * @example
 * const shm = new SharedMemory({ create: true, size: 1024 });
 * const other = new SharedMemory({ name: shm.name });   // in another process
 *
 * Python: multiprocessing.shared_memory.SharedMemory
 */
export class SharedMemory {
  /** The segment's name, to attach from elsewhere. Python: `SharedMemory.name` */
  readonly name: string;
  /** The size in bytes. Python: `SharedMemory.size` */
  readonly size: number;
  #buf: Uint8Array;
  #fd: number;
  readonly #buffer: SharedArrayBuffer;
  #unlinked = false;
  readonly #created: boolean;

  /** Create (`create: true`) or attach to (`name`) a segment. Python: `SharedMemory(name=None, create=False, size=0)` */
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
      checkSegmentSize(size);
      name ??= `mpts-${process.pid}-${randomBytes(4).toString('hex')}`;
      try {
        this.#fd = b.shmCreate(`/${name}`, size, true);
      } catch (err) {
        throw asOSError(err, createFailure(name, size, (err as { code?: string }).code), name);
      }
      register(name);
      this.size = size;
    } else {
      if (name === undefined) throw new ValueError('"name" is needed to attach to an existing SharedMemory (or pass create: true)', { code: 'ERR_MP_BAD_VALUE' });
      try {
        [this.#fd, this.size] = b.shmOpen(`/${name}`);
      } catch (err) {
        throw asOSError(err, `No shared memory segment named ${JSON.stringify(name)} could be opened: create it with { create: true, size }`, name);
      }
    }
    this.name = name;
    this.#created = create;
    this.#buffer = b.mapFd(this.#fd, this.size);
    this.#buf = new Uint8Array(this.#buffer);
  }

  /** The segment's bytes. After `close()` it is an empty array. Python: `SharedMemory.buf` (a memoryview there) */
  get buf(): Uint8Array {
    return this.#buf;
  }

  /** Stop using the segment in this process; others keep it. Python: `SharedMemory.close` */
  close(): void {
    if (this.#fd < 0) return;
    const b = native();
    b.detach(this.#buffer);
    b.closeFd(this.#fd);
    this.#fd = -1;
    this.#buf = new Uint8Array(0);
  }

  /**
   * Remove the name, so that the memory goes once every process has closed it. Once: a second
   * call (or one after another process unlinked it) throws FileNotFoundError, as Python's does.
   */
  unlink(): void {
    const first = !this.#unlinked;
    this.#unlinked = true;
    try {
      native().shmUnlink(`/${this.name}`);
    } catch (err) {
      if (first && this.#created) unregister(this.name);
      throw asOSError(err, `The shared memory segment ${JSON.stringify(this.name)} could not be unlinked (unlinked already?)`, this.name);
    }
    // Whoever unlinks it tells the resource tracker, which the processes of a program share: the
    // creator's registration goes (a SharedMemoryManager's server unlinks its clients' segments).
    // Python's unlink() does the same.
    if (first) unregister(this.name);
  }
}

function createFailure(name: string, size: number, code: string | undefined): string {
  if (code === 'EEXIST') return `A shared memory segment named ${JSON.stringify(name)} exists already: attach to it (no "create"), or pick another name`;
  if (code === 'ENOSPC') return `No room for a shared memory segment of ${size} bytes: free some in /dev/shm, or make it larger (Docker: --shm-size)`;
  return `Could not create the shared memory segment ${JSON.stringify(name)} of ${size} bytes`;
}

// A SharedMemory passed to a child attaches there by name.
registerHandleType(SharedMemory, {
  name: 'SharedMemory',
  module: import.meta.url,
  reduce: (shm) => shm.name,
  rebuild: (name: string) => new SharedMemory({ name }),
});
