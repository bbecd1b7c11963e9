// Backend registry by kind; every launch goes through the warm children (warm.ts).
import type { BackendKind } from '../runtime.js';
import type { Backend, ChildHandle, LaunchOptions } from './backend.js';
import { processBackend } from './process/backend.js';
import { threadBackend } from './thread/backend.js';
import { launch } from './warm.js';

export type { ChildHandle } from './backend.js';
export { setWarmChildren, getWarmChildren, stopWarmChildren, warmChildrenReady, setForkserverPreload, idleWarmChildren } from './warm.js';

/** Starts children of one kind: a warm one when there is one, else a new one. */
export interface Launcher {
  readonly kind: BackendKind;
  launch(options: LaunchOptions): ChildHandle;
}

function launcher(backend: Backend): Launcher {
  return { kind: backend.kind, launch: (options) => launch(backend, options) };
}

const launchers: Record<BackendKind, Launcher> = { process: launcher(processBackend), thread: launcher(threadBackend) };

export function getBackend(kind: BackendKind): Launcher {
  const found = launchers[kind];
  if (found === undefined) throw new TypeError(`Unknown backend "${String(kind)}": expected 'process' or 'thread'`);
  return found;
}
