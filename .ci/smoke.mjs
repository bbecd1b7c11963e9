// The smoke program CI runs against the package installed from its npm tarball (plain JS, as a
// user without TypeScript would write it): a Lock, a Value and a Queue shared with child
// processes, and a Pool. Prints the answers and exits 1 if one is wrong.
// `--no-addon`: for an install without the addon: a Process and a Pool work, and passing a Lock
// to a process throws ERR_MP_NO_NATIVE.
import console from 'node:console';
import process from 'node:process';
import { Lock, Pool, Process, Queue, Value, hasNative } from 'multiprocessing-ts';

const failures = [];
function expect(what, actual, wanted) {
  const ok = JSON.stringify(actual) === JSON.stringify(wanted);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}: ${JSON.stringify(actual)}${ok ? '' : ` (wanted ${JSON.stringify(wanted)})`}`);
  if (!ok) failures.push(what);
}

async function withAddon() {
  expect('native addon loaded', hasNative(), true);
  const lock = new Lock();
  const counter = new Value('i', 0);
  const queue = new Queue();
  const children = [1, 2, 3].map(
    (id) =>
      new Process({
        target: async (lock, counter, queue, id) => {
          for (let i = 0; i < 1000; i++) {
            await lock.acquire();
            counter.value += 1;
            lock.release();
          }
          await queue.put({ id, pid: process.pid });
        },
        args: [lock, counter, queue, id],
      }),
  );
  for (const child of children) child.start();
  const reports = [];
  for (let i = 0; i < children.length; i++) reports.push(await queue.get({ timeout: 60_000 }));
  for (const child of children) await child.join();
  expect('children exited', children.map((c) => c.exitcode), [0, 0, 0]);
  expect('Value incremented under the Lock by 3 processes', counter.value, 3000);
  expect('Queue messages from the children', reports.map((r) => r.id).sort(), [1, 2, 3]);
  expect('messages came from other processes', reports.every((r) => r.pid !== process.pid), true);
}

async function withoutAddon() {
  expect('native addon loaded', hasNative(), false);
  const child = new Process({ target: (x) => x + 1, args: [1] });
  child.start();
  await child.join();
  expect('a child process runs', child.exitcode, 0);
  let code;
  try {
    new Process({ target: (lock) => lock.acquireSync(), args: [new Lock()] }).start();
  } catch (err) {
    code = err.code;
    console.log(`     (${err.message})`);
  }
  expect('a Lock passed to a process', code, 'ERR_MP_NO_NATIVE');
}

console.log(`Node ${process.versions.node} (${process.platform}-${process.arch}), native addon: ${hasNative()}`);
if (process.argv.includes('--no-addon')) await withoutAddon();
else await withAddon();
const pool = new Pool(2);
expect('Pool.map', await pool.map((x) => x * x, [1, 2, 3, 4, 5]), [1, 4, 9, 16, 25]);
pool.close();
await pool.join();

if (failures.length > 0) {
  console.log(`smoke: ${failures.length} wrong: ${failures.join('; ')}`);
  process.exit(1);
}
console.log('smoke: all answers right');
