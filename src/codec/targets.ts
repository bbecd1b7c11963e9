// Targets: what runs in the child. A self-contained function travels as source and is rebuilt
// (and cached by a hash of its source) on the far side; a module export travels as a reference.
// CPython: the pickling of a target by reference in Lib/multiprocessing/reduction.py.

import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PicklingError } from '../errors.js';

/** The widest function type a target can have (`never[]` accepts any parameter list). No Python twin (Python's targets are any callable). */
export type AnyFunction = (...args: never[]) => unknown;

const kModuleTarget = Symbol.for('multiprocessing-ts.module-target');

/**
 * A reference to a function exported by a module, which the child imports itself.
 * Create one with {@link fromModule} or {@link moduleTargets}.
 * Python: a module-level function, which pickle sends by qualified name
 */
export interface ModuleTarget<F extends AnyFunction = AnyFunction> {
  /** The brand that tells a module target from a function. No Python twin (Python pickles functions by name). */
  readonly [kModuleTarget]: true;
  /** The module's URL (`file:` URL for local files). Python: the function's `__module__` */
  readonly url: string;
  /** The name of the export. Python: the function's `__qualname__` */
  readonly exportName: string;
  /** Type-only: the exported function's type. No Python twin. */
  readonly __type?: F;
}

/** What can run in another process or thread: a self-contained function or a module export. Python: the `target` of `Process` or the `func` of `Pool.apply` */
export type Target<F extends AnyFunction = AnyFunction> = F | ModuleTarget<F>;

/** The function type behind a target. No Python twin (type-level). */
export type TargetFunction<T> = T extends ModuleTarget<infer F> ? F : T extends AnyFunction ? T : never;
/** The argument list a target takes. No Python twin (type-level). */
export type TargetArgs<T> = Parameters<TargetFunction<T>>;
/** The value a target produces once awaited. No Python twin (type-level). */
export type TargetResult<T> = Awaited<ReturnType<TargetFunction<T>>>;

/** A target flattened for the wire. */
export type TargetSpec =
  | { kind: 'source'; source: string; hash: string; name: string }
  | { kind: 'module'; url: string; exportName: string };

function toUrl(location: string | URL): string {
  if (location instanceof URL) return location.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(location) && !isAbsolute(location)) return location;
  return pathToFileURL(isAbsolute(location) ? location : resolve(location)).href;
}

/**
 * Reference the export `exportName` of the module at `url` as a target.
 * Python: pickling a module-level function (by module and name)
 * @example
 * const square = fromModule<typeof import('./tasks.js').square>(new URL('./tasks.js', import.meta.url), 'square');
 *
 * @typeParam F - the export's type, e.g. `typeof import('./tasks.js').square`: without it the
 * target takes any arguments and its result is `unknown`.
 */
export function fromModule<F extends AnyFunction = (...args: unknown[]) => unknown>(url: string | URL, exportName: string): ModuleTarget<F> {
  if (typeof exportName !== 'string' || exportName === '') {
    throw new TypeError(`Expected "exportName" to be a non-empty string, got ${String(exportName)}`);
  }
  return Object.freeze({ [kModuleTarget]: true as const, url: toUrl(url), exportName });
}

/** The function exports of module type `M`, each as a typed {@link ModuleTarget}. No Python twin (type-level). */
export type ModuleTargets<M> = { readonly [K in keyof M as M[K] extends AnyFunction ? K : never]: M[K] extends AnyFunction ? ModuleTarget<M[K]> : never };

/**
 * Typed references to every function a module exports, without loading it here.
 * Python: pickling a module's functions by name
 * @example
 * const tasks = moduleTargets<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));
 * new Process({ target: tasks.square, args: [3] });
 */
export function moduleTargets<M>(url: string | URL): ModuleTargets<M> {
  const href = toUrl(url);
  const cache = new Map<string, ModuleTarget>();
  return new Proxy({} as ModuleTargets<M>, {
    get(_target, key) {
      if (typeof key !== 'string') return undefined;
      let ref = cache.get(key);
      if (ref === undefined) cache.set(key, (ref = fromModule(href, key)));
      return ref;
    },
  });
}

/** True for a {@link ModuleTarget}. No Python twin. */
export function isModuleTarget(value: unknown): value is ModuleTarget {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kModuleTarget] === true;
}

const specCache = new WeakMap<AnyFunction, TargetSpec>();
// Inline lambdas in a loop are new function objects with the same source each time: also cache
// by source text, so that each costs a toString() and a lookup rather than a compile and a hash.
const sourceCache = new Map<string, TargetSpec>();
const SOURCE_CACHE_LIMIT = 1024;

/** Whether `source` compiles as a function expression, possibly after wrapping a method shorthand. */
function expressionFor(source: string, name: string): string | undefined {
  for (const candidate of [`(${source})`, `({${source}})[${JSON.stringify(name)}]`]) {
    try {
      new Function('__name', `return ${candidate}`);
      return candidate;
    } catch {
      // not this form
    }
  }
  return undefined;
}

/** Flatten a target for the wire; throws PicklingError for functions that cannot travel. */
export function describeTarget(target: Target): TargetSpec {
  if (isModuleTarget(target)) return { kind: 'module', url: target.url, exportName: target.exportName };
  if (typeof target !== 'function') {
    throw new TypeError(`Expected the target to be a function or a module export reference, got ${typeof target}`);
  }
  const cached = specCache.get(target);
  if (cached !== undefined) return cached;
  const name = target.name || '<anonymous>';
  const source = Function.prototype.toString.call(target);
  if (name.startsWith('bound ') || /\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw new PicklingError(
      `Cannot send function "${name}" to another process: it is ${name.startsWith('bound ') ? 'a bound' : 'a native'} function. ` +
        'Use a self-contained function or a module export (fromModule / moduleTargets) instead',
      { code: 'ERR_MP_UNPICKLABLE_TARGET' },
    );
  }
  const known = sourceCache.get(source);
  if (known !== undefined && known.kind === 'source' && known.name === name) {
    specCache.set(target, known);
    return known;
  }
  const expression = expressionFor(source, name);
  if (expression === undefined) {
    throw new PicklingError(`Cannot send function "${name}" to another process: its source does not compile on its own. Use a module export (fromModule / moduleTargets) instead`, {
      code: 'ERR_MP_UNPICKLABLE_TARGET',
    });
  }
  const spec: TargetSpec = { kind: 'source', source: expression, hash: createHash('sha1').update(expression).digest('base64url'), name };
  specCache.set(target, spec);
  if (sourceCache.size >= SOURCE_CACHE_LIMIT) sourceCache.delete(sourceCache.keys().next().value as string);
  sourceCache.set(source, spec);
  return spec;
}
