// Live CPython peers for interop tests: which versions are here, and running a script.
import { spawn, spawnSync } from 'node:child_process';

const PYENV = { PYENV_VERSION: '3.11.7:3.12.1:3.13.0' };

/** The Python versions on this machine: python3 always, 3.12 and 3.13 where pyenv has them. */
export const pythons: { name: string; available: boolean }[] = ['python3', 'python3.12', 'python3.13'].map((name) => ({
  name,
  available: spawnSync(name, ['-c', 'import sys; print(sys.version)'], { env: { ...process.env, ...PYENV }, timeout: 10_000 }).status === 0,
}));

/** Run `code` with `python`; resolves stdout, rejects with stderr on failure. */
export function runPython(python: string, code: string, args: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', code, ...args], { env: { ...process.env, ...PYENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${python} exited with ${code}: ${err}`))));
  });
}
