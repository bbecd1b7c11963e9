// mpts map: run a shell command once per input line, N at a time, like `xargs -P N -I{}`.
// Each command's output is held until it ends and then printed whole, so that the outputs of
// parallel commands do not interleave (and do not tear the progress bar); with --keep-order, it is
// also held until every earlier line's has been printed (GNU parallel's -k).

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { cpuCount } from '../process/current.js';
import { intOption, parse, UsageError } from './args.js';
import { ProgressBar } from '../pool/progress-bar.js';

const USAGE = `Usage: mpts map [--jobs N] [--keep-order] [--progress | --no-progress] 'command {}' < inputs

Run the shell command (sh -c) once for each line of standard input, N at a time. {} in the
command stands for the line as it is, wherever it stands: a bare {} is one word, and inside
"..." or '...' the line is part of the quoted text, so 'echo "file: {}"' prints file: a b, as
xargs -I{} does. The shell never reads the line as code. Without {}, the line is appended as the
last argument; the command can also read it from $MPTS_LINE. Empty lines are skipped.

  -j, --jobs N      commands at once (default: the number of CPUs)
  -k, --keep-order  print the outputs in the order of the input lines (commands still run N at a time)
  --progress        draw a progress bar on stderr (default: when stderr is a terminal)
  --no-progress     never draw it

Exit code: 0 when every command succeeded, 123 when any failed (as xargs), 130 on SIGINT.`;

/** How sh reads the text where a `{}` of the command stands. */
type Quotes = 'none' | 'single' | 'double';

/** Quote `text` for sh: one single-quoted word. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Where each `{}` of `template` stands, as sh reads it: inside '...', inside "...", or anywhere
 * else (top level, or inside `$(...)` or backquotes, even within "...": a new command there). A
 * `{` escaped by a backslash does not start a placeholder.
 */
function placeholders(template: string): { index: number; quotes: Quotes }[] {
  const found: { index: number; quotes: Quotes }[] = [];
  const open: ('double' | 'paren' | 'backquote')[] = [];
  let single = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    const top = open.at(-1);
    if (template.startsWith('{}', i)) {
      found.push({ index: i, quotes: single ? 'single' : top === 'double' ? 'double' : 'none' });
      i++;
    } else if (single) {
      if (c === "'") single = false;
    } else if (c === '\\') {
      if (top !== 'double' || '$`"\\'.includes(template[i + 1] ?? '')) i++;
    } else if (c === '`') {
      if (top === 'backquote') open.pop();
      else open.push('backquote');
    } else if (template.startsWith('$(', i)) {
      open.push('paren');
      i++;
    } else if (top === 'double') {
      if (c === '"') open.pop();
    } else if (c === "'") single = true;
    else if (c === '"') open.push('double');
    else if (c === '(') open.push('paren');
    else if (c === ')' && top === 'paren') open.pop();
  }
  return found;
}

/** `template` with each `{}` replaced by `replace(quotes)`; without any, with `replace('none')` appended. */
function fill(template: string, replace: (quotes: Quotes) => string): string {
  const spots = placeholders(template);
  if (spots.length === 0) return `${template} ${replace('none')}`;
  let out = '';
  let from = 0;
  for (const { index, quotes } of spots) {
    out += template.slice(from, index) + replace(quotes);
    from = index + 2;
  }
  return out + template.slice(from);
}

// The line reaches the shell in this variable, and each {} becomes a reference to it that gives
// the line as it is in its place: the shell expands it but never reads the line as code, however
// the quotes around {} nest.
const LINE = 'MPTS_LINE';
const reference: Record<Quotes, string> = { none: `"$${LINE}"`, double: `\${${LINE}}`, single: `'"$${LINE}"'` };

/** The script `sh -c` runs for every line. */
function script(template: string): string {
  return fill(template, (quotes) => reference[quotes]);
}

/** The command for one line as a person would write it, for the summary of failures. */
function shown(template: string, input: string): string {
  return fill(template, (quotes) =>
    quotes === 'single' ? input.replaceAll("'", `'\\''`) : quotes === 'double' ? input.replace(/["$`\\]/g, '\\$&') : shellQuote(input),
  );
}

interface MapOptions {
  template: string;
  jobs: number;
  keepOrder: boolean;
  showProgress: boolean;
}

/** The options, or the exit code when there is nothing to run (--help, a usage error). */
function parseOptions(argv: string[]): MapOptions | number {
  try {
    const { values, positionals } = parse('map', argv, {
      jobs: { type: 'string', short: 'j' },
      'keep-order': { type: 'boolean', short: 'k' },
      progress: { type: 'boolean' },
      'no-progress': { type: 'boolean' },
    });
    if (values.help === true) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError(`mpts map: expected one command (quote it), got ${positionals.length} arguments`);
    return {
      template: positionals[0] as string,
      jobs: intOption('map', 'jobs', values.jobs, cpuCount()) as number,
      keepOrder: values['keep-order'] === true,
      showProgress: values['no-progress'] === true ? false : values.progress === true ? true : process.stderr.isTTY === true,
    };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n\n${USAGE}`);
    return 2;
  }
}

/** One failed command, for the summary. */
interface Failure {
  input: string;
  how: string;
  lastLine: string;
}

/** What a finished command printed, waiting for its turn under --keep-order. */
interface Output {
  out: Buffer[];
  err: Buffer[];
}

/** One run of `mpts map`: reads the input lines, runs their commands, prints their outputs. */
class MapRun {
  readonly #opts: MapOptions;
  readonly #script: string;
  readonly #progress: ProgressBar;
  readonly #failures: Failure[] = [];
  readonly #running = new Set<ChildProcess>();
  readonly #waiting: { seq: number; input: string }[] = [];
  readonly #finished = new Map<number, Output>();
  #nextToPrint = 0;
  #total = 0;
  #inputDone = false;
  #interrupted = false;
  #lines: Interface | undefined;
  #done!: () => void;
  readonly #allDone = new Promise<void>((resolve) => (this.#done = resolve));

  constructor(opts: MapOptions) {
    this.#opts = opts;
    this.#script = script(opts.template);
    this.#progress = new ProgressBar(process.stderr, opts.showProgress);
  }

  /** Run every line of stdin; resolves to the exit code. */
  async run(): Promise<number> {
    const onSigint = (): void => this.#interrupt();
    process.on('SIGINT', onSigint);
    const lines = (this.#lines = createInterface({ input: process.stdin, crlfDelay: Infinity }));
    lines.on('line', (line) => {
      if (line === '' || this.#interrupted) return;
      this.#waiting.push({ seq: this.#total++, input: line });
      this.#startNext();
    });
    lines.on('close', () => {
      this.#inputDone = true;
      this.#progress.update({ done: this.#progress.done, failed: this.#failures.length, total: this.#total });
      this.#checkDone();
    });
    await this.#allDone;
    process.off('SIGINT', onSigint);
    // After SIGINT, what finished is printed in order around the commands that never ran.
    for (const seq of [...this.#finished.keys()].sort((a, b) => a - b)) this.#print(this.#finished.get(seq) as Output);
    this.#progress.finish();
    return this.#summary();
  }

  #startNext(): void {
    while (!this.#interrupted && this.#running.size < this.#opts.jobs && this.#waiting.length > 0) {
      const { seq, input } = this.#waiting.shift() as { seq: number; input: string };
      const child = spawn('sh', ['-c', this.#script], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, [LINE]: input } });
      this.#running.add(child);
      const output: Output = { out: [], err: [] };
      child.stdout?.on('data', (chunk: Buffer) => output.out.push(chunk));
      child.stderr?.on('data', (chunk: Buffer) => output.err.push(chunk));
      child.on('error', (e) => output.err.push(Buffer.from(`${e.message}\n`)));
      child.on('close', (code, signal) => {
        this.#running.delete(child);
        this.#finish(seq, output);
        if (code !== 0) {
          const lines = Buffer.concat(output.err).toString('utf8').trimEnd().split('\n');
          this.#failures.push({ input, how: signal !== null ? `killed by ${signal}` : `exit ${code ?? '?'}`, lastLine: lines[lines.length - 1] ?? '' });
        }
        this.#progress.update({ done: this.#progress.done + 1, failed: this.#failures.length, total: this.#inputDone ? this.#total : undefined });
        this.#startNext();
        this.#checkDone();
      });
    }
  }

  // Prints a finished command's output now, or under --keep-order once all before it are printed.
  #finish(seq: number, output: Output): void {
    if (!this.#opts.keepOrder) return this.#print(output);
    this.#finished.set(seq, output);
    for (let next = this.#finished.get(this.#nextToPrint); next !== undefined; next = this.#finished.get(this.#nextToPrint)) {
      this.#finished.delete(this.#nextToPrint++);
      this.#print(next);
    }
  }

  #print({ out, err }: Output): void {
    for (const [stream, chunks] of [[process.stdout, out], [process.stderr, err]] as const) {
      if (chunks.length === 0) continue;
      this.#progress.clear();
      stream.write(Buffer.concat(chunks));
    }
  }

  #checkDone(): void {
    if (this.#running.size === 0 && (this.#interrupted || (this.#inputDone && this.#waiting.length === 0))) this.#done();
  }

  #interrupt(): void {
    this.#interrupted = true;
    for (const child of this.#running) child.kill('SIGTERM');
    this.#lines?.close();
    this.#checkDone();
  }

  #summary(): number {
    const failures = this.#failures;
    if (failures.length > 0) {
      console.error(`mpts map: ${failures.length} of ${this.#progress.done} commands failed:`);
      for (const f of failures.slice(0, 20)) console.error(`  ${f.how}: ${shown(this.#opts.template, f.input)}${f.lastLine === '' ? '' : `\n      ${f.lastLine}`}`);
      if (failures.length > 20) console.error(`  ... and ${failures.length - 20} more`);
    }
    if (this.#interrupted) {
      console.error(`mpts map: interrupted after ${this.#progress.done} of ${this.#total} commands`);
      return 130;
    }
    return failures.length > 0 ? 123 : 0;
  }
}

export async function mapCommand(argv: string[]): Promise<number> {
  const opts = parseOptions(argv);
  return typeof opts === 'number' ? opts : new MapRun(opts).run();
}
