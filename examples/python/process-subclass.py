#!/usr/bin/env python
#-*- coding:utf8 -*-
# Seed 001 ("Process子类创建进程", 示例1), verbatim. Twin: examples/process-subclass.ts

from multiprocessing import Process
import time
import os

class SubProcess(Process):
    def __init__(self,interval,name=''):
        super(SubProcess, self).__init__()
        self.interval = interval
        if name:
            self.name = name
    def run(self):
        print("子进程({})开始执行，它的父进程是({})".format(os.getpid(), os.getppid()))
        t_start = time.time()
        time.sleep(self.interval)
        t_end = time.time()
        print("子进程（{}）执行时间为{:.2f}秒".format(os.getpid(), t_end - t_start))


def main1():
    print("主进程开始")
    print("主进程的PID；{}".format(os.getpid()))
    p1 = SubProcess(interval=1, name="mrsoft")
    p2 = SubProcess(interval=2)
    # 调用start()方法时会自动执行run()方法
    p1.start()
    p2.start()
    print("p1.is_alive={}".format(p1.is_alive()))
    print("p2.is_alive={}".format(p2.is_alive()))
    print("p1.name={}".format(p1.name))
    print("p1.id={}".format(p1.pid))
    print("p2.name={}".format(p2.name))
    print("p2.id={}".format(p2.pid))
    #使用join函数之后，主进程会等待子进程结束之后才继续往下执行
    p1.join()
    p2.join()
    print("主进程结束..")


if __name__ == '__main__':
    main1()
