// The native addon (native/): loaded once through node-gyp-build, typed, and optional. Without it
// (a platform other than Linux, or a failed build) the thread backend works on plain
// SharedArrayBuffers and V8's Atomics; the process backend's shared features throw a clear error.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ProcessError } from '../errors.js';

/** What a futex wait returned. */
export const WAIT_OK = 0;
export const WAIT_NOT_EQUAL = 1;
export const WAIT_TIMED_OUT = 2;
export type WaitResult = typeof WAIT_OK | typeof WAIT_NOT_EQUAL | typeof WAIT_TIMED_OUT;

export interface NativeBinding {
  memfdCreate(size: number, debugName: string): number;
  shmCreate(name: string, size: number, exclusive: boolean): number;
  shmOpen(name: string): [fd: number, size: number];
  shmUnlink(name: string): void;
  openProcFd(pid: number, fd: number): number;
  fdSize(fd: number): number;
  mapFd(fd: number, size: number): SharedArrayBuffer;
  detach(buffer: SharedArrayBuffer): void;
  closeFd(fd: number): void;
  futexWait(view: Int32Array, index: number, expected: number, timeoutMs: number): WaitResult;
  futexWaitAsync(view: Int32Array, index: number, expected: number, timeoutMs: number): Promise<WaitResult>;
  futexWake(view: Int32Array, index: number, count: number): number;
  setParentDeathSignal(signo: number): void;
  processAlive(pid: number): boolean;
  processStartTime(pid: number): number;
  spinUntilReadable(fds: Int32Array, ms: number): boolean;
  copyBytes(target: Uint8Array, targetOffset: number, source: Uint8Array, sourceOffset: number, length: number): void;
}

let binding: NativeBinding | null | undefined;
let loadError: unknown;

function load(): NativeBinding | null {
  if (binding !== undefined) return binding;
  if (process.platform !== 'linux') {
    loadError = new Error(`the native addon supports Linux only (this is ${process.platform})`);
    return (binding = null);
  }
  try {
    const require = createRequire(import.meta.url);
    const gypBuild = require('node-gyp-build') as (dir: string) => NativeBinding;
    binding = gypBuild(fileURLToPath(new URL('../..', import.meta.url)));
  } catch (err) {
    loadError = err;
    binding = null;
  }
  return binding;
}

/** Whether the native addon (cross-process shared memory and futex waits) is available. */
export function hasNative(): boolean {
  return load() !== null;
}

/** The addon, or a clear error saying why it is missing and how to build it. */
export function native(): NativeBinding {
  const b = load();
  if (b !== null) return b;
  throw new ProcessError(
    `Shared memory between processes needs the native addon of multiprocessing-ts, which could not be loaded (${(loadError as Error)?.message ?? 'unknown reason'}). ` +
      "Build it with `npm rebuild multiprocessing-ts` (needs python3, make and a C++ compiler), or use the 'thread' backend",
    { code: 'ERR_MP_NO_NATIVE', cause: loadError },
  );
}
