# Seed 003 ("ThreadLocal", 方式二), verbatim. Twin: examples/thread-local.ts
# (方式一 of the seed is an outline with "do something here", not a program.)
import threading

local_school =threading.local() #创建全局变量ThreadLocal

def process_student():
    #获取当前线程关联的student
    std =local_school.student
    print('Hello,%s (in %s)' %(std,threading.current_thread().name))


def process_thread(name):
    #绑定ThreLocal的student变量
    local_school.student=name
    process_student()

t1= threading.Thread(target=process_thread,args=('li',),name='Thread-1')
t2=threading.Thread(target=process_thread,args=('cheng',),name='Thread-2')
t1.start()
t2.start()
t1.join()
t2.join()
