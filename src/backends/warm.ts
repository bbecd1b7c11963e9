// Warm children: once a program has started a child, a spare one of the same recipe boots in the
// background, idle, so that the next start() skips booting Node (and its loaders).
// CPython: the 'forkserver' start method (Lib/multiprocessing/forkserver.py), Python 3.14's default.
//
// Children of a slot boot one at a time: two Node boots at once take about twice as long each (a
// worker's isolate and bootstrap, or a process's, compete for the same cores), so a replacement
// booted while the child just taken is still booting would make that start slower than a cold
// one. The next spare boots once the previous child of its slot has reported ready (or ended).
//
// A spare has run nothing of the user's: it waits for its start message like any new child (it
// imports the library's own mode modules while it waits, and the modules the program named in
// setForkserverPreload), and is used once. It keeps nothing alive: it is unref'd, and dies with
// this process as every child does.

import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ValueError } from '../errors.js';
import type { BackendKind } from '../runtime.js';
import { processAlive } from '../shm/liveness.js';
import type { Backend, ChildHandle, LaunchOptions } from './backend.js';

const MAX_WARM_CHILDREN = 4;

interface Spare {
  readonly recipe: string;
  readonly child: ChildHandle;
  readonly exited: Promise<void>;
}

// A slot is a backend kind and a variant (whether its children load the program's TypeScript
// loader, say): per slot, the idle spares, the mode modules its children have asked for,
// and a top-up to come.
interface Slot {
  readonly backend: Backend;
  /** The recipe of the starts that look for spares here. */
  readonly recipe: string;
  readonly options: LaunchOptions;
  readonly spares: Spare[];
  readonly modules: Set<string>;
  pending: NodeJS.Immediate | undefined;
  /** Children of this slot booted and not yet ready (nor ended); no spare boots meanwhile. */
  booting: number;
  /** Whether spares are wanted once the boots are over: from a start until stopWarmChildren(). */
  topUpDue: boolean;
}
// Only the slots this program has started children in exist: only they get spares.
const slots = new Map<string, Slot>();
// Callers of warmChildrenReady(), told whenever a boot or a top-up is over.
const settleWaiters: (() => void)[] = [];
let wanted = countFromEnv(process.env.MPTS_WARM_CHILDREN);
// The program's modules for every spare to import (setForkserverPreload), as URLs or package names.
let programPreload: string[] = [];

function countFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > MAX_WARM_CHILDREN) {
    process.emitWarning(`MPTS_WARM_CHILDREN must be a whole number from 0 to ${MAX_WARM_CHILDREN}, got "${value}": keeping 1 warm child`);
    return 1;
  }
  return n;
}

/**
 * How many idle children to keep ready per backend once a child has started (1 by default, or
 * `MPTS_WARM_CHILDREN`); 0 turns warm children off and stops the idle ones. Raised, it boots the
 * missing spares of the backends that have started children.
 * @throws {TypeError} for a non-integer @throws {ValueError} outside 0..4
 *
 * Python: the nearest is multiprocessing.set_start_method('forkserver') (or 'spawn' for 0)
 */
export function setWarmChildren(count: number): void {
  if (typeof count !== 'number' || !Number.isInteger(count)) throw new TypeError(`Expected "count" to be an integer, got ${String(count)}`);
  if (count < 0 || count > MAX_WARM_CHILDREN) {
    throw new ValueError(`"count" must be from 0 to ${MAX_WARM_CHILDREN}, got ${count}`, { code: 'ERR_MP_BAD_VALUE' });
  }
  wanted = count;
  for (const slot of slots.values()) {
    for (const spare of slot.spares.splice(count)) spare.child.kill();
    if (count > 0) scheduleTopUp(slot);
  }
  settled();
}

/**
 * Modules every warm child imports while it waits, before it reports ready: what the program's
 * children all import (a large library, your task modules) is then loaded before a start instead
 * of in it, under a TypeScript loader too. Paths are relative to the working directory; a package
 * name resolves as it would from this library. A module that fails to load is skipped there (the
 * start that imports it reports why). Idle children are replaced by ones that load the new list.
 * @example
 * setForkserverPreload(['./tasks.ts', 'lodash-es']);
 * @throws {TypeError} when `modules` is not an array of paths, URLs and package names
 *
 * Python: multiprocessing.set_forkserver_preload(module_names)
 */
export function setForkserverPreload(modules: readonly (string | URL)[]): void {
  if (!Array.isArray(modules) || !modules.every((m: unknown) => (typeof m === 'string' && m !== '') || m instanceof URL)) {
    throw new TypeError('Expected "modules" to be an array of module paths, file URLs and package names');
  }
  programPreload = modules.map(moduleSpecifier);
  for (const slot of slots.values()) {
    for (const spare of slot.spares.splice(0)) spare.child.kill();
    if (wanted > 0 && slot.topUpDue) scheduleTopUp(slot);
  }
  settled();
}

// What a child's import() finds from the library's own directory: a URL, or a package name.
function moduleSpecifier(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (isAbsolute(module) || module.startsWith('./') || module.startsWith('../')) return pathToFileURL(resolve(module)).href;
  return module;
}

/** The number of idle children kept ready per backend (0: warm children are off). */
export function getWarmChildren(): number {
  return wanted;
}

/**
 * Stop the idle children now; resolves once they have ended. The next start() boots a child as
 * usual and makes new spares.
 *
 * Python: multiprocessing.forkserver's _stop(), which CPython's own tests call between test files
 */
export async function stopWarmChildren(): Promise<void> {
  const ending: Spare[] = [];
  for (const slot of slots.values()) {
    if (slot.pending !== undefined) clearImmediate(slot.pending);
    slot.pending = undefined;
    slot.topUpDue = false;
    ending.push(...slot.spares.splice(0));
  }
  for (const spare of ending) {
    // held until it has ended, so that whoever awaits this is not left with an empty event loop
    spare.child.ref();
    spare.child.kill();
  }
  await Promise.all(ending.map((spare) => spare.exited));
  settled();
}

/**
 * Resolves once every backend that has started children has its idle children booted and
 * waiting for a start (at once when warm children are off): the next start() takes a ready one.
 *
 * Python: multiprocessing.forkserver.ensure_running()
 */
export async function warmChildrenReady(): Promise<void> {
  // held meanwhile, so that whoever awaits this is not left with an empty event loop
  const hold = setInterval(() => {}, 2 ** 30);
  try {
    while ([...slots.values()].some(unsettled)) await new Promise<void>((resolve) => settleWaiters.push(resolve));
  } finally {
    clearInterval(hold);
  }
}

function unsettled(slot: Slot): boolean {
  return wanted > 0 && slot.topUpDue && (slot.pending !== undefined || slot.booting > 0);
}

function settled(): void {
  for (const resolve of settleWaiters.splice(0)) resolve();
}

/** The idents (pid, or threadId) of the idle children of a backend kind, for the tests. */
export function idleWarmChildren(kind: BackendKind): number[] {
  return [...slots.values()].filter((slot) => slot.backend.kind === kind).flatMap((slot) => slot.spares.map((spare) => spare.child.ident));
}

/** A child of `backend` for `options.name`: an idle spare of the current recipe, else a new one. */
export function launch(backend: Backend, options: LaunchOptions): ChildHandle {
  const slot = slotOf(backend, options);
  if (options.module !== undefined) slot.modules.add(options.module);
  if (wanted === 0) return boot(slot, options);
  const spare = takeSpare(slot, backend.recipe(options));
  scheduleTopUp(slot);
  if (spare === undefined) return boot(slot, options);
  spare.child.rename(options.name);
  spare.child.ref();
  return spare.child;
}

// A spare killed from outside is seen to end only on a later turn of the event loop: one whose
// process is gone already is passed over, or the start message would go to a dead child.
function takeSpare(slot: Slot, recipe: string): Spare | undefined {
  for (;;) {
    const index = slot.spares.findIndex((spare) => spare.recipe === recipe);
    if (index === -1) return undefined;
    const spare = slot.spares.splice(index, 1)[0] as Spare;
    if (slot.backend.kind !== 'process' || processAlive(spare.child.pid)) return spare;
  }
}

// A slot per recipe: a pool's workers with their own environment or execArgv get their own spares.
function slotOf(backend: Backend, options: LaunchOptions): Slot {
  const key = `${backend.kind} ${backend.variant(options)} ${backend.recipe(options)}`;
  let slot = slots.get(key);
  if (slot === undefined) {
    slot = { backend, recipe: backend.recipe(options), options: { ...options, name: `${backend.kind} spare` }, spares: [], modules: new Set(), pending: undefined, booting: 0, topUpDue: false };
    slots.set(key, slot);
  }
  return slot;
}

// A child of the slot, counted as booting until it reports ready or ends; then the slot tops up.
function boot(slot: Slot, options: LaunchOptions): ChildHandle {
  const child = slot.backend.boot(options);
  slot.booting++;
  let booted = false;
  const done = (): void => {
    if (booted) return;
    booted = true;
    slot.booting--;
    if (slot.booting === 0 && slot.topUpDue) scheduleTopUp(slot);
    settled();
  };
  child.onReady(done);
  child.onExit(done);
  return child;
}

// On a later turn, so that start() itself pays no fork; a burst of starts tops up once.
function scheduleTopUp(slot: Slot): void {
  slot.topUpDue = true;
  if (slot.pending !== undefined || slot.booting > 0 || wanted === 0) return;
  slot.pending = setImmediate(() => {
    slot.pending = undefined;
    try {
      topUp(slot);
    } catch {
      // a spare that cannot boot is no loss: the next start() boots its child and reports why
    }
    settled();
  });
  slot.pending.unref();
}

function topUp(slot: Slot): void {
  const { backend, options, spares } = slot;
  const recipe = backend.recipe(options);
  // Spares of an older recipe (another environment, directory...) would never be taken; nor would
  // new ones while the recipe differs from the slot's: its starts look in another slot now.
  for (const stale of spares.filter((spare) => spare.recipe !== recipe)) {
    spares.splice(spares.indexOf(stale), 1);
    stale.child.kill();
  }
  if (spares.length < wanted && slot.booting === 0 && recipe === slot.recipe) {
    const child = boot(slot, { ...options, preload: [...slot.modules, ...programPreload] });
    child.unref();
    const exited = new Promise<void>((resolve) => child.onExit(() => resolve()));
    const spare: Spare = { recipe, child, exited };
    // A spare that ends while idle (killed from outside) is no longer one.
    void exited.then(() => {
      if (spares.includes(spare)) spares.splice(spares.indexOf(spare), 1);
    });
    spares.push(spare);
    if (!endsAtExit) {
      endsAtExit = true;
      process.once('exit', endSparesAtExit);
    }
  }
}

// A spare that is still booting when this process exits goes on loading the library after it is
// gone (and prints an error if the library's directory went with it): the idle ones end with it.
let endsAtExit = false;
function endSparesAtExit(): void {
  for (const slot of slots.values()) for (const spare of slot.spares) spare.child.kill();
}
