// The doorbell of a ring (Ring.armDoorbell/takeDoorbell, src/synchronize/ring.ts): how a pool and
// its process worker wake each other through their IPC channel rather than a futex, and the odds
// that decide whether a look before such a sleep pays (LookOdds, src/latency.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LookOdds } from '../../src/latency.js';
import { Ring } from '../../src/synchronize/ring.js';
import { SHORT } from '../helpers/timeouts.js';

const message = new Uint8Array([1, 2, 3]);

describe('ring doorbell', { timeout: SHORT }, () => {
  it('rings once for a reader that armed it on an empty ring, and not again until it is armed again', () => {
    const ring = new Ring(64);
    assert.equal(ring.takeDoorbell(), false, 'no reader asleep');
    assert.equal(ring.armDoorbell(), true);
    assert.ok(ring.tryWriteNow(message));
    assert.equal(ring.takeDoorbell(), true, 'the reader sleeps on the bell');
    assert.ok(ring.tryWriteNow(message));
    assert.equal(ring.takeDoorbell(), false, 'one bell per sleep');
  });

  it('does not let a reader sleep on a ring that has data, and then does not ring', () => {
    const ring = new Ring(64);
    assert.ok(ring.tryWriteNow(message));
    assert.equal(ring.armDoorbell(), false);
    assert.ok(ring.tryWriteNow(message));
    assert.equal(ring.takeDoorbell(), false);
    assert.deepEqual(ring.tryReadNow(), message);
    assert.deepEqual(ring.tryReadNow(), message);
    assert.equal(ring.armDoorbell(), true, 'empty again');
  });

  it('is seen armed by another view of the same ring, as a process sees its peer', () => {
    const reader = new Ring(64);
    const writer = Ring.rebuild(reader.reduce('thread'));
    assert.equal(reader.armDoorbell(), true);
    assert.ok(writer.tryWriteNow(message));
    assert.equal(writer.takeDoorbell(), true);
    assert.equal(reader.takeDoorbell(), false);
  });
});

describe('LookOdds', { timeout: SHORT }, () => {
  // Run `waits` waits, each looking when the odds say so and finding what `found` says; the
  // number of waits skipped before each look.
  function skipsBeforeLooks(odds: LookOdds, waits: number, found: (look: number) => boolean): number[] {
    const skips: number[] = [];
    let skipped = 0;
    for (let i = 0; i < waits; i++) {
      if (!odds.worthIt()) {
        skipped++;
        continue;
      }
      skips.push(skipped);
      skipped = 0;
      odds.record(found(skips.length - 1));
    }
    return skips;
  }

  it('looks every time while looks find what they wait for', () => {
    assert.deepEqual(skipsBeforeLooks(new LookOdds(), 5, () => true), [0, 0, 0, 0, 0]);
  });

  it('skips one wait after a miss, twice as many after each further miss up to 64, and looks every time again after a hit', () => {
    const odds = new LookOdds();
    // 9 looks and the waits skipped between them.
    assert.deepEqual(skipsBeforeLooks(odds, 9 + 191, () => false), [0, 1, 2, 4, 8, 16, 32, 64, 64]);
    // 64 skipped, a look that finds, then the next at once, which misses: one skipped, and so on.
    assert.deepEqual(skipsBeforeLooks(odds, 64 + 1 + 1 + 1 + 1 + 2 + 1, (look) => look === 0), [64, 0, 1, 2]);
  });
});
