// The native addon (native/): loaded once, typed, and optional. Without it (Windows, a platform
// with neither a prebuilt binary nor a compiler at install) the thread backend works on plain
// SharedArrayBuffers and V8's Atomics, and the process backend's shared objects throw
// ERR_MP_NO_NATIVE saying why and what to do.
//
// The addon uses V8's own API, so a binary works under one Node ABI only. Its init refuses any
// other (ERR_MP_NATIVE_ABI); node-gyp-build prefers build/Release (compiled at install) over
// prebuilds/, so when the compiled one is for another Node, a prebuild for this one is tried
// next, and without one the import fails with the versions and the fix.

import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileExistsError, FileNotFoundError, OSError, ProcessError, ValueError } from '../errors.js';

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
  /** `timeoutMs`: 0 or more, Infinity for none. */
  futexWait(view: Int32Array, index: number, expected: number, timeoutMs: number): WaitResult;
  futexWaitAsync(view: Int32Array, index: number, expected: number, timeoutMs: number): Promise<WaitResult>;
  futexWake(view: Int32Array, index: number, count: number): number;
  setParentDeathSignal(signo: number): void;
  watchLifeline(fd: number): void;
  processAlive(pid: number): boolean;
  processStartTime(pid: number): number;
  spinUntilReadable(fds: Int32Array, ms: number): boolean;
  copyBytes(target: Uint8Array, targetOffset: number, source: Uint8Array, sourceOffset: number, length: number): void;
}

/**
 * Which variant of the platform seam this process uses. 'linux': segments travel as memfds opened
 * through /proc, and a child dies with its parent by PR_SET_PDEATHSIG. 'posix' (every other OS, or
 * Linux with MPTS_PLATFORM=posix): segments are named POSIX shared memory, and a child watches a
 * lifeline pipe from its parent. Children inherit the variable, so a whole tree uses one variant.
 */
export type PlatformVariant = 'linux' | 'posix';

function variantFromEnv(): PlatformVariant {
  const forced = process.env.MPTS_PLATFORM;
  if (forced === 'posix') return 'posix';
  if (forced !== undefined && forced !== '' && forced !== 'auto') {
    throw new ValueError(`MPTS_PLATFORM must be 'posix' (the portable variants) or unset, got ${JSON.stringify(forced)}`, { code: 'ERR_MP_BAD_VALUE' });
  }
  return process.platform === 'linux' ? 'linux' : 'posix';
}

export const platformVariant: PlatformVariant = variantFromEnv();

interface GypBuild {
  (dir: string): unknown;
  resolve(dir: string): string;
  parseTags(file: string): { file: string } | undefined;
  matchTags(runtime: string, abi: string): (tags: { file: string } | undefined) => boolean;
  compareTags(runtime: string): (a: { file: string }, b: { file: string }) => number;
}

// Undefined inside a CommonJS bundle, which has no import.meta.url (and no prebuilds beside it).
const root = typeof import.meta.url === 'string' ? fileURLToPath(new URL('../..', import.meta.url)) : undefined;
const require = createRequire(typeof import.meta.url === 'string' ? import.meta.url : join(process.cwd(), 'index.js'));
let binding: NativeBinding | null | undefined;
let loadError: unknown;
let abiFailure: ProcessError | undefined;

// The prebuilt binary for this platform and Node ABI, chosen as node-gyp-build chooses one.
function matchingPrebuild(gypBuild: GypBuild): string | undefined {
  // MULTIPROCESSING_TS_PREBUILD: node-gyp-build's override of where the binaries are.
  const base = process.env.MULTIPROCESSING_TS_PREBUILD ?? root;
  if (base === undefined) return undefined;
  const dir = join(base, 'prebuilds', `${process.platform}-${process.arch}`);
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return undefined;
  }
  const candidates = files
    .map((file) => gypBuild.parseTags(file))
    .filter(gypBuild.matchTags('node', process.versions.modules))
    .filter((tags): tags is { file: string } => tags !== undefined)
    .sort(gypBuild.compareTags('node'));
  return candidates[0] === undefined ? undefined : join(dir, candidates[0].file);
}

function isAbiError(err: unknown): err is Error & { builtForNode?: string; builtForModules?: number } {
  return err instanceof Error && (err as { code?: unknown }).code === 'ERR_MP_NATIVE_ABI';
}

function abiError(err: Error & { builtForNode?: string; builtForModules?: number }, file: string): ProcessError {
  return new ProcessError(
    `The native addon of multiprocessing-ts (${file}) was built for Node ${err.builtForNode ?? '?'} (NODE_MODULE_VERSION ${err.builtForModules ?? '?'}), ` +
      `but this is Node ${process.versions.node} (NODE_MODULE_VERSION ${process.versions.modules}), so it was not loaded. ` +
      `Rebuild it for this Node with \`npm rebuild multiprocessing-ts\` (needs python3, make and a C++ compiler), ` +
      `or install a version of multiprocessing-ts that ships a prebuilt binary for Node ${process.versions.node.split('.')[0]}`,
    { code: 'ERR_MP_NATIVE_ABI', cause: err },
  );
}

function tryRequire(file: string): NativeBinding | null {
  try {
    return require(file) as NativeBinding;
  } catch (err) {
    loadError = err;
    return null;
  }
}

// The addon, or null with loadError saying why; throws when the only binary is for another ABI.
function load(): NativeBinding | null {
  if (binding !== undefined) return binding;
  if (abiFailure !== undefined) throw abiFailure;
  if (process.platform === 'win32') {
    loadError = new Error('the native addon is not built on Windows: shared memory between processes needs POSIX shared memory and futex-like waits');
    return (binding = null);
  }
  if (root === undefined) {
    loadError = new Error('multiprocessing-ts has been bundled, so its addon cannot be found: leave the package out of the bundle (esbuild --external:multiprocessing-ts)');
    return (binding = null);
  }
  let gypBuild: GypBuild;
  try {
    gypBuild = require('node-gyp-build') as GypBuild;
  } catch (err) {
    loadError = err;
    return (binding = null);
  }
  let file: string;
  try {
    file = gypBuild.resolve(root);
  } catch (err) {
    loadError = err;
    return (binding = null);
  }
  const compiled = tryRequire(file);
  if (compiled !== null || !isAbiError(loadError)) return (binding = compiled);
  const prebuild = matchingPrebuild(gypBuild);
  if (prebuild === undefined || prebuild === file) throw (abiFailure = abiError(loadError, file));
  return (binding = tryRequire(prebuild));
}

/**
 * Whether the native addon (cross-process shared memory and futex waits) is available.
 * Throws ERR_MP_NATIVE_ABI when the only binary there is for another Node version.
 * No Python twin (Python needs no addon).
 */
export function hasNative(): boolean {
  return load() !== null;
}

/** The addon, or a clear error saying why it is missing and how to get it. */
export function native(): NativeBinding {
  const b = load();
  if (b !== null) return b;
  const reason = loadError instanceof Error ? loadError.message.trim().split('\n')[0] : 'unknown reason';
  const fix =
    process.platform === 'win32'
      ? "Use the 'thread' backend for shared objects on Windows"
      : "Install a build of multiprocessing-ts with a prebuilt binary for this platform, or build it with `npm rebuild multiprocessing-ts` (needs python3, make and a C++ compiler); or use the 'thread' backend";
  throw new ProcessError(`Shared memory between processes needs the native addon of multiprocessing-ts, which could not be loaded (${reason}). ${fix}`, {
    code: 'ERR_MP_NO_NATIVE',
    cause: loadError,
  });
}

/**
 * The addon's system errors (`{ code, syscall }`) as the package's OSError classes, with
 * `message` in front of what the system said.
 */
export function asOSError(err: unknown, message: string, filename?: string): unknown {
  if (!(err instanceof Error) || typeof (err as NodeJS.ErrnoException).syscall !== 'string') return err;
  const { code = 'EUNKNOWN', syscall = '' } = err as NodeJS.ErrnoException;
  const errno = (constants.errno as Record<string, number | undefined>)[code] ?? 0;
  const cls = code === 'EEXIST' ? FileExistsError : code === 'ENOENT' ? FileNotFoundError : OSError;
  return new cls(`${message} (${err.message})`, { code, errno, syscall, filename, cause: err });
}
