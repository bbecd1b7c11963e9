// The child's side of targets: rebuild a function from its source, or import a module export.
// Kept apart from targets.ts so that a child loads neither node:crypto nor the parent-side checks.

import { AsyncLocalStorage } from 'node:async_hooks';
import { NODE_MAJOR } from '../runtime.js';
import type { AnyFunction, TargetSpec } from './targets.js';

// esbuild (used by tsx) wraps named inner functions in `__name(fn, "name")`: supply the same helper.
const esbuildName = (fn: unknown, value: string): unknown => Object.defineProperty(fn, 'name', { value, configurable: true });

const compiled = new Map<string, AnyFunction>();

/** A module being imported for a target, or preloaded by a warm spare, which has no target yet. */
export interface TargetImport {
  url: string;
  spare: boolean;
}

// The modules this isolate is importing for targets, while their top-level code runs (before Node
// 24; from 24, importContext below): a child that starts children then is running a program's
// top-level code that lacks its `isMain` guard, and would start more in each of them (Python's
// "bootstrapping phase" error). On globalThis, so that two copies of the package in one isolate
// (src and dist) agree.
const kImporting = Symbol.for('multiprocessing-ts.importing');
const importing: TargetImport[] = ((globalThis as { [kImporting]?: TargetImport[] })[kImporting] ??= []);
// From Node 24 the import's async context also follows what its top-level code left to run later
// (a `main()` not awaited, past its first await on a timer or I/O). There async context travels in
// V8's continuation frames, free for every promise; before, an AsyncLocalStorage hooks every
// promise of the child, too dear for this check, which then covers the import itself only.
const kImportContext = Symbol.for('multiprocessing-ts.import-context');
const importContext =
  NODE_MAJOR >= 24
    ? ((globalThis as { [kImportContext]?: AsyncLocalStorage<TargetImport> })[kImportContext] ??= new AsyncLocalStorage<TargetImport>())
    : undefined;

/**
 * Import a module of the program's for a target: its own module, a Process subclass's, a handle
 * type's; or, in a warm spare (`spare`), a module of setForkserverPreload's list.
 */
export async function importForTarget(url: string, spare = false): Promise<Record<string, unknown>> {
  const entry: TargetImport = { url, spare };
  if (importContext !== undefined) return (await importContext.run(entry, () => import(url))) as Record<string, unknown>;
  importing.push(entry);
  try {
    return (await import(url)) as Record<string, unknown>;
  } finally {
    importing.splice(importing.indexOf(entry), 1);
  }
}

/** The module imported for a target whose top-level code is running now, or left this to run, if any. */
export function importingForTarget(): TargetImport | undefined {
  return importContext === undefined ? importing[0] : importContext.getStore();
}

/** Rebuild a target in the child; source targets are compiled once per worker. */
export async function loadTarget(spec: TargetSpec): Promise<AnyFunction> {
  if (spec.kind === 'source') {
    let fn = compiled.get(spec.hash);
    if (fn === undefined) {
      fn = new Function('__name', `return ${spec.source}`)(esbuildName) as AnyFunction;
      compiled.set(spec.hash, fn);
    }
    return fn;
  }
  const ns = await importForTarget(spec.url);
  const fn = ns[spec.exportName];
  if (typeof fn !== 'function') {
    throw new TypeError(`Module ${spec.url} has no function export "${spec.exportName}" (found ${typeof fn})`);
  }
  return fn as AnyFunction;
}

/** Add the module-export hint to a ReferenceError thrown by a function sent as source. */
export function explainReferenceError(err: unknown, spec: TargetSpec): unknown {
  if (spec.kind === 'source' && err instanceof ReferenceError && !err.message.includes('module export')) {
    const original = err.message;
    // Read before the message changes: V8 formats the stack when it is first read.
    const stack = err.stack;
    err.message +=
      ` (in target "${spec.name}", which was sent as source: it must not use variables from an enclosing scope; ` +
      'pass them as arguments, import them inside the function, or use a module export via fromModule / moduleTargets)';
    if (stack !== undefined) err.stack = stack.replace(original, err.message);
  }
  return err;
}
