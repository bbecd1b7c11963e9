# Seed 003 ("进程 vs. 线程"): the Master-Worker pattern, once with processes and once with threads.
# The seed describes it in prose; this is the program it describes. Twin: examples/master-worker.ts
# 多任务情况下，通常是 Master-Worker 模式，Master负责分配任务，Worker负责执行任务
import os
from multiprocessing import Pool
from multiprocessing.dummy import Pool as ThreadPool


def work(n):
    # 计算密集型任务: 0..n-1 的平方和
    total = 0
    for i in range(n):
        total += i * i
    return total


if __name__ == '__main__':
    tasks = [10000 * k for k in range(1, 9)]
    # 主进程是Master，其他进程是Worker（多进程），稳定性高，代价大
    with Pool(4) as pool:
        by_processes = pool.map(work, tasks)
    # 主线程是Master，其他线程是Worker（多线程），效率高，不稳定
    with ThreadPool(4) as pool:
        by_threads = pool.map(work, tasks)
    print('多进程 Master-Worker:', by_processes)
    print('多线程 Master-Worker:', by_threads)
    print('结果相同:', by_processes == by_threads)
