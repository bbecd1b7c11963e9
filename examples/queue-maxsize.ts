// Queue(3): full(), putNowait() on a full queue, qsize(), empty() and getNowait(), all in one process.
// Twin of examples/python/queue-maxsize.py (seed 001, "Queue多进程队列的使用").
//
// The Python copy waits half a second before empty() (its one fix, see there): Python's put() only
// hands the message to a feeder thread, and empty() and get_nowait() do not see it until that
// thread has written it to a pipe. Here put() has written the message into the queue when it
// resolves, so empty(), qsize() and getNowait() see it at once, and the twin needs no wait.
import { Full, isMain, Queue } from 'multiprocessing-ts';

/** Python's str() of a bool. */
const py = (value: boolean): string => (value ? 'True' : 'False');

/** Python's str.center(width, fillchar): CPython puts the odd fill character on the right, unless the text's length and width are both odd. */
function center(text: string, width: number, fillchar: string): string {
  const marg = width - [...text].length; // Python counts code points
  if (marg <= 0) return text;
  const left = Math.floor(marg / 2) + (marg & width & 1);
  return fillchar.repeat(left) + text + fillchar.repeat(marg - left);
}

if (isMain(import.meta)) {
  const q = new Queue<string>(3); // 设置队列的大小
  await q.put('消息1');
  await q.put('消息2');
  console.log(`队列是否已满：${py(q.full())}`);
  await q.put('消息3');
  console.log(`队列是否已满：${py(q.full())}`);

  // try {
  //   await q.put('消息4', { block: true, timeout: 2000 }); // 添加消息队列时候等待2s
  // } catch {
  //   console.log(`消息队列已满，现有消息数量为${q.qsize()}`);
  // }
  try {
    q.putNowait('消息4'); // 添加消息队列不需要等待
  } catch (err) {
    if (!(err instanceof Full)) throw err; // the seed's bare `except:` is there for queue.Full
    console.log(`消息队列已满，现有消息数量为${q.qsize()}`);
  }

  if (!q.empty()) {
    console.log(center('从队列中取消息', 100, '*'));
    for (let i = 0, n = q.qsize(); i < n; i++) {
      // range(q.qsize()) is evaluated once
      console.log(q.getNowait());
    }
  }

  if (!q.full()) {
    await q.put('消息4');
    console.log(q.qsize());
  }
}
