// The backend interface: the one seam between the concept modules and how a child is run.
// CPython: the Popen classes of Lib/multiprocessing/popen_*.py behind BaseContext.

import type { Readable } from 'node:stream';
import type { BackendKind } from '../runtime.js';
import type { OutputMode } from './output.js';

/** A running child as the parent sees it. */
export interface ChildHandle {
  /** The child's stdout, when launched with `stdout: 'pipe'`; null otherwise. */
  readonly stdout: Readable | null;
  /** The child's stderr, when launched with `stderr: 'pipe'`; null otherwise. */
  readonly stderr: Readable | null;
  /** OS pid of the child; for a thread, the pid of the process it lives in. */
  readonly pid: number;
  /** The child's identity: its pid for a process, its threadId for a thread. */
  readonly ident: number;
  /**
   * Post a message; throws PicklingError when it cannot be cloned. A thread hands over the
   * ArrayBuffers in `transfer` instead of copying them; a process copies them.
   */
  send(message: unknown, transfer?: readonly ArrayBuffer[]): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once with Python's exitcode: the exit status, or -N after signal N. */
  onExit(listener: (exitcode: number) => void): void;
  /**
   * Called once the child has loaded its entry and waits for its start message (never, if it
   * ends first): its boot is over. Listen right after boot().
   */
  onReady(listener: () => void): void;
  /** Ask the child to stop (SIGTERM). */
  terminate(): void;
  /** Stop the child now (SIGKILL). */
  kill(): void;
  /** Whether this child keeps the parent's event loop alive. */
  ref(): void;
  unref(): void;
  /** The name the child's errors are reported under, given when a warm child is taken. */
  rename(name: string): void;
}

/**
 * V8 heap limits of a pool's workers (the `resourceLimits` option of Pool). No Python twin; the
 * `resourceLimits` of Node's `worker_threads` and piscina.
 */
export interface ResourceLimits {
  /** Largest main heap (old generation), MB. */
  readonly maxOldGenerationSizeMb?: number;
  /** Largest heap for new objects (young generation), MB. */
  readonly maxYoungGenerationSizeMb?: number;
  /** Pre-allocated memory range for generated code, MB (threads only: a process has no such flag). */
  readonly codeRangeSizeMb?: number;
  /** Largest stack of the child's main thread, MB. */
  readonly stackSizeMb?: number;
}

export interface LaunchOptions {
  /** Shown in errors about the launch itself. */
  readonly name: string;
  /** The child's environment (default: the parent's). */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** The child's `process.argv.slice(2)`. */
  readonly argv?: readonly string[] | undefined;
  /** Node options of the child, instead of the parent's `process.execArgv`. */
  readonly execArgv?: readonly string[] | undefined;
  /** V8 heap limits of the child. */
  readonly resourceLimits?: ResourceLimits | undefined;
  /** URL of the module of the child's mode: a warm child of the same recipe imports it while it waits. */
  readonly module?: string;
  /**
   * Modules (URLs, or package names) a warm child imports before it reports ready: the library's
   * mode modules and the program's own (setForkserverPreload), so that the start that takes it
   * waits on no import. Not part of the recipe.
   */
  readonly preload?: readonly string[];
  /**
   * Whether the child may import modules of the program's own (a target's module, a subclass, a
   * handle type), which may be TypeScript; when false, a compiled library's child starts without
   * the parent's TypeScript loader.
   */
  readonly programModules?: boolean;
  /** Default 'inherit': the child writes to this process's own. */
  readonly stdout?: OutputMode;
  readonly stderr?: OutputMode;
}

/** What a child sends once it waits for its start message; its handle keeps it from onMessage. */
export const readyMessage = { t: 'ready' } as const;

/** Where a child finds its `preload` modules (deleted there once read, so no target sees it). */
export const PRELOAD_ENV = 'MPTS_PRELOAD';

/** The environment of a child to boot with `options`: theirs, or this process's, with its `preload`. */
export function preloadEnv(options: LaunchOptions, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (options.preload === undefined || options.preload.length === 0) return env;
  return { ...env, [PRELOAD_ENV]: JSON.stringify(options.preload) };
}

interface MessageSource {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/** onMessage of a handle: every message of `source` but the ready message. */
export function onChildMessage(source: MessageSource, listener: (message: unknown) => void): void {
  source.on('message', (message) => {
    if (!isReadyMessage(message)) listener(message);
  });
}

/** onReady of a handle: the ready message of `source`. */
export function onChildReady(source: MessageSource, listener: () => void): void {
  const watch = (message: unknown): void => {
    if (!isReadyMessage(message)) return;
    source.off('message', watch);
    listener();
  };
  source.on('message', watch);
}

function isReadyMessage(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { t?: unknown }).t === readyMessage.t;
}

export interface Backend {
  readonly kind: BackendKind;
  /**
   * Everything that shapes a child booted with `options` now (entry, execArgv, environment,
   * working directory, inherited pipes), as a string: children of equal recipes are interchangeable.
   */
  recipe(options: LaunchOptions): string;
  /** Which sort of child `options` need, where a backend boots some differently ('' otherwise). */
  variant(options: LaunchOptions): string;
  /** Boot a child that waits for its start message. */
  boot(options: LaunchOptions): ChildHandle;
}
