// Pool observability: counters, and run/wait time summaries over a window of recent tasks.

/** A snapshot of a pool's counters and time summaries (milliseconds). */
export interface PoolStats {
  readonly completed: number;
  readonly failed: number;
  readonly queued: number;
  readonly running: number;
  /** Run time of recent tasks in a worker. */
  readonly runTime: TimeSummary;
  /** Time recent tasks waited in the queue before a worker took them. */
  readonly waitTime: TimeSummary;
}

export interface TimeSummary {
  readonly median: number;
  readonly p99: number;
  readonly mean: number;
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
