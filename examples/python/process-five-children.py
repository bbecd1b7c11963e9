#!/usr/bin/env python
# -*- coding:utf8 -*-
# @auther:   18793
# @Date：    2020/6/21 16:39
# @filename: sample01.py
# @Email:    1879324764@qq.com
# @Software: PyCharm
# Seed 001 (进程 / multiprocessing模块, first program), verbatim. Twin: examples/process-five-children.ts
import os
import time
from multiprocessing import Process


def f(x):
    print("子进程id:", os.getpid(), "父进程id:", os.getppid())
    return x * x


if __name__ == '__main__':
    print("主进程id：", os.getpid())
    for i in range(5):		# 这里创建了5个子进程
        p = Process(target=f, args=(i,))
        p.start()
