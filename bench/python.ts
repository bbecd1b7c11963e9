// Python anchors: a script in anchors/python/ runs one workload's systems (interleaved, as the
// harness does), times them itself, and prints JSON with each system's samples in ms. One run per
// workload and case run serves every Python system of that workload.

import { fileURLToPath } from 'node:url';
import { runCommand, type RunOptions, type System } from './harness.js';

// bench/ itself, whether this runs compiled (bench/dist/) or from source.
const benchDir = new URL(import.meta.url.includes('/bench/dist/') ? '../' : './', import.meta.url);

/** What an anchor script prints. */
export interface PythonOutput {
  python: string;
  start_method?: string;
  systems: Record<string, { samples: number[] }>;
  [key: string]: unknown;
}

type Outcome = PythonOutput | { skipped: string };

/** The Python version the last run reported (for report lines and charts). */
export let pythonVersion: string | undefined;

/**
 * A memoized run of `anchors/python/<script> <workload> --reps R --warmup W ...args`: the first
 * Python system of the workload to ask starts it, the others read the same output.
 */
export function pythonRun(script: string, workload: string, args: (options: RunOptions) => string[] = () => [], executable = 'python3'): (options: RunOptions) => Promise<Outcome> {
  const path = fileURLToPath(new URL(`anchors/python/${script}`, benchDir));
  let run: Promise<Outcome> | undefined;
  let last: RunOptions | undefined;
  return (options) => {
    if (run === undefined || last !== options) {
      last = options;
      const argv = [path, workload, '--reps', String(options.reps), '--warmup', String(options.warmup), ...args(options)];
      run = runCommand(executable, ['-c', 'pass'], 30_000).then(
        () =>
          runCommand(executable, argv, options.timeout * 5).then(
            (stdout) => {
              const out = JSON.parse(stdout) as PythonOutput;
              pythonVersion = out.python;
              return out;
            },
            (err: unknown) => {
              const why = err instanceof Error ? err.message : String(err);
              console.log(`notice: ${executable} ${script} ${workload} failed: ${why}`);
              return { skipped: `the Python run failed (${why.slice(0, 160)})` };
            },
          ),
        () => {
          console.log(`notice: ${executable} is not on PATH (or does not start); skipping it`);
          return { skipped: `${executable} not available` };
        },
      );
    }
    return run;
  };
}

/** A system whose samples are the `key` system of a Python run. */
export function pythonSystem(run: (options: RunOptions) => Promise<Outcome>, key: string, name: string, extra: Partial<System> = {}): System {
  return {
    name,
    kind: 'anchor',
    ...extra,
    async external(options) {
      const out = await run(options);
      if ('skipped' in out) return { skipped: out.skipped as string };
      return out.systems[key]?.samples ?? { skipped: `no '${key}' in the Python output` };
    },
  };
}
