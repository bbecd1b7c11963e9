// Children's stdout and stderr: inherited (the default, as Python's children write to the parent's
// own), or piped to the parent as one readable stream per Process or per Pool, optionally with a
// prefix on each line. Several children writing to one stream meet only at whole lines: a line is
// written when it is complete, in one write, so that prefixing never splits nor interleaves one.

import { PassThrough, type Readable, type Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { argTypeError } from '../arguments.js';
import { ValueError } from '../errors.js';

/** Where a child's stdout or stderr goes: the parent's own (`'inherit'`), or a stream to read (`'pipe'`). No Python twin; like subprocess's PIPE. */
export type OutputMode = 'inherit' | 'pipe';

/**
 * A prefix for each line a child writes: `true` for `[<child name>] `, a string, or a function of
 * the child's name and the stream (`'stdout'` or `'stderr'`). No Python twin; like docker compose's log prefixes.
 */
export type OutputPrefix = boolean | string | ((name: string, stream: 'stdout' | 'stderr') => string);

/**
 * The output options of {@link Process} and {@link Pool}. No Python twin (Python's children always
 * inherit); like subprocess.Popen's stdout=PIPE, and like piscina's/Worker's stdout option.
 */
export interface OutputOptions {
  /** `'inherit'` (default): the child writes to this process's stdout. `'pipe'`: read it from the `stdout` property. */
  stdout?: OutputMode;
  /** As `stdout`, for stderr. */
  stderr?: OutputMode;
  /** Prefix each line the children write (on whichever stream it goes to). Default: none. */
  prefix?: OutputPrefix;
}

/** The stream names of a child's output. */
export type OutputName = 'stdout' | 'stderr';

/** @throws {TypeError} ERR_INVALID_ARG_TYPE @throws {ValueError} ERR_MP_BAD_VALUE for a mode other than 'inherit' or 'pipe' */
export function checkOutputOptions(options: OutputOptions): void {
  for (const name of ['stdout', 'stderr'] as const) {
    const mode: unknown = options[name];
    if (mode === undefined || mode === 'inherit' || mode === 'pipe') continue;
    if (typeof mode !== 'string') throw argTypeError(`Expected "${name}" to be 'inherit' or 'pipe', got ${typeof mode}`);
    throw new ValueError(`"${name}" must be 'inherit' or 'pipe', got '${mode}'`, { code: 'ERR_MP_BAD_VALUE' });
  }
  const prefix: unknown = options.prefix;
  if (prefix !== undefined && typeof prefix !== 'boolean' && typeof prefix !== 'string' && typeof prefix !== 'function') {
    throw argTypeError(`Expected "prefix" to be a boolean, a string or a function, got ${typeof prefix}`);
  }
}

/**
 * One output stream (stdout or stderr) of a set of children: where their output goes, prefixed and
 * whole lines at a time when `lines` or a prefix asks for it.
 */
export class ChildOutput {
  /** The stream to read, for `'pipe'`; null for `'inherit'`. */
  readonly readable: PassThrough | null;
  readonly #target: Writable;
  readonly #prefix: ((child: string) => string) | undefined;
  readonly #lines: boolean;
  #open = 0;
  #closing = false;

  /** `lines`: gather whole lines even without a prefix (several children share the stream). */
  constructor(name: OutputName, options: OutputOptions, lines: boolean) {
    this.readable = options[name] === 'pipe' ? new PassThrough() : null;
    this.#target = this.readable ?? (name === 'stdout' ? process.stdout : process.stderr);
    this.#prefix = prefixOf(options.prefix, name);
    this.#lines = lines || this.#prefix !== undefined;
  }

  /** Whether children must be started with this stream piped to the parent. */
  get piped(): boolean {
    return this.readable !== null || this.#prefix !== undefined;
  }

  /** Take a child's stream (null when it was not piped). */
  add(source: Readable | null, child: string): void {
    if (source === null) return;
    this.#open++;
    if (this.#lines) this.#readLines(source, this.#prefix?.(child) ?? '');
    else source.pipe(this.#target, { end: false });
    // After the last line has been written.
    source.once('end', () => {
      this.#open--;
      this.#maybeEnd();
    });
  }

  #readLines(source: Readable, prefix: string): void {
    const decoder = new StringDecoder('utf8');
    let partial = '';
    source.on('data', (chunk: Buffer | string) => {
      const text = partial + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
      const end = text.lastIndexOf('\n');
      if (end < 0) {
        partial = text;
        return;
      }
      partial = text.slice(end + 1);
      this.#target.write(withPrefix(text.slice(0, end + 1), prefix));
    });
    source.once('end', () => {
      const rest = partial + decoder.end();
      // The child's last line, cut short: it ends here, so that the next writer starts a line.
      if (rest.length > 0) this.#target.write(withPrefix(`${rest}\n`, prefix));
    });
  }

  /** No child will be added: the readable ends once the children's streams have. */
  end(): void {
    this.#closing = true;
    this.#maybeEnd();
  }

  #maybeEnd(): void {
    if (this.#closing && this.#open === 0) this.readable?.end();
  }
}

function prefixOf(prefix: OutputPrefix | undefined, stream: OutputName): ((child: string) => string) | undefined {
  if (prefix === undefined || prefix === false) return undefined;
  if (prefix === true) return (child) => `[${child}] `;
  if (typeof prefix === 'string') return () => prefix;
  return (child) => String(prefix(child, stream));
}

// `text` is whole lines, each ending in '\n'.
function withPrefix(text: string, prefix: string): string {
  if (prefix === '') return text;
  let out = '';
  let start = 0;
  for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
    out += `${prefix}${text.slice(start, end + 1)}`;
    start = end + 1;
  }
  return out;
}

/** Both output streams of a Process or a Pool. */
export class ChildOutputs {
  readonly stdout: ChildOutput;
  readonly stderr: ChildOutput;

  constructor(options: OutputOptions, lines: boolean) {
    checkOutputOptions(options);
    this.stdout = new ChildOutput('stdout', options, lines);
    this.stderr = new ChildOutput('stderr', options, lines);
  }

  /** How to start a child: which of its streams to pipe. */
  get launch(): { stdout: OutputMode; stderr: OutputMode } {
    return { stdout: this.stdout.piped ? 'pipe' : 'inherit', stderr: this.stderr.piped ? 'pipe' : 'inherit' };
  }

  add(child: { stdout: Readable | null; stderr: Readable | null }, name: string): void {
    this.stdout.add(child.stdout, name);
    this.stderr.add(child.stderr, name);
  }

  end(): void {
    this.stdout.end();
    this.stderr.end();
  }
}
