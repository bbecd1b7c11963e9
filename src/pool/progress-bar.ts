// The progress bar of `mpts map` and of a pool's map/imap with `progress: true`: one line on a
// terminal, as wide as the terminal and never wider (a wrapped line could not be redrawn in
// place), redrawn at most ten times a second.

/** What the bar shows. */
export interface ProgressState {
  done: number;
  failed: number;
  /** Unknown while input is still arriving. */
  total: number | undefined;
}

const REDRAW_MS = 100;
// Columns assumed when the stream does not say (not a terminal).
const DEFAULT_COLUMNS = 80;
// A bar narrower than this says too little to be worth its room.
const MIN_BAR = 5;

/** A one-line progress bar on a stream (stderr); does nothing when disabled. No Python twin; like tqdm. */
export class ProgressBar {
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

  /**
   * The bar's text for a state on a terminal `columns` wide: at most `columns - 1` characters (a
   * line that reaches the last column wraps on some terminals), the bar taking the room the
   * figures leave, dropped when that is too little, and the figures cut when even they do not fit.
   */
  static render(state: ProgressState, elapsedMs: number, columns = DEFAULT_COLUMNS): string {
    const { done, failed, total } = state;
    const room = Math.max(0, Math.floor(columns) - 1);
    const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
    const figures: string[] = [];
    let fraction: number | undefined;
    if (total !== undefined && total > 0) {
      fraction = Math.min(1, done / total);
      figures.push(`${done}/${total} ${Math.floor(fraction * 100)}%`);
      if (done < total && rate > 0) figures.push(`eta ${formatSeconds((total - done) / rate)}`);
    } else {
      figures.push(`${done} done`);
    }
    if (failed > 0) figures.push(`${failed} failed`);
    figures.push(`${rate.toFixed(1)}/s`);
    const text = figures.join('  ');
    // "[" + bar + "] " before the figures.
    const width = room - text.length - 3;
    if (fraction === undefined || width < MIN_BAR) return text.slice(0, room);
    const filled = Math.round(fraction * width);
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`;
  }

  #draw(): void {
    this.#drawnAt = performance.now();
    const columns = (this.#stream as { columns?: number }).columns ?? DEFAULT_COLUMNS;
    this.#stream.write(`\r\x1b[K${ProgressBar.render(this.#state, this.#drawnAt - this.#started, columns)}`);
    this.#shown = true;
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.ceil(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
