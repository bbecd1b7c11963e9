// Bare anchor of bench/managers.ts, the floor under a manager's round trips: no manager, two
// round trips per pair of a small message over TCP loopback to an echo server in a forked child,
// timed here as anchors/node/manager-client.mjs times our client. With `serve`: the echo server.
// Prints { systems: { tcp: { samples: [ms per repetition] } } }.
// argv: [serve] --n N --reps R --warmup W
import { Buffer } from 'node:buffer';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { URL } from 'node:url';
import { parseArgs } from 'node:util';

if (process.argv[2] === 'serve') {
  const server = createServer({ noDelay: true }, (socket) => socket.on('data', (data) => socket.write(data)));
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
  process.on('disconnect', () => process.exit(0));
} else {
  const { values } = parseArgs({ options: { n: { type: 'string', default: '1000' }, reps: { type: 'string', default: '20' }, warmup: { type: 'string', default: '3' } } });
  const child = fork(new URL(import.meta.url), ['serve']);
  const [port] = await once(child, 'message');
  const socket = connect({ port, host: '127.0.0.1', noDelay: true });
  await once(socket, 'connect');
  const message = Buffer.alloc(48, 120);
  let answer;
  socket.on('data', () => answer());
  const ask = () => new Promise((resolve) => ((answer = resolve), socket.write(message)));
  const samples = [];
  for (let r = 0; r < Number(values.warmup) + Number(values.reps); r++) {
    const t0 = performance.now();
    for (let i = 0; i < 2 * Number(values.n); i++) await ask();
    if (r >= Number(values.warmup)) samples.push(performance.now() - t0);
  }
  socket.destroy();
  child.disconnect();
  process.stdout.write(`${JSON.stringify({ python: 'none', systems: { tcp: { samples } } })}\n`);
}
