// The architecture's floors (docs/architecture.md), enforced: no module of src/ imports one on a
// higher floor, every module has a floor, and no two folders import each other.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const src = fileURLToPath(new URL('../../src/', import.meta.url));

// A unit is a folder of src/, or a file directly in src/. Each may use its own floor and those below.
const floors: Record<string, number> = {
  'errors.ts': 0,
  'runtime.ts': 0,
  'latency.ts': 0,
  'arguments.ts': 0,
  'fifo.ts': 0,
  'logger.ts': 0,
  addon: 1,
  shm: 1,
  codec: 1,
  connection: 1,
  pickle: 1,
  subprocess: 1,
  'resource-tracker': 1,
  backends: 2,
  process: 3,
  pool: 3,
  synchronize: 3,
  queues: 4,
  sharedctypes: 4,
  threading: 4,
  managers: 5,
  redis: 5,
  'context.ts': 6,
  'index.ts': 7,
  'threads.ts': 7,
  'exports-common.ts': 7,
  'connection.ts': 7,
  'subprocess.ts': 7,
  'managers.ts': 7,
  'redis.ts': 7,
  cli: 7,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function unitOf(file: string): string {
  return relative(src, file).split('/')[0] as string;
}

interface Edge {
  from: string;
  to: string;
  file: string;
  spec: string;
}

// Every import of ours (static, dynamic, type-only, re-export), as unit → unit edges.
function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sourceFiles(src)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName: spec } of info.importedFiles) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      out.push({ from: unitOf(file), to: unitOf(target), file: relative(src, file), spec });
    }
  }
  return out;
}

describe('layering of src/', () => {
  const all = edges();

  it('gives every module a floor', () => {
    const units = new Set(sourceFiles(src).map(unitOf));
    const missing = [...units].filter((unit) => floors[unit] === undefined);
    assert.deepEqual(missing, [], 'add each new folder or top-level file to the floors here and in docs/architecture.md');
  });

  it('has no import that runs up a floor', () => {
    const upward = all
      .filter((e) => (floors[e.to] ?? Infinity) > (floors[e.from] ?? -1))
      .map((e) => `${e.file} (floor ${floors[e.from]}) imports ${e.spec} (floor ${floors[e.to]})`);
    assert.deepEqual(upward, []);
  });

  it('has no two folders that import each other, directly or around a circle', () => {
    const next = new Map<string, Set<string>>();
    for (const e of all) if (e.from !== e.to) next.set(e.from, (next.get(e.from) ?? new Set()).add(e.to));
    const circles: string[] = [];
    for (const start of next.keys()) {
      // Depth-first from each unit, looking for a way back to it.
      const path: string[] = [start];
      const seen = new Set<string>();
      const walk = (unit: string): boolean => {
        for (const to of next.get(unit) ?? []) {
          if (to === start) return path.push(to) > 0;
          if (seen.has(to)) continue;
          seen.add(to);
          path.push(to);
          if (walk(to)) return true;
          path.pop();
        }
        return false;
      };
      if (walk(start)) circles.push(path.join(' → '));
    }
    assert.deepEqual(circles, []);
  });
});
