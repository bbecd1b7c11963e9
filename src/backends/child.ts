// The child's side of every backend: wait for the start message, load the mode it names, run it.
// CPython: spawn.py (_main), which rebuilds what the parent sent and runs it.
//
// A mode (a plain Process, a pool worker...) lives on a floor above this one. Its module registers
// the mode here when it loads, and the parent names that module in the start message; so this
// floor imports no mode, and a new mode needs no change here.

import { importForTarget } from '../codec/target-loader.js';
import { applyLogSettings, type LogSettings } from '../logger.js';
import { PRELOAD_ENV, readyMessage } from './backend.js';

/** How a child talks to its parent, whatever the backend. */
export interface ParentChannel {
  readonly backend: 'process' | 'thread';
  /** Post a message; a thread hands over the ArrayBuffers in `transfer`, a process copies them. */
  send(message: unknown, transfer?: readonly ArrayBuffer[]): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Take the next message now, if one is waiting, instead of from the event loop (threads only: a port reads synchronously). */
  poll?(): { message: unknown } | undefined;
  /** Stop listening, so that only the child's own work keeps it alive. */
  unref(): void;
  exit(code: number): void;
}

/** The first message a child receives: which mode runs it, and the module that registers that mode. */
export interface StartMessage {
  t: 'start';
  /** The name the mode registered under. */
  mode: string;
  /** URL of the module that registers the mode; the child imports it. */
  module: string;
  /** The parent's logging, which the child adopts before its mode runs (Python's spawn passes it on). */
  log: LogSettings | null;
}

/** Runs a child in one mode; the channel's later messages are the mode's own. */
export type ChildMode<S extends StartMessage> = (channel: ParentChannel, start: S) => void | Promise<void>;

const modes = new Map<string, ChildMode<StartMessage>>();

/** Called by a mode's module when it loads, in the child. */
export function registerChildMode<S extends StartMessage>(name: S['mode'], run: ChildMode<S>): void {
  modes.set(name, run as unknown as ChildMode<StartMessage>);
}

/** Entry of every child: waits for its start message and runs the mode it names. */
export function runChild(channel: ParentChannel): void {
  let started = false;
  let handler: ((message: unknown) => void) | undefined;
  const backlog: unknown[] = [];
  // Messages after the start message wait here until the mode listens.
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
    const start = message as Partial<StartMessage> | null;
    if (start?.t !== 'start' || typeof start.mode !== 'string' || typeof start.module !== 'string') return;
    started = true;
    void runMode(port, start as StartMessage);
  });
  // A warm child loads the library's mode modules before it reports ready (a failure shows at
  // start). Then the boot is over: the parent may boot the next warm child without the two
  // competing, and warmChildrenReady() means that a start waits on no import.
  const preload = takePreload();
  if (preload.length === 0) channel.send(readyMessage);
  // Imported as for a target: an unguarded start there is refused, not made in every spare.
  else void Promise.all(preload.map((module) => importForTarget(module, true).catch(() => {}))).then(() => channel.send(readyMessage));
}

// The modules the parent named in the child's environment, taken out of it: no target sees them.
function takePreload(): string[] {
  const value = process.env[PRELOAD_ENV];
  if (value === undefined) return [];
  delete process.env[PRELOAD_ENV];
  try {
    const modules: unknown = JSON.parse(value);
    return Array.isArray(modules) ? modules.filter((m): m is string => typeof m === 'string') : [];
  } catch {
    return [];
  }
}

async function runMode(channel: ParentChannel, start: StartMessage): Promise<void> {
  try {
    await import(start.module);
  } catch (err) {
    process.stderr.write(`multiprocessing-ts: a child could not load its "${start.mode}" mode from ${start.module}: ${(err as Error).message}\n`);
    channel.exit(1);
    return;
  }
  const run = modes.get(start.mode);
  if (run === undefined) {
    process.stderr.write(`multiprocessing-ts: ${start.module} registers no child mode "${start.mode}"\n`);
    channel.exit(1);
    return;
  }
  applyLogSettings(start.log);
  await run(channel, start);
}
