# Seed 001 ("使用进程池Pool创建进程"), verbatim. Twin: examples/pool-tasks.ts
from multiprocessing import Pool
import os
import time


def task(name):
    print("子进程 ({})执行的任务是 ({})".format(os.getpid(),name))
    time.sleep(1)

if __name__ == '__main__':
    print("父进程 ({})开始执行".format(os.getpid()))
    p = Pool(4)
    for i in range(10):
        p.apply_async(task, args=(i,))

    p.close()
    p.join()
    print("所有子进程结束.....")
