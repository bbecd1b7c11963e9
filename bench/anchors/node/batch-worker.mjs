// Bare anchor of the throughput: a worker thread that answers each batch [id, x, id, x, ...]
// with [id, x + 1, ...], in one message.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (batch) => {
  const out = new Array(batch.length);
  for (let i = 0; i < batch.length; i += 2) {
    out[i] = batch[i];
    out[i + 1] = batch[i + 1] + 1;
  }
  parentPort.postMessage(out);
});
