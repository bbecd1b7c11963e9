// Who am I: the current process, its parent, the CPU count. CPython: Lib/multiprocessing/process.py
// (current_process, parent_process) and context.cpu_count.

import { realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { threadId } from 'node:worker_threads';
import { importingForTarget } from '../codec/target-loader.js';
import { ProcessError } from '../errors.js';
import { setProcessNameSource } from '../logger.js';

/** What `currentProcess()` tells about the running process or worker thread. Python: the `multiprocessing.current_process()` object */
export interface ProcessInfo {
  /** 'MainProcess' in the program's own process, else the child's name ('Process-1', ...). Python: `current_process().name` */
  readonly name: string;
  /** OS process id (for a worker thread, the id of the process it lives in). Python: `current_process().pid` */
  readonly pid: number;
  /** Whether this child is daemonic. Python: `current_process().daemon` */
  readonly daemon: boolean;
  /** The pid for a process; the threadId for a worker thread. Python: `current_process().ident` */
  readonly ident: number;
}

setProcessNameSource(() => currentProcess().name);

/** What `parentProcess()` tells about the parent. Python: `multiprocessing.parent_process()` */
export interface ParentInfo {
  /** The parent's name. Python: `parent_process().name` */
  readonly name: string;
  /** The parent's pid (this process's pid on the thread backend). Python: `parent_process().pid` */
  readonly pid: number;
}

export interface ChildIdentity {
  name: string;
  daemon: boolean;
  identity: number[];
  parent: ParentInfo;
  backend: 'process' | 'thread';
}

// Kept on globalThis so two copies of the package loaded in one isolate (src and dist, say)
// still agree on whether this is a child.
const kChild = Symbol.for('multiprocessing-ts.child');
type GlobalWithChild = typeof globalThis & { [kChild]?: ChildIdentity };

let counter = 0;

function child(): ChildIdentity | undefined {
  return (globalThis as GlobalWithChild)[kChild];
}

/** Marks this process or thread as the child described (called once by the child bootstrap). */
export function enterChild(identity: ChildIdentity): void {
  (globalThis as GlobalWithChild)[kChild] = identity;
}

/** The identity for the next Process created here: Python's `_identity` (e.g. [1], then [1, 1] in that child). */
export function nextIdentity(): number[] {
  return [...(child()?.identity ?? []), ++counter];
}

/**
 * The current process: 'MainProcess' in the program itself, the child's own name in a child.
 * Python: multiprocessing.current_process()
 */
export function currentProcess(): ProcessInfo {
  const me = child();
  if (me === undefined) return { name: 'MainProcess', pid: process.pid, daemon: false, ident: process.pid };
  return { name: me.name, pid: process.pid, daemon: me.daemon, ident: me.backend === 'thread' ? threadId : process.pid };
}

/**
 * The parent of the current process, or null in the main process.
 * Python: multiprocessing.parent_process()
 */
export function parentProcess(): ParentInfo | null {
  return child()?.parent ?? null;
}

/**
 * Number of CPUs this process may use.
 * Python: multiprocessing.cpu_count()
 */
export function cpuCount(): number {
  return availableParallelism();
}

/**
 * True when the module whose `import.meta` is given is the program's entry point and this is not a
 * child: the twin of Python's `if __name__ == '__main__':`. A child that imports the main module
 * (to find a Process subclass, say) must not run the program again.
 * @example
 * if (isMain(import.meta)) await main();
 */
export function isMain(meta: ImportMeta): boolean {
  if (child() !== undefined) return false;
  const script = process.argv[1];
  if (script === undefined) return false;
  if (meta.url === pathToFileURL(script).href) return true;
  try {
    return meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

/**
 * @internal Refuse to start a child (a Process, a pool's workers) in a child that is importing a
 * module for its target: that module's top-level code starts children, so each child would start
 * more, without end. Python raises the same in a child's bootstrapping phase. From Node 24 this
 * also covers what that code left to run later (see importingForTarget). So for a module a warm
 * child preloads (setForkserverPreload), which every spare would otherwise run, starting a child.
 * @throws {ProcessError} ERR_MP_START_IN_IMPORT
 */
export function refuseStartWhileImporting(what: string): void {
  const importing = importingForTarget();
  if (importing === undefined || !(importing.spare || isChild())) return;
  const how = importing.spare ? `preloaded ${importing.url} (setForkserverPreload)` : `imported ${importing.url} for its target`;
  throw new ProcessError(
    `${what} was started while this child ${how}: that module starts children at its top level, so every child would start more. ` +
      "Put the program's top-level code under `if (isMain(import.meta)) { ... }` (Python: `if __name__ == '__main__':`)",
    { code: 'ERR_MP_START_IN_IMPORT' },
  );
}

/** True in a child process or worker thread started by this package. */
export function isChild(): boolean {
  return child() !== undefined;
}

const exitHooks: (() => Promise<void>)[] = [];

/** Register work a child does after its target returns (Process registers: join its own children). */
export function onChildExit(hook: () => Promise<void>): void {
  exitHooks.push(hook);
}

/** Run the hooks registered with {@link onChildExit}. */
export async function runExitHooks(): Promise<void> {
  for (const hook of exitHooks) await hook();
}
