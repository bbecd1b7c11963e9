#!/usr/bin/env python
#-*- coding:utf8 -*-
'''

Queue模块可以用来进行线程间的通信，让各个线程之间共享数据。
Python的Queue模块提供了同步、线程安全的队列类，

包括FIFO（先入先出）队列Queue、LIFO（后入先出）队列LifoQueue和优先级队列PriorityQueue。
这些队列都实现了锁原语，能够在多线程中直接使用。可以使用队列实现线程间的同步。

'''
# Seed 001 ("Queue多进程队列的使用"), verbatim but for one fix. Twin: examples/queue-maxsize.ts
#
# The fix: the two lines marked "fix" below, which wait half a second before looking at the
# queue. A multiprocessing.Queue hands each put() to a feeder thread that writes it to a pipe
# later, and empty() and get_nowait() only see what has reached the pipe ("After putting an
# object on an empty queue there may be an infinitesimal delay before the queue's empty()
# method returns False and get_nowait() can return without raising queue.Empty", say the
# docs). Here the main thread gets that far before the feeder thread has run, so as written the
# seed mostly printed only its first three lines (empty() still True), and sometimes died with
# queue.Empty after one or two messages. The twin needs no such wait: its put() has written
# the message into the queue when it returns.
from multiprocessing import Queue
import time  # fix

if __name__ == '__main__':
    q = Queue(3)    # 设置队列的大小
    q.put("消息1")
    q.put("消息2")
    print("队列是否已满：{}".format(q.full()))
    q.put("消息3")
    print("队列是否已满：{}".format(q.full()))

    # try:
    #     q.put("消息4",block=True,timeout=2)     # 添加消息队列时候等待2s
    # except:
    #     print("消息队列已满，现有消息数量为{}".format(q.qsize()))
    try:
        q.put_nowait("消息4")     #添加消息队列不需要等待
    except:
        print("消息队列已满，现有消息数量为{}".format(q.qsize()))
    time.sleep(0.5)  # fix: let the feeder thread write the three messages to the pipe

    if not q.empty():
        print("从队列中取消息".center(100, "*"))
        for i in range(q.qsize()):
            print(q.get_nowait())

    if not q.full():
        q.put("消息4")
        print(q.qsize())
