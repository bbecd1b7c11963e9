// Entry point of a child process started by the 'process' backend.
import { runChild } from '../../process/bootstrap.js';

// No child outlives its parent: the IPC channel closes when the parent dies, even by SIGKILL.
process.on('disconnect', () => process.exit(process.exitCode ?? 1));

runChild({
  backend: 'process',
  send: (message) => process.send?.(message),
  onMessage: (listener) => process.on('message', listener),
  unref: () => process.channel?.unref(),
  exit: (code) => process.exit(code),
});
