// Running the example programs for test/examples: the Python originals through the interpreter
// itself, and the TypeScript twins transpiled once (see test/helpers/transpiled.ts).
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { transpile } from '../helpers/transpiled.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface Run {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run `command args`; with a prefix, `...prefix command args`: the command inside another program (unshare). */
export function runProgram(command: string, args: string[], prefix: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONIOENCODING: 'utf-8', ...extraEnv };
  delete env.NODE_TEST_CONTEXT; // the example is a program, not a test file of this run
  delete env.PYTHONUNBUFFERED; // see pythonLineBuffered
  return new Promise((resolve, reject) => {
    const argv = [...prefix, command, ...args];
    const child = spawn(argv[0] as string, argv.slice(1), { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    // 'close' comes after every process holding the pipes (children included) has let go of them.
    child.once('close', (code, signal) => resolve({ pid: child.pid ?? -1, code, signal, stdout, stderr }));
  });
}

// Python writes to a pipe in 8 KiB blocks, and os.fork() copies the unwritten block into the child,
// which would print "Main Process" twice; unbuffered (`python3 -u`, or PYTHONUNBUFFERED in the
// environment) it writes each piece of a print() on its own, so that another process's line can
// land inside it. The seeds were run in a terminal, which is line-buffered: so is this, through a
// wrapper that runs the file as __main__ exactly as `python3 <file>` does.
const pythonLineBuffered =
  "import runpy, sys; sys.stdout.reconfigure(line_buffering=True); sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')";

// The interpreter itself: `python3` on the PATH may be a pyenv shim, a chain of shell scripts
// that starts a dozen processes before Python, which on a loaded machine took longer than the
// program it starts.
export const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim() || 'python3';

function runPython(name: string, prefix: string[] = []): Promise<Run> {
  return runProgram(python, ['-c', pythonLineBuffered, `examples/python/${name}.py`], prefix);
}

/**
 * The runners of a test file: its `before` hook transpiles src/ and examples/, its `after` hook
 * removes the copy. The twins run as transpiled JavaScript: loading each of their processes
 * through tsx costs several times what the programs themselves do.
 */
export function examplePrograms(): {
  runPython(name: string, prefix?: string[]): Promise<Run>;
  runTwin(name: string, prefix?: string[], env?: NodeJS.ProcessEnv): Promise<Run>;
} {
  let transpiled: Awaited<ReturnType<typeof transpile>> | undefined;
  before(async () => {
    transpiled = await transpile();
  });
  after(() => transpiled?.remove());
  return {
    runPython,
    runTwin(name, prefix = [], env = {}) {
      if (transpiled === undefined) throw new Error('internal: the examples have not been transpiled');
      return runProgram(process.execPath, [join(transpiled.dir, 'examples', `${name}.js`)], prefix, env);
    },
  };
}
