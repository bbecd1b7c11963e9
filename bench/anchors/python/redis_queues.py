"""Python anchors of bench/redis.ts: Celery 5 and RQ on the same Redis, two worker processes each.

  redis_queues.py <workload> --system celery|rq --redis URL --reps R --warmup W [--jobs N --items N --chunk N]
  redis_queues.py worker --system celery|rq --redis URL      (one worker process; started by the above)

The workers are started before the timing and waited for (Celery: both answer a ping; RQ: both
are registered); a repetition is one batch submitted and every result read back. Prints JSON as
the other anchors do: {"python": ..., "systems": {name: {"median", "p90", "samples"}}}.

  jobs     --jobs tasks of one item each
  map      --items items in chunks of --chunk items, one task per chunk
  latency  one task, submitted and waited for (a repetition per task)

Celery runs its solo pool (the worker process runs the task itself, as ours and bare BullMQ's do),
with a Redis result backend. RQ runs its default worker, which forks a work horse per job, and has
no push of results: the submitter polls the jobs every millisecond.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

from benchutil import interleave, summary

HERE = os.path.dirname(os.path.abspath(__file__))
QUEUE = "mpts-bench"


def inc(x):
    return x + 1


def inc_all(xs):
    return [x + 1 for x in xs]


def celery_app(url):
    from celery import Celery

    app = Celery("redis_queues", broker=url, backend=url)
    app.conf.update(task_default_queue=QUEUE, broker_connection_retry_on_startup=True, worker_hijack_root_logger=False, result_extended=False)
    app.task(name="bench.inc")(inc)
    app.task(name="bench.inc_all")(inc_all)
    return app


def serve(system, url):
    if system == "celery":
        app = celery_app(url)
        worker = app.Worker(pool="solo", concurrency=1, loglevel="ERROR", quiet=True, without_gossip=True, without_mingle=True, without_heartbeat=True)
        worker.start()
    else:
        from redis import Redis
        from rq import Queue, Worker

        # Imported here, so that each forked work horse finds the tasks without reading the disk.
        __import__("redis_queues")
        conn = Redis.from_url(url)
        Worker([Queue(QUEUE, connection=conn)], connection=conn).work(logging_level="ERROR")


def wait_until(ready, what, seconds=60):
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} not ready after {seconds} s")
        time.sleep(0.05)


class CelerySide:
    def __init__(self, url):
        from celery import group

        self.app = celery_app(url)
        self.group = group
        self.inc = self.app.tasks["bench.inc"]
        self.inc_all = self.app.tasks["bench.inc_all"]

    def ready(self, workers):
        return len(self.app.control.ping(timeout=0.5)) >= workers

    def run_all(self, task, args_list):
        return self.group(task.s(a) for a in args_list).apply_async().get(timeout=120)

    def one(self, x):
        return self.inc.delay(x).get(timeout=60)


class RQSide:
    def __init__(self, url):
        from redis import Redis
        from rq import Queue, Worker
        from rq.job import Job

        self.conn = Redis.from_url(url)
        self.queue = Queue(QUEUE, connection=self.conn)
        self.Worker = Worker
        self.Job = Job
        self.inc = "redis_queues.inc"
        self.inc_all = "redis_queues.inc_all"

    def ready(self, workers):
        return len(self.Worker.all(queue=self.queue)) >= workers

    def run_all(self, task, args_list):
        jobs = self.queue.enqueue_many([self.queue.prepare_data(task, (a,), result_ttl=600) for a in args_list])
        ids = [job.id for job in jobs]
        results = {}
        while len(results) < len(ids):
            pending = [i for i in ids if i not in results]
            for job in self.Job.fetch_many(pending, connection=self.conn):
                status = job.get_status(refresh=False)
                if status == "finished":
                    results[job.id] = job.result
                elif status == "failed":
                    raise SystemExit(f"rq job {job.id} failed")
            time.sleep(0.001)
        return [results[i] for i in ids]

    def one(self, x):
        return self.run_all(self.inc, [x])[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workload", choices=["jobs", "map", "latency", "worker"])
    parser.add_argument("--system", choices=["celery", "rq"], required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--chunk", type=int, default=79)
    args = parser.parse_args()
    if args.workload == "worker":
        serve(args.system, args.redis)
        return

    env = dict(os.environ, PYTHONPATH=HERE)
    argv = [sys.executable, os.path.join(HERE, "redis_queues.py"), "worker", "--system", args.system, "--redis", args.redis]
    workers = [subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL) for _ in range(args.workers)]
    try:
        side = CelerySide(args.redis) if args.system == "celery" else RQSide(args.redis)
        wait_until(lambda: side.ready(args.workers), f"{args.system} workers")
        if args.workload == "jobs":
            xs = list(range(args.jobs))
            want = [x + 1 for x in xs]
            run = lambda: check(side.run_all(side.inc, xs), want)
        elif args.workload == "map":
            items = list(range(args.items))
            chunks = [items[i : i + args.chunk] for i in range(0, len(items), args.chunk)]
            want = [[x + 1 for x in c] for c in chunks]
            run = lambda: check(side.run_all(side.inc_all, chunks), want)
        else:
            run = lambda: check(side.one(41), 42)
        samples = interleave({args.system: run}, args.reps, args.warmup)
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            try:
                w.wait(10)
            except subprocess.TimeoutExpired:
                w.kill()
                w.wait()
    print(json.dumps({"python": platform.python_version(), "workload": args.workload, "systems": summary(samples)}))


def check(got, want):
    if got != want:
        raise SystemExit(f"wrong results: {str(got)[:200]}")


if __name__ == "__main__":
    main()
