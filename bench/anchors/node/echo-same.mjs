// Bare anchor of the large-argument round trip: a forked child (IPC channel) that answers each message with itself.
import process from 'node:process';

process.on('message', (x) => process.send(x));
