// A worker of the distributed task queue: it connects to the master's manager (TypeScript or
// Python), takes ten tasks, and puts their results.
// Twin of examples/python/distributed/task_worker.py (seed 003, "分布式进程").
// MPTS_TASK_PORT overrides the seed's port 5000 (the tests use a free one).
import { BaseManager, Empty, type QueueProxy } from 'multiprocessing-ts';

const port = Number(process.env.MPTS_TASK_PORT ?? 5000);

class QueueManager extends BaseManager {
  declare get_task_queue: () => Promise<QueueProxy<number>>;
  declare get_result_queue: () => Promise<QueueProxy<string>>;
}

// QueueManager从网络上获取Queue，也就是master在网络上注册的队列
QueueManager.register('get_task_queue');
QueueManager.register('get_result_queue');
// 连接服务器，是运行Master机器的IP地址
const serverAdr = '127.0.0.1';
console.log(`Connect to server ${serverAdr}...`);
// 端口和验证码和master一致
const m = new QueueManager({ address: [serverAdr, port], authkey: 'key' });
await m.connect(); // 连接该Queue

// 获取到网络中共享的Queue对象
const task = await m.get_task_queue();
const result = await m.get_result_queue();

for (let i = 0; i < 10; i++) {
  try {
    const n = await task.get({ timeout: 100_000 }); // 从Queue中获取数据，也就是获取任务
    console.log(`run task ${n}*${n}...`);
    const r = `${n}*${n}=${n * n}`; // 进行处理
    await result.put(r); // 将结果写入result的Queue
  } catch (err) {
    if (!(err instanceof Empty)) throw err;
    console.log('task queue is empty.');
  }
}

console.log('worker exit');
await m.shutdown();
