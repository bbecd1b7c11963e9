// mpts map: run a shell command once per input line, N at a time, like `xargs -P N -I{}`.
// Each command's output is held until it ends and then printed whole, so that the outputs of
// parallel commands do not interleave (and do not tear the progress bar).

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpuCount } from '../process/current.js';
import { intOption, parse, UsageError } from './args.js';
import { Progress } from './progress.js';

const USAGE = `Usage: mpts map [--jobs N] [--progress | --no-progress] 'command {}' < inputs

Run the shell command (sh -c) once for each line of standard input, N at a time. {} in the
command is replaced by the line, shell-quoted; without {}, the line is appended as the last
argument. Empty lines are skipped.

  -j, --jobs N      commands at once (default: the number of CPUs)
  --progress        draw a progress bar on stderr (default: when stderr is a terminal)
  --no-progress     never draw it

Exit code: 0 when every command succeeded, 123 when any failed (as xargs), 130 on SIGINT.`;

/** One failed command, for the summary. */
interface Failure {
  input: string;
  how: string;
  lastLine: string;
}

/** Quote `text` for sh: one single-quoted word. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The command line for one input. */
export function substitute(template: string, input: string): string {
  const quoted = shellQuote(input);
  return template.includes('{}') ? template.replaceAll('{}', quoted) : `${template} ${quoted}`;
}

export async function mapCommand(argv: string[]): Promise<number> {
  let jobs: number;
  let template: string;
  let showProgress: boolean;
  try {
    const { values, positionals } = parse('map', argv, {
      jobs: { type: 'string', short: 'j' },
      progress: { type: 'boolean' },
      'no-progress': { type: 'boolean' },
    });
    if (values.help === true) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError(`mpts map: expected one command (quote it), got ${positionals.length} arguments`);
    template = positionals[0] as string;
    jobs = intOption('map', 'jobs', values.jobs, cpuCount()) as number;
    showProgress = values['no-progress'] === true ? false : values.progress === true ? true : process.stderr.isTTY === true;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n\n${USAGE}`);
    return 2;
  }

  const progress = new Progress(process.stderr, showProgress);
  const failures: Failure[] = [];
  const running = new Set<ReturnType<typeof spawn>>();
  const waiting: string[] = [];
  let interrupted = false;
  let inputDone = false;
  let total = 0;
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));

  const print = (stream: NodeJS.WriteStream, chunks: Buffer[]): void => {
    if (chunks.length === 0) return;
    progress.clear();
    stream.write(Buffer.concat(chunks));
  };

  const startNext = (): void => {
    while (!interrupted && running.size < jobs && waiting.length > 0) {
      const input = waiting.shift() as string;
      const child = spawn('sh', ['-c', substitute(template, input)], { stdio: ['ignore', 'pipe', 'pipe'] });
      running.add(child);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
      child.on('error', (e) => err.push(Buffer.from(`${e.message}\n`)));
      child.on('close', (code, signal) => {
        running.delete(child);
        print(process.stdout, out);
        print(process.stderr, err);
        if (code !== 0) {
          const lines = Buffer.concat(err).toString('utf8').trimEnd().split('\n');
          failures.push({ input, how: signal !== null ? `killed by ${signal}` : `exit ${code ?? '?'}`, lastLine: lines[lines.length - 1] ?? '' });
        }
        progress.update({ done: progress.done + 1, failed: failures.length, total: inputDone ? total : undefined });
        startNext();
        checkDone();
      });
    }
  };

  const checkDone = (): void => {
    if (running.size === 0 && (interrupted || (inputDone && waiting.length === 0))) finished();
  };

  const onSigint = (): void => {
    interrupted = true;
    for (const child of running) child.kill('SIGTERM');
    lines.close();
    checkDone();
  };
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  process.on('SIGINT', onSigint);
  lines.on('line', (line) => {
    if (line === '' || interrupted) return;
    total++;
    waiting.push(line);
    startNext();
  });
  lines.on('close', () => {
    inputDone = true;
    progress.update({ done: progress.done, failed: failures.length, total });
    checkDone();
  });

  await allDone;
  process.off('SIGINT', onSigint);
  progress.finish();
  if (failures.length > 0) {
    console.error(`mpts map: ${failures.length} of ${progress.done} commands failed:`);
    for (const f of failures.slice(0, 20)) console.error(`  ${f.how}: ${substitute(template, f.input)}${f.lastLine === '' ? '' : `\n      ${f.lastLine}`}`);
    if (failures.length > 20) console.error(`  ... and ${failures.length - 20} more`);
  }
  if (interrupted) {
    console.error(`mpts map: interrupted after ${progress.done} of ${total} commands`);
    return 130;
  }
  return failures.length > 0 ? 123 : 0;
}
