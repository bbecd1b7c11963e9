// The child's side of targets: rebuild a function from its source, or import a module export.
// Kept apart from targets.ts so that a child loads neither node:crypto nor the parent-side checks.

import type { AnyFunction, TargetSpec } from './targets.js';

// esbuild (used by tsx) wraps named inner functions in `__name(fn, "name")`: supply the same helper.
const esbuildName = (fn: unknown, value: string): unknown => Object.defineProperty(fn, 'name', { value, configurable: true });

const compiled = new Map<string, AnyFunction>();

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
  const ns = (await import(spec.url)) as Record<string, unknown>;
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
    err.message +=
      ` (in target "${spec.name}", which was sent as source: it must not use variables from an enclosing scope; ` +
      'pass them as arguments, import them inside the function, or use a module export via fromModule / moduleTargets)';
    if (err.stack !== undefined) err.stack = err.stack.replace(original, err.message);
  }
  return err;
}
