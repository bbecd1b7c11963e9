// A latency trick of the manager server under serveForever() and of its clients (latency.ts):
// after a turn of the event loop that sent replies (the server) or requests (a client), look for
// what comes back on those sockets for a moment (the addon polls their fds) before the event loop
// sleeps. A client's next call usually follows its reply at once, and a reply its request, on
// loopback; waking a sleeping process costs more than the call. Where what comes back takes
// longer (a server on another machine), the looks stop paying and are mostly skipped (LookOdds).
//
// Where Node does not expose a socket's fd (handleFd), where the addon is missing, where the
// tricks are off, or where the addon's poll fails once, the event loop just sleeps. A client of a
// server in its own program (BaseManager.start()) finds nothing while it looks, since that server
// answers only once the look is over, and so soon looks only rarely.

import type { Socket } from 'node:net';
import { hasNative, native } from '../addon/binding.js';
import { LookOdds, SERVER_POLL_MS } from '../latency.js';
import { handleFd } from '../runtime.js';

/** Polls a set of sockets briefly, once per event-loop turn in which `schedule()` was called. */
export class BusyPoller {
  readonly #sockets = new Set<Socket>();
  #fds: Int32Array | undefined;
  #scheduled = false;
  #enabled: boolean;
  readonly #odds = new LookOdds();

  constructor(readonly ms = SERVER_POLL_MS) {
    this.#enabled = ms > 0 && hasNative();
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
        const fd = handleFd(socket);
        if (fd !== undefined) fds.push(fd);
      }
      this.#fds = Int32Array.from(fds);
    }
    if (this.#fds.length === 0 || !this.#odds.worthIt()) return;
    try {
      this.#odds.record(native().spinUntilReadable(this.#fds, this.ms));
    } catch {
      this.#enabled = false;
    }
  };
}
