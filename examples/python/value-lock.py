# Seed 004 ("3. 多进程同步", second program), verbatim. Twin: examples/value-lock.ts
import time, multiprocessing
    
def mp_func1(a, lock):
    lock.acquire()
    for i in range(10):
        a.value = a.value + 1
        time.sleep(0.5)
        print(a.value)
    lock.release()
    
def mp_func2(a, lock):
    lock.acquire()
    for i in range(10):
        a.value = a.value + 10
        time.sleep(0.5)
        print(a.value)
    lock.release()
    
def mulProcess():
    a = multiprocessing.Value('i', 10)
    lock = multiprocessing.Lock()
    p1 = multiprocessing.Process(target = mp_func1, args = (a, lock, ))
    p2 = multiprocessing.Process(target = mp_func2, args = (a, lock, ))
    p1.start()
    p2.start()
    p1.join()
    p2.join()
    
if __name__ == '__main__':
    mulProcess()
