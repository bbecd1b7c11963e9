# Seed 003 ("分布式进程", task_worker.py), verbatim but for the address: 127.0.0.1 instead of
# '172.16.120.70'. Twin: examples/distributed/task_worker.ts
#task_worker.py
import time, sys, queue
from multiprocessing.managers import BaseManager

class QueueManager(BaseManager):
	pass

# QueueManager从网络上获取Queue，也就是master在网络上注册的队列
QueueManager.register('get_task_queue')
QueueManager.register('get_result_queue')
#连接服务器，是运行Master机器的IP地址
server_adr = '127.0.0.1'
print('Connect to server %s...' %server_adr)
#端口和验证码和master一致
m=QueueManager(address=(server_adr,5000),authkey=b'key')
m.connect() #连接该Queue

#获取到网络中共享的Queue对象
task =m.get_task_queue()
result=m.get_result_queue()

for i in range(10):
	try:
		n=task.get(timeout=100) #从Queue中获取数据，也就是获取任务
		print('run task %d*%d...'%(n,n))
		r='%d*%d=%d' %(n,n,n*n) #进行处理
		result.put(r) #将结果写入result的Queue

	except Queue.Empty:
		print('task queue is empty.')

print('worker exit')
