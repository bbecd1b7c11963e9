// Runs every benchmark case, prints a table per case, writes bench/RESULTS.md and raw JSON to
// bench/results/. Usage: npm run bench [-- --quick] [--markdown] [--reps=N] [--warmup=N] [--case=NAME]
//   --quick     5 repetitions (a smoke run); does not write RESULTS.md unless --markdown is given

import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { environmentLine, markdownReport, markdownTable, runCase, type Case, type CaseResult } from './harness.js';
import { processStart } from './process-start.js';

/** Every case, in order. Add new ones here. */
const cases: Case[] = [processStart];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false },
    reps: { type: 'string' },
    warmup: { type: 'string' },
    case: { type: 'string', multiple: true },
  },
});

const benchDir = new URL(import.meta.url.includes('/bench/dist/') ? '../' : './', import.meta.url);
const reps = Number(values.reps ?? (values.quick ? 5 : 40));
const warmup = Number(values.warmup ?? (values.quick ? 2 : 5));
if (!(reps >= 1) || !(warmup >= 0)) throw new Error('--reps must be ≥ 1 and --warmup ≥ 0');
const selected = values.case === undefined ? cases : cases.filter((c) => values.case!.includes(c.name));
if (selected.length === 0) throw new Error(`No such case; known: ${cases.map((c) => c.name).join(', ')}`);

const argv = process.argv.slice(2).join(' ');
const prefix = process.env.PYENV_VERSION === undefined ? '' : `PYENV_VERSION=${process.env.PYENV_VERSION} `;
const command = prefix + (process.env.npm_lifecycle_event === 'bench' ? `npm run bench${argv ? ` -- ${argv}` : ''}` : `node bench/dist/run.js${argv ? ` ${argv}` : ''}`);
const env = environmentLine();
const date = new Date();
console.log(`${env}\n`);

const results: CaseResult[] = [];
for (const c of selected) {
  console.log(`${c.name}: ${c.description} (${reps} repetitions after ${warmup} warm-up)`);
  const result = await runCase(c, { reps, warmup, timeout: 60_000 });
  results.push(result);
  console.log(`${markdownTable(result)}\n`);
}

const resultsDir = new URL('results/', benchDir);
mkdirSync(resultsDir, { recursive: true });
const json = new URL(`${date.toISOString().replace(/[:.]/g, '-')}.json`, resultsDir);
writeFileSync(json, JSON.stringify({ command, date: date.toISOString(), env, results }, null, 2) + '\n');
console.log(`raw samples: ${fileURLToPath(json)}`);
if (!values.quick || values.markdown) {
  const md = new URL('RESULTS.md', benchDir);
  writeFileSync(md, markdownReport(results, command, env, date));
  console.log(`report: ${fileURLToPath(md)}`);
}
