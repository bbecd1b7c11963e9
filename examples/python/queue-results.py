# Seed 004 ("2. 进程函数间通信"), verbatim. Twin: examples/queue-results.ts
import multiprocessing 
import time
from queue import Queue

def mp_func(a,q):
    b = a*2
    q.put(b)

def main():
    q = multiprocessing.Queue() #要用mp的Queue
    processes = []
    lst = [1,10,20,30]
    for i in range(4):
        p = multiprocessing.Process(target = mp_func, args = (lst[i], q,))
        p.start()
        processes.append(p)
    [p.join() for p in processes]
    res = []
    for i in range(4):
        res.append(q.get())
    print(res)

if __name__ == '__main__':
    main()
