// The latency tricks, in one place, behind one switch.
//
// Waking a thread or a process that sleeps in the kernel costs more than a whole round trip of a
// small message (tens of microseconds on a small VM), and where the library waits for something
// that usually follows at once (the next task after a result, the next request after a reply,
// the rest of a message the other side is copying), it looks for it for a moment before it
// sleeps. Each trick spends at most a fraction of a millisecond of CPU per wait, and only when
// the wait is likely to be short: the queue ring spins only while the other side holds its lock
// (synchronize/ring.ts), a Lock spins a few loads before it sleeps (synchronize/lock.ts), a
// worker of a pool looks for its next task after its last result (pool/worker.ts), a pool looks
// for a process worker's result right after sending it a task (pool/task-link.ts; those two look
// only while looking finds, LookOdds below: on a busy CPU it would take the time from the other
// side that is to send what they look for), and a manager server polls its sockets after a turn
// that sent replies, and a manager client polls its sockets for the replies after a turn that
// sent requests (managers/busy-poll.ts, through the addon; it reads the sockets' fds from a Node
// internal behind `handleFd` in runtime.ts, and does without the trick where Node does not
// expose them; both look only while looking finds). The addon's asynchronous futex waiter also
// looks at its words every millisecond where it cannot sleep on all of them at once (no
// futex_waitv, or more than 127 waits; kLookAgainNs in native/src/futex.cc): that is how those
// waits end at all, so no switch turns it off.
//
// MPTS_LATENCY_TRICKS=0 in the environment (read once, at import; children inherit it) turns the
// tricks off: every wait sleeps at once. For a machine whose CPU is scarcer than its latency
// matters, or to measure what the tricks buy (bench/README.md).

/** Whether the latency tricks are on: unless the environment says MPTS_LATENCY_TRICKS=0. */
export const latencyTricks: boolean = process.env.MPTS_LATENCY_TRICKS !== '0';

const when = (ms: number): number => (latencyTricks ? ms : 0);

/** How long the queue ring looks for data (or room) while the other side is at work, in ms. */
export const RING_SPIN_MS = when(0.1);

/** How many times a Lock looks whether its holder gave it back before it sleeps. */
export const LOCK_SPINS = when(100);

/** How long a pool's worker looks for its next task after its last result, in ms. */
export const WORKER_LINGER_MS = when(0.1);

/** How long a pool looks for a process worker's result right after sending it tasks, in ms. */
export const REPLY_SPIN_MS = when(0.05);

/** How long a manager server polls its sockets for the next request after sending replies, in ms. */
export const SERVER_POLL_MS = when(0.1);

/** How long a manager client polls its sockets for the reply after sending requests, in ms. */
export const CLIENT_POLL_MS = when(0.1);

// Reading the clock allocates a number on the heap: a spin reads it once every few looks, so that
// it makes little of the garbage a busy pool's scavenges pause for.
const LOOKS_PER_CLOCK = 32;

/** Call `look` until it returns true, for at most `ms`: whether it did. */
export function lookFor(ms: number, look: () => boolean): boolean {
  const until = performance.now() + ms;
  for (let looks = 1; ; looks++) {
    if (look()) return true;
    if (looks % LOOKS_PER_CLOCK === 0 && performance.now() >= until) return false;
  }
}

// After a look that found nothing (a longer task, or CPUs too busy to run the other side at once),
// the next ones are skipped, twice as many after each miss up to this many, then it looks again.
const MAX_SKIPS = 64;

/**
 * Whether a look before a sleep is likely to pay: it does while what it waits for comes within the
 * look. Where it does not, the look only takes the CPU from the side that would send it.
 */
export class LookOdds {
  #skips = 0;
  #left = 0;

  /** Whether to look this time. */
  worthIt(): boolean {
    if (this.#left === 0) return true;
    this.#left--;
    return false;
  }

  /** How the look went. */
  record(found: boolean): void {
    this.#skips = found ? 0 : Math.min(MAX_SKIPS, this.#skips * 2 || 1);
    this.#left = this.#skips;
  }
}
