// Runs every benchmark case, prints a table per case and the acceptance checks, writes
// bench/RESULTS.md (and the files cases make, e.g. bench/pool-chart.svg) and raw JSON to
// bench/results/. Usage: npm run bench [-- --quick] [--markdown] [--reps=N] [--warmup=N] [--case=NAME] [--timeout=S]
//   --quick     few repetitions (a smoke run); writes no report unless --markdown is given
//   --case=NAME a case by name, or every case whose name starts with NAME- (--case=pool)
//   --system=S  only the systems whose name starts with S (and the ones their ratios are taken against)
//   --timeout=S give up on a repetition after S seconds (default 120): the system is skipped

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkLines, environmentLine, teardownFailed, markdownReport, markdownTable, runCase, type Case, type CaseResult } from './harness.js';
import { managerCases } from './managers.js';
import { poolCases } from './pool.js';
import { pool64MiB } from './pool-large.js';
import { processStart } from './process-start.js';
import { redisCases } from './redis.js';
import { queueCases } from './queues.js';
import { syncCases } from './sync.js';

/** Every case, in order. Add new ones here. */
const cases: Case[] = [processStart, ...poolCases, pool64MiB, ...syncCases, ...queueCases, ...redisCases, ...managerCases];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false },
    reps: { type: 'string' },
    warmup: { type: 'string' },
    case: { type: 'string', multiple: true },
    system: { type: 'string', multiple: true },
    timeout: { type: 'string' },
    // Internal: run the one case of this name here and write its result to --out (see inProcessOfItsOwn).
    'one-case': { type: 'string' },
    prior: { type: 'string' },
    out: { type: 'string' },
  },
});

const benchDir = new URL(import.meta.url.includes('/bench/dist/') ? '../' : './', import.meta.url);
if (values.reps !== undefined && !(Number(values.reps) >= 1)) throw new Error('--reps must be ≥ 1');
if (values.warmup !== undefined && !(Number(values.warmup) >= 0)) throw new Error('--warmup must be ≥ 0');
if (values.timeout !== undefined && !(Number(values.timeout) > 0)) throw new Error('--timeout must be > 0 (seconds)');
// A repetition (or a setup) that takes longer than this is abandoned: its system is skipped.
const timeout = Number(values.timeout ?? 120) * 1000;
function repetitions(c: Case): { reps: number; warmup: number } {
  const defaults = c.repetitions ?? { reps: 40, warmup: 5, quick: { reps: 5, warmup: 2 } };
  const { reps, warmup } = values.quick ? defaults.quick : defaults;
  return { reps: Number(values.reps ?? reps), warmup: Number(values.warmup ?? warmup) };
}
const named = values.case === undefined ? cases : cases.filter((c) => values.case!.some((name) => c.name === name || c.name.startsWith(`${name}-`)));
if (named.length === 0) throw new Error(`No such case; known: ${cases.map((c) => c.name).join(', ')}`);
const selected = values.system === undefined ? named : named.map(onlySystems(values.system)).filter((c) => c.systems.length > 0);
if (selected.length === 0) throw new Error(`No system of ${named.map((c) => c.name).join(', ')} starts with ${values.system!.join(' or ')}`);

function onlySystems(prefixes: string[]): (c: Case) => Case {
  return (c) => {
    const chosen = c.systems.filter((s) => prefixes.some((prefix) => s.name.startsWith(prefix)));
    const baselines = new Set(chosen.flatMap((s) => [s.baseline ?? []].flat()));
    return { ...c, systems: c.systems.filter((s) => chosen.includes(s) || baselines.has(s.name)) };
  };
}

const argv = process.argv.slice(2).join(' ');
const prefix = process.env.PYENV_VERSION === undefined ? '' : `PYENV_VERSION=${process.env.PYENV_VERSION} `;
const command = prefix + (process.env.npm_lifecycle_event === 'bench' ? `npm run bench${argv ? ` -- ${argv}` : ''}` : `node bench/dist/run.js${argv ? ` ${argv}` : ''}`);
const env = environmentLine();
const date = new Date();

/** What running one case gives: its result, and the files (charts) it writes with the results so far. */
interface CaseRun {
  result: CaseResult;
  files: Record<string, string>;
}

async function runHere(c: Case, prior: CaseResult[]): Promise<CaseRun> {
  const { reps, warmup } = repetitions(c);
  console.log(`${c.name}: ${c.description} (${reps} repetitions after ${warmup} warm-up)`);
  const result = await runCase(c, { reps, warmup, timeout });
  if (result.details !== undefined) console.log(result.details);
  console.log(`${markdownTable(result)}\n`);
  return { result, files: c.files?.(result, [...prior, result]) ?? {} };
}

// Each case runs in a Node process of its own, as each Python anchor does: what a case leaves
// behind (a heap grown by a hundred thousand tasks, compiled code, idle children) weighs on no
// later case, whichever runs first.
async function inProcessOfItsOwn(c: Case, prior: CaseResult[]): Promise<CaseRun> {
  const dir = mkdtempSync(join(tmpdir(), 'mpts-bench-'));
  try {
    const priorFile = join(dir, 'prior.json');
    const outFile = join(dir, 'out.json');
    writeFileSync(priorFile, JSON.stringify(prior));
    const passed = [
      ...(values.quick ? ['--quick'] : []),
      ...(['reps', 'warmup', 'timeout'] as const).flatMap((key) => (values[key] === undefined ? [] : [`--${key}`, values[key]])),
      ...(values.system ?? []).flatMap((prefix) => ['--system', prefix]),
    ];
    const args = [...process.execArgv, fileURLToPath(import.meta.url), ...passed, '--one-case', c.name, '--prior', priorFile, '--out', outFile];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, args, { stdio: 'inherit' });
      child.once('error', reject);
      child.once('exit', (exitCode) => resolve(exitCode));
    });
    if (code !== 0) throw new Error(`case ${c.name} exited with ${code}`);
    return JSON.parse(readFileSync(outFile, 'utf8')) as CaseRun;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values['one-case'] !== undefined) {
  const c = selected.find((each) => each.name === values['one-case']);
  if (c === undefined || values.out === undefined) throw new Error(`--one-case ${values['one-case']}: no such case, or no --out`);
  const prior = values.prior === undefined ? [] : (JSON.parse(readFileSync(values.prior, 'utf8')) as CaseResult[]);
  writeFileSync(values.out, JSON.stringify(await runHere(c, prior)));
  process.exit(0);
}

console.log(`${env}\n`);
const results: CaseResult[] = [];
const files: Record<string, string> = {};
for (const c of selected) {
  const run = selected.length === 1 ? await runHere(c, results) : await inProcessOfItsOwn(c, results);
  results.push(run.result);
  Object.assign(files, run.files);
}
const checks = checkLines(results);
if (checks.length > 0) console.log(`acceptance checks (informational):\n${checks.map((line) => `  ${line}`).join('\n')}\n`);

const resultsDir = new URL('results/', benchDir);
mkdirSync(resultsDir, { recursive: true });
const json = new URL(`${date.toISOString().replace(/[:.]/g, '-')}.json`, resultsDir);
writeFileSync(json, JSON.stringify({ command, date: date.toISOString(), env, results }, null, 2) + '\n');
console.log(`raw samples: ${fileURLToPath(json)}`);
if (!values.quick || values.markdown) {
  const md = new URL('RESULTS.md', benchDir);
  writeFileSync(md, markdownReport(results, command, env, date));
  console.log(`report: ${fileURLToPath(md)}`);
  for (const [path, content] of Object.entries(files)) {
    const file = new URL(path, benchDir);
    writeFileSync(file, content);
    console.log(`wrote: ${fileURLToPath(file)}`);
  }
}
// A pool that did not shut down may hold the event loop open: do not wait for it.
if (teardownFailed) process.exit(0);
