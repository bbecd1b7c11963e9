# Seed 000 (zhu.xinwei, "os.fork()函数"), verbatim. Twin: examples/fork.ts

import os

print('Main Process : {} '.format(os.getpid()))

pid = os.fork() # 一次调用，两次返回

if pid == 0:
	print('I am child process {} and my parent is {}'.format(os.getpid(), os.getppid()))
else:
	print('I {} just created a child process {}'.format(os.getpid(), pid))
