"""Python anchor of bench/managers.ts: SyncManager dict-proxy and queue-proxy round trips over TCP loopback.

A repetition is --n pairs of calls on one proxy, one after the other: `d["k"] = i; d["k"]` (a
dict proxy: __setitem__ then __getitem__) or `q.put(i); q.get()` (a queue proxy), each call a
request/reply round trip to the manager's server. Prints JSON:
{"python": "3.11.7", "workload": "...", "systems": {name: {"median": ms, "p90": ms, "samples": [ms, ...]}}}

  local   Python <-> Python: SyncManager(address=("127.0.0.1", 0)).start() (the server in a child
          process), the proxies used in this, the main process
  client  this process as the client of a server that is already running (ours): --address
          HOST:PORT --authkey HEX, SyncManager.connect()
  serve   a SyncManager server for our client: started as in `local`, prints its address as a JSON
          line, serves until stdin closes (--authkey HEX)

The op `tcp` (with `local`) is the floor under both: no manager, two round trips per pair of a
small message through a blocking socket to an echo server in a forked child.
"""

import argparse
import json
import os
import platform
import socket
import sys
from multiprocessing.managers import SyncManager
from benchutil import interleave, summary


def dict_rep(d, n):
    def rep():
        last = None
        for i in range(n):
            d["k"] = i
            last = d["k"]
        if last != n - 1:
            sys.exit(f"dict: wrong last value {last!r}")

    return rep


def queue_rep(q, n):
    def rep():
        last = None
        for i in range(n):
            q.put(i)
            last = q.get()
        if last != n - 1:
            sys.exit(f"queue: wrong last value {last!r}")

    return rep


def tcp_echo():
    """A connected socket to an echo server in a forked child, which exits when it closes."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    if os.fork() == 0:
        conn, _ = server.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while data := conn.recv(4096):
            conn.sendall(data)
        os._exit(0)
    client = socket.create_connection(server.getsockname())
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    server.close()
    return client


def tcp_rep(client, n):
    message = b"x" * 48

    def rep():
        for _ in range(2 * n):
            client.sendall(message)
            if len(client.recv(4096)) != len(message):
                sys.exit("tcp: a short echo")

    return rep


def measure(manager, ops, args):
    """Interleaved repetitions of the systems (one per op) on proxies from `manager`."""
    systems = {}
    if "dict" in ops:
        systems["dict"] = dict_rep(manager.dict(), args.n)
    if "queue" in ops:
        systems["queue"] = queue_rep(manager.Queue(), args.n)
    client = tcp_echo() if "tcp" in ops else None
    if client is not None:
        systems["tcp"] = tcp_rep(client, args.n)
    try:
        return summary(interleave(systems, args.reps, args.warmup))
    finally:
        if client is not None:
            client.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workload", choices=["local", "client", "serve"])
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--ops", default="dict,queue")
    parser.add_argument("--address", help="HOST:PORT of the server (client)")
    parser.add_argument("--authkey", help="hex (client, serve; local: random)")
    args = parser.parse_args()
    ops = args.ops.split(",")
    authkey = bytes.fromhex(args.authkey) if args.authkey else None
    out = {"python": platform.python_version(), "executable": sys.executable, "workload": args.workload}

    if args.workload == "serve":
        manager = SyncManager(address=("127.0.0.1", 0), authkey=authkey)
        manager.start()
        try:
            print(json.dumps({"address": list(manager.address)}), flush=True)
            sys.stdin.read()  # until the parent closes it
        finally:
            manager.shutdown()
        return

    if args.workload == "local":
        manager = SyncManager(address=("127.0.0.1", 0), authkey=authkey)
        manager.start()
    else:
        host, port = args.address.rsplit(":", 1)
        manager = SyncManager(address=(host, int(port)), authkey=authkey)
        manager.connect()
    try:
        out["systems"] = measure(manager, ops, args)
    finally:
        if args.workload == "local":
            manager.shutdown()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
