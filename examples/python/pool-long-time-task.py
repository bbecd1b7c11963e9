# Seed 003 ("进程池（Pool）"), verbatim. Twin: examples/pool-long-time-task.ts
from multiprocessing import Pool #提供跨平台的多进程支持
import os, time, random

def long_time_task(name):
    print('Run task %s (%s)...' %(name,os.getpid()))
    start=time.time()
    time.sleep(random.random()*3)
    end=time.time()
    print('Task %s runs %0.2f seconds.'%(name,(end-start)))

if __name__ == '__main__':
    print('Parent process %s.' %os.getpid())
    p=Pool(4) #创建进程池，共有四个进程，默认的大小是CPU的核数，最多同时创建4个进程
    for i in range(5):
        p.apply_async(long_time_task,args=(i,)) # apply the async to invoke process， 使用异步的方式调用进程
    print('waiting for all subprocesses done...')
    p.close()
    p.join() #调用join方法会等待所有子进程执行完毕，之前必须调用close（）
    print('All subprocesses done...')
