// The worker side of Pool: run the initializer, then run tasks in order and send results back in
// batches. CPython: worker() in Lib/multiprocessing/pool.py.

import { encodeError } from '../codec/error-codec.js';
import { decodeHandles } from '../codec/handles.js';
import { explainReferenceError, loadTarget } from '../codec/target-loader.js';
import type { AnyFunction, TargetSpec } from '../codec/targets.js';
import { registerChildMode, type ParentChannel } from '../backends/child.js';
import { enterChild } from '../process/current.js';
import { APPLY, MAP, type PoolToWorker, type PoolStartMessage, type ResultTuple, type TaskTuple } from './messages.js';

type Call = (...args: unknown[]) => unknown;

// Results are held back at most this long, so that a burst of tiny tasks costs one message.
const FLUSH_MS = 2;
// After its last result a thread worker looks for the next task this long before it sleeps:
// waking a sleeping thread costs more than a round trip (about 40 µs on a 2-core VM), and a
// pool's next task usually follows its last result at once.
const LINGER_MS = 0.1;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

async function runPoolWorker(channel: ParentChannel, start: PoolStartMessage): Promise<void> {
  enterChild({ name: start.name, daemon: true, identity: start.identity, parent: start.parent, backend: channel.backend });
  const targets = new Map<string, { fn: AnyFunction; spec: TargetSpec }>();
  const queue: TaskTuple[] = [];
  let head = 0;
  let draining = false;
  let exiting = false;
  let out: ResultTuple[] = [];
  let lastFlush = performance.now();

  const flush = (): void => {
    if (out.length === 0) return;
    const batch = out;
    out = [];
    lastFlush = performance.now();
    try {
      channel.send({ t: 'results', r: batch });
    } catch {
      // One result could not be cloned: send the others, and a PicklingError for that one.
      for (const result of batch) {
        try {
          channel.send({ t: 'results', r: [result] });
        } catch (err) {
          const message = `The result of task ${result[0]} cannot be sent back: ${(err as Error).message}. Return structured-clone data`;
          channel.send({ t: 'results', r: [[result[0], 0, encodeError(Object.assign(new Error(message), { name: 'PicklingError', code: 'ERR_MP_UNPICKLABLE_RESULT' })), result[3]]] });
        }
      }
    }
  };

  const resolveTarget = async (key: string, spec: TargetSpec | 0): Promise<{ fn: AnyFunction; spec: TargetSpec }> => {
    let entry = targets.get(key);
    if (entry === undefined) {
      if (spec === 0) throw new Error(`internal: the pool sent target ${key} without its source`);
      entry = { fn: await loadTarget(spec), spec };
      targets.set(key, entry);
    }
    return entry;
  };

  const drain = async (): Promise<void> => {
    draining = true;
    // Tasks may have come while this awaited (several messages read at once are handled in one
    // go, before it resumes): run them too before it stops draining.
    do {
      await runQueued();
      flush();
    } while (head < queue.length || (!exiting && linger()));
    draining = false;
    if (exiting) channel.exit(0);
  };

  // Wait briefly for the next message without sleeping; true if it brought tasks.
  const linger = (): boolean => {
    if (channel.poll === undefined) return false;
    const until = performance.now() + LINGER_MS;
    do {
      const next = channel.poll();
      if (next !== undefined) {
        receive(next.message);
        return head < queue.length;
      }
    } while (performance.now() < until);
    return false;
  };

  const runQueued = async (): Promise<void> => {
    while (head < queue.length) {
      const [id, kind, key, spec, rawArgs, hasHandles] = queue[head] as TaskTuple;
      queue[head++] = undefined as unknown as TaskTuple;
      const began = performance.now();
      let target: { fn: AnyFunction; spec: TargetSpec } | undefined;
      try {
        target = targets.get(key) ?? (await resolveTarget(key, spec));
        const args = hasHandles ? await decodeHandles(rawArgs, true) : rawArgs;
        const fn = target.fn as Call;
        let value: unknown;
        if (kind === APPLY) {
          value = fn(...(args as unknown[]));
          if (isThenable(value)) {
            flush();
            value = await value;
          }
        } else {
          const items = args as unknown[];
          // Filled by push, so that the array stays packed: V8's serializer writes a holey array
          // (new Array(n)) element by element as key/value pairs, several times slower.
          const results: unknown[] = [];
          for (let i = 0; i < items.length; i++) {
            let r = kind === MAP ? fn(items[i]) : fn(...(items[i] as unknown[]));
            if (isThenable(r)) {
              flush();
              r = await r;
            }
            results.push(r);
          }
          value = results;
        }
        out.push([id, 1, value, performance.now() - began]);
      } catch (err) {
        out.push([id, 0, encodeError(target === undefined ? err : explainReferenceError(err, target.spec)), performance.now() - began]);
      }
      if (performance.now() - lastFlush >= FLUSH_MS) flush();
    }
    queue.length = 0;
    head = 0;
  };

  // A task that calls process.exit() or throws at the top level ends this worker: results of the
  // tasks before it are sent first, so the pool can tell the task that was running from the ones
  // that had finished (a signal gives no such chance).
  process.on('exit', () => {
    try {
      flush();
    } catch {
      // the parent is gone
    }
  });

  if (start.initializer !== null) {
    try {
      const init = await loadTarget(start.initializer);
      const initargs = (await decodeHandles(start.initargs, start.hasHandles)) as unknown[];
      await (init as Call)(...initargs);
    } catch (err) {
      channel.send({ t: 'init-error', error: encodeError(explainReferenceError(err, start.initializer)) });
      channel.exit(1);
      return;
    }
  }

  function receive(message: unknown): void {
    const msg = message as PoolToWorker;
    if (msg.t === 'tasks') {
      for (const task of msg.b) queue.push(task);
      if (!draining) void drain();
    } else if (msg.t === 'exit') {
      exiting = true;
      if (!draining) channel.exit(0);
    }
  }
  channel.onMessage(receive);
}

registerChildMode<PoolStartMessage>('pool', runPoolWorker);
