# Seed 003 ("加锁（Lock）"), verbatim. Twin: examples/thread-lock.ts
import time, threading

balance =0
lock=threading.Lock() #申请一把锁

def change(n):

    global balance
    balance =balance+n
    balance =balance-n

def run_thread(n):
    for i in range(100000):

        lock.acquire() #加锁，进行互斥访问

        try:
            change(n)
        finally:
            lock.release() #用完必须释放锁

t1=threading.Thread(target=run_thread,args=(5,))
t2=threading.Thread(target=run_thread,args=(8,))

t1.start()
t2.start()

t1.join()
t2.join()
print(balance)
