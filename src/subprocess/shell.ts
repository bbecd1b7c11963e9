// The system shell, for `shell: true` and for giving a child one pipe as both stdout and stderr,
// as Python picks it: /bin/sh on POSIX, %ComSpec% (cmd.exe) on Windows. CPython: Lib/subprocess.py
// (_execute_child: `args = [unix_shell, "-c"] + args`; on Windows `comspec /c "args"`).

import { ValueError } from '../errors.js';

const windows = process.platform === 'win32';

/** How to spawn a shell: its argv, and whether Node must pass the arguments as they are (cmd.exe). */
export interface ShellCommand {
  readonly argv: string[];
  readonly verbatim: boolean;
}

function comspec(): string {
  return process.env.ComSpec ?? 'cmd.exe';
}

/** `list` (a command line, then $0, $1… on POSIX) run by the shell. */
export function shellCommand(list: readonly string[]): ShellCommand {
  if (!windows) return { argv: ['/bin/sh', '-c', ...list], verbatim: false };
  return { argv: [comspec(), '/d', '/s', '/c', `"${list.join(' ')}"`], verbatim: true };
}

/**
 * `file` with `args`, its stderr sent where its stdout goes, through the shell. POSIX: the shell
 * replaces itself with the program at once (same pid, signals go straight to it). Windows: cmd.exe
 * reads the line, so an argument it would read as syntax is refused rather than run.
 */
export function mergedOutputCommand(file: string, args: readonly string[]): ShellCommand {
  if (!windows) return { argv: ['/bin/sh', '-c', 'exec "$0" "$@" 2>&1', file, ...args], verbatim: false };
  const quoted = [file, ...args].map((arg) => {
    if (/["%!^\r\n]/.test(arg)) {
      throw new ValueError(`stderr: STDOUT on Windows goes through cmd.exe, which cannot take ${JSON.stringify(arg)} as it is; pass stderr: PIPE and read both`, { code: 'ERR_MP_BAD_VALUE' });
    }
    return `"${arg.replace(/(\\*)$/, '$1$1')}"`;
  });
  return { argv: [comspec(), '/d', '/s', '/c', `"${quoted.join(' ')} 2>&1"`], verbatim: true };
}
