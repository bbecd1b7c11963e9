// The child's side of Process: rebuild the target (or the Process subclass), run it, report, exit.
// The 'process' mode of a child (backends/child.ts), loaded in the child only.
// CPython: BaseProcess._bootstrap in Lib/multiprocessing/process.py, and spawn.py.

import { inspect } from 'node:util';
import { registerChildMode, type ParentChannel } from '../backends/child.js';
import { decodeHandles } from '../codec/handles.js';
import { encodeError } from '../codec/error-codec.js';
import { explainReferenceError, importForTarget, loadTarget } from '../codec/target-loader.js';
import type { AnyFunction } from '../codec/targets.js';
import { getLogger, INFO } from '../logger.js';
import { enterChild, runExitHooks } from './current.js';
import type { BaseProcess, ProcessStartMessage } from './process.js';

async function runProcess(channel: ParentChannel, start: ProcessStartMessage): Promise<void> {
  enterChild({ name: start.name, daemon: start.daemon, identity: start.identity, parent: start.parent, backend: channel.backend });
  channel.unref();
  const logger = getLogger();
  let exitcode = 0;
  try {
    if (logger.isEnabledFor(INFO)) logger.info('child process calling run()');
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
  if (logger.isEnabledFor(INFO)) logger.info(`process exiting with exitcode ${exitcode}`);
  channel.exit(exitcode);
}

// Python unpickles a Process without calling __init__: the same here, with the fields copied over.
async function rebuildSubclass(ref: { url: string; className: string }, fields: Record<string, unknown>): Promise<BaseProcess> {
  const ns = await importForTarget(ref.url);
  const cls = [ns[ref.className], ...Object.values(ns)].find(
    (value): value is typeof BaseProcess => typeof value === 'function' && value.name === ref.className && typeof (value.prototype as { run?: unknown }).run === 'function',
  );
  if (cls === undefined) {
    throw new TypeError(`Module ${ref.url} does not export the Process subclass "${ref.className}": export it so that the child can find it`);
  }
  return Object.assign(Object.create(cls.prototype) as BaseProcess, fields);
}

registerChildMode<ProcessStartMessage>('process', runProcess);
