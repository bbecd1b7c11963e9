#!/usr/bin/env python
# -*- coding:utf8 -*-
# @auther:   18793
# @Date：    2020/6/21 16:59
# @filename: sample01.py
# @Email:    1879324764@qq.com
# @Software: PyCharm
# Seed 001 ("进程同步", 2. multiprocess.Semaphore：信号量), verbatim. Twin: examples/semaphore-ktv.ts
import os
import time
import random

from multiprocessing import Process, Semaphore


def go_ktv(sem, user):
    sem.acquire()  # 上锁
    print("%s 占坑" % user)
    time.sleep(random.randint(0, 3))  # 模拟每个人在ktv中待的时间不同
    # time.sleep(2)
    sem.release()  # 释放锁


if __name__ == '__main__':
    sem = Semaphore(2)  # 设置4个信号量
    p1 = []
    for i in range(13):
        p = Process(target=go_ktv, args=(sem, "user%s" % i,))
        p.start()
        p1.append(p)

    for i in p1:
        i.join()
    print("================================>")
