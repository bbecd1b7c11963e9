# Seed 000 (zhu.xinwei, "multiprocessing.Pool"), verbatim. Twin: examples/pool-apply-async.ts

import os, time, random
from multiprocessing import Pool

def long_time_process(sub_name):
	print('Run child process {} {}, parent pid {} '.format(sub_name, os.getpid(), os.getppid()))
	
	start_ = time.time()
	time.sleep(random.random()*5)
	end = time.time()

	print('child process {} runs {} seconds.'.format(sub_name, (end-start_)))


if __name__=='__main__':
	print('Main Process {}'.format(os.getpid()))
			
	# # Pool类默认大小是CPU核数，因为最多同时执行CPU核数个进程，这是Pool有意设计的限制，
	# 当然，如果设置为30，也可以最多同时执行30个进程
	p = Pool(16) 
	for i in range(20):
		p.apply_async(long_time_process, args=(i,))
	print('Waiting for all subprocesses done...')

	p.close() # 调用close()之后就不能继续添加新的Process了

	p.join() # Pool对象调用join()方法会等待所有子进程执行完毕

	print('Done')
