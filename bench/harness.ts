// The benchmark harness: interleaved repetitions after a warm-up, median/p90, ratios against a
// bare anchor, the environment line, and the markdown/JSON reports. Cases live in bench/*.ts.

import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg, release } from 'node:os';
import { performance } from 'node:perf_hooks';

/** A system measured by a case: our library, or a bare anchor to compare it with. */
export interface System {
  name: string;
  kind: 'ours' | 'anchor';
  /** The name of the system in the same case that this one's ratio is taken against. */
  baseline?: string;
  setup?: () => Promise<void> | void;
  /** One timed repetition (ms). Systems with `run` are interleaved round-robin. */
  run?: () => Promise<void>;
  /** Or: timed elsewhere (another runtime) and returned as samples in ms, or a reason to skip. */
  external?: (options: RunOptions) => Promise<number[] | { skipped: string }>;
  teardown?: () => Promise<void> | void;
}

export interface Case {
  name: string;
  /** One line on what a repetition does. */
  description: string;
  systems: System[];
  /** Ratio (vs baseline) that `ours` systems should stay under; printed as PASS/FAIL, informational. */
  target?: number;
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
  median?: number;
  p90?: number;
  ratio?: number;
  pass?: boolean;
  skipped?: string;
  samples: number[];
}

export interface CaseResult {
  name: string;
  description: string;
  target?: number;
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

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function runCase(c: Case, options: RunOptions): Promise<CaseResult> {
  const timed = c.systems.filter((s) => s.run !== undefined);
  const samples = new Map<System, number[]>(c.systems.map((s) => [s, []]));
  const skipped = new Map<System, string>();

  for (const s of c.systems) await s.setup?.();
  try {
    // Interleaved: each repetition runs every system once, starting from a rotating position,
    // so that drift on a shared machine spreads evenly over the systems.
    for (let i = 0; i < options.warmup + options.reps; i++) {
      for (let j = 0; j < timed.length; j++) {
        const s = timed[(i + j) % timed.length]!;
        const t0 = performance.now();
        await withTimeout(s.run!(), options.timeout, `${c.name} / ${s.name}`);
        const ms = performance.now() - t0;
        if (i >= options.warmup) samples.get(s)!.push(ms);
      }
    }
    for (const s of c.systems) {
      if (s.external === undefined) continue;
      const out = await s.external(options);
      if (Array.isArray(out)) samples.set(s, out);
      else skipped.set(s, out.skipped);
    }
  } finally {
    for (const s of c.systems) await s.teardown?.();
  }

  const results: SystemResult[] = c.systems.map((s) => {
    const xs = samples.get(s)!;
    const r: SystemResult = { name: s.name, kind: s.kind, samples: xs };
    if (s.baseline !== undefined) r.baseline = s.baseline;
    const why = skipped.get(s);
    if (why !== undefined) r.skipped = why;
    else if (xs.length > 0) Object.assign(r, { median: percentile(xs, 0.5), p90: percentile(xs, 0.9) });
    return r;
  });
  for (const r of results) {
    const base = results.find((b) => b.name === r.baseline);
    if (r.median === undefined || base?.median === undefined) continue;
    r.ratio = r.median / base.median;
    if (r.kind === 'ours' && c.target !== undefined) r.pass = r.ratio <= c.target;
  }
  const result: CaseResult = { name: c.name, description: c.description, options, systems: results };
  if (c.target !== undefined) result.target = c.target;
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

const fmt = (x: number | undefined, digits = 1): string => (x === undefined ? '—' : x.toFixed(digits));

/** A markdown table of one case (also readable as plain text). */
export function markdownTable(r: CaseResult): string {
  const target = r.target;
  const lines = [
    `| System | Kind | Median ms | p90 ms | Ratio | vs${target === undefined ? '' : ` | ≤ ${target}×`} |`,
    `|---|---|---:|---:|---:|---|${target === undefined ? '' : '---|'}`,
  ];
  for (const s of r.systems) {
    const verdict = s.pass === undefined ? '' : s.pass ? 'PASS' : 'FAIL';
    const cells = s.skipped !== undefined
      ? [s.name, s.kind, '—', '—', '—', `skipped: ${s.skipped}`]
      : [s.name, s.kind, fmt(s.median), fmt(s.p90), s.ratio === undefined ? '—' : `${fmt(s.ratio, 2)}×`, s.baseline ?? ''];
    if (target !== undefined) cells.push(verdict);
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** bench/RESULTS.md: the command, the date, the environment and one table per case. */
export function markdownReport(results: CaseResult[], command: string, env: string, date: Date): string {
  const parts = [
    '# Benchmark results',
    '',
    `Command: \`${command}\`  `,
    `Date: ${date.toISOString()}  `,
    `Environment: ${env}`,
    '',
    'Ratio = median / median of the system named under "vs". See bench/README.md.',
  ];
  for (const r of results) {
    parts.push('', `## ${r.name}`, '', `${r.description} ${r.options.reps} repetitions after ${r.options.warmup} warm-up, interleaved.`, '', markdownTable(r));
  }
  return parts.join('\n') + '\n';
}
