// The progress bar of `mpts map`: one line on a terminal, redrawn at most ten times a second.

/** What the bar shows. */
export interface ProgressState {
  done: number;
  failed: number;
  /** Unknown while input is still arriving. */
  total: number | undefined;
}

const WIDTH = 30;
const REDRAW_MS = 100;

/** A one-line progress bar on a stream (stderr); does nothing when disabled. */
export class Progress {
  readonly #stream: NodeJS.WritableStream;
  readonly #enabled: boolean;
  readonly #started = performance.now();
  #state: ProgressState = { done: 0, failed: 0, total: undefined };
  #drawnAt = 0;
  #shown = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(stream: NodeJS.WritableStream, enabled: boolean) {
    this.#stream = stream;
    this.#enabled = enabled;
  }

  /** Commands finished so far. */
  get done(): number {
    return this.#state.done;
  }

  update(state: ProgressState): void {
    this.#state = state;
    if (!this.#enabled) return;
    const wait = this.#drawnAt + REDRAW_MS - performance.now();
    if (wait <= 0) this.#draw();
    else this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#draw();
    }, wait);
  }

  /** Erase the bar, so that output can be printed; it comes back at the next update. */
  clear(): void {
    if (this.#shown) this.#stream.write('\r\x1b[K');
    this.#shown = false;
  }

  /** Draw the final state and end the line. */
  finish(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#enabled) return;
    this.#draw();
    this.#stream.write('\n');
    this.#shown = false;
  }

  /** The bar's text for a state (exported for tests through the class). */
  static render(state: ProgressState, elapsedMs: number): string {
    const { done, failed, total } = state;
    const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
    const parts: string[] = [];
    if (total !== undefined && total > 0) {
      const fraction = Math.min(1, done / total);
      const filled = Math.round(fraction * WIDTH);
      parts.push(`[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total} ${Math.floor(fraction * 100)}%`);
      if (done < total && rate > 0) parts.push(`eta ${formatSeconds((total - done) / rate)}`);
    } else {
      parts.push(`${done} done`);
    }
    if (failed > 0) parts.push(`${failed} failed`);
    parts.push(`${rate.toFixed(1)}/s`);
    return parts.join('  ');
  }

  #draw(): void {
    this.#drawnAt = performance.now();
    this.#stream.write(`\r\x1b[K${Progress.render(this.#state, this.#drawnAt - this.#started)}`);
    this.#shown = true;
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.ceil(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
