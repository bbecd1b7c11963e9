// A latency trick of the manager server under serveForever(): after a turn of the event loop that
// sent replies, look for the next request on its sockets for a moment (the addon polls their fds)
// before the event loop sleeps. A client's next call usually follows its reply at once, and
// waking a sleeping process costs more than the call (on a 2-core VM, half of a loopback round
// trip). Self-contained, so that it can join the package's other latency tricks in one module.
//
// A socket's fd is a Node internal (`socket._handle.fd`): read behind a guard. Where it is not
// there (another platform, a Node that changed it), where the addon is missing, or where the
// addon's poll fails once, the server just lets the event loop sleep.

import type { Socket } from 'node:net';
import { hasNative, native } from '../addon/binding.js';

/** How long to look, in ms. */
export const BUSY_POLL_MS = 0.1;

/** The fd of a connected socket, or undefined where Node does not expose it. */
export function socketFd(socket: Socket): number | undefined {
  const handle: unknown = (socket as unknown as { _handle?: unknown })._handle;
  if (typeof handle !== 'object' || handle === null) return undefined;
  const fd: unknown = (handle as { fd?: unknown }).fd;
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : undefined;
}

/** Polls a set of sockets briefly, once per event-loop turn in which `schedule()` was called. */
export class BusyPoller {
  readonly #sockets = new Set<Socket>();
  #fds: Int32Array | undefined;
  #scheduled = false;
  #enabled: boolean;

  constructor(readonly ms = BUSY_POLL_MS) {
    this.#enabled = hasNative();
  }

  add(socket: Socket): void {
    this.#sockets.add(socket);
    this.#fds = undefined;
  }

  delete(socket: Socket): void {
    this.#sockets.delete(socket);
    this.#fds = undefined;
  }

  /** Poll once this turn's other work (every reply of the turn) is done. */
  schedule(): void {
    if (!this.#enabled || this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#poll);
  }

  readonly #poll = (): void => {
    this.#scheduled = false;
    if (this.#fds === undefined) {
      const fds: number[] = [];
      for (const socket of this.#sockets) {
        const fd = socketFd(socket);
        if (fd !== undefined) fds.push(fd);
      }
      this.#fds = Int32Array.from(fds);
    }
    if (this.#fds.length === 0) return;
    try {
      native().spinUntilReadable(this.#fds, this.ms);
    } catch {
      this.#enabled = false;
    }
  };
}
