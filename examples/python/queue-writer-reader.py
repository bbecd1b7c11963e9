# Seed 000 (zhu.xinwei, "进程间通信"), verbatim but for one edit. Twin: examples/queue-writer-reader.ts
#
# The edit: the writer sleeps random.random()*0.5 seconds after each put, where the seed sleeps
# random.random()*5. Twenty puts at up to 5 s each took 50 s on average and up to 100 s; a tenth of
# that shows the same interleaving of Put and Get in 5 s on average (10 s at most). The twin has
# the same edit.
from multiprocessing import Process, Queue
import os, time, random

def process_write(queue):
	print('Process to write :', os.getpid())

	for value in range(20):
		print('Put {} to queue...'.format(value))
		queue.put(value)
		time.sleep(random.random()*0.5)

def process_read(queue):
	print('Process to read: ', os.getpid())

	while True:
		value = queue.get(True)
		print('Get {} from queue..'.format(value))


if __name__=='__main__':
	q = Queue()

	p_write = Process(target=process_write, args=(q,))
	p_read = Process(target=process_read, args=(q,))

	p_write.start()
	p_read.start()

	p_write.join() # 等待pw结束
	p_read.terminate() # pr进程里是死循环，无法等待其结束，只能强行终止
