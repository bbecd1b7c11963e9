#!/usr/bin/env python
#-*- coding:utf8 -*-
# Seed 001 ("join()方法的使用"), verbatim. Twin: examples/process-is-alive.ts
from multiprocessing import Process
import time
import os

def child_1(n):
    print("子进程({})开始执行，它的父进程是({})".format(os.getpid(),os.getppid()))
    t_start = time.time()
    time.sleep(n)
    t_end = time.time()
    print("子进程（{}）执行时间为%0.2f秒".format(os.getpid(), t_end-t_start))


def child_2(n):
    print("子进程({})开始执行，它的父进程是({})".format(os.getpid(), os.getppid()))
    t_start = time.time()
    time.sleep(n)
    t_end = time.time()
    print("子进程（{}）执行时间为%0.2f秒".format(os.getpid(), t_end - t_start))




def main1():
    print("主进程开始")
    print("主进程的PID；{}".format(os.getpid()))
    p1 = Process(target=child_1, args=(1,))
    p2 = Process(target=child_2, args=(2,))
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
