// Process: run a target in a child process or worker thread and watch it.
// CPython: Lib/multiprocessing/process.py (BaseProcess).

import type { Readable } from 'node:stream';
import type { StartMessage } from '../backends/child.js';
import { ChildOutputs, type OutputOptions } from '../backends/output.js';
import type { ChildHandle } from '../backends/index.js';
import { getBackend } from '../backends/index.js';
import { encodeHandles } from '../codec/handles.js';
import { loadTarget } from '../codec/target-loader.js';
import { describeTarget, type AnyFunction, type Target, type TargetArgs, type TargetSpec } from '../codec/targets.js';
import { PicklingError, ValueError } from '../errors.js';
import { DEBUG, getLogger, logSettings } from '../logger.js';
import { childEntryUrl, type BackendKind } from '../runtime.js';
import { currentProcess, isChild, nextIdentity, onChildExit, refuseStartWhileImporting } from './current.js';

const logger = getLogger();

/**
 * Options of a {@link BaseProcess}; `args` must match the target's parameters.
 * Python: `Process(group=None, target=None, name=None, args=(), kwargs={}, *, daemon=None)` (no `kwargs`: pass an object).
 * @typeParam T - the target's type, which `args` must fit.
 */
export type ProcessOptions<T extends Target = () => unknown> = {
  /** The function to run in the child: a self-contained function or a module export reference. */
  target?: T;
  /** Name shown by `currentProcess().name` in the child; 'Process-N' by default. */
  name?: string;
  /** A daemonic child is terminated when the parent exits, and may not start children. */
  daemon?: boolean;
} & OutputOptions & (TargetArgs<T> extends []
  ? {
      /** The target takes no arguments: none, or `[]`. Python: `args=()` */
      args?: [];
    }
  : {
      /** The target's arguments, checked against its parameters. Python: `args` */
      args: TargetArgs<T>;
    });

type Status = 'initial' | 'started' | 'stopped' | 'closed';

/** The message that starts a child as a Process (see process/bootstrap.ts). */
export interface ProcessStartMessage extends StartMessage {
  mode: 'process';
  name: string;
  daemon: boolean;
  identity: number[];
  parent: { name: string; pid: number };
  target: TargetSpec | null;
  args: unknown;
  hasHandles: boolean;
  subclass: { url: string; className: string } | null;
}

interface ProcessState {
  status: Status;
  name: string;
  daemon: boolean;
  identity: number[];
  target: Target | AnyFunction | undefined;
  args: unknown[];
  child: ChildHandle | undefined;
  /** Where its stdout and stderr go, when not simply inherited. */
  output?: ChildOutputs | undefined;
  exitcode: number | null;
  exited: Promise<void>;
  markExited: () => void;
}

const kState = Symbol('multiprocessing-ts.process-state');
const children = new Set<BaseProcess>();

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Python's _exit_function: daemonic children are terminated when their parent exits.
  process.on('exit', () => {
    for (const p of children) if (p.daemon && p.exitcode === null) p.terminate();
  });
}

/**
 * A child process (or worker thread) that runs `target(...args)`, or a subclass's `run()`.
 *
 * A subclass that overrides `run()` must be exported from its module and say which module that
 * is with `static module = import.meta.url`; the child imports it to find the class, and copies
 * the instance's own fields across (as Python pickles the Process object).
 *
 * @example
 * const p = new Process({ target: (name: string) => console.log(`hello ${name}`), args: ['bob'] });
 * p.start();
 * await p.join();
 *
 * Python: multiprocessing.Process
 * @typeParam T - the target's type: `args` must fit its parameters.
 */
export class BaseProcess<T extends Target = () => unknown> {
  /** The backend this class starts its children on. Python: the context's start method (`Process._start_method`) */
  static readonly backendKind: BackendKind = 'process';
  /** For subclasses that override `run()`: the URL of the module that exports the subclass. No Python twin (pickle finds the class by its `__module__`). */
  static module: string | undefined = undefined;

  declare private [kState]: ProcessState;

  /**
   * A process that has not started yet. Python: `Process(target=, args=, name=, daemon=)`
   * @typeParam T - the target's type, which `args` must fit.
   */
  constructor(opts?: ProcessOptions<T>) {
    const options = (opts ?? {}) as { target?: Target; args?: unknown[]; name?: string; daemon?: boolean } & OutputOptions;
    if (options.args !== undefined && !Array.isArray(options.args)) {
      throw new TypeError(`Expected "args" to be an array, got ${typeof options.args}`);
    }
    if (options.name !== undefined && typeof options.name !== 'string') {
      throw new TypeError(`Expected "name" to be a string, got ${typeof options.name}`);
    }
    const output = options.stdout === undefined && options.stderr === undefined && options.prefix === undefined ? undefined : new ChildOutputs(options, false);
    const identity = nextIdentity();
    let markExited!: () => void;
    const exited = new Promise<void>((resolve) => (markExited = resolve));
    Object.defineProperty(this, kState, {
      enumerable: false,
      writable: true,
      value: {
        status: 'initial',
        // Python: type(self).__name__ + '-' + ':'.join(identity)
        name: options.name ?? `${new.target.name || 'Process'}-${identity.join(':')}`,
        daemon: options.daemon ?? currentProcess().daemon,
        identity,
        target: options.target,
        args: options.args ?? [],
        child: undefined,
        output,
        exitcode: null,
        exited,
        markExited,
      } satisfies ProcessState,
    });
  }

  /** The process's name; settable before or after start (it does not reach a started child). */
  get name(): string {
    return this[kState].name;
  }
  /** Rename it (a started child keeps the name it started with). Python: `Process.name = value` */
  set name(value: string) {
    if (typeof value !== 'string') throw new TypeError(`Expected "name" to be a string, got ${typeof value}`);
    this[kState].name = value;
  }

  /** Whether the child is daemonic: terminated when the parent exits. Set it before `start()`. */
  get daemon(): boolean {
    return this[kState].daemon;
  }
  /** Make it daemonic or not; only before `start()`. Python: `Process.daemon = value` */
  set daemon(value: boolean) {
    if (this[kState].status !== 'initial') throw new ValueError('Cannot set "daemon" of a process that has been started', { code: 'ERR_MP_ALREADY_STARTED' });
    this[kState].daemon = Boolean(value);
  }

  /**
   * The child's stdout as a stream to read, with `stdout: 'pipe'` (from construction on; it ends
   * after the child has); null otherwise. No Python twin; like subprocess.Popen.stdout.
   */
  get stdout(): Readable | null {
    return this[kState].output?.stdout.readable ?? null;
  }

  /** The child's stderr, with `stderr: 'pipe'`; null otherwise. No Python twin; like subprocess.Popen.stderr. */
  get stderr(): Readable | null {
    return this[kState].output?.stderr.readable ?? null;
  }

  /** OS pid of the child (for the thread backend, this process's pid); undefined before start. Python: `Process.pid` */
  get pid(): number | undefined {
    return this[kState].child?.pid;
  }

  /** Python's `ident`: the pid for a process, the threadId for a thread. */
  get ident(): number | undefined {
    return this[kState].child?.ident;
  }

  /** null while running or before start; 0 on success; 1 after an uncaught error; -N after signal N. Python: `Process.exitcode` */
  get exitcode(): number | null {
    this.#assertNotClosed();
    return this[kState].exitcode;
  }

  /**
   * The code run in the child. By default it calls `target(...args)`; subclasses override it.
   * Called in the parent it runs in-process, as in Python.
   */
  run(): unknown {
    const { target, args } = this[kState];
    if (target === undefined) return undefined;
    if (typeof target === 'function') return (target as (...a: unknown[]) => unknown)(...args);
    return loadTarget(describeTarget(target)).then((fn) => (fn as (...a: unknown[]) => unknown)(...args));
  }

  /**
   * Start the child. It runs `run()` there.
   * Python: `Process.start`
   * @throws {ValueError} when started twice, when closed, or from a daemonic process
   * @throws {PicklingError} when the target or arguments cannot travel
   * @throws {ProcessError} ERR_MP_START_IN_IMPORT in a child importing its target's module, whose
   * top-level code starts children (a program without its `isMain` guard)
   */
  start(): void {
    const state = this[kState];
    this.#assertNotClosed();
    if (state.status !== 'initial') throw new ValueError('Cannot start a process twice: create a new Process instead', { code: 'ERR_MP_ALREADY_STARTED' });
    refuseStartWhileImporting(state.name);
    if (currentProcess().daemon) throw new ValueError('Daemonic processes are not allowed to have children', { code: 'ERR_MP_DAEMON_CHILD' });

    const message = this.#startMessage();
    const backend = getBackend((this.constructor as typeof BaseProcess).backendKind);
    // A self-contained target with plain arguments makes the child import nothing of the program's.
    const programModules = message.target?.kind === 'module' || message.subclass !== null || message.hasHandles;
    const child = backend.launch({ name: state.name, module: message.module, programModules, ...state.output?.launch });
    state.child = child;
    state.output?.add(child, state.name);
    state.status = 'started';
    children.add(this as BaseProcess);
    installExitHook();
    if (logger.isEnabledFor(DEBUG)) logger.debug(`started ${state.name} (pid ${child.pid})`);
    child.onExit((exitcode) => {
      if (logger.isEnabledFor(DEBUG)) logger.debug(`${state.name} ended with exitcode ${exitcode}`);
      state.exitcode = exitcode;
      if (state.status === 'started') state.status = 'stopped';
      children.delete(this as BaseProcess);
      state.output?.end();
      state.markExited();
    });
    if (state.daemon) child.unref();
    try {
      child.send(message);
    } catch (err) {
      child.kill();
      throw err;
    }
  }

  #startMessage(): ProcessStartMessage {
    const state = this[kState];
    const cls = this.constructor as typeof BaseProcess;
    let subclass: ProcessStartMessage['subclass'] = null;
    let payload: unknown = state.args;
    if (this.run !== BaseProcess.prototype.run) {
      if (typeof cls.module !== 'string') {
        throw new PicklingError(
          `Cannot start ${cls.name}: it overrides run(), so the child must import it. ` +
            `Export the class and add \`static module = import.meta.url\` to it`,
          { code: 'ERR_MP_UNPICKLABLE_TARGET' },
        );
      }
      subclass = { url: cls.module, className: cls.name };
      // The instance's own fields travel with it, as Python pickles the Process object.
      payload = { args: state.args, fields: { ...this } };
    }
    const { value, hasHandles } = encodeHandles(payload, cls.backendKind);
    const me = currentProcess();
    return {
      t: 'start',
      mode: 'process',
      module: childEntryUrl(import.meta.url, 'bootstrap').href,
      name: state.name,
      daemon: state.daemon,
      identity: state.identity,
      parent: { name: me.name, pid: me.pid },
      target: state.target === undefined ? null : describeTarget(state.target),
      args: value,
      hasHandles,
      subclass,
      log: logSettings(),
    };
  }

  /**
   * Wait until the child ends, or until `timeout` ms have passed (then check `exitcode`).
   * Python: `Process.join(timeout)` (seconds there)
   * @throws {ValueError} before `start()` or after `close()`
   */
  async join(timeout?: number): Promise<void> {
    const state = this[kState];
    this.#assertNotClosed();
    if (state.status === 'initial') throw new ValueError('Can only join a started process: call start() first', { code: 'ERR_MP_NOT_STARTED' });
    if (timeout !== undefined && timeout !== null && (typeof timeout !== 'number' || Number.isNaN(timeout))) {
      throw new TypeError(`Expected "timeout" to be a number of milliseconds, got ${String(timeout)}`);
    }
    if (state.status !== 'started') return;
    // A daemonic child does not keep the event loop alive, but whoever joins it waits for it.
    const child = state.child;
    if (state.daemon) child?.ref();
    let timer: NodeJS.Timeout | undefined;
    try {
      await (timeout === undefined || timeout === null
        ? state.exited
        : Promise.race([state.exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, timeout))))]));
    } finally {
      clearTimeout(timer);
      if (state.daemon && state.status === 'started') child?.unref();
    }
  }

  /** Whether the child has started and not yet ended. Python: `Process.is_alive` */
  isAlive(): boolean {
    this.#assertNotClosed();
    return this[kState].status === 'started';
  }

  /** Stop the child with SIGTERM (a worker thread is stopped and reports -15). Python: `Process.terminate` */
  terminate(): void {
    this.#running()?.terminate();
  }

  /** Stop the child with SIGKILL (a worker thread is stopped and reports -9). Python: `Process.kill` */
  kill(): void {
    this.#running()?.kill();
  }

  #running(): ChildHandle | undefined {
    const state = this[kState];
    this.#assertNotClosed();
    if (state.status === 'initial') throw new ValueError('The process has not been started: call start() first', { code: 'ERR_MP_NOT_STARTED' });
    return state.status === 'started' ? state.child : undefined;
  }

  /**
   * Release what this object holds; afterwards most methods throw ValueError.
   * Python: `Process.close`
   * @throws {ValueError} while the child is running
   */
  close(): void {
    const state = this[kState];
    if (state.status === 'started') {
      throw new ValueError('Cannot close a process while it is still running: call join() or terminate() first', { code: 'ERR_MP_STILL_RUNNING' });
    }
    state.child = undefined;
    state.status = 'closed';
  }

  #assertNotClosed(): void {
    if (this[kState].status === 'closed') throw new ValueError('The process object is closed: create a new Process', { code: 'ERR_MP_CLOSED' });
  }

  /** @internal How the child bootstrap gives a rebuilt subclass instance its state. */
  static adopt(instance: BaseProcess, init: { name: string; daemon: boolean; target: AnyFunction | undefined; args: unknown[] }): void {
    let markExited!: () => void;
    const exited = new Promise<void>((resolve) => (markExited = resolve));
    Object.defineProperty(instance, kState, {
      enumerable: false,
      writable: true,
      value: { status: 'initial', identity: [], child: undefined, exitcode: null, exited, markExited, ...init } satisfies ProcessState,
    });
  }

  /** Name, status and exit code, as Python's `repr(process)` shows them (`[object Process-1 stopped exitcode=0]`). */
  get [Symbol.toStringTag](): string {
    const state = this[kState];
    const status = state.status === 'stopped' ? `stopped exitcode=${state.exitcode}` : state.status;
    return `${state.name} ${status}${state.daemon ? ' daemon' : ''}`;
  }
}

/**
 * Process on the 'process' backend (OS processes). Python: multiprocessing.Process
 * @typeParam T - the target's type, which `args` must fit.
 */
export class Process<T extends Target = () => unknown> extends BaseProcess<T> {
  /** `'process'`. Python: the `'spawn'` start method */
  static override readonly backendKind: BackendKind = 'process';
}

/**
 * Process on the 'thread' backend (worker threads). Python: multiprocessing.dummy.Process
 * @typeParam T - the target's type, which `args` must fit.
 */
export class ThreadProcess<T extends Target = () => unknown> extends BaseProcess<T> {
  /** `'thread'`. Python: `multiprocessing.dummy` */
  static override readonly backendKind: BackendKind = 'thread';
}
Object.defineProperty(ThreadProcess, 'name', { value: 'Process' });

/**
 * The children of this process that are still running.
 * Python: multiprocessing.active_children()
 */
export function activeChildren(): BaseProcess[] {
  return [...children].filter((p) => p.exitcode === null);
}

// A child that started children of its own waits for the non-daemonic ones before it exits, as Python does.
onChildExit(async () => {
  for (const p of [...children]) {
    if (p.daemon) p.terminate();
    else await p.join();
  }
});

export { isChild };
