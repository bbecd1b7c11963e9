// The child's side of targets: rebuild a function from its source, or import a module export.
// Kept apart from targets.ts so that a child loads neither node:crypto nor the parent-side checks.

import type { AnyFunction, TargetSpec } from './targets.js';

// esbuild (used by tsx) wraps named inner functions in `__name(fn, "name")`: supply the same helper.
const esbuildName = (fn: unknown, value: string): unknown => Object.defineProperty(fn, 'name', { value, configurable: true });

const compiled = new Map<string, AnyFunction>();

// The modules this isolate is importing for targets, while their top-level code runs: a child that
// starts children then is running a program's top-level code that lacks its `isMain` guard, and
// would start more in each of them (Python's "bootstrapping phase" error). On globalThis, so that
// two copies of the package in one isolate (src and dist) agree.
const kImporting = Symbol.for('multiprocessing-ts.importing');
const importing: string[] = ((globalThis as { [kImporting]?: string[] })[kImporting] ??= []);

/** Import a module of the program's for a target: its own module, a Process subclass's, a handle type's. */
export async function importForTarget(url: string): Promise<Record<string, unknown>> {
  importing.push(url);
  try {
    return (await import(url)) as Record<string, unknown>;
  } finally {
    importing.splice(importing.indexOf(url), 1);
  }
}

/** The module being imported for a target now, if any (its top-level code may be running). */
export function importingForTarget(): string | undefined {
  return importing[0];
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
