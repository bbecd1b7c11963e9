// Every wait of the library written once. A wait is a plan: a generator that checks shared memory
// and, when it must sleep, yields what it sleeps on (a word, the value it expects there, until
// when), then goes on with what the sleep returned. Two drivers run any plan: one blocks this
// thread (for worker code), one awaits (the event loop goes on). Plans compose with `yield*`
// (a queue's get takes its lock, then waits for data, then for each piece), so a deadline
// bounds the whole call and the sync and async forms of a call cannot drift apart.

import { msLeft, type Deadline } from './deadline.js';
import { WAIT_OK, waitAsync, waitSync, type WaitResult } from './waiter.js';

/** One sleep: while `view[index] === expected`, until `deadline`, or at most `slice` ms at a time. */
export interface Sleep {
  readonly view: Int32Array;
  readonly index: number;
  readonly expected: number;
  readonly deadline: Deadline;
  readonly slice: number;
}

/** A wait: yields the sleeps it needs, is resumed with what each returned, and returns `R`. */
export type WaitPlan<R> = Generator<Sleep, R, WaitResult>;

/** The sleep a plan yields. `slice` bounds one sleep (to look at something between sleeps); the deadline bounds them all. */
export function sleepOn(view: Int32Array, index: number, expected: number, deadline: Deadline, slice = Infinity): Sleep {
  return { view, index, expected, deadline, slice };
}

/** Run `plan`, blocking this thread while it sleeps. */
export function runSync<R>(plan: WaitPlan<R>): R {
  let step = plan.next(WAIT_OK);
  while (!step.done) {
    const s = step.value;
    let result: WaitResult;
    try {
      result = waitSync(s.view, s.index, s.expected, msLeft(s.deadline, s.slice));
    } catch (err) {
      step = plan.throw(err);
      continue;
    }
    step = plan.next(result);
  }
  return step.value;
}

/** Run `plan` without blocking: its sleeps are awaited, so the event loop goes on meanwhile. */
export async function runAsync<R>(plan: WaitPlan<R>): Promise<R> {
  let step = plan.next(WAIT_OK);
  while (!step.done) {
    const s = step.value;
    step = await new Promise<WaitResult>((resolve) => resolve(waitAsync(s.view, s.index, s.expected, msLeft(s.deadline, s.slice)))).then(
      (result) => plan.next(result),
      (err: unknown) => plan.throw(err),
    );
  }
  return step.value;
}
