// Backend registry by kind.
import type { BackendKind } from '../runtime.js';
import type { Backend } from './backend.js';
import { processBackend } from './process/backend.js';
import { threadBackend } from './thread/backend.js';

export type { Backend, ChildHandle } from './backend.js';

const backends: Record<BackendKind, Backend> = { process: processBackend, thread: threadBackend };

export function getBackend(kind: BackendKind): Backend {
  const backend = backends[kind];
  if (backend === undefined) throw new TypeError(`Unknown backend "${String(kind)}": expected 'process' or 'thread'`);
  return backend;
}
