#!/usr/bin/env node
// `npm install` of multiprocessing-ts: it never fails because of the native addon.
// 1. A prebuilt binary for this platform and Node (prebuilds/) that loads: nothing to do. (At run
//    time node-gyp-build finds it there too, so package managers that skip this script work.)
// 2. Else, on Linux and macOS, compile the addon with node-gyp (python3, make, a C++ compiler).
// 3. Else (Windows, no toolchain, a failed build): one line saying what works without it and
//    how to get it; using a shared object between processes then throws ERR_MP_NO_NATIVE.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { nodeGypScript } from './node-gyp.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const where = `${process.platform}-${process.arch} Node ${process.versions.node}`;

function notice(why) {
  process.stderr.write(
    `multiprocessing-ts: no native addon for ${where} (${why}). Processes, Pool and the thread backend work; ` +
      'shared objects between processes need the addon: see "Supported platforms" in the README\n',
  );
}

// Whether a prebuilt binary for this Node loads, tried in a child so a crash cannot stop the install.
function prebuildLoads() {
  const probe = `require('node-gyp-build')(${JSON.stringify(root)})`;
  const r = spawnSync(process.execPath, ['-e', probe], { env: { ...process.env, PREBUILDS_ONLY: '1' }, stdio: 'ignore' });
  return r.status === 0;
}

// The first line of node-gyp's output that says why it failed.
function reason(output) {
  if (/Could not find any Python/i.test(output)) return 'python3 was not found to compile it';
  if (/\bmake\b.*(not found|No such file)|not found: make/i.test(output)) return 'make was not found to compile it';
  if (/(g\+\+|c\+\+|cc|clang\+\+)\W*(: )?(command )?not found|No such file or directory.*(g\+\+|c\+\+)|spawn (g\+\+|c\+\+)/i.test(output)) {
    return 'no C++ compiler was found to compile it';
  }
  return 'compiling it failed';
}

function compile() {
  const nodeGyp = nodeGypScript();
  if (nodeGyp === undefined) return 'node-gyp was not found to compile it';
  const r = spawnSync(process.execPath, [nodeGyp, 'rebuild'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status === 0) return undefined;
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const log = join(root, 'build', 'install.log');
  try {
    mkdirSync(dirname(log), { recursive: true });
    writeFileSync(log, output);
  } catch {
    return reason(output);
  }
  return `${reason(output)}; node-gyp's output is in ${log}`;
}

const fromSource = process.env.npm_config_build_from_source === 'true';
if (!fromSource && prebuildLoads()) process.exit(0);
if (process.platform !== 'linux' && process.platform !== 'darwin') {
  notice(`it is built for Linux and macOS only`);
  process.exit(0);
}
const failure = compile();
if (failure !== undefined) notice(failure);
