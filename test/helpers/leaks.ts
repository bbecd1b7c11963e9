// Per-file leak checks: no child process of ours alive, no shared memory segment of ours left.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { stopWarmChildren } from 'multiprocessing-ts';
import { idleWarmChildren } from '../../src/backends/index.js';

// Tests run against src/ through the package's private export condition. Without it (an old
// command line with --conditions=source, say) 'multiprocessing-ts' would be the built dist/, which
// may be stale, alongside the src/ modules some tests import directly.
if (!import.meta.resolve('multiprocessing-ts').endsWith('.ts')) {
  throw new Error('Run the tests with node --conditions=multiprocessing-ts:source --import tsx (as npm test does): multiprocessing-ts resolves to dist/ here');
}

// Children that are meant to outlive a test file's work: tsx keeps an esbuild service process in
// every process that loads TypeScript, and the resource tracker stays until its program exits
// (it is what unlinks segments after a crash; its own test checks that it ends).
function isToolingProcess(pid: string): boolean {
  try {
    return /\/esbuild\0--service=|resource-tracker\/tracker-main\./.test(readFileSync(`/proc/${pid}/cmdline`, 'latin1'));
  } catch {
    return true;
  }
}

/** Pids of the live (non-zombie) direct children of `pid`, except test tooling and idle warm children. */
export function childPids(pid = process.pid): number[] {
  const found: number[] = [];
  const spares = pid === process.pid ? idleWarmChildren('process') : [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may contain spaces) start after the last ')'.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === pid && state !== 'Z' && !spares.includes(Number(entry)) && !isToolingProcess(entry)) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Whether a process with this pid exists (zombies count as gone where /proc tells them apart). */
export function pidAlive(pid: number): boolean {
  if (process.platform !== 'linux') {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

// The library's own named segments (MPTS_PLATFORM=posix) are mpts_<creator pid>_…: they live as
// long as their creator, and are a leak only once it has gone.
const ownSegmentOfLiveProcess = (name: string): boolean => {
  const creator = /^mpts_(\d+)_/.exec(name);
  return creator !== null && pidAlive(Number(creator[1]));
};

/** Segments of ours in /dev/shm that should not be there (any, but the library's own of live processes). */
export function ourSegments(): string[] {
  try {
    return readdirSync('/dev/shm').filter((name) => /^mpts[-_]/.test(name) && !ownSegmentOfLiveProcess(name));
  } catch {
    return [];
  }
}

export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Wait until `condition()` holds, checking on every turn of a short poll; fails after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Fails when a child process or a segment of ours survives. Children get a moment to be reaped.
 * The idle warm children are stopped first: afterwards no child at all may be left.
 */
export async function assertNoLeaks(): Promise<void> {
  await stopWarmChildren();
  await waitUntil(() => childPids().length === 0, 5_000, `child processes ${childPids().join(', ')} to end`).catch(() => {
    assert.deepEqual(childPids(), [], 'child processes survived the test file');
  });
  // The resource tracker unlinks a killed process's segments once its parent has seen it die.
  await waitUntil(() => ourSegments().length === 0, 5_000, `segments ${ourSegments().join(', ')} to be unlinked`).catch(() => {
    assert.deepEqual(ourSegments(), [], 'shared memory segments of ours survived the test file');
  });
}
