#!/usr/bin/env node
// npm run prebuilds: the addon for each maintained Node major (node-dist.mjs NODE_VERSIONS) into
// prebuilds/<os>-<arch>/node.abi<NODE_MODULE_VERSION>.glibc.node, which the npm tarball ships and
// node-gyp-build loads at run time: linux-x64, and linux-arm64 where Debian's cross compiler is
// installed (g++-aarch64-linux-gnu). The libc tag keeps a musl host from picking them. Each is
// compiled against the headers of the registry's node-<os>-<arch>@<version> package (cached by
// node-dist.mjs; npm_config_nodedir is set per target, over ~/.npmrc's), then loaded by that very
// Node to check it (linux-arm64 under qemu-user, when installed). Nothing else is downloaded.
//
//   node native/scripts/prebuilds.mjs [--missing] [--arch=x64|arm64|all]
// --missing: build only the binaries not there yet, or made from other sources than these (the
// prepack step; prebuilds.json in the cache records the sources' hash each binary was made from).

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { NODE_VERSIONS, cacheDir, nodeDist } from './node-dist.mjs';
import { nodeGypScript } from './node-gyp.mjs';

const require = createRequire(import.meta.url);
const prebuildify = require('prebuildify');
const abiOf = (version) => require('node-abi').getAbi(version, 'node');

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CROSS = { arm64: { triple: 'aarch64-linux-gnu', qemu: 'qemu-aarch64' } };

const stampFile = join(cacheDir, 'prebuilds.json');
const readStamps = () => (existsSync(stampFile) ? JSON.parse(readFileSync(stampFile, 'utf8')) : {});

// A hash of what the binaries are made from: binding.gyp and native/src.
function sourcesHash() {
  const hash = createHash('sha256').update(readFileSync(join(root, 'binding.gyp')));
  const dir = join(root, 'native', 'src');
  for (const file of readdirSync(dir).sort()) hash.update(file).update(readFileSync(join(dir, file)));
  return hash.digest('hex');
}

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const fileFor = (arch, version) => join(root, 'prebuilds', `linux-${arch}`, `node.abi${abiOf(version)}.glibc.node`);

function build(arch, version) {
  const nodeDir = nodeDist(version, `linux-${arch}`);
  // A copy of the sources to build in, so the build/Release of this checkout stays as it is.
  const work = join(root, 'build', 'prebuilds-work');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  cpSync(join(root, 'binding.gyp'), join(work, 'binding.gyp'));
  cpSync(join(root, 'native', 'src'), join(work, 'native', 'src'), { recursive: true });
  const saved = { ...process.env };
  Object.assign(process.env, { npm_config_nodedir: nodeDir, npm_config_loglevel: 'warn', JOBS: 'max' });
  const cross = CROSS[arch];
  if (cross !== undefined) Object.assign(process.env, { CC: `${cross.triple}-gcc`, CXX: `${cross.triple}-g++`, LINK: `${cross.triple}-g++` });
  const options = {
    cwd: work, out: root, name: 'node', targets: [{ runtime: 'node', target: version }], napi: false,
    strip: true, stripBin: cross === undefined ? 'strip' : `${cross.triple}-strip`, tagLibc: 'glibc', arch, platform: 'linux',
    nodeGyp: nodeGypScript(),
  };
  return new Promise((resolve, reject) => {
    prebuildify(options, (err) => {
      process.env = saved;
      rmSync(work, { recursive: true, force: true });
      if (err) reject(err);
      else resolve(nodeDir);
    });
  });
}

// Load the binary with the Node it is for, and check it says so; under qemu for another arch.
function check(arch, version, nodeDir) {
  const file = fileFor(arch, version);
  const probe = `const b = require(${JSON.stringify(file)}); if (!b.processAlive(process.pid)) process.exit(3);`;
  const node = join(nodeDir, 'bin', 'node');
  const cross = CROSS[arch];
  const [cmd, args] = cross === undefined ? [node, ['-e', probe]] : [cross.qemu, ['-L', `/usr/${cross.triple}`, node, '-e', probe]];
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${file} does not load in Node ${version} (${arch}): exit ${r.status ?? r.signal}`);
}

const args = process.argv.slice(2);
const missingOnly = args.includes('--missing');
const archArg = (args.find((a) => a.startsWith('--arch=')) ?? '--arch=all').slice('--arch='.length);
const arches = archArg === 'all' ? ['x64', ...Object.keys(CROSS).filter((a) => has(`${CROSS[a].triple}-g++`))] : [archArg];
if (process.platform !== 'linux' || process.arch !== 'x64') {
  process.stderr.write('prebuilds are made on linux-x64 (see "Supported platforms" in the README for the release job)\n');
  process.exit(1);
}
const sources = sourcesHash();
for (const arch of arches) {
  for (const version of NODE_VERSIONS) {
    const file = fileFor(arch, version);
    if (missingOnly && existsSync(file) && readStamps()[file] === sources) continue;
    process.stderr.write(`prebuild: linux-${arch} Node ${version}\n`);
    const nodeDir = await build(arch, version);
    if (CROSS[arch] === undefined || has(CROSS[arch].qemu)) check(arch, version, nodeDir);
    else process.stderr.write(`  not loaded: ${CROSS[arch].qemu} is not installed (Debian: qemu-user)\n`);
    mkdirSync(dirname(stampFile), { recursive: true });
    writeFileSync(stampFile, JSON.stringify({ ...readStamps(), [file]: sources }, null, 2));
  }
}
