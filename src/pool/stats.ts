// Pool observability: counters, run/wait time histograms (perf_hooks, constant memory and
// constant-time reads, over every task since the pool started) and how busy each worker is.

import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** A snapshot of a pool's counters, time summaries (milliseconds) and utilization. No Python twin; like piscina's histograms. */
export interface PoolStats {
  /** Tasks that returned a result. */
  readonly completed: number;
  /** Tasks that threw, timed out, or lost their worker. */
  readonly failed: number;
  /** Tasks waiting for a worker. */
  readonly queued: number;
  /** Tasks a worker is running now. */
  readonly running: number;
  /** Run time of the tasks in a worker. */
  readonly runTime: TimeSummary;
  /** Time the tasks waited in the queue before a worker took them. */
  readonly waitTime: TimeSummary;
  /** Share of the live workers' time spent running tasks since they started, from 0 to 1. Like piscina's utilization. */
  readonly utilization: number;
  /** Each live worker: its tasks and how busy it has been. */
  readonly workers: readonly WorkerStats[];
}

/** A summary of a time histogram, in milliseconds (to the microsecond); zeros before the first sample. No Python twin; like piscina's histogram summaries. */
export interface TimeSummary {
  /** Samples recorded. */
  readonly count: number;
  /** The smallest value. */
  readonly min: number;
  /** The middle value. */
  readonly median: number;
  /** The 90th percentile. */
  readonly p90: number;
  /** The 99th percentile. */
  readonly p99: number;
  /** The average. */
  readonly mean: number;
  /** The longest. */
  readonly max: number;
}

/** One worker of a pool, in {@link PoolStats.workers}. No Python twin; like piscina's per-worker histograms. */
export interface WorkerStats {
  /** `PoolWorker-<pool>-<n>`. */
  readonly name: string;
  /** Its OS pid (for a thread: this process's). */
  readonly pid: number;
  /** Tasks it has finished. */
  readonly tasks: number;
  /** Milliseconds it spent running them. */
  readonly busyTime: number;
  /** busyTime / the milliseconds since it started, from 0 to 1. */
  readonly utilization: number;
}

class TimeHistogram {
  readonly #histogram: RecordableHistogram = createHistogram();

  // Recorded in microseconds: a histogram holds integers ≥ 1.
  add(ms: number): void {
    this.addMicros(Math.round(ms * 1000));
  }

  addMicros(us: number): void {
    this.#histogram.record(Math.max(1, us));
  }

  summary(): TimeSummary {
    const h = this.#histogram;
    const count = h.count;
    if (count === 0) return { count: 0, min: 0, median: 0, p90: 0, p99: 0, mean: 0, max: 0 };
    return { count, min: h.min / 1000, median: h.percentile(50) / 1000, p90: h.percentile(90) / 1000, p99: h.percentile(99) / 1000, mean: h.mean / 1000, max: h.max / 1000 };
  }
}

interface WorkerRecord {
  readonly pid: number;
  readonly started: number;
  tasks: number;
  busyMicros: number;
}

export class Stats {
  completed = 0;
  failed = 0;
  readonly #run = new TimeHistogram();
  readonly #wait = new TimeHistogram();
  readonly #workers = new Map<string, WorkerRecord>();

  workerStarted(name: string, pid: number): void {
    this.#workers.set(name, { pid, started: performance.now(), tasks: 0, busyMicros: 0 });
  }

  workerExited(name: string): void {
    this.#workers.delete(name);
  }

  /** A task ran for `us` microseconds on `worker`. */
  ran(worker: string, us: number): void {
    this.#run.addMicros(us);
    const record = this.#workers.get(worker);
    if (record === undefined) return;
    record.tasks++;
    record.busyMicros += us;
  }

  waited(ms: number): void {
    this.#wait.add(ms);
  }

  snapshot(queued: number, running: number): PoolStats {
    const now = performance.now();
    const workers: WorkerStats[] = [];
    let busy = 0;
    let wall = 0;
    for (const [name, { pid, started, tasks, busyMicros }] of this.#workers) {
      const elapsed = now - started;
      const busyTime = busyMicros / 1000;
      busy += busyTime;
      wall += elapsed;
      workers.push({ name, pid, tasks, busyTime, utilization: share(busyTime, elapsed) });
    }
    return {
      completed: this.completed,
      failed: this.failed,
      queued,
      running,
      runTime: this.#run.summary(),
      waitTime: this.#wait.summary(),
      utilization: share(busy, wall),
      workers,
    };
  }
}

function share(part: number, whole: number): number {
  return whole > 0 ? Math.min(1, part / whole) : 0;
}
