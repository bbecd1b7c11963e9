// What every floor may need to know about where the library runs: the backend kinds, where its own
// modules are (TypeScript source under a loader, or compiled JavaScript), and the names of OS
// signals. It imports nothing of ours but the errors, so the substrate can use it without reaching
// up to the backends.

import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { ProcessError } from './errors.js';

/** Where children run: OS processes (Python's `spawn`) or worker threads (`multiprocessing.dummy`). */
export type BackendKind = 'process' | 'thread';

/** The major version of the Node running this. */
export const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/** `.ts` when running from source under a TypeScript loader, `.js` when running from dist. */
function siblingUrl(base: string, stem: string): URL {
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

/** The name of signal `signo` (`'SIGKILL'`), or `'signal N'` when the OS has no name for it. */
export function signalName(signo: number): string {
  for (const [name, n] of Object.entries(constants.signals)) if (n === signo) return name;
  return `signal ${signo}`;
}

/**
 * The fd under a Node stream or socket (a pipe to a child, a connected socket), or undefined where
 * Node does not expose it. It is a Node internal (`_handle.fd`), read here only, behind a guard:
 * every caller has a way to do without it.
 */
export function handleFd(stream: object | null | undefined): number | undefined {
  const handle: unknown = (stream as { _handle?: unknown } | null | undefined)?._handle;
  if (typeof handle !== 'object' || handle === null) return undefined;
  const fd: unknown = (handle as { fd?: unknown }).fd;
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : undefined;
}
