// The backend interface: the one seam between the concept modules and how a child is run.
// CPython: the Popen classes of Lib/multiprocessing/popen_*.py behind BaseContext.

import type { BackendKind } from '../runtime.js';

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
