// Bare anchor of bench/queues.ts: a producer that, on each { n, size } it is sent, sends n
// messages back (the numbers 0..n-1, or n copies of a `size`-byte Uint8Array). As a worker thread
// it uses parentPort.postMessage (structured clone); as a forked child, process.send (the IPC
// channel with serialization: 'advanced'), waiting for the channel to drain when it is full.
import process from 'node:process';
import { setImmediate } from 'node:timers';
import { parentPort } from 'node:worker_threads';

const post = parentPort === null ? (m) => process.send(m) : (m) => parentPort.postMessage(m);
const port = parentPort ?? process;

port.on('message', async ({ n, size }) => {
  const payload = size > 0 ? new Uint8Array(size).fill(7) : null;
  for (let i = 0; i < n; i++) {
    const ok = post(payload ?? i);
    // process.send returns false while its queue is over the high-water mark: let it drain.
    if (ok === false) await new Promise((resolve) => setImmediate(resolve));
  }
});
