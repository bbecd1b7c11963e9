// The resource tracker process: it reads "R <name>" / "U <name>" lines on stdin, and when every
// process holding the other end of that pipe has gone (EOF: even after a SIGKILL), it unlinks the
// shared memory segments still registered. "X <pid>": a process ended, so the library's own
// segments it created (mpts_<pid>_…) go at once. CPython: Lib/multiprocessing/resource_tracker.py.
import { native } from '../addon/binding.js';

const names = new Set<string>();
let pending = '';

function unlink(name: string): void {
  try {
    native().shmUnlink(`/${name}`);
  } catch {
    // already gone
  }
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  pending += chunk;
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const name = line.slice(2);
    if (line.startsWith('R ')) names.add(name);
    else if (line.startsWith('U ')) names.delete(name);
    else if (line.startsWith('X ')) {
      for (const own of names) {
        if (!own.startsWith(`mpts_${name}_`)) continue;
        unlink(own);
        names.delete(own);
      }
    }
  }
});
process.stdin.on('end', () => {
  if (names.size > 0) {
    process.stderr.write(`multiprocessing-ts resource tracker: ${names.size} shared memory segment(s) were not unlinked by their program; unlinking: ${[...names].join(', ')}\n`);
  }
  for (const name of names) unlink(name);
  process.exit(0);
});
// The tracker must outlive the program it watches, and not die with its process group.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
