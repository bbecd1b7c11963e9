// Our client of a manager server (ours or Python's), timed in a process of its own, as
// anchors/python/managers.py times Python's (bench/managers.ts says why). Prints what the Python
// anchors print: { systems: { <op>: { samples: [ms per repetition] } } }.
// argv: --address HOST:PORT --authkey HEX --ops dict|queue --n N --reps R --warmup W
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { SyncManager } from 'multiprocessing-ts';

const { values } = parseArgs({
  options: {
    address: { type: 'string' },
    authkey: { type: 'string' },
    ops: { type: 'string', default: 'dict' },
    n: { type: 'string', default: '1000' },
    reps: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
  },
});
const [host, port] = (values.address ?? '').split(':');
const n = Number(values.n);
const manager = new SyncManager({ address: [host, Number(port)], authkey: Buffer.from(values.authkey ?? '', 'hex') });
await manager.connect();

let rep;
if (values.ops === 'dict') {
  const d = await manager.dict();
  rep = async () => {
    for (let i = 0; i < n; i++) {
      await d.set('k', i);
      if ((await d.getItem('k')) !== i) throw new Error('dict: wrong value');
    }
  };
} else {
  const q = await manager.Queue();
  rep = async () => {
    for (let i = 0; i < n; i++) {
      await q.put(i);
      if ((await q.get()) !== i) throw new Error('queue: wrong value');
    }
  };
}

const samples = [];
for (let i = 0; i < Number(values.warmup) + Number(values.reps); i++) {
  const t0 = performance.now();
  await rep();
  if (i >= Number(values.warmup)) samples.push(performance.now() - t0);
}
await manager.shutdown();
process.stdout.write(`${JSON.stringify({ python: 'none', systems: { [values.ops]: { samples } } })}\n`);
process.exit(0);
