// Entry point of a child process started by the 'process' backend.
import { runChild } from '../child.js';

import { constants } from 'node:os';
import { hasNative, native, platformVariant } from '../../addon/binding.js';

// No child outlives its parent: the IPC channel closes when the parent dies, even by SIGKILL; and
// where the addon is there, this child is killed too even if its event loop is blocked in a long
// computation: by the kernel (PR_SET_PDEATHSIG) on Linux, else by a thread that watches the
// lifeline pipe from the parent (MPTS_LIFELINE_FD) and sees it close.
process.on('disconnect', () => process.exit(process.exitCode ?? 1));
if (hasNative()) {
  const lifeline = process.env.MPTS_LIFELINE_FD;
  delete process.env.MPTS_LIFELINE_FD;
  if (lifeline !== undefined) native().watchLifeline(Number(lifeline));
  else if (platformVariant === 'linux') native().setParentDeathSignal(constants.signals.SIGKILL);
  // The parent died before the signal was set up (with a lifeline it is seen by the watcher).
  if (String(process.ppid) !== process.env.MPTS_PARENT_PID) process.exit(1);
}

// A message to a parent that has just gone (a spare's ready, a last result) is dropped, not an
// unhandled 'error': the 'disconnect' above ends this child.
const dropIfGone = (): void => {};

runChild({
  backend: 'process',
  send: (message) => process.send?.(message, undefined, undefined, dropIfGone),
  onMessage: (listener) => process.on('message', listener),
  unref: () => process.channel?.unref(),
  exit: (code) => process.exit(code),
});
