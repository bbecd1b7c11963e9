// The master of a distributed task queue: it serves two queues on the network with an authkey,
// puts ten tasks, and waits for ten results from workers on other machines (TypeScript or Python).
// Twin of examples/python/distributed/task_master.py (seed 003, "分布式进程").
//
// Our manager's server runs in this process (registered callables are closures over these
// queues); the program is its own first client, as Python's master is of its server process.
// MPTS_TASK_PORT overrides the seed's port 5000 (the tests use a free one).
import { BaseManager, Queue, type QueueProxy } from 'multiprocessing-ts';

const port = Number(process.env.MPTS_TASK_PORT ?? 5000);

const taskQueue = new Queue<number>(); // 发送任务的队列
const resultQueue = new Queue<string>(); // 接收结果的队列

class QueueManager extends BaseManager {
  declare get_task_queue: () => Promise<QueueProxy<number>>;
  declare get_result_queue: () => Promise<QueueProxy<string>>;
}

// 将两个队列注册到网络上，callable关联Queue的对象
QueueManager.register('get_task_queue', () => taskQueue);
QueueManager.register('get_result_queue', () => resultQueue);

// 绑定端口5000，设置验证码'key'
const manager = new QueueManager({ address: ['127.0.0.1', port], authkey: 'key' });
// 启动Queue
await manager.start();

// 通过网络访问Queue对象，获得两个对象，这两个Queue对象是在网络中共享的
const task = await manager.get_task_queue();
const result = await manager.get_result_queue();

// 分配任务到task
for (let i = 0; i < 10; i++) {
  const n = Math.floor(Math.random() * 10001); // random.randint(0, 10000)
  console.log(`Put task ${n}...`);
  await task.put(n); // 将任务写入task的Queue
}
console.log('Try get result...');
// 从result队列中获取结果
for (let i = 0; i < 10; i++) {
  const r = await result.get({ timeout: 100_000 }); // 从result中获取到相应结果
  console.log(`Result: ${r}`);
}
// 关闭任务
await manager.shutdown();
taskQueue.close();
resultQueue.close();
console.log('master exit.');
