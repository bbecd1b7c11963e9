// Bare BullMQ's worker for bench/redis.ts: one Worker of concurrency 1 with the trivial processor
// (an item, or an array of items, each plus one). Usage: node bullmq-worker.mjs URL NAME
import process from 'node:process';
import { Worker } from 'bullmq';

const [url, name] = process.argv.slice(2);
const worker = new Worker(name, async (job) => (Array.isArray(job.data) ? job.data.map((x) => x + 1) : job.data + 1), { connection: { url }, concurrency: 1 });
worker.on('error', () => undefined);
await worker.waitUntilReady();
process.stdout.write('ready\n');
process.on('SIGTERM', () => void worker.close().then(() => process.exit(0)));
