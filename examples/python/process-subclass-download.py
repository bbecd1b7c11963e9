#!/usr/bin/env python
# -*- coding:utf8 -*-
# @auther:   18793
# @Date：    2020/6/21 16:39
# @filename: sample01.py
# @Email:    1879324764@qq.com
# @Software: PyCharm
# Seed 001 ("Process子类创建进程", 示例2), verbatim. Twin: examples/process-subclass-download.ts
import os
import time
from multiprocessing import Process


class Download(Process):
    def __init__(self, interval):
        Process.__init__(self)
        self.interval = interval

    # 重写Process类中的run()方法
    def run(self):
        # 开启这个进程所需执行的代码
        t_start = time.time()
        # time.sleep(3)     # 模拟阻塞的一个实现方式
        print("开启进程：%s进行下载操作" % os.getpid())
        print("子进程（%s）开始执行，父进程为（%s）" % (os.getpid(), os.getppid()))
        time.sleep(self.interval)
        t_stop = time.time()
        print("子进程（%s）执行完毕，耗时(%f)秒" % (os.getpid(), (t_stop - t_start)))


if __name__ == '__main__':
    t_start = time.time()
    print("当前进程（%s）" % os.getpid())
    p = Download(2)
    p.start()
    # p.join(10)        # join 父进程等待子进程执行完毕后立刻执行
    time.sleep(10)      # 模拟阻塞，保证子进程完毕后父进程在执行
    t_stop = time.time()
    print("主进程（%s）执行完毕，耗时(%f)秒" % (os.getpid(), (t_stop - t_start)))
