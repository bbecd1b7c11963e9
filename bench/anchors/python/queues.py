"""Python anchor of bench/queues.ts: multiprocessing.Queue and Pipe from a child process to the parent.

The producers are started before the timing and wait for a "go" semaphore; a repetition is one go
and --n messages received by the parent (as bench/queues.ts does with ours). Prints JSON:
{"python": "3.11.7", "start_method": "fork", "workload": "...", "systems": {name: {"median": ms,
 "p90": ms, "samples": [ms, ...]}}}

  small  the numbers 0..n-1
  big    n messages of --size bytes (bytes objects)
"""

import argparse
import json
import multiprocessing as mp
import platform
import sys
from benchutil import interleave, summary


def producer(kind, channel, go, stop, n, size):
    payload = bytes([7]) * size if size > 0 else None
    send = channel.put if kind == "Queue" else channel.send
    while True:
        go.acquire()
        if stop.value:
            return
        if payload is None:
            for i in range(n):
                send(i)
        else:
            for _ in range(n):
                send(payload)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workload", choices=["small", "big"])
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--size", type=int, default=1 << 20)
    args = parser.parse_args()
    n = args.n
    size = args.size if args.workload == "big" else 0
    out = {"python": platform.python_version(), "executable": sys.executable, "start_method": mp.get_start_method(), "workload": args.workload}

    stop = mp.RawValue("i", 0)
    queue = mp.Queue()
    reader, writer = mp.Pipe(duplex=False)
    go = {"Queue": mp.Semaphore(0), "Pipe": mp.Semaphore(0)}
    children = [
        mp.Process(target=producer, args=("Queue", queue, go["Queue"], stop, n, size), daemon=True),
        mp.Process(target=producer, args=("Pipe", writer, go["Pipe"], stop, n, size), daemon=True),
    ]
    for p in children:
        p.start()

    def receive(kind):
        get = queue.get if kind == "Queue" else reader.recv

        def rep():
            go[kind].release()
            last = None
            for _ in range(n):
                last = get()
            if (size == 0 and last != n - 1) or (size > 0 and len(last) != size):
                sys.exit(f"{kind}: wrong last message")

        return rep

    systems = {"Queue": receive("Queue"), "Pipe": receive("Pipe")}
    try:
        samples = interleave(systems, args.reps, args.warmup)
    finally:
        stop.value = 1
        for s in go.values():
            s.release()
        for p in children:
            p.join(5)
            if p.is_alive():
                p.terminate()
                p.join()

    out["systems"] = summary(samples)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
