// The backend interface: the one seam between the concept modules and how a child is run.
// CPython: the Popen classes of Lib/multiprocessing/popen_*.py behind BaseContext.

import { existsSync } from 'node:fs';
import { ProcessError } from '../errors.js';

/** Where children run: OS processes (Python's `spawn`) or worker threads (`multiprocessing.dummy`). */
export type BackendKind = 'process' | 'thread';

/** A running child as the parent sees it. */
export interface ChildHandle {
  /** OS pid of the child; for a thread, the pid of the process it lives in. */
  readonly pid: number;
  /** The child's identity: its pid for a process, its threadId for a thread. */
  readonly ident: number;
  /** Post a message; throws PicklingError when it cannot be cloned. */
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once with Python's exitcode: the exit status, or -N after signal N. */
  onExit(listener: (exitcode: number) => void): void;
  /** Ask the child to stop (SIGTERM). */
  terminate(): void;
  /** Stop the child now (SIGKILL). */
  kill(): void;
  /** Whether this child keeps the parent's event loop alive. */
  ref(): void;
  unref(): void;
}

export interface LaunchOptions {
  /** Shown in errors about the launch itself. */
  readonly name: string;
}

export interface Backend {
  readonly kind: BackendKind;
  launch(options: LaunchOptions): ChildHandle;
}

/** `.ts` when running from source under a TypeScript loader, `.js` when running from dist. */
export function siblingUrl(base: string, stem: string): URL {
  return new URL(`${stem}${base.endsWith('.ts') ? '.ts' : '.js'}`, base);
}

const entriesFound = new Set<string>();

/**
 * The file a child starts from: `stem` next to the module at `base` (its `import.meta.url`). A
 * bundler that inlines this package leaves these files behind, and in CommonJS output leaves
 * `import.meta.url` empty: the first child then fails here, saying what to do, rather than in the
 * child with a missing module.
 */
export function childEntryUrl(base: string | undefined, stem: string): URL {
  const url = typeof base === 'string' ? siblingUrl(base, stem) : undefined;
  if (url !== undefined && (entriesFound.has(url.href) || existsSync(url))) {
    entriesFound.add(url.href);
    return url;
  }
  throw new ProcessError(
    `multiprocessing-ts cannot start a child: its entry file ${url?.pathname ?? `${stem}.js`} is missing, as when the package has been bundled. ` +
      'Children start from the package\'s own files: leave it out of the bundle (esbuild --external:multiprocessing-ts, ' +
      "webpack's externals, rollup's external) and install it where the bundle runs",
    { code: 'ERR_MP_BUNDLED' },
  );
}
