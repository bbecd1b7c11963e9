// The coverage table of CPython's multiprocessing API (docs/python-coverage.md) stays true: it is
// what scripts/python-coverage.ts makes from the installed CPythons and our API now, and a rule of
// that script that names something our API does not have is an error.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { build, coverage, TABLE_FILE, type Api } from '../../scripts/python-coverage.js';
import { pythons } from '../helpers/python.js';
import { LONG } from '../helpers/timeouts.js';

const allPythons = pythons.every((p) => p.available);
if (!allPythons) console.log('# NOTICE: the coverage table is made from CPython 3.11, 3.12 and 3.13: its staleness check is skipped without all three');

describe('the Python coverage table', () => {
  it('docs/python-coverage.md is what the script makes now (after an API change: scripts/python-coverage.ts --write)', { timeout: LONG, skip: allPythons ? false : 'not every CPython is installed' }, () => {
    const [table, rows] = build();
    assert.ok(rows.length > 200);
    assert.equal(readFileSync(TABLE_FILE, 'utf8'), table);
  });

  it('a name the table claims under another name must be in our API; a plain one we lack is listed missing', { timeout: LONG }, () => {
    const none: Api = { has: () => false };
    assert.throws(() => coverage([{ title: 'ListProxy', names: ['__add__'] }], none), /ListProxy\.__add__ names concat, which our API does not have/);
    const rows = coverage([{ title: 'Pool', names: ['apply_async'] }, { title: 'SyncManager', names: ['Pool'] }], none);
    assert.deepEqual(rows.map((r) => [r.python, r.status]), [['apply_async', 'missing'], ['Pool', 'n/a']]);
    const all: Api = { has: () => true };
    assert.deepEqual(coverage([{ title: 'Pool', names: ['apply_async', 'map'] }], all).map((r) => [r.ours, r.status]), [['applyAsync', 'renamed'], ['map', 'same']]);
  });
});
