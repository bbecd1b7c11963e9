# Seed 000 (zhu.xinwei, "multiprocessing.Process"), verbatim. Twin: examples/process-start.ts

from multiprocessing import Process
import os

# 子进程要执行的代码
def run_subproc(sub_name):
	print('Run child process {} {}'.format(sub_name, os.getpid()))


if __name__ == '__main__':

	print('Main process {}'.format(os.getpid()))

	for i in range(3):
		sub_name = 'test_{}'.format(i)
		p = Process(target=run_subproc, args=(sub_name,))
		p.start()
