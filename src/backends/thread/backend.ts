// The 'thread' backend: each child is a worker_threads Worker in this process.
// CPython: Lib/multiprocessing/dummy (threads behind the same API).

import { constants } from 'node:os';
import { inspect } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { onChildMessage, onChildReady, preloadEnv, type Backend, type ChildHandle, type LaunchOptions } from '../backend.js';
import { childEntryUrl, NODE_MAJOR } from '../../runtime.js';
import { asPicklingError } from '../clone-error.js';

// Node 20 does not carry module customization hooks (tsx, ts-node...) over to worker threads, so a
// worker of a parent started with `--import tsx` could not load .ts modules. Such workers start from
// a small script that registers the parent's hook modules again, then imports the real entry.
function hookModules(execArgv: readonly string[]): string[] {
  const specs: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] ?? '';
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--import' || flag === '--loader' || flag === '--experimental-loader') {
      const spec = inline ?? execArgv[++i];
      if (spec !== undefined) specs.push(spec);
    }
  }
  return specs;
}

// A thread given Node options of its own (a pool's execArgv) does not run the parent's --import
// modules either, on any Node: it registers them the same way.
function workerSource(ownExecArgv: boolean): { source: string | URL; eval: boolean } {
  const entry = childEntryUrl(import.meta.url, 'child-entry');
  const hooks = NODE_MAJOR < 22 || ownExecArgv ? hookModules(process.execArgv) : [];
  if (hooks.length === 0) return { source: entry, eval: false };
  const parent = pathToFileURL(`${process.cwd()}/`).href;
  // A --import module without hooks is harmless to register: it simply adds none. `data.active`
  // is what tsx's hooks expect when registered this way (as its own register() API passes).
  const source = `(async () => {
    const { register } = await import('node:module');
    for (const spec of ${JSON.stringify(hooks)}) register(spec, { parentURL: ${JSON.stringify(parent)}, data: { active: true } });
    await import(${JSON.stringify(entry.href)});
  })().catch((err) => { process.exitCode = 1; throw err; });`;
  return { source, eval: true };
}

class ThreadChild implements ChildHandle {
  readonly pid = process.pid;
  readonly ident: number;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly #worker: Worker;
  #name: string;
  // A thread has no signals: terminate()/kill() stop it and report what a process would.
  #stopSignal: number | undefined;

  constructor(worker: Worker, name: string, options: LaunchOptions) {
    this.#worker = worker;
    this.stdout = options.stdout === 'pipe' ? worker.stdout : null;
    this.stderr = options.stderr === 'pipe' ? worker.stderr : null;
    this.ident = worker.threadId;
    this.#name = name;
    // An error that escapes the child's own handling must not become the parent's uncaught error.
    worker.on('error', (err) => process.stderr.write(`Process ${this.#name}:\n${inspect(err)}\n`));
  }

  rename(name: string): void {
    this.#name = name;
  }

  send(message: unknown, transfer?: readonly ArrayBuffer[]): void {
    try {
      this.#worker.postMessage(message, transfer);
    } catch (err) {
      throw asPicklingError(err, 'the arguments');
    }
  }

  onMessage(listener: (message: unknown) => void): void {
    onChildMessage(this.#worker, listener);
  }

  onReady(listener: () => void): void {
    onChildReady(this.#worker, listener);
  }

  onExit(listener: (exitcode: number) => void): void {
    this.#worker.once('exit', (code) => listener(this.#stopSignal !== undefined ? -this.#stopSignal : code));
  }

  terminate(): void {
    this.#stop(constants.signals.SIGTERM);
  }

  kill(): void {
    this.#stop(constants.signals.SIGKILL);
  }

  #stop(signal: number): void {
    this.#stopSignal ??= signal;
    void this.#worker.terminate();
  }

  ref(): void {
    this.#worker.ref();
  }

  unref(): void {
    this.#worker.unref();
  }
}

export const threadBackend: Backend = {
  kind: 'thread',
  // A worker shares this process's working directory, and starts with a copy of its environment.
  recipe(options: LaunchOptions): string {
    return JSON.stringify([options.execArgv ?? process.execArgv, options.env ?? process.env, options.argv ?? [], options.resourceLimits ?? null, options.stdout ?? 'inherit', options.stderr ?? 'inherit']);
  },
  variant: () => '',
  boot(options: LaunchOptions): ChildHandle {
    const { source, eval: isEval } = workerSource(options.execArgv !== undefined);
    const worker = new Worker(source, {
      eval: isEval,
      stdin: false,
      name: options.name,
      // true: the worker's output is the parent's to read, not copied to its own.
      stdout: options.stdout === 'pipe',
      stderr: options.stderr === 'pipe',
      ...(options.env === undefined && options.preload === undefined ? {} : { env: { ...preloadEnv(options, options.env ?? process.env) } }),
      ...(options.argv === undefined ? {} : { argv: [...options.argv] }),
      ...(options.execArgv === undefined ? {} : { execArgv: [...options.execArgv] }),
      ...(options.resourceLimits === undefined ? {} : { resourceLimits: { ...options.resourceLimits } }),
    });
    return new ThreadChild(worker, options.name, options);
  },
};
