// A Pipe between two children: one sends ten urls, the other prints them until it is terminated.
// Twin of examples/python/pipe-send-recv.py (seed 001, "Pipe常用来在两个进程间进行通信").
import { type Connection, isMain, Pipe, Process } from 'multiprocessing-ts';

async function procSend(pipe: Connection<string>, urls: string[]): Promise<void> {
  for (const url of urls) {
    console.log(`Process(${process.pid}) send :${url}`);
    pipe.send(url);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 1000)); // time.sleep(random.random())
  }
}

async function procRecv(pipe: Connection<string>): Promise<void> {
  for (;;) {
    let url: string;
    try {
      url = await pipe.recv();
    } catch (err) {
      // Every copy of the sending end is closed. Not reached here: as in Python, the parent still
      // holds that end, so recv() waits until terminate() comes.
      const { EOFError } = await import('multiprocessing-ts');
      if (err instanceof EOFError) return;
      throw err;
    }
    console.log(`Process(${process.pid}) rev:${url}`);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 1000));
  }
}

if (isMain(import.meta)) {
  const pipe = Pipe<string>();
  const p1 = new Process({ target: procSend, args: [pipe[0], Array.from({ length: 10 }, (_, i) => `url_${i}`)] });
  const p2 = new Process({ target: procRecv, args: [pipe[1]] });
  p1.start();
  p2.start();
  await p1.join();
  await p1.join(); // twice, as in the seed: the second returns at once
  p2.terminate();
}
