// The child's side of Process: rebuild the target (or the Process subclass), run it, report, exit.
// CPython: BaseProcess._bootstrap in Lib/multiprocessing/process.py, and spawn.py.

import { inspect } from 'node:util';
import { decodeHandles } from '../codec/handles.js';
import { encodeError } from '../codec/error-codec.js';
import { explainReferenceError, loadTarget } from '../codec/target-loader.js';
import type { AnyFunction } from '../codec/targets.js';
import { enterChild, runExitHooks } from './current.js';
import type { PoolStartMessage } from '../pool/messages.js';
import type { BaseProcess, StartMessage } from './process.js';

/** How a child talks to its parent, whatever the backend. */
export interface ParentChannel {
  readonly backend: 'process' | 'thread';
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Take the next message now, if one is waiting, instead of from the event loop (threads only: a port reads synchronously). */
  poll?(): { message: unknown } | undefined;
  /** Stop listening, so that only the child's own work keeps it alive. */
  unref(): void;
  exit(code: number): void;
}

/** Entry of every child: waits for its start message and runs it (a Process, or a pool worker). */
export function runChild(channel: ParentChannel): void {
  let started = false;
  let handler: ((message: unknown) => void) | undefined;
  const backlog: unknown[] = [];
  // Messages after the start message wait here until the mode's own loop listens.
  const port: ParentChannel = {
    ...channel,
    onMessage(listener) {
      handler = listener;
      for (const message of backlog.splice(0)) listener(message);
    },
  };
  channel.onMessage((message) => {
    if (started) {
      if (handler === undefined) backlog.push(message);
      else handler(message);
      return;
    }
    const start = message as { t?: string; mode?: string };
    if (start?.t !== 'start') return;
    started = true;
    if (start.mode === 'pool') {
      void import('../pool/worker.js').then(({ runPoolWorker }) => runPoolWorker(port, message as PoolStartMessage));
    } else {
      void runProcess(channel, message as StartMessage);
    }
  });
}

async function runProcess(channel: ParentChannel, start: StartMessage): Promise<void> {
  enterChild({ name: start.name, daemon: start.daemon, identity: start.identity, parent: start.parent, backend: channel.backend });
  channel.unref();
  let exitcode = 0;
  try {
    const target: AnyFunction | undefined = start.target === null ? undefined : await loadTarget(start.target);
    const payload = await decodeHandles(start.args, start.hasHandles);
    try {
      if (start.subclass === null) {
        if (target !== undefined) await (target as (...a: unknown[]) => unknown)(...(payload as unknown[]));
      } else {
        const { args, fields } = payload as { args: unknown[]; fields: Record<string, unknown> };
        const { BaseProcess } = await import('./process.js');
        const instance = await rebuildSubclass(start.subclass, fields);
        BaseProcess.adopt(instance, { name: start.name, daemon: start.daemon, target, args });
        await instance.run();
      }
    } catch (err) {
      throw start.target === null ? err : explainReferenceError(err, start.target);
    }
  } catch (err) {
    exitcode = 1;
    process.stderr.write(`Process ${start.name}:\n${inspect(err)}\n`);
    try {
      channel.send({ t: 'error', error: encodeError(err) });
    } catch {
      // the parent is gone; the exit code tells the rest
    }
  }
  await runExitHooks();
  channel.exit(exitcode);
}

// Python unpickles a Process without calling __init__: the same here, with the fields copied over.
async function rebuildSubclass(ref: { url: string; className: string }, fields: Record<string, unknown>): Promise<BaseProcess> {
  const ns = (await import(ref.url)) as Record<string, unknown>;
  const cls = [ns[ref.className], ...Object.values(ns)].find(
    (value): value is typeof BaseProcess => typeof value === 'function' && value.name === ref.className && typeof (value.prototype as { run?: unknown }).run === 'function',
  );
  if (cls === undefined) {
    throw new TypeError(`Module ${ref.url} does not export the Process subclass "${ref.className}": export it so that the child can find it`);
  }
  return Object.assign(Object.create(cls.prototype) as BaseProcess, fields);
}
