// Bare anchor of the round trip: a forked child (IPC channel) that answers each message x with x + 1.
import process from 'node:process';

process.on('message', (x) => process.send(x + 1));
