// Entry point of a worker thread started by the 'thread' backend.
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import { runChild } from '../child.js';

const port = parentPort;
if (port === null) throw new Error('This module is the entry of a worker thread started by multiprocessing-ts');

runChild({
  backend: 'thread',
  send: (message, transfer) => port.postMessage(message, transfer),
  onMessage: (listener) => port.on('message', listener),
  poll: () => receiveMessageOnPort(port),
  unref: () => port.unref(),
  exit: (code) => process.exit(code),
});
