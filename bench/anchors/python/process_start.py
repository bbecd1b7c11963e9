"""Python anchor of bench/process-start.ts: Process(target=f).start(); join() of an empty target.

Times each start method inside this one interpreter, interleaved round-robin, and prints JSON:
{"python": "3.11.7", "methods": {"spawn": {"median": ms, "p90": ms, "samples": [...]}, ...}}
"""

import argparse
import json
import multiprocessing as mp
import platform
import sys
import time
from benchutil import percentile


def f():
    pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--methods", default="spawn,fork,forkserver")
    args = parser.parse_args()

    available = mp.get_all_start_methods()
    methods = [m for m in args.methods.split(",") if m in available]
    contexts = {m: mp.get_context(m) for m in methods}
    samples = {m: [] for m in methods}
    for i in range(args.warmup + args.reps):
        k = i % len(methods)
        for method in methods[k:] + methods[:k]:
            t0 = time.perf_counter()
            p = contexts[method].Process(target=f)
            p.start()
            p.join()
            ms = (time.perf_counter() - t0) * 1000
            if p.exitcode != 0:
                sys.exit(f"{method}: child exited with {p.exitcode}")
            if i >= args.warmup:
                samples[method].append(ms)

    result = {
        "python": platform.python_version(),
        "executable": sys.executable,
        "methods": {
            m: {"median": percentile(s, 0.5), "p90": percentile(s, 0.9), "samples": s}
            for m, s in samples.items()
        },
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
