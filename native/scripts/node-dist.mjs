#!/usr/bin/env node
// Node releases as the npm registry carries them: node-<os>-<arch>@<version> packages hold a
// release's bin/node and its include/node headers, which is all that building the addon for that
// Node (npm_config_nodedir) and running it needs. Unpacked once into a cache and reused:
// $MPTS_CACHE_DIR, else ~/.cache/multiprocessing-ts.
//
//   node native/scripts/node-dist.mjs <version|all> [linux-x64|linux-arm64] [--cached]
// prints the unpacked package folder of each (fetching what is missing, unless --cached).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/** The Node release of each maintained major that prebuilds are made for and CI runs on. */
export const NODE_VERSIONS = ['20.20.2', '22.23.5', '24.22.3', '26.12.1'];

export const cacheDir = process.env.MPTS_CACHE_DIR || join(homedir(), '.cache', 'multiprocessing-ts');

function runNpm(args, cwd) {
  // The npm that runs this script, whichever Node runs it (npm_execpath is set under `npm run`).
  const npmCli = process.env.npm_execpath;
  const [file, argv] = npmCli && npmCli.endsWith('.js') ? [process.execPath, [npmCli, ...args]] : ['npm', args];
  const r = spawnSync(file, argv, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
  return r.stdout.trim();
}

/** The unpacked `node-<target>@<version>` package folder, or undefined if not cached (`cachedOnly`). */
export function nodeDist(version, target = 'linux-x64', cachedOnly = false) {
  const dir = join(cacheDir, `node-${target}-${version}`, 'package');
  if (existsSync(join(dir, 'bin', 'node')) && existsSync(join(dir, 'include', 'node', 'node_version.h'))) return dir;
  if (cachedOnly) return undefined;
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, '.fetch-'));
  try {
    process.stderr.write(`fetching node-${target}@${version} from the npm registry\n`);
    runNpm(['pack', `node-${target}@${version}`, '--silent', '--pack-destination', work], work);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (tarball === undefined) throw new Error(`npm pack node-${target}@${version} made no tarball`);
    const r = spawnSync('tar', ['-xzf', tarball, 'package/bin/node', 'package/include'], { cwd: work, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`could not unpack ${tarball}`);
    mkdirSync(join(dir, '..'), { recursive: true });
    try {
      renameSync(join(work, 'package'), dir);
    } catch (err) {
      // Another run unpacked it first, or a broken copy is in the way.
      if (nodeDist(version, target, true) !== undefined) return dir;
      rmSync(dir, { recursive: true, force: true });
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      renameSync(join(work, 'package'), dir);
    }
    return dir;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const cachedOnly = args.includes('--cached');
  const [which, target = 'linux-x64'] = args.filter((a) => a !== '--cached');
  if (which === undefined) {
    process.stderr.write('usage: node-dist.mjs <version|all> [linux-x64|linux-arm64] [--cached]\n');
    process.exit(2);
  }
  for (const version of which === 'all' ? NODE_VERSIONS : [which]) {
    const dir = nodeDist(version, target, cachedOnly);
    if (dir === undefined) process.exit(1);
    process.stdout.write(`${dir}\n`);
  }
}
