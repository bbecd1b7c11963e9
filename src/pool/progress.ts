// Progress of pool tasks: reportProgress() in a worker, the onProgress callbacks that receive it in
// the parent, and the `progress: true` bar of map and imap.

import { booleanOption, functionOption } from '../arguments.js';
import { ProgressBar } from './progress-bar.js';

/** Called with each value a task reports, in the order it reported them, and the task's id (each chunk of a map is one task). No Python twin; like tqdm's update(). */
export type ProgressCallback = (value: unknown, taskId: number) => void;

/** The progress options of every way to submit to a Pool. No Python twin. */
export interface ProgressOptions {
  /** Receives what the task calls {@link reportProgress} with, in order. No Python twin; like piscina's task events. */
  onProgress?: ProgressCallback;
}

/** The progress options of `map`, `starmap`, `imap` and `imapUnordered`. No Python twin; like tqdm. */
export interface ProgressBarOptions extends ProgressOptions {
  /**
   * Draw a progress bar of the items done on stderr, as `mpts map` does, when stderr is a terminal
   * (nothing otherwise), sized to its width. No Python twin; like tqdm.
   */
  progress?: boolean;
}

type Sink = (value: unknown) => boolean;
// Kept on globalThis so that a task importing another copy of the package (src and dist, say)
// reaches the worker that runs it.
const kSink = Symbol.for('multiprocessing-ts.progress');
type GlobalWithSink = typeof globalThis & { [kSink]?: Sink };

/**
 * Send `value` (any structured-clone value) from a running pool task to its caller's `onProgress`.
 * Outside a pool task (in the main program, in a plain Process, or after the task has returned) it
 * does nothing and returns false, so that a function reports progress wherever it runs.
 * @returns whether the value was sent
 * @throws {DOMException} DataCloneError when `value` cannot be cloned
 *
 * No Python twin (Python's Pool has no progress channel); like piscina's/tqdm's progress updates.
 */
export function reportProgress(value: unknown): boolean {
  const sink = (globalThis as GlobalWithSink)[kSink];
  return sink === undefined ? false : sink(value);
}

/** @internal The worker installs where reportProgress sends. */
export function setProgressSink(sink: Sink | undefined): void {
  (globalThis as GlobalWithSink)[kSink] = sink;
}

/** @throws {TypeError} ERR_INVALID_ARG_TYPE when `onProgress` is given and not a function */
export function progressCallback(options: ProgressOptions | undefined): ProgressCallback | undefined {
  return functionOption(options?.onProgress, 'onProgress');
}

/**
 * The bar a map or imap draws with `progress: true`: undefined when not asked for, or when stderr is no terminal.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when `progress` is given and not a boolean
 */
export function itemsBar(options: ProgressBarOptions | undefined, total: number | undefined): ItemsBar | undefined {
  if (!booleanOption(options?.progress, 'progress') || process.stderr.isTTY !== true) return undefined;
  return new ItemsBar(new ProgressBar(process.stderr, true), total);
}

/** The items of one map or imap call on a bar. */
export class ItemsBar {
  readonly #bar: ProgressBar;
  readonly #total: number | undefined;
  #done = 0;
  #failed = 0;

  constructor(bar: ProgressBar, total: number | undefined) {
    this.#bar = bar;
    this.#total = total;
    this.#show();
  }

  /** `chunk`, counting its `items` as done or failed when it settles. */
  count<T>(chunk: Promise<T>, items: number): Promise<T> {
    chunk.then(
      () => this.#add(items, 0),
      () => this.#add(0, items),
    );
    return chunk;
  }

  /** `call`, ending the bar's line when it settles. */
  follow<T>(call: Promise<T>): Promise<T> {
    return call.finally(() => this.#bar.finish());
  }

  /** Yield what `results` yields, counting each item. */
  async *items<T>(results: AsyncIterable<T>): AsyncGenerator<T> {
    try {
      for await (const item of results) {
        this.#add(1, 0);
        yield item;
      }
    } finally {
      this.#bar.finish();
    }
  }

  #add(done: number, failed: number): void {
    this.#done += done;
    this.#failed += failed;
    this.#show();
  }

  #show(): void {
    this.#bar.update({ done: this.#done, failed: this.#failed, total: this.#total });
  }
}
