# Seed 004 ("3. 多进程同步", first program), verbatim. Twin: examples/globals-not-shared.ts
#
# Each process has its own copy of the global a: both start from 10, so one prints 11 to 20 and
# the other 20 to 110. The module-level lock is shared only because the children are forked
# (Linux's default start method before Python 3.14): they inherit the parent's lock. Under the
# spawn or forkserver start method each child would re-import this file and make a lock of its own.
import time, multiprocessing

a = 10
lock = multiprocessing.Lock()

def mp_func1():
    global a,lock
    lock.acquire()
    for i in range(10):
        a = a + 1
        time.sleep(0.1)
        print(a)
    lock.release()

def mp_func2():
    global a 
    lock.acquire()
    for i in range(10):
        a = a + 10
        time.sleep(0.1)
        print(a)
    lock.release()

def mulProcess():
    global a
    p1 = multiprocessing.Process(target = mp_func1)
    p2 = multiprocessing.Process(target = mp_func2)
    p1.start()
    p2.start()
    p1.join()
    p2.join()
    
if __name__ == '__main__':
    mulProcess()
