// AsyncResult: the handle of one submitted task (or one map). CPython: ApplyResult in Lib/multiprocessing/pool.py.

import { TimeoutError, ValueError } from '../errors.js';
import { withTimeout } from '../shm/deadline.js';

/** Whether a result is ready, and how it ended. */
export type ResultState = 'pending' | 'fulfilled' | 'rejected';

/** What knows, synchronously, how the promise of an AsyncResult ended (a pool's task). */
export interface ResultSource {
  readonly state: ResultState;
}

/**
 * The pending result of `applyAsync`, `mapAsync` or `starmapAsync`.
 * Python: multiprocessing.pool.AsyncResult
 */
export class AsyncResult<R> {
  readonly #promise: Promise<R>;
  // Asked of `source` when there is one (no reaction on the promise for each task), else followed.
  readonly #source: ResultSource;

  /** @internal */
  constructor(promise: Promise<R>, source?: ResultSource) {
    this.#promise = promise;
    if (source !== undefined) {
      this.#source = source;
      return;
    }
    const own: { state: ResultState } = { state: 'pending' };
    this.#source = own;
    promise.then(
      () => void (own.state = 'fulfilled'),
      () => void (own.state = 'rejected'),
    );
  }

  /**
   * The result, once ready; rejects with the task's own error, or with TimeoutError after `timeout` ms
   * (the task itself goes on).
   * Python: `AsyncResult.get(timeout)` (seconds there)
   */
  get(timeout?: number): Promise<R> {
    if (timeout === undefined || timeout === null) return this.#promise;
    return withTimeout(this.#promise, timeout, () => new TimeoutError(`The result was not ready within ${timeout} ms: wait longer, or check the task`, { code: 'ERR_MP_TIMEOUT' }));
  }

  /** Wait until the result is ready, or until `timeout` ms have passed; never rejects. Python: `AsyncResult.wait(timeout)` */
  async wait(timeout?: number): Promise<void> {
    const settled = this.#promise.then(
      () => undefined,
      () => undefined,
    );
    if (timeout === undefined || timeout === null) return settled;
    await withTimeout(settled, timeout, () => undefined).catch(() => undefined);
  }

  /** Whether the task has finished, successfully or not. Python: `AsyncResult.ready` */
  ready(): boolean {
    return this.#source.state !== 'pending';
  }

  /**
   * Whether the task finished without an error.
   * Python: `AsyncResult.successful`
   * @throws {ValueError} before the result is ready
   */
  successful(): boolean {
    if (this.#source.state === 'pending') throw new ValueError('The result is not ready: await wait() or get() first', { code: 'ERR_MP_NOT_READY' });
    return this.#source.state === 'fulfilled';
  }

  /** Lets `await result` work like `await result.get()`. No Python twin (Python has no await). */
  then<A = R, B = never>(onFulfilled?: ((value: R) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.#promise.then(onFulfilled, onRejected);
  }
}
