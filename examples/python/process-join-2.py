# Seed 003 ("多进程（multiprocessing）", Process example), verbatim. Twin: examples/process-join-2.ts
from multiprocessing import Process
import os

def run_proc(name):
    print('Run chilid process %s(%s)' %(name,os.getpid()))

if __name__ == '__main__':
    print('Parent process %s.' %os.getpid()) # 程序启动时，产生一个进程，拥有进程号
    p=Process(target=run_proc,args=('test',)) # p是子进程实例对象，由当前进程产生的进程。
    print('Child process will start...')
    p.start()
    p.join()
    print('Child process end...')
