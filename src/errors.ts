// The error classes of the API spec. CPython: Lib/multiprocessing/context.py (ProcessError & co).
//
// Every class sets `name` once on its prototype, carries a stable `code`, and is branded with a
// `Symbol.for` key so that `isProcessError()` works across realms and duplicated installs.

const kBrand = Symbol.for('multiprocessing-ts.error');

/** Options accepted by every error constructor of this package. Python: exceptions take positional args; `cause` is `raise … from cause` */
export interface ProcessErrorOptions {
  /** A stable machine-readable code, e.g. `ERR_MP_CLOSED`. No Python twin (Python tells cases apart by class and message). */
  code?: string;
  /** The error that caused this one. Python: `__cause__` */
  cause?: unknown;
}

/**
 * Base class of the package's own errors.
 * Python: multiprocessing.ProcessError
 */
export class ProcessError extends Error {
  /** A stable code that tells cases of one class apart without parsing messages. No Python twin. */
  code: string;

  /**
   * Python: `ProcessError(message)`; the options add the stable `code` and the `cause`, which
   * Python spells `raise ... from cause`.
   */
  constructor(message: string, opts: ProcessErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = opts.code ?? 'ERR_MP';
  }
}

/** True for any error of this package, whichever copy of the package created it. Python: `isinstance(e, ProcessError)`, across copies of the package */
export function isProcessError(value: unknown): value is ProcessError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kBrand] === true;
}

/** A call ran past its timeout (`AsyncResult.get`, manager calls). Python: multiprocessing.TimeoutError */
export class TimeoutError extends ProcessError {}
/** A queue `get` found nothing (non-blocking, or past its timeout). Python: queue.Empty */
export class Empty extends ProcessError {}
/** A queue `put` found no room (non-blocking, or past its timeout). Python: queue.Full */
export class Full extends ProcessError {}
/** `recv` on a connection whose peer closed and that has nothing left. Python: EOFError */
export class EOFError extends ProcessError {}
/** `recvBytesInto` with a buffer too small; `payload` holds the whole message. Python: multiprocessing.BufferTooShort */
export class BufferTooShort extends ProcessError {
  /**
   * Python: `BufferTooShort(payload)`; here the message comes first.
   * @param payload - the whole message, as Python's `e.args[0]`.
   */
  constructor(message: string, readonly payload?: Uint8Array, opts?: ProcessErrorOptions) {
    super(message, opts);
  }
}
/** The HMAC challenge failed (wrong or missing authkey). Python: multiprocessing.AuthenticationError */
export class AuthenticationError extends ProcessError {}
/** A target or argument cannot travel to another process or thread. Python: pickle.PicklingError */
export class PicklingError extends ProcessError {}
/** A malformed pickle or frame arrived from a peer. Python: pickle.UnpicklingError */
export class UnpicklingError extends PicklingError {}
/** An error raised on the far side of a manager. Python: multiprocessing.managers.RemoteError */
export class RemoteError extends ProcessError {
  /**
   * Python: `RemoteError(text)`, whose one argument holds the far side's formatted traceback;
   * here it is split into the message, the far side's class name and its stack.
   * @param remoteName - the class name of the error raised on the far side, e.g. `KeyError`. Python: part of the text of `RemoteError.args[0]`.
   * @param remoteStack - the far side's stack or traceback text. Python: the rest of `RemoteError.args[0]`.
   */
  constructor(message: string, readonly remoteName = 'Error', readonly remoteStack = '', opts?: ProcessErrorOptions) {
    super(message, opts);
  }
}
/** A pool worker died while it held the task. (Python's Pool hangs instead.) */
export class WorkerLostError extends ProcessError {
  /**
   * No Python twin (Python's `Pool` waits forever for a dead worker's task).
   * @param exitcode - the dead worker's exit code, as `Process.exitcode`; `null` if killed by a signal. Python: `Process.exitcode` of the worker.
   * @param signal - the signal that killed it, e.g. `'SIGKILL'`, or `null`. No Python twin.
   */
  constructor(message: string, readonly exitcode: number | null = null, readonly signal: string | null = null, opts?: ProcessErrorOptions) {
    super(message, opts);
  }
}
/** A barrier was aborted or reset while waiting. Python: threading.BrokenBarrierError */
export class BrokenBarrierError extends ProcessError {}
/**
 * The process that held a Lock or RLock died without releasing it (Python would wait forever).
 * The lock stays broken: what it protected may be half-updated. (An addition to Python's errors.)
 */
export class OwnerDiedError extends ProcessError {
  /**
   * No Python twin: Python's lock waits forever for a dead holder.
   * @param ownerPid - the pid of the holder that died (0 if unknown). No Python twin.
   */
  constructor(message: string, readonly ownerPid = 0, opts?: ProcessErrorOptions) {
    super(message, opts);
  }
}
/** An operation on an object in the wrong state or with a wrong value. Python: ValueError */
export class ValueError extends ProcessError {}

/** Options of {@link OSError}: what the system said. Python: the arguments of `OSError(errno, strerror, filename)` */
export interface OSErrorOptions extends ProcessErrorOptions {
  /** The error number, positive as Python's (`os.constants.errno`). */
  errno?: number;
  /** The system call that failed, e.g. `shm_open`. No Python twin (Node's `err.syscall`). */
  syscall?: string;
  /** The file or name it was about. Python: `OSError.filename` */
  filename?: string;
}

/**
 * A system call failed. `code` is the errno name (`'ENOSPC'`), `errno` its number (positive, as
 * Python's), `syscall` the call and `filename` the name it was about.
 * Python: OSError
 */
export class OSError extends ProcessError {
  /** The error number, positive. Python: `OSError.errno` */
  readonly errno: number;
  /** The system call that failed, e.g. `shm_open`. Python has no such field (Node's `err.syscall`). */
  readonly syscall: string;
  /** The file or name the call was about. Python: `OSError.filename` */
  readonly filename: string | undefined;

  /** Python: `OSError(errno, strerror, filename)`; here the message comes first and the rest are options. */
  constructor(message: string, opts: OSErrorOptions = {}) {
    super(message, opts);
    this.errno = opts.errno ?? 0;
    this.syscall = opts.syscall ?? '';
    this.filename = opts.filename;
  }
}
/** The name exists already (`code: 'EEXIST'`). Python: FileExistsError */
export class FileExistsError extends OSError {}
/** No such name (`code: 'ENOENT'`). Python: FileNotFoundError */
export class FileNotFoundError extends OSError {}
/**
 * More memory was asked for than the machine can give (`code: 'ERR_MP_NO_MEMORY'`), found before
 * any of it was reserved. Python: MemoryError
 */
export class MemoryError extends ProcessError {}

/** Base of the subprocess errors. Python: subprocess.SubprocessError */
export class SubprocessError extends ProcessError {}

/**
 * An error class, as {@link errorClasses} lists them (only the prototype is used: the codec never
 * calls a constructor, so any signature will do). No Python twin (pickle names the class).
 */
export type ErrorClass = abstract new (...args: never[]) => Error;

const table: Record<string, ErrorClass> = {};

/**
 * Names each class after its key (once, on the prototype) and enters it in the table the error
 * codec rebuilds errors from, so that one thrown in a worker arrives as itself. For modules that
 * define errors of their own (subprocess, managers); they inherit the brand from ProcessError.
 * @internal
 */
export function registerErrorClasses(classes: Readonly<Record<string, ErrorClass>>): void {
  for (const [name, cls] of Object.entries(classes)) {
    Object.defineProperty(cls.prototype, 'name', { value: name, enumerable: false, configurable: true, writable: true });
    table[name] = cls;
  }
}

registerErrorClasses({
  ProcessError, TimeoutError, Empty, Full, EOFError, BufferTooShort, AuthenticationError, PicklingError,
  UnpicklingError, RemoteError, WorkerLostError, BrokenBarrierError, OwnerDiedError, ValueError, SubprocessError,
  OSError, FileExistsError, FileNotFoundError, MemoryError,
});
Object.defineProperty(ProcessError.prototype, kBrand, { value: true, enumerable: false });

/** The package's error classes by name, so the error codec can rebuild them on the far side. No Python twin (pickle finds classes by name). */
export const errorClasses: Readonly<Record<string, ErrorClass>> = table;
