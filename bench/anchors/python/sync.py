"""Python anchor of bench/sync.ts: multiprocessing's Lock, Value, Event and Semaphore.

One workload per run; children are started before the timing, wait for a "go" semaphore, and
signal "done" (as bench/sync.ts does with ours). Prints JSON:
{"python": "3.11.7", "start_method": "fork", "workload": "...", "systems": {name: {"median": ms,
 "p90": ms, "samples": [ms, ...]}}}

  lock               --n uncontended Lock acquire + release pairs in this process
  lock-contended     2 processes each doing --n Lock acquire + release pairs at once
  value              2 processes each doing --n `with v.get_lock(): v.value += 1` at once
  event              --n round trips parent -> child -> parent over two Events
  semaphore          --n uncontended Semaphore(1) acquire + release pairs in this process
  semaphore-handoff  --n round trips over two Semaphore(0)s
"""

import argparse
import json
import multiprocessing as mp
import platform
import sys
import time
from benchutil import percentile


def contender(mode, n, stop, go, done, lock, value):
    acquire, release = lock.acquire, lock.release
    while True:
        go.acquire()
        if stop.value:
            return
        if mode == "lock":
            for _ in range(n):
                acquire()
                release()
        else:
            for _ in range(n):
                with value.get_lock():
                    value.value += 1
        done.release()


def echo_event(stop, ping, pong):
    while True:
        ping.wait()
        if stop.value:
            return
        ping.clear()
        pong.set()


def echo_semaphore(stop, ping, pong):
    while True:
        ping.acquire()
        if stop.value:
            return
        pong.release()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workload", choices=["lock", "lock-contended", "value", "event", "semaphore", "semaphore-handoff"])
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--n", type=int, required=True)
    args = parser.parse_args()
    n = args.n
    w = args.workload
    out = {"python": platform.python_version(), "executable": sys.executable, "start_method": mp.get_start_method(), "workload": w}

    stop = mp.RawValue("i", 0)
    children = []
    wake = None
    if w in ("lock", "semaphore"):
        prim = mp.Lock() if w == "lock" else mp.Semaphore(1)
        key = "Lock" if w == "lock" else "Semaphore"

        def rep():
            acquire, release = prim.acquire, prim.release
            for _ in range(n):
                acquire()
                release()

    elif w in ("lock-contended", "value"):
        go, done, lock = mp.Semaphore(0), mp.Semaphore(0), mp.Lock()
        value = mp.Value("i", 0)
        key = "Lock" if w == "lock-contended" else "Value"
        mode = "lock" if w == "lock-contended" else "value"
        children = [mp.Process(target=contender, args=(mode, n, stop, go, done, lock, value)) for _ in range(2)]
        expected = [0]

        def rep():
            go.release()
            go.release()
            done.acquire()
            done.acquire()
            if mode == "value":
                expected[0] += 2 * n
                if value.value != expected[0]:
                    sys.exit(f"Value is {value.value}, expected {expected[0]}")

        def wake():
            go.release()
            go.release()

    elif w == "event":
        ping, pong = mp.Event(), mp.Event()
        key = "Event"
        children = [mp.Process(target=echo_event, args=(stop, ping, pong))]

        def rep():
            for _ in range(n):
                ping.set()
                pong.wait()
                pong.clear()

        wake = ping.set
    else:
        ping, pong = mp.Semaphore(0), mp.Semaphore(0)
        key = "Semaphore"
        children = [mp.Process(target=echo_semaphore, args=(stop, ping, pong))]

        def rep():
            for _ in range(n):
                ping.release()
                pong.acquire()

        wake = ping.release

    for p in children:
        p.daemon = True
        p.start()
    try:
        samples = []
        for i in range(args.warmup + args.reps):
            t0 = time.perf_counter()
            rep()
            ms = (time.perf_counter() - t0) * 1000
            if i >= args.warmup:
                samples.append(ms)
    finally:
        stop.value = 1
        if wake is not None:
            wake()
        for p in children:
            p.join(5)
            if p.is_alive():
                p.terminate()
                p.join()

    out["systems"] = {key: {"median": percentile(samples, 0.5), "p90": percentile(samples, 0.9), "samples": samples}}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
