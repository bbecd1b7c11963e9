// The package as npm users get it: `npm pack`, then the tarball unpacked into a fresh project's
// node_modules, as `npm install` would (without the network: the one runtime dependency is linked
// from ours, and the addon our install built is copied in, as the package's install script builds
// it). Checks what ships and what does not, that a consumer runs from dist/ under any conditions,
// that the Redis tier needs its optional peers and says how to get them, and what a bundle does.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { assertNoLeaks } from '../helpers/leaks.js';
import { HUGE, LONG } from '../helpers/timeouts.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = join(root, 'test/fixtures/package');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  files: string[];
  exports: Record<string, string | Record<string, string>>;
  bin: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
};

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a program to its end (killed after `timeout` ms); never rejects for a non-zero exit. */
function run(command: string, args: string[], opts: { cwd: string; input?: string; timeout?: number; onExit?: () => void }): Promise<Ran> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT; // a program of its own, not a test file of this run
    delete env.NODE_OPTIONS;
    const child = execFile(command, args, { cwd: opts.cwd, env, timeout: opts.timeout ?? LONG, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
    // execFile reports once every holder of the program's stdout and stderr has closed them, its children too.
    if (opts.onExit !== undefined) child.once('exit', opts.onExit);
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

function describeRun(ran: Ran): string {
  return `\n--- exit ${ran.code} ---\n${ran.stdout}\n--- stderr ---\n${ran.stderr}`;
}

/** The one JSON line a fixture program prints last. */
function lastJson(ran: Ran): Record<string, unknown> {
  const line = ran.stdout.trimEnd().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return assert.fail(`no JSON report from the program${describeRun(ran)}`);
  }
}

let work: string;
let files: string[];
/** The project that "installed" the tarball. */
let app: string;
let installed: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'mpts-package-'));
  // What `npm pack` runs first (prepare): a clean build of dist/.
  const built = await run('npm', ['run', 'build'], { cwd: root, timeout: HUGE });
  assert.equal(built.code, 0, `npm run build failed${describeRun(built)}`);
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root, timeout: LONG });
  assert.equal(packed.code, 0, `npm pack failed${describeRun(packed)}`);
  const [report] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
  files = report.files.map((f) => f.path).sort();

  app = join(work, 'app');
  installed = join(app, 'node_modules/multiprocessing-ts');
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const unpacked = await run('tar', ['xzf', join(work, report.filename), '-C', work], { cwd: work });
  assert.equal(unpacked.code, 0, `tar failed${describeRun(unpacked)}`);
  cpSync(join(work, 'package'), installed, { recursive: true });
  for (const dep of Object.keys(pkg.dependencies ?? {})) symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep));
  mkdirSync(join(installed, 'build/Release'), { recursive: true });
  cpSync(join(root, 'build/Release/mpts_native.node'), join(installed, 'build/Release/mpts_native.node'));
  for (const name of readdirSync(fixtures)) cpSync(join(fixtures, name), join(app, name));
});

after(async () => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
  await assertNoLeaks();
});

describe('the tarball: what it holds', () => {
  it('ships the built entry points, their types, the child entries, the addon sources, LICENSE, CHANGELOG and README', { timeout: LONG }, () => {
    const must = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'binding.gyp', 'native/src/addon.cc', 'native/scripts/install.mjs'];
    for (const target of Object.values(pkg.exports)) {
      if (typeof target === 'string') must.push(target.replace(/^\.\//, ''));
      else for (const [condition, file] of Object.entries(target)) if (!condition.startsWith('multiprocessing-ts:')) must.push(file.replace(/^\.\//, ''));
    }
    must.push(...Object.values(pkg.bin).map((file) => file.replace(/^\.\//, '')));
    // What children start from: the backends' entries and the resource tracker.
    must.push('dist/backends/process/child-entry.js', 'dist/backends/thread/child-entry.js', 'dist/resource-tracker/tracker-main.js');
    for (const file of must) assert.ok(files.includes(file), `${file} is not in the tarball`);
  });

  it('ships no tests, benchmarks, examples, CI scripts, docs, build output or configuration', { timeout: LONG }, () => {
    // native/scripts: the install step (prebuild or compile, never a failed install) and its node-gyp runner.
    const allowed = /^(dist\/|src\/|native\/src\/|prebuilds\/)|^(package\.json|README\.md|LICENSE|CHANGELOG\.md|binding\.gyp|native\/scripts\/(install|node-gyp)\.mjs)$/;
    const strays = files.filter((file) => !allowed.test(file));
    assert.deepEqual(strays, [], 'files outside what the package is made of');
    for (const banned of [/^test\//, /^bench\//, /^examples\//, /^\.ci\//, /^docs\//, /^build\//, /node_modules\//, /\.tgz$/, /tsconfig/, /\.test\./]) {
      assert.deepEqual(files.filter((file) => banned.test(file)), [], `files matching ${banned} ship`);
    }
  });

  // src/ ships because the source maps and declaration maps of dist/ point into it: stack traces
  // and "go to definition" land in the TypeScript that was compiled.
  it('dist/ is exactly the compiled src/: no stale module, none missing, each with its types and maps', { timeout: LONG }, () => {
    const stem = (file: string, dir: string, ext: RegExp): string => file.slice(dir.length).replace(ext, '');
    const sources = files.filter((file) => file.startsWith('src/') && file.endsWith('.ts')).map((file) => stem(file, 'src/', /\.ts$/));
    const compiled = files.filter((file) => file.startsWith('dist/') && file.endsWith('.js')).map((file) => stem(file, 'dist/', /\.js$/));
    assert.deepEqual(compiled.sort(), sources.sort(), 'dist/*.js and src/*.ts name different modules');
    for (const module of sources) {
      for (const ext of ['.d.ts', '.js.map', '.d.ts.map']) assert.ok(files.includes(`dist/${module}${ext}`), `dist/${module}${ext} is not in the tarball`);
    }
  });

  it('ships the prebuilt addons: "prebuilds" is in files, and every prebuilt binary of this checkout is packed', { timeout: LONG }, () => {
    assert.ok(pkg.files.includes('prebuilds'), 'package.json "files" does not include prebuilds');
    const dir = join(root, 'prebuilds');
    const binaries = existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.node')) : [];
    for (const binary of binaries) assert.ok(files.includes(`prebuilds/${binary}`), `prebuilds/${binary} is not in the tarball`);
  });

  it('exports no development-only condition: only types, default and private multiprocessing-ts:* ones', { timeout: LONG }, () => {
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue;
      for (const condition of Object.keys(target)) {
        assert.ok(['types', 'default'].includes(condition) || condition.startsWith('multiprocessing-ts:'), `exports["${subpath}"] has the public condition "${condition}"`);
      }
    }
  });

  it('says where it comes from: license with its text, repository, homepage, bugs, keywords', { timeout: LONG }, () => {
    assert.equal(pkg.license, 'MIT');
    assert.match(readFileSync(join(installed, 'LICENSE'), 'utf8'), /^MIT License\n/);
    for (const field of ['repository', 'homepage', 'bugs', 'keywords', 'description']) assert.ok(pkg[field] !== undefined, `package.json has no "${field}"`);
  });

  it('links from the README only to what ships or to absolute addresses', { timeout: LONG }, () => {
    const readme = readFileSync(join(installed, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)|<img[^>]*\ssrc="([^"]+)"|<a[^>]*\shref="([^"]+)"/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
    assert.ok(links.length > 0, 'no links found: the pattern is wrong');
    for (const link of links) {
      if (/^(https?:|mailto:|#)/.test(link)) continue;
      assert.ok(files.includes(link.replace(/^\.\//, '').replace(/#.*$/, '')), `the README links to ${link}, which does not ship`);
    }
  });

  it('needs bullmq and ioredis only as optional peers', { timeout: LONG }, () => {
    for (const name of ['bullmq', 'ioredis']) {
      assert.equal(pkg.dependencies?.[name], undefined, `${name} is a dependency`);
      assert.ok(pkg.peerDependencies?.[name] !== undefined, `${name} is not a peer dependency`);
      assert.equal(pkg.peerDependenciesMeta?.[name]?.optional, true, `${name} is not an optional peer`);
    }
  });
});

describe('the installed tarball, without bullmq and ioredis', () => {
  it('runs a Pool and a Process from dist/ and loads every other entry point', { timeout: LONG }, async () => {
    const ran = await run(process.execPath, ['consumer.mjs'], { cwd: app });
    assert.equal(ran.code, 0, `the consumer failed${describeRun(ran)}`);
    assert.deepEqual(lastJson(ran), { native: true, squares: [1, 4, 9], value: 42, exitcode: 0, entries: ['function', 'function', 'function'] });
  });

  it('runs the same under node --conditions=source, a monorepo convention the package must not answer to', { timeout: LONG }, async () => {
    const ran = await run(process.execPath, ['--conditions=source', 'consumer.mjs'], { cwd: app });
    assert.equal(ran.code, 0, `the consumer failed${describeRun(ran)}`);
    assert.deepEqual(lastJson(ran), { native: true, squares: [1, 4, 9], value: 42, exitcode: 0, entries: ['function', 'function', 'function'] });
  });

  it('a program that exits while its warm spare boots takes the spare with it: the package can be removed at once', { timeout: LONG }, async () => {
    const copy = mkdtempSync(join(tmpdir(), 'mpts-spare-exit-'));
    try {
      cpSync(app, copy, { recursive: true });
      // Removed the moment the program has exited, as an uninstall or a CI's cleanup would: a spare
      // still booting then would fail to load the library and print why, with no parent to tell.
      const ran = await run(process.execPath, ['spare-exit.mjs'], { cwd: copy, onExit: () => rmSync(copy, { recursive: true, force: true }) });
      assert.equal(ran.code, 0, `the program failed${describeRun(ran)}`);
      assert.deepEqual(lastJson(ran), { exitcode: 0 });
      assert.equal(ran.stderr, '', `something ran on after the program${describeRun(ran)}`);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('type-checks a consumer against the shipped declarations, wrong calls refused', { timeout: LONG }, async () => {
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', lib: ['ES2023', 'ESNext.Disposable'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(root, 'node_modules/@types')] },
        files: ['consumer-types.ts'],
      }),
    );
    const ran = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app });
    assert.equal(ran.code, 0, `tsc refused the consumer${describeRun(ran)}`);
  });

  it('multiprocessing-ts/redis fails at import with ERR_MP_MISSING_PEER, naming the install command', { timeout: LONG }, async () => {
    const ran = await run(process.execPath, ['redis-import.mjs'], { cwd: app });
    assert.equal(ran.code, 0, `the program failed${describeRun(ran)}`);
    const report = lastJson(ran);
    assert.deepEqual({ ...report, message: undefined }, { loaded: false, name: 'ProcessError', code: 'ERR_MP_MISSING_PEER', processError: true, message: undefined });
    assert.ok(String(report.message).includes('npm install bullmq ioredis'), `the message does not name the install command: ${String(report.message)}`);
  });

  it('mpts worker fails the same way; mpts map needs neither', { timeout: LONG }, async () => {
    const mpts = join(installed, pkg.bin.mpts as string);
    const worker = await run(process.execPath, [mpts, 'worker', '--redis', 'redis://127.0.0.1:1', '--name', 'n', '--module', 'tasks.js'], { cwd: app });
    assert.equal(worker.code, 1, `mpts worker did not fail${describeRun(worker)}`);
    assert.ok(worker.stderr.includes('npm install bullmq ioredis'), `mpts worker does not name the install command${describeRun(worker)}`);
    const map = await run(process.execPath, [mpts, 'map', '--jobs', '2', '--keep-order', 'echo "file: {}"'], { cwd: app, input: 'a b\nc\n' });
    assert.equal(map.code, 0, `mpts map failed${describeRun(map)}`);
    assert.equal(map.stdout, 'file: a b\nfile: c\n');
  });

  it('multiprocessing-ts/redis loads once bullmq and ioredis are installed', { timeout: LONG }, async () => {
    for (const name of ['bullmq', 'ioredis']) symlinkSync(join(root, 'node_modules', name), join(app, 'node_modules', name));
    try {
      const ran = await run(process.execPath, ['redis-import.mjs'], { cwd: app });
      assert.deepEqual(lastJson(ran), { loaded: true, pool: 'function', queue: 'function' }, describeRun(ran));
    } finally {
      for (const name of ['bullmq', 'ioredis']) rmSync(join(app, 'node_modules', name));
    }
  });
});

describe('bundlers: esbuild --bundle --platform=node', () => {
  async function bundle(format: 'esm' | 'cjs', external: string[]): Promise<Ran> {
    const outfile = join(app, `out-${format}-${external.length}/main.${format === 'esm' ? 'mjs' : 'cjs'}`);
    await build({ entryPoints: [join(app, 'bundled.mjs')], bundle: true, platform: 'node', format, external, outfile, logLevel: 'silent', absWorkingDir: app });
    return run(process.execPath, [outfile], { cwd: app });
  }

  // Children start from the package's own files (dist/backends/*/child-entry.js), which a bundle
  // leaves behind: the first Pool says to keep the package out of the bundle, rather than its
  // workers dying with a missing module.
  for (const format of ['esm', 'cjs'] as const) {
    it(`with the package inside ${format === 'esm' ? 'an ESM' : 'a CommonJS'} bundle, it loads, and the first Pool fails with ERR_MP_BUNDLED, naming what to mark external`, { timeout: LONG }, async () => {
      const ran = await bundle(format, []);
      assert.equal(ran.code, 0, `the bundle failed${describeRun(ran)}`);
      assert.equal(ran.stdout.split('\n')[0], 'loaded', `the bundle failed before its first Pool${describeRun(ran)}`);
      const report = lastJson(ran);
      assert.deepEqual({ ...report, message: undefined }, { started: false, name: 'ProcessError', code: 'ERR_MP_BUNDLED', message: undefined });
      assert.ok(String(report.message).includes('--external:multiprocessing-ts'), `the message does not say what to mark external: ${String(report.message)}`);
    });

    it(`with --external:multiprocessing-ts, ${format === 'esm' ? 'an ESM' : 'a CommonJS'} bundle runs its Pool`, { timeout: LONG }, async () => {
      const ran = await bundle(format, ['multiprocessing-ts']);
      assert.equal(ran.code, 0, `the bundle failed${describeRun(ran)}`);
      assert.deepEqual(lastJson(ran), { started: true, squares: [1, 4, 9] });
    });
  }
});
