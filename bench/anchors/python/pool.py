"""Python anchor of bench/pool.ts: multiprocessing.Pool and ProcessPoolExecutor on 2 workers.

One workload per run, its systems interleaved round-robin (as bench/harness.ts does); the pools
are created before the timing and closed after it. Prints JSON:
{"python": "3.11.7", "start_method": "fork", "workload": "...", "systems": {name: {"median": ms,
 "p90": ms, "samples": [ms, ...]}}, ...}

  throughput  N trivial tasks (x -> x + 1): Pool.map chunksize=1, ProcessPoolExecutor.map
              (chunksize 1, its default)
  map         the same N tasks in one Pool.map call with the default chunksize
  roundtrip   N sequential Pool.apply(inc, (i,))
  cpu         --tasks CPU-bound tasks of --iterations loop steps (calibrated here to --task-ms when
              0): serially in this process, then Pool.map chunksize=1 / default, executor.map
"""

import argparse
import json
import multiprocessing as mp
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from benchutil import interleave, percentile, summary

WORKERS = 2


def inc(x):
    return x + 1


def burn(n):
    s = 0
    for i in range(n):
        s = (s * 31 + i) & 0xFFFFFFFF
    return s


def calibrate(task_ms):
    """Loop steps of burn() that take about task_ms here: grow (which warms up), then refine
    twice on the median of 5 runs at full size (as bench/pool.ts does for Node)."""
    n = 10_000
    while timed(lambda: burn(n)) < task_ms / 4:
        n *= 2
    for _ in range(2):
        ms = percentile([timed(lambda: burn(n)) for _ in range(5)], 0.5)
        n = max(1, round(n * task_ms / ms))
    return n


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def check(result, expected, what):
    """A cheap check inside the timing (the same as the Node side's): length and last value."""
    if len(result) != len(expected) or result[-1] != expected[-1]:
        sys.exit(f"{what}: wrong result")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workload", choices=["throughput", "map", "roundtrip", "cpu"])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--tasks", type=int, default=40)
    parser.add_argument("--task-ms", type=float, default=20.0)
    parser.add_argument("--iterations", type=int, default=0)
    parser.add_argument("--executor-reps", type=int, default=0, help="cap on the executor's repetitions (a slow system)")
    args = parser.parse_args()

    out = {"python": platform.python_version(), "executable": sys.executable, "start_method": mp.get_start_method(), "workload": args.workload}
    pool = mp.Pool(WORKERS)
    executor = ProcessPoolExecutor(WORKERS)
    try:
        # Start the workers before any timing.
        pool.map(inc, range(WORKERS * 4), chunksize=1)
        list(executor.map(inc, range(WORKERS * 4)))
        caps = {}
        if args.workload == "throughput":
            n = args.n
            expected = list(range(1, n + 1))
            systems = {
                "Pool.map chunksize=1": lambda: check(pool.map(inc, range(n), chunksize=1), expected, "map"),
                "ProcessPoolExecutor.map": lambda: check(list(executor.map(inc, range(n))), expected, "executor.map"),
            }
            if args.executor_reps > 0:
                caps["ProcessPoolExecutor.map"] = args.executor_reps
        elif args.workload == "map":
            n = args.n
            expected = list(range(1, n + 1))
            systems = {"Pool.map default chunksize": lambda: check(pool.map(inc, range(n)), expected, "map")}
        elif args.workload == "roundtrip":
            n = args.n

            def apply_loop():
                for i in range(n):
                    if pool.apply(inc, (i,)) != i + 1:
                        sys.exit("apply: wrong result")

            systems = {"Pool.apply": apply_loop}
        else:
            iterations = args.iterations or calibrate(args.task_ms)
            out["iterations"] = iterations
            items = [iterations] * args.tasks
            expected = [burn(iterations)] * args.tasks
            systems = {
                "serial": lambda: check([burn(x) for x in items], expected, "serial"),
                "Pool.map chunksize=1": lambda: check(pool.map(burn, items, chunksize=1), expected, "map"),
                "Pool.map default chunksize": lambda: check(pool.map(burn, items), expected, "map"),
                "ProcessPoolExecutor.map": lambda: check(list(executor.map(burn, items)), expected, "executor.map"),
            }
        samples = interleave(systems, args.reps, args.warmup, caps)
    finally:
        pool.terminate()
        pool.join()
        executor.shutdown()

    out["systems"] = summary(samples)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
