// Pool observability: counters, and run/wait time summaries over a window of recent tasks.

/** A snapshot of a pool's counters and time summaries (milliseconds). No Python twin (Python's Pool has no statistics). */
export interface PoolStats {
  /** Tasks that returned a result. */
  readonly completed: number;
  /** Tasks that threw, timed out, or lost their worker. */
  readonly failed: number;
  /** Tasks waiting for a worker. */
  readonly queued: number;
  /** Tasks a worker is running now. */
  readonly running: number;
  /** Run time of recent tasks in a worker. */
  readonly runTime: TimeSummary;
  /** Time recent tasks waited in the queue before a worker took them. */
  readonly waitTime: TimeSummary;
}

/** Summary of a window of recent durations, in milliseconds (all 0 before any task). No Python twin. */
export interface TimeSummary {
  /** The middle value. */
  readonly median: number;
  /** The 99th percentile. */
  readonly p99: number;
  /** The average. */
  readonly mean: number;
  /** The longest. */
  readonly max: number;
}

const WINDOW = 4096;

class Reservoir {
  readonly #samples = new Float64Array(WINDOW);
  #count = 0;

  add(ms: number): void {
    this.#samples[this.#count++ % WINDOW] = ms;
  }

  summary(): TimeSummary {
    const n = Math.min(this.#count, WINDOW);
    if (n === 0) return { median: 0, p99: 0, mean: 0, max: 0 };
    const sorted = this.#samples.slice(0, n).sort();
    let sum = 0;
    for (const v of sorted) sum += v;
    const at = (q: number): number => sorted[Math.min(n - 1, Math.floor(q * n))] ?? 0;
    return { median: at(0.5), p99: at(0.99), mean: sum / n, max: sorted[n - 1] ?? 0 };
  }
}

export class Stats {
  completed = 0;
  failed = 0;
  readonly #run = new Reservoir();
  readonly #wait = new Reservoir();

  ran(ms: number): void {
    this.#run.add(ms);
  }

  waited(ms: number): void {
    this.#wait.add(ms);
  }

  snapshot(queued: number, running: number): PoolStats {
    return { completed: this.completed, failed: this.failed, queued, running, runTime: this.#run.summary(), waitTime: this.#wait.summary() };
  }
}
