// One child writes five messages; the other waits a second, then reads until the queue is empty.
// Twin of examples/python/queue-write-read.py (seed 001, "代码示例3").
// As in the seed, the second is what makes this work: a reader that found the queue still empty
// (a writer started more than a second late) would end at once without reading anything.
import { isMain, Process, Queue } from 'multiprocessing-ts';

// 2个子进程在队列中进行写入和读取数据，实现进程之间的通信

async function write(q: Queue<string>): Promise<void> {
  if (!q.full()) {
    for (let i = 0; i < 5; i++) {
      const message = `消息${i}`;
      await q.put(message);
      console.log(`写入:${message}`);
    }
  }
}

async function read(q: Queue<string>): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000)); // time.sleep(1)
  while (!q.empty()) {
    console.log(`读取:${await q.get({ timeout: 2000 })}`); // q.get(True, 2)
  }
}

/** Python's str.center(width, fillchar): CPython puts the odd fill character on the right, unless the text's length and width are both odd. */
function center(text: string, width: number, fillchar: string): string {
  const marg = width - [...text].length; // Python counts code points
  if (marg <= 0) return text;
  const left = Math.floor(marg / 2) + (marg & width & 1);
  return fillchar.repeat(left) + text + fillchar.repeat(marg - left);
}

if (isMain(import.meta)) {
  console.log(center('主进程开始', 100, '*'));
  const q = new Queue<string>();
  const pw = new Process({ target: write, args: [q] });
  const pr = new Process({ target: read, args: [q] });
  pw.start();
  pr.start();
  await pw.join();
  await pr.join();
  console.log(center('主进程结束', 100, '*'));
}
