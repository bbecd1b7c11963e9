#!/usr/bin/env python
# -*- coding:utf8 -*-
'''
创建子进程时，只需要传入一个执行函数和函数的参数，创建一个Process实例，用start()方法启动，这样创建进程比fork()还要简单。

join()方法可以等待子进程结束后再继续往下运行，通常用于进程间的同步。

'''
# Seed 001 (multiprocessing模块, second program), verbatim. Twin: examples/process-join.ts


from multiprocessing import Process
import os


# 子进程需要执行的代码
def run_proce(name):
    print("Run child process %s (%s)" % (name, os.getpid()))


if __name__ == '__main__':
    print("Parent process %s." % os.getpid())
    p = Process(target=run_proce, args=("test",))
    print("Child process will start.")
    p.start()
    p.join()
    print("Child process end.")
