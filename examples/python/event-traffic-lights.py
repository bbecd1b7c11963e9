#!/usr/bin/env python
# -*- coding:utf8 -*-
# @auther:   18793
# @Date：    2020/6/21 17:15
# @filename: sample03.py
# @Email:    1879324764@qq.com
# @Software: PyCharm
# Seed 001 ("进程同步", 3. multiprocess.Event), bounded in time. Twin: examples/event-traffic-lights.ts
#
# The seed never ends: traffic_lights toggles the light every 10 s forever, and the main process
# (which does not join) waits for it at exit. Three edits, each marked "bounded:", make it end
# after about 9 s with the same story and the same lines:
#   1. traffic_lights toggles the light 3 times (green, red, green) instead of forever, so the
#      light ends green and no car is left waiting;
#   2. the light changes every 3 s instead of 10 s, and a car crosses in 0.3 to 0.6 s instead of
#      3 to 6 s. As in the seed, every process has started and printed its first line well before
#      the light turns green, and every car has crossed well before it turns red again: so each
#      car prints one line of each kind, each police car two, and the light three;
#   3. the main process keeps its processes in a list and joins them after its last print.
from multiprocessing import Process, Event
import time, random


def car(e, n):
    while True:
        if not e.is_set():  # 进程刚开启，is_set()的值是False，模拟信号灯为红色
            print("\033[31m 红灯亮\033[0m. car%s 等着" % n)
            e.wait()  # 阻塞，等待is_set()的值变成True，模拟信号灯为绿色
            print("\033[32m 车%s 绿灯亮了\033[0m" % n)
            time.sleep(random.randint(3, 6) / 10)  # bounded: was random.randint(3, 6)
            if not e.is_set():  # 如果is_set()的值是False，也就是红灯，仍然回到while语句开始
                continue
            print("飘过 --~~~~,car", n)
            break


def police_car(e, n):
    while True:
        if not e.is_set():  # 进程刚开启，is_set()的值是False，模拟信号灯为红色
            print("\033[31m 红灯亮\033[0m. car%s 等着" % n)
            e.wait(0.1)  # 阻塞，等待设置等待时间，等待0.1s之后没有等到绿地就闯红灯走了
            if not e.is_set():
                print("\033[33m红灯，警车飞过\033[0m,car %s" % n)
            else:
                print("\033[33m;46m绿灯，警车正常通过\033[0m,car %s" % n)

        break


def traffic_lights(e, inverval):
    for _ in range(3):  # bounded: was `while True:`
        time.sleep(inverval)
        if e.is_set():
            print("######", e.is_set())
            e.clear()  # 将is_set()的值设置为Fasle
        else:
            e.set()  # 将is_set()的值设置为True
            print("######", e.is_set())


if __name__ == '__main__':
    e = Event()
    ps = []  # bounded: the processes, to join them
    for i in range(10):
        p = Process(target=car, args=(e, i,))
        p.start()
        ps.append(p)  # bounded

    for i in range(5):
        p = Process(target=police_car, args=(e, i,))
        p.start()
        ps.append(p)  # bounded

    t = Process(target=traffic_lights, args=(e, 3))  # bounded: was args=(e, 10)
    t.start()
    ps.append(t)  # bounded
    print("========================================>")
    for p in ps:  # bounded
        p.join()  # bounded
