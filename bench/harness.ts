// The benchmark harness: interleaved repetitions after a warm-up, median/p90, ratios against a
// bare anchor, the environment line, and the markdown/JSON reports. Cases live in bench/*.ts.

import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { stopWarmChildren } from 'multiprocessing-ts';

// No forced garbage collection between repetitions unless BENCH_GC=1: a forced full GC throws
// away optimised code (measured here: a manager round trip 345 → 215 µs, a pool round trip
// 43 → 33 µs without it), which no real program pays; each system pays for the garbage it makes,
// in the normal course. Exposed here rather than by --expose-gc on the command line, which the
// children of the process backend would inherit.
const collectGarbage = process.env.BENCH_GC === '1' ? exposeGc() : () => undefined;

function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  setFlagsFromString('--no-flush-bytecode');
  return runInNewContext('gc') as () => void;
}

/** A system measured by a case: our library, or a bare anchor to compare it with. */
export interface System {
  name: string;
  kind: 'ours' | 'anchor';
  /**
   * The system in the same case that this one's ratio is taken against; a list means the fastest
   * of those in this run (lowest median time).
   */
  baseline?: string | string[];
  /** Acceptance target of this system's ratio (overrides the case's); PASS/FAIL, informational. */
  target?: number;
  /** What the target is, in words (shown in the list of checks). */
  check?: string;
  /** At most this many repetitions and no warm-up: a slow system, whose repetitions warm themselves. */
  reps?: number;
  setup?: () => Promise<void> | void;
  /** One timed repetition (ms). Systems with `run` are interleaved round-robin. */
  run?: () => Promise<void>;
  /** Untimed, after each repetition: lets what the repetition set going in the background finish (so that it does not weigh on the next system's). */
  settle?: () => Promise<void>;
  /** Or: timed elsewhere (another runtime) and returned as samples in ms, or a reason to skip. */
  external?: (options: RunOptions) => Promise<number[] | { skipped: string }>;
  teardown?: () => Promise<void> | void;
}

export interface Case {
  name: string;
  /** One line on what a repetition does. */
  description: string;
  systems: System[];
  /** Ratio (vs baseline) that `ours` systems should stay under (or reach, for a `speed` measure); printed as PASS/FAIL, informational. */
  target?: number;
  /** How a repetition's time is shown; milliseconds (lower is better) by default. */
  measure?: Measure;
  /** Repetitions and warm-ups when the command line names none: full run and --quick (default 40/5 and 5/2). */
  repetitions?: { reps: number; warmup: number; quick: { reps: number; warmup: number } };
  /** Which statistic of the repetition times ratios compare: the median (default) or the p90 (a tail-latency target). */
  ratioOf?: 'median' | 'p90';
  /** Called after the run: a line for the report on what was found at run time (e.g. a calibration). */
  details?: () => string | undefined;
  /** Files to (re)write under bench/ with the report, e.g. a chart: path → content (`all`: the results of this run so far, this one included). */
  files?: (result: CaseResult, all: CaseResult[]) => Record<string, string>;
}

/** A figure derived from one repetition's time, e.g. tasks per second. */
export interface Measure {
  /** Its unit, for the column headings: 'tasks/s', 'µs per round trip'... */
  unit: string;
  /** The figure of a repetition that took `ms` milliseconds. */
  of: (ms: number) => number;
  digits?: number;
  /**
   * Ratios as "times as fast": baseline median time ÷ median time (a throughput or a speed-up),
   * so higher is better and a target is a minimum. Otherwise time ÷ baseline time, and a maximum.
   */
  speed?: boolean;
}

export interface RunOptions {
  reps: number;
  warmup: number;
  /** Give up on a single repetition after this many ms. */
  timeout: number;
}

export interface SystemResult {
  name: string;
  kind: 'ours' | 'anchor';
  baseline?: string;
  /** Median and p90 of the repetition times (ms). */
  median?: number;
  p90?: number;
  /** The same in the case's measure (p90 is then the slow end: the figure of the p90 time). */
  shown?: { median: number; p90: number };
  ratio?: number;
  target?: number;
  check?: string;
  pass?: boolean;
  skipped?: string;
  samples: number[];
}

export interface CaseResult {
  name: string;
  description: string;
  details?: string;
  target?: number;
  /** The measure's unit and direction (its function stays in the case). */
  measure?: { unit: string; speed: boolean; digits: number };
  options: RunOptions;
  systems: SystemResult[];
}

/** Linear interpolation between closest ranks (as bench/anchors/python/process_start.py). */
export function percentile(values: number[], q: number): number {
  const xs = [...values].sort((a, b) => a - b);
  if (xs.length === 0) return Number.NaN;
  const pos = (xs.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, xs.length - 1);
  return xs[lo]! + (xs[hi]! - xs[lo]!) * (pos - lo);
}

/** A step that did not end in time. */
class Hung extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Hung(`${what} after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Whether a teardown failed or hung (its pool's threads may still hold the event loop open). */
export let teardownFailed = false;

/** How long a teardown may take before the system's child processes are killed. */
const TEARDOWN_MS = 15_000;

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

// ---- child processes ----------------------------------------------------------------------------
// Every system's child processes are known (the ones that appeared during its setup and
// repetitions), so that one whose teardown fails or hangs is killed, and a case leaves none behind.

/** The descendants of `pid` (Linux /proc; none elsewhere), children before grandchildren. */
export function descendants(pid = process.pid): number[] {
  const out: number[] = [];
  const visit = (p: number): void => {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const task of tasks) {
      let text: string;
      try {
        text = readFileSync(`/proc/${p}/task/${task}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const word of text.split(' ')) {
        const child = Number(word);
        if (word.trim() === '' || !Number.isInteger(child) || out.includes(child)) continue;
        out.push(child);
        visit(child);
      }
    }
  };
  visit(pid);
  return out;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

// The library's resource tracker lives until the program exits, by design: never a leftover.
const isTracker = (pid: number): boolean => commandLine(pid).includes('tracker-main');

/** SIGKILL these processes (those still alive); resolves once they are gone (at most 2 s). */
export async function killAll(pids: Iterable<number>): Promise<void> {
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
    } catch {
      return false;
    }
  };
  const targets = [...pids].filter(alive);
  for (const pid of targets) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  for (let i = 0; i < 40 && targets.some(alive); i++) await new Promise((resolve) => setTimeout(resolve, 50));
}

/**
 * Run a command of another runtime (a Python anchor) in its own process group and resolve its
 * stdout; after `timeoutMs` the whole group (the command and its children: a pool's workers) is
 * killed and this rejects.
 */
export function runCommand(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone already
      }
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      // Children of the group that outlived the command (they should not): end them too.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // none left
      }
      if (timedOut) reject(new Error(`${file} ${args[0] ?? ''}: no result after ${timeoutMs} ms (killed)`));
      else if (code !== 0) reject(new Error(`${file} ${args[0] ?? ''} exited with ${code ?? signal}: ${Buffer.concat(err).toString().trim().split('\n').slice(-3).join(' | ')}`));
      else resolve(Buffer.concat(out).toString());
    });
  });
}

export async function runCase(c: Case, options: RunOptions): Promise<CaseResult> {
  const samples = new Map<System, number[]>(c.systems.map((s) => [s, []]));
  const skipped = new Map<System, string>();
  // Child processes: those there before the case, and each system's own.
  const before = new Set(descendants());
  const attributed = new Set<number>();
  const owned = new Map<System, Set<number>>(c.systems.map((s) => [s, new Set()]));
  const claim = (s: System): void => {
    for (const pid of descendants()) {
      if (before.has(pid) || attributed.has(pid)) continue;
      attributed.add(pid);
      owned.get(s)!.add(pid);
    }
  };
  // Teardown, once per system, bounded: a pool that does not end in time has its processes killed.
  const ended = new Set<System>();
  const end = async (s: System): Promise<void> => {
    if (ended.has(s)) return;
    ended.add(s);
    claim(s);
    if (s.teardown !== undefined) {
      try {
        await withTimeout(Promise.resolve(s.teardown()), TEARDOWN_MS, 'no end');
      } catch (err) {
        const pids = [...owned.get(s)!].filter((pid) => !isTracker(pid));
        console.log(`notice: ${c.name} / ${s.name}: teardown failed: ${message(err)}${pids.length > 0 ? `; killing its processes ${pids.join(', ')}` : ''}`);
        teardownFailed = true;
        await killAll(pids);
      }
    }
  };
  // A system that fails (or hangs) in setup or in a repetition is reported as skipped, with why,
  // and ended at once (so that a stuck pool burns no CPU under the others); the others go on.
  const fail = async (s: System, what: string, err: unknown): Promise<void> => {
    const how = err instanceof Hung ? 'hung' : 'failed';
    console.log(`notice: ${c.name} / ${s.name}: ${what} ${how}: ${message(err)}; skipping it`);
    skipped.set(s, `${what} ${how} (${message(err)})`);
    samples.set(s, []);
    await end(s);
  };

  try {
    for (const s of c.systems) {
      if (s.setup === undefined) continue;
      try {
        await withTimeout(Promise.resolve(s.setup()), options.timeout, 'no start-up');
        claim(s);
      } catch (err) {
        await fail(s, 'setup', err);
      }
    }
    // Interleaved: each repetition runs every system once, starting from a rotating position,
    // so that drift on a shared machine spreads evenly over the systems. A system with fewer
    // repetitions of its own (a slow one) has no warm-up and takes part until it has them.
    const timed = c.systems.filter((s) => s.run !== undefined);
    for (let i = 0; i < options.warmup + options.reps; i++) {
      for (let j = 0; j < timed.length; j++) {
        const s = timed[(i + j) % timed.length]!;
        const xs = samples.get(s)!;
        if (skipped.has(s)) continue;
        if (i < options.warmup && s.reps !== undefined) continue;
        if (i >= options.warmup && xs.length >= Math.min(options.reps, s.reps ?? Infinity)) continue;
        collectGarbage();
        const t0 = performance.now();
        try {
          await withTimeout(s.run!(), options.timeout, 'no result');
        } catch (err) {
          await fail(s, 'a repetition', err);
          continue;
        }
        const ms = performance.now() - t0;
        if (i >= options.warmup) xs.push(ms);
        try {
          await withTimeout(Promise.resolve(s.settle?.()), options.timeout, 'no settling');
        } catch (err) {
          await fail(s, 'settling', err);
        }
      }
    }
    // Systems that ran are ended before the external ones (another runtime) take the machine.
    for (const s of c.systems) if (s.external === undefined) await end(s);
    for (const s of c.systems) {
      if (s.external === undefined) continue;
      try {
        const out = await s.external(options);
        if (Array.isArray(out)) samples.set(s, out);
        else skipped.set(s, out.skipped);
      } catch (err) {
        await fail(s, 'the run', err);
      }
    }
  } finally {
    for (const s of c.systems) await end(s);
    // The library's idle warm children are its own: stopped by the library, not counted as left.
    await stopWarmChildren();
    // Whatever child process the case left (a pool that ignored its teardown) goes now.
    const left = descendants().filter((pid) => !before.has(pid) && !isTracker(pid));
    if (left.length > 0) {
      console.log(`notice: ${c.name}: killing leftover child processes: ${left.map((pid) => `${pid} (${commandLine(pid).slice(0, 80)})`).join(', ')}`);
      await killAll(left);
    }
  }

  const results: SystemResult[] = c.systems.map((s) => {
    const xs = samples.get(s)!;
    const r: SystemResult = { name: s.name, kind: s.kind, samples: xs };
    const why = skipped.get(s);
    if (why !== undefined) r.skipped = why;
    else if (xs.length > 0) Object.assign(r, { median: percentile(xs, 0.5), p90: percentile(xs, 0.9) });
    if (c.measure !== undefined && r.median !== undefined) r.shown = { median: c.measure.of(r.median), p90: c.measure.of(r.p90!) };
    return r;
  });
  const speed = c.measure?.speed === true;
  c.systems.forEach((s, i) => {
    const r = results[i]!;
    // The baseline, or the fastest of the listed ones that ran.
    const candidates = results.filter((b) => b !== r && b.median !== undefined && [s.baseline ?? []].flat().includes(b.name));
    const base = candidates.sort((a, b) => a.median! - b.median!)[0];
    if (base !== undefined) r.baseline = base.name;
    else if (typeof s.baseline === 'string') r.baseline = s.baseline;
    const target = s.target ?? (s.kind === 'ours' ? c.target : undefined);
    if (target !== undefined) r.target = target;
    if (s.check !== undefined) r.check = s.check;
    if (r.median === undefined || base === undefined) return;
    const stat = c.ratioOf === 'p90' ? (x: SystemResult): number => x.p90! : (x: SystemResult): number => x.median!;
    r.ratio = speed ? stat(base) / stat(r) : stat(r) / stat(base);
    if (target !== undefined) r.pass = speed ? r.ratio >= target : r.ratio <= target;
  });
  const result: CaseResult = { name: c.name, description: c.description, options, systems: results };
  const details = c.details?.();
  if (details !== undefined) result.details = details;
  if (c.target !== undefined) result.target = c.target;
  if (c.measure !== undefined) result.measure = { unit: c.measure.unit, speed, digits: c.measure.digits ?? 1 };
  return result;
}

function pythonVersion(): string {
  try {
    return execFileSync('python3', ['-c', 'import platform; print(platform.python_version())'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'n/a';
  }
}

/** One line describing where the figures come from. */
export function environmentLine(): string {
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  return `node ${process.version}, python ${pythonVersion()}, ${availableParallelism()} CPUs, kernel ${release()} (${process.platform}/${process.arch}), load average ${load}`;
}

const fmt = (x: number | undefined, digits = 1): string =>
  x === undefined ? '—' : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** "≥ 1.5×" or "≤ 1.3×": what a ratio must be to pass. */
function targetText(r: CaseResult, s: SystemResult): string {
  return `${r.measure?.speed === true ? '≥' : '≤'} ${s.target}×`;
}

/** A markdown table of one case (also readable as plain text). */
export function markdownTable(r: CaseResult): string {
  const unit = r.measure?.unit ?? 'ms';
  const digits = r.measure?.digits ?? 1;
  const checked = r.systems.some((s) => s.target !== undefined);
  const lines = [
    `| System | Kind | Median ${unit} | p90 ${unit} | ${r.measure?.speed === true ? '× as fast' : 'Ratio'} | vs${checked ? ' | Target |' : ' |'}`,
    `|---|---|---:|---:|---:|---|${checked ? '---|' : ''}`,
  ];
  for (const s of r.systems) {
    const verdict = s.target === undefined ? '' : `${s.pass === undefined ? 'n/a' : s.pass ? 'PASS' : 'FAIL'} (${targetText(r, s)})`;
    const shown = s.shown ?? { median: s.median, p90: s.p90 };
    const name = s.skipped === undefined && s.samples.length < r.options.reps ? `${s.name} (${s.samples.length} reps)` : s.name;
    const cells = s.skipped !== undefined
      ? [s.name, s.kind, '—', '—', '—', `skipped: ${s.skipped}`]
      : [name, s.kind, fmt(shown.median, digits), fmt(shown.p90, digits), s.ratio === undefined ? '—' : `${fmt(s.ratio, 2)}×`, s.baseline ?? ''];
    if (checked) cells.push(verdict);
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** One line per system with a target, over all cases: the acceptance checks, PASS/FAIL (informational). */
export function checkLines(results: CaseResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    for (const s of r.systems) {
      if (s.target === undefined) continue;
      const verdict = s.pass === undefined ? 'n/a ' : s.pass ? 'PASS' : 'FAIL';
      const how = r.measure?.speed === true ? 'as fast as' : 'the time of';
      const measured = s.ratio === undefined ? `not measured${s.skipped === undefined ? '' : ` (${s.skipped})`}` : `${fmt(s.ratio, 2)}× ${how} ${s.baseline}`;
      lines.push(`${verdict}  ${s.check ?? `${r.name}: ${s.name} ${targetText(r, s)}`} — ${r.name} / ${s.name}: ${measured}, target ${targetText(r, s)}`);
    }
  }
  return lines;
}

/** bench/RESULTS.md: the command, the date, the environment, one table per case and the checks. */
export function markdownReport(results: CaseResult[], command: string, env: string, date: Date): string {
  const parts = [
    '# Benchmark results',
    '',
    `Command: \`${command}\`  `,
    `Date: ${date.toISOString()}  `,
    `Environment: ${env}`,
    '',
    'Ratio = median time / median time of the system named under "vs"; "× as fast" = the inverse',
    '(the vs system\'s median time / this one\'s). See bench/README.md.',
  ];
  const checks = checkLines(results);
  if (checks.length > 0) parts.push('', '## Acceptance checks', '', 'Informational: the run never fails on them.', '', ...checks.map((line) => `- ${line}`));
  for (const r of results) {
    const reps = `${r.options.reps} repetitions after ${r.options.warmup} warm-up, interleaved.`;
    parts.push('', `## ${r.name}`, '', `${r.description} ${reps}${r.details === undefined ? '' : ` ${r.details}`}`, '', markdownTable(r));
  }
  return parts.join('\n') + '\n';
}
