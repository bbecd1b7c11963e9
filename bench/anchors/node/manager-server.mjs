// Our side of bench/managers.ts: a SyncManager server in a process of its own (as Python's
// SyncManager.start() puts its server in a child). Listens on 127.0.0.1 (a free port) with the
// authkey given in hex as argv[2], sends { address } to the parent over IPC, and serves until the
// parent disconnects.
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { SyncManager } from 'multiprocessing-ts';

const manager = new SyncManager({ address: ['127.0.0.1', 0], authkey: Buffer.from(process.argv[2] ?? '', 'hex') });
const server = manager.getServer();
await server.listen();
process.once('disconnect', () => void server.close());
process.send({ address: server.address });
await server.serveForever();
process.exit(0);
