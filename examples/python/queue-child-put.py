#!/usr/bin/env python
# -*- coding:utf8 -*-
# Seed 001 ("代码示例1", Queue), verbatim. Twin: examples/queue-child-put.ts

from multiprocessing import Process, Queue


def f(test):
    test.put("22")


if __name__ == '__main__':
    q = Queue()  # 父进程
    q.put("11")

    p = Process(target=f, args=(q,))  # 子进程
    p.start()
    p.join()

    print("取到： ", q.get_nowait())
    print("取到： ", q.get_nowait())
