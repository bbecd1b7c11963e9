# Seed 003 ("分布式进程", task_master.py), verbatim but for the address: 127.0.0.1 instead of ''
# (every interface). Twin: examples/distributed/task_master.ts
# task_master.py
import random, time, queue
from multiprocessing.managers import BaseManager

task_queue=queue.Queue() #发送任务的队列
result_queue=queue.Queue() #接收结果的队列

class QueueManager(BaseManager):
	pass

#将两个队列注册到网络上，callable关联Queue的对象
QueueManager.register('get_task_queue',callable=lambda:task_queue)
QueueManager.register('get_result_queue',callable=lambda:result_queue)

#绑定端口5000，设置验证码‘key’
manager=QueueManager(address=('127.0.0.1',5000),authkey=b'key')
#启动Queue
manager.start()

#通过网络访问Queue对象，获得两个对象，这两个Queue对象是在网络中共享的
task=manager.get_task_queue()
result=manager.get_result_queue()

# 分配任务到task
for i in range(10):
	n=random.randint(0,10000)
	print('Put task %d...' %n)
	task.put(n) #将任务写入task的Queue
print('Try get result...')
# 从result队列中获取结果
for i in range(10):
	r = result.get(timeout=100) #从result中获取到相应结果
	print('Result: %s' %r)
# 关闭任务
manager.shutdown()
print('master exit.')
