# Seed 003 ("子进程及进程间的通讯", Queue), verbatim. Twin: examples/queue-abc.ts
from multiprocessing import Process,Queue
import os,time,random

# process that write data
def write(q):
    print('Process to write: %s' %os.getpid())
    for value in ['A', 'B', 'C']:
        print('Put %s to queue...' %value)
        q.put(value)
        time.sleep(random.random()) #写进程稍微沉睡几秒


# process that read data
def read(q):
    print('Process to read: %s' %os.getpid())
    while True:
        value =q.get(True)
        print('Get %s from queue.' %value)

if __name__ == '__main__':

    #father process create Queue, and pass it to subprocess:
    q=Queue()

    pw=Process(target=write,args=(q,))
    pr=Process(target=read,args=(q,))

    # start subprocess pw, write data:
    pw.start()
    # start subprocess pr, read data:
    pr.start()
    # waite subprocess pw finish
    pw.join()
    # pr进程是死循环，见while true。
    pr.terminate()
