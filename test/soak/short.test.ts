// The short soak (npm run test:soak) as part of the suite: every phase runs for a few seconds,
// with its kills at random moments (the seed it prints replays a failure: --seed=N).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const soak = fileURLToPath(new URL('./soak.ts', import.meta.url));

test('the short soak ends with every count 0', { timeout: 600_000 }, async (t) => {
  const child = spawn(process.execPath, ['--conditions=multiprocessing-ts:source', '--import', 'tsx', soak, '--short'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    signal: t.signal,
    killSignal: 'SIGKILL',
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const line = /^soak \(seed \d+\): (.*)$/m.exec(output);
  assert.ok(line !== null, `the soak printed no counts line:\n${output}`);
  const counts = [...line[1]!.matchAll(/([a-z ]+?) (\d+)(?:, |$)/g)].map(([, name, n]) => [name!.trim(), Number(n)] as const);
  assert.deepEqual(
    counts.map(([name]) => name),
    ['messages lost', 'duplicated', 'corrupted', 'hangs', 'orphans', 'segments left', 'errors'],
  );
  assert.deepEqual(counts.filter(([, n]) => n !== 0), [], output);
  assert.equal(code, 0, output);
});
