// The resource tracker process: it reads "R <name>" / "U <name>" lines on stdin, and when every
// process holding the other end of that pipe has gone (EOF: even after a SIGKILL), it unlinks the
// shared memory segments still registered. CPython: Lib/multiprocessing/resource_tracker.py.
import { native } from '../shm/binding.js';

const names = new Set<string>();
let pending = '';

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  pending += chunk;
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const name = line.slice(2);
    if (line.startsWith('R ')) names.add(name);
    else if (line.startsWith('U ')) names.delete(name);
  }
});
process.stdin.on('end', () => {
  if (names.size > 0) {
    process.stderr.write(`multiprocessing-ts resource tracker: ${names.size} shared memory segment(s) were not unlinked by their program; unlinking: ${[...names].join(', ')}\n`);
  }
  for (const name of names) {
    try {
      native().shmUnlink(`/${name}`);
    } catch {
      // already gone
    }
  }
  process.exit(0);
});
// The tracker must outlive the program it watches, and not die with its process group.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
