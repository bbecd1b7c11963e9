// The progress bar of `mpts map` and of a pool's map/imap: never wider than the terminal, the bar
// taking the room the figures leave.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { ProgressBar } from '../../src/pool/progress-bar.js';

const render = ProgressBar.render;

describe('ProgressBar', () => {
  it('fits every width, down to a terminal too narrow for the figures', () => {
    const states = [
      { done: 0, failed: 0, total: 100 },
      { done: 37, failed: 2, total: 100 },
      { done: 123456, failed: 7, total: 1000000 },
      { done: 5, failed: 0, total: undefined },
    ];
    for (const state of states) {
      for (let columns = 0; columns <= 200; columns++) {
        const line = render(state, 1234, columns);
        assert.ok(line.length <= Math.max(0, columns - 1), `${line.length} characters on ${columns} columns: ${JSON.stringify(line)}`);
        assert.ok(!line.includes('\n'));
      }
    }
  });

  it('grows the bar with the terminal, and fills it in proportion', () => {
    const state = { done: 50, failed: 0, total: 100 };
    const narrow = render(state, 1000, 60);
    const wide = render(state, 1000, 160);
    assert.equal(wide.length, 159);
    assert.equal(narrow.length, 59);
    const bar = (line: string): string => line.slice(1, line.indexOf(']'));
    assert.ok(bar(wide).length > bar(narrow).length);
    for (const line of [narrow, wide]) {
      const inner = bar(line);
      assert.equal(inner.split('#').length - 1, Math.round(inner.length / 2));
    }
    assert.ok(wide.endsWith('] 50/100 50%  eta 1s  50.0/s'));
  });

  it('drops the bar before the figures, and shows a count without a total', () => {
    assert.equal(render({ done: 1, failed: 0, total: 10 }, 1000, 24), '1/10 10%  eta 9s  1.0/s');
    assert.equal(render({ done: 3, failed: 1, total: undefined }, 1000, 80), '3 done  1 failed  3.0/s');
    assert.equal(render({ done: 3, failed: 1, total: undefined }, 1000, 8), '3 done ');
  });

  it('draws at the width its stream reports', () => {
    let written = '';
    const stream = Object.assign(
      new Writable({
        write(chunk: Buffer, _enc, done) {
          written += chunk.toString();
          done();
        },
      }),
      { columns: 30 },
    );
    const bar = new ProgressBar(stream, true);
    bar.update({ done: 1, failed: 0, total: 4 });
    bar.finish();
    const lines = written.split('\r\x1b[K').filter((l) => l.length > 0);
    assert.ok(lines.length >= 1);
    for (const line of lines) assert.ok(line.replace('\n', '').length <= 29, JSON.stringify(line));
  });
});
