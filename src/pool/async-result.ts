// AsyncResult: the handle of one submitted task (or one map). CPython: ApplyResult in Lib/multiprocessing/pool.py.

import { TimeoutError, ValueError } from '../errors.js';
import { withTimeout } from '../shm/deadline.js';

/** Whether a result is ready, and how it ended. */
export type ResultState = 'pending' | 'fulfilled' | 'rejected';

/**
 * The pending result of `applyAsync`, `mapAsync` or `starmapAsync`. (A local pool's task is its
 * own AsyncResult, as in Python, where the pool's cache holds the ApplyResult.)
 * Python: multiprocessing.pool.AsyncResult
 */
export abstract class AsyncResult<R> {
  /** @internal */
  protected readonly promise: Promise<R>;

  /** @internal */
  constructor(promise: Promise<R>) {
    if (new.target === AsyncResult) throw new TypeError('An AsyncResult is not made directly: applyAsync, mapAsync and starmapAsync return one');
    this.promise = promise;
  }

  /** @internal How the promise ended, known without waiting. */
  protected abstract get state(): ResultState;

  /**
   * The result, once ready; rejects with the task's own error, or with TimeoutError after `timeout` ms
   * (the task itself goes on).
   * Python: `AsyncResult.get(timeout)` (seconds there)
   */
  get(timeout?: number): Promise<R> {
    if (timeout === undefined || timeout === null) return this.promise;
    return withTimeout(this.promise, timeout, () => new TimeoutError(`The result was not ready within ${timeout} ms: wait longer, or check the task`, { code: 'ERR_MP_TIMEOUT' }));
  }

  /** Wait until the result is ready, or until `timeout` ms have passed; never rejects. Python: `AsyncResult.wait(timeout)` */
  async wait(timeout?: number): Promise<void> {
    const settled = this.promise.then(
      () => undefined,
      () => undefined,
    );
    if (timeout === undefined || timeout === null) return settled;
    await withTimeout(settled, timeout, () => undefined).catch(() => undefined);
  }

  /** Whether the task has finished, successfully or not. Python: `AsyncResult.ready` */
  ready(): boolean {
    return this.state !== 'pending';
  }

  /**
   * Whether the task finished without an error.
   * Python: `AsyncResult.successful`
   * @throws {ValueError} before the result is ready
   */
  successful(): boolean {
    const state = this.state;
    if (state === 'pending') throw new ValueError('The result is not ready: await wait() or get() first', { code: 'ERR_MP_NOT_READY' });
    return state === 'fulfilled';
  }

  /** Lets `await result` work like `await result.get()`. No Python twin (Python has no await). */
  then<A = R, B = never>(onFulfilled?: ((value: R) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.promise.then(onFulfilled, onRejected);
  }
}

/** @internal The AsyncResult of a promise, which follows it to know how it ended. */
export class PromiseResult<R> extends AsyncResult<R> {
  #state: ResultState = 'pending';

  constructor(promise: Promise<R>) {
    super(promise);
    promise.then(
      () => void (this.#state = 'fulfilled'),
      () => void (this.#state = 'rejected'),
    );
  }

  protected get state(): ResultState {
    return this.#state;
  }
}
