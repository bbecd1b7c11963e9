// src/ and examples/ transpiled once to JavaScript, for test files that start many programs.
//
// tsx transpiles with esbuild too, but in every process it starts it also loads its loader and
// sends each module through it: for the example programs and their children, some 200 Node
// processes, that is several times the CPU of the programs themselves on a two-core machine (and
// more on a cold machine, where every process transpiles the same files at once). Here esbuild
// transpiles each file once (no bundling, no type check: `npm test` type-checks), and the copy is
// laid out as the package is, so that 'multiprocessing-ts' names its own src/ there.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));

function typescriptFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => join(root, dir, file));
}

/** A directory holding src/ and examples/ as JavaScript; `remove()` when done. */
export async function transpile(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'mpts-transpiled-'));
  await build({
    entryPoints: [...typescriptFiles('src'), ...typescriptFiles('examples')],
    outdir: dir,
    outbase: root,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'error',
  });
  // The package's own name resolves to the transpiled entry points (the private condition's targets).
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, string | Record<string, string>> };
  const exports: Record<string, string> = {};
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const source = typeof target === 'string' ? undefined : target['multiprocessing-ts:source'];
    if (source !== undefined) exports[subpath] = source.replace(/\.ts$/, '.js');
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'multiprocessing-ts', type: 'module', exports }));
  // The addon, where the package looks for it, and the dependencies.
  for (const link of ['build', 'prebuilds', 'node_modules']) if (existsSync(join(root, link))) symlinkSync(join(root, link), join(dir, link));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
