// Bare anchor of the round trip: a worker thread that answers each message x with x + 1.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (x) => parentPort.postMessage(x + 1));
