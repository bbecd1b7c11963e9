#!/usr/bin/env python
#-*- coding:utf8 -*-
# Seed 001 ("代码示例3", Queue), verbatim. Twin: examples/queue-write-read.ts
from multiprocessing import Process,Queue
import time

'''
2个子进程在队列中进行写入和读取数据，实现进程之间的通信
'''

def write(q):
    if not q.full():
        for i in range(5):
            message = "消息" + str(i)
            q.put(message)
            print("写入:{}".format(message))

def read(q):
    time.sleep(1)
    while not q.empty():
        print("读取:{}".format(q.get(True,2)))



if __name__ == '__main__':
    print("主进程开始".center(100,"*"))
    q = Queue()
    pw = Process(target=write, args=(q,))
    pr = Process(target=read, args=(q,))
    pw.start()
    pr.start()
    pw.join()
    pr.join()
    print("主进程结束".center(100,"*"))
