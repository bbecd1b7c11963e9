// A Redis worker's default report of its errors (serve() without onError, as `mpts worker` runs):
// a Redis that is down fails every reconnect alike, which must not flood stderr.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stderrReport } from '../../src/redis/serve.js';
import { SHORT } from '../helpers/timeouts.js';

describe("a worker's default error report", () => {
  it('says a message once, and while it repeats at most once a minute, with how often it came', { timeout: SHORT }, (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 0 });
    const lines: string[] = [];
    const report = stderrReport('jobs', (line) => lines.push(line));
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    for (let i = 0; i < 5; i++) report(refused);
    assert.deepEqual(lines, ['mpts worker (jobs): connect ECONNREFUSED 127.0.0.1:6379']);
    report(new Error('another'));
    t.mock.timers.tick(61_000);
    report(new Error('another'));
    assert.equal(lines.length, 3);
    t.mock.timers.tick(1_000);
    for (let i = 0; i < 3; i++) report(new Error('another'));
    t.mock.timers.tick(60_000);
    report(new Error('another'));
    assert.equal(lines.at(-1), 'mpts worker (jobs): another (4 times since the last report)');
  });
});
