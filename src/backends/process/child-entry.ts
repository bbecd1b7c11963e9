// Entry point of a child process started by the 'process' backend.
import { runChild } from '../../process/bootstrap.js';

import { constants } from 'node:os';
import { hasNative, native } from '../../shm/binding.js';

// No child outlives its parent: the IPC channel closes when the parent dies, even by SIGKILL; and
// where the addon is there, the kernel kills this child too (PR_SET_PDEATHSIG), which also stops a
// child whose event loop is blocked in a long computation.
process.on('disconnect', () => process.exit(process.exitCode ?? 1));
if (hasNative()) {
  native().setParentDeathSignal(constants.signals.SIGKILL);
  if (String(process.ppid) !== process.env.MPTS_PARENT_PID) process.exit(1);
}

runChild({
  backend: 'process',
  send: (message) => process.send?.(message),
  onMessage: (listener) => process.on('message', listener),
  unref: () => process.channel?.unref(),
  exit: (code) => process.exit(code),
});
