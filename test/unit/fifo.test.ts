// The FIFO queue in blocks (src/fifo.ts) that the pool's queue, its backpressure and the
// manager's Queue share: order across many blocks, and the rare ways out of turn.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Fifo } from '../../src/fifo.js';
import { SHORT } from '../helpers/timeouts.js';

const opts = { timeout: SHORT };
// Past several blocks of the queue.
const MANY = 10_000;

describe('Fifo', () => {
  it('gives items back in order across many blocks, interleaved or not', opts, () => {
    const queue = new Fifo<number>();
    assert.equal(queue.shift(), undefined);
    assert.equal(queue.peek(), undefined);
    for (let i = 0; i < MANY; i++) queue.push(i);
    assert.equal(queue.size, MANY);
    for (let i = 0; i < MANY / 2; i++) assert.equal(queue.shift(), i);
    // Interleaved: the reader crosses blocks the writer is still filling.
    for (let i = MANY; i < 2 * MANY; i++) {
      queue.push(i);
      assert.equal(queue.peek(), i - MANY / 2);
      assert.equal(queue.shift(), i - MANY / 2);
    }
    assert.equal(queue.size, MANY / 2);
    assert.deepEqual(queue.toArray(), Array.from({ length: MANY / 2 }, (_, i) => 1.5 * MANY + i));
    assert.equal(queue.drain().length, MANY / 2);
    assert.equal(queue.size, 0);
    assert.equal(queue.shift(), undefined);
    queue.push(7);
    assert.equal(queue.shift(), 7);
  });

  it('takes an item out from anywhere, and puts items back in front in their order', opts, () => {
    const queue = new Fifo<number>();
    for (let i = 0; i < MANY; i++) queue.push(i);
    assert.equal(queue.remove(5_000), true);
    assert.equal(queue.remove(5_000), false, 'once taken, it is not there');
    assert.equal(queue.remove(0), true);
    assert.equal(queue.remove(MANY - 1), true);
    assert.equal(queue.remove(-1), false);
    assert.equal(queue.size, MANY - 3);
    for (let i = 1; i < 100; i++) assert.equal(queue.shift(), i);
    queue.unshift([-2, -1]);
    assert.equal(queue.shift(), -2);
    assert.equal(queue.shift(), -1);
    const rest = queue.drain();
    assert.equal(rest.length, MANY - 3 - 99);
    assert.equal(rest[0], 100);
    assert.equal(rest.includes(5_000), false);
    assert.equal(rest.at(-1), MANY - 2);
  });
});
