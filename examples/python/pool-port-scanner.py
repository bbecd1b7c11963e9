#!/usr/bin/env python
# -*- coding:utf8 -*-
# @auther:   18793
# @Date：    2020/6/22 11:21
# @filename: Process_Pool.py
# @Email:    1879324764@qq.com
# @Software: PyCharm
# Seed 001 ("进程池扫描主机端口实例"), verbatim but for one fix. Twin: examples/pool-port-scanner.ts
#
# The fix: scan_port makes a new socket for each port. The original made one socket per chunk and
# reused it for all 4096 connect_ex() calls:
#
#     s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
#     s.settimeout(1)
#     for port in range(ports, ports + 4096):
#         result = s.connect_ex((ip, port))
#         ...
#     s.close()
#
# which cannot work. After a refused connect, the next connect_ex() on that socket only resets it
# (ECONNABORTED, 103) and tries nothing, so every other port was skipped; after the first open
# port, the next call completed that same connection and reported the next port as open whether
# it was or not, and every call after it failed with EISCONN (106). So each chunk printed at most
# one of its open ports, plus a false one.
#
# No `if __name__ == '__main__':` guard, as in the seed: this relies on the fork start method,
# Linux's default before Python 3.14 (under spawn or forkserver each worker would re-run this file
# and fail at Pool(16)). It connects to every TCP port of 127.0.0.1: every local service sees a connection.

"""
进程池扫描主机端口实例
代码4-4利用单进程扫描主机端口，如果要扫描的端口范围比较大，则需要耗费比较长的时间。
利用多个进程同时扫描不同的端口范围，可以缩短程序运行时间。
进程池技术可以一次创建多个子进程，适合于子进程数量事先预知的情况。
代码5-3利用进程池一次创建16个进程，然后利用这些进程扫描主机所有端口（0～65535），
每个进程扫描4096个端口。

"""
from multiprocessing import Pool
import os
import socket


def scan_port(ports):
    for port in range(ports, ports + 4096):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(1)
        result = s.connect_ex((ip, port))
        if result == 0:
            print("I am process %d,port %d is openned!" % (os.getpid(), port))
        s.close()


ip = "127.0.0.1"
p = Pool(16)

for k in range(16):
    p.apply_async(scan_port, args=(k * 4096,))
p.close()
p.join()
print("All subprocesses had finished!")
