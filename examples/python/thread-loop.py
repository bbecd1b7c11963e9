# Seed 003 ("多线程"), verbatim. Twin: examples/thread-loop.ts
import time, threading

def loop():
    #函数current_thread()永远返回当前线程的实例
    print('thread %s is running...' %threading.current_thread().name)
    n=0
    while n<5:
        n=n+1
        print('thread %s ---> %s' %(threading.current_thread().name,n))
        time.sleep(1)
    print('thread %s ended.'%threading.current_thread().name)



print('thread %s is running...' %threading.current_thread().name)
t=threading.Thread(target=loop,name='Loopthread')
# 把一个函数传入，并创建线程实例，然后调用start开始执行
t.start()
t.join()
print('thread %s ended.'%threading.current_thread().name)
