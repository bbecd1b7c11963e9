#!/usr/bin/env python
# -*- coding:utf8 -*-
# @auther:   18793
# @Date：    2020/6/21 16:59
# @filename: sample01.py
# @Email:    1879324764@qq.com
# @Software: PyCharm
# Seed 001 ("进程同步", 1.multiprocess.Lock：锁), verbatim. Twin: examples/lock.ts
import os
import time
import random

from multiprocessing import Process, Lock


def work(lock, n):
    lock.acquire()  # 上锁
    print("%s: %s is running " % (n, os.getpid()))
    time.sleep(random.random())
    print("%s: %s is done " % (n, os.getpid()))
    lock.release()  # 解锁


if __name__ == '__main__':
    lock = Lock()  # 设置锁
    for i in range(3):
        p = Process(target=work, args=(lock, i))
        p.start()
