// The distributed pool's job encoding: plain data goes as JSON (BullMQ stores jobs as JSON), and
// whatever JSON would change goes V8-serialized. No Redis involved: JSON.parse(JSON.stringify())
// stands for BullMQ's storage.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeArgs, decodeOutcome, decodeReply, encodeArgs, encodeOutcome, encodeReply } from '../../src/redis/wire.js';
import { PicklingError } from 'multiprocessing-ts';
import { SHORT } from '../helpers/timeouts.js';

const opts = { timeout: SHORT };
const throughJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const roundTrip = (args: unknown[]): unknown[] => decodeArgs(throughJson(encodeArgs(args, 'the arguments')));

function withHole(): number[] {
  const list = [1, 2, 3];
  delete list[1];
  return list;
}

function withExtra(): number[] {
  const list = [1, 2];
  return Object.assign(list, { extra: 'kept' });
}

describe('distributed pool wire encoding', () => {
  it('sends plain arguments and results as they are, without serializing them', opts, () => {
    const args = [1, -2.5, 'text \u{1f600} \ud800', true, null, [[]], { a: { b: [1, { c: 'd' }] } }, Object.create(null) as object];
    assert.equal(encodeArgs(args, 'the arguments'), args);
    assert.deepEqual(roundTrip(args), throughJson(args));
    assert.deepEqual(encodeOutcome(true, { n: 1 }), [1, { n: 1 }]);
    assert.deepEqual(encodeOutcome(true, undefined), [1]);
    assert.deepEqual(decodeOutcome(throughJson(encodeOutcome(true, undefined))), { ok: true, value: undefined });
    assert.deepEqual(decodeOutcome(throughJson(encodeOutcome(true, [2, 'x']))), { ok: true, value: [2, 'x'] });
  });

  it('serializes what JSON would change, and it arrives as V8 serialization rebuilds it', opts, () => {
    const shared = { n: 1 };
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100; i++) deep = [deep];
    const cases: [string, unknown][] = [
      ['negative zero', -0],
      ['NaN', NaN],
      ['Infinity', -Infinity],
      ['undefined in an array', [undefined]],
      ['undefined in an object', { a: undefined }],
      ['a hole', withHole()],
      ['an array with a named property', withExtra()],
      ['one object twice', [shared, shared]],
      ['a cycle', cyclic],
      ['a Date', new Date(5)],
      ['a Map', new Map([[1, 'a']])],
      ['a BigInt', 10n ** 30n],
      ['a typed array', new Uint8Array([1, 2])],
      ['a class instance (its own fields)', new (class Point { x = 1; y = 2; })()],
      ['deep nesting', deep],
    ];
    for (const [what, value] of cases) {
      const wire = encodeArgs([value], 'the arguments');
      assert.equal(typeof wire, 'string', `${what} should be serialized`);
      assert.deepEqual(roundTrip([value]), structuredClone([value]), what);
      const outcome = encodeOutcome(true, value);
      assert.equal(typeof outcome, 'string', `${what} should be serialized as a result`);
      assert.deepEqual(decodeOutcome(throughJson(outcome)), { ok: true, value: structuredClone(value) }, what);
    }
    const [pair] = roundTrip([[shared, shared]]) as [object[]];
    assert.equal(pair[0], pair[1], 'one object twice stays one object');
    assert.ok(Object.is(roundTrip([-0])[0], -0));
  });

  it('refuses arguments that cannot travel with a PicklingError, and turns such a result into its error', opts, () => {
    assert.throws(() => encodeArgs([() => 1], 'the arguments'), (err: unknown) => err instanceof PicklingError && /the arguments/.test(err.message));
    const outcome = decodeOutcome(throughJson(encodeOutcome(true, { f: Symbol('s') })));
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok && outcome.error instanceof PicklingError);
  });

  it('keeps the class and message of a task error', opts, () => {
    const outcome = decodeOutcome(throughJson(encodeOutcome(false, new RangeError('bad'))));
    assert.ok(!outcome.ok && outcome.error instanceof RangeError && outcome.error.message === 'bad');
  });

  it('reads back the replies it publishes, and ignores anything else on the channel', opts, () => {
    const done = { id: 'j.1', outcome: encodeOutcome(true, { n: [1, 2] }) };
    const given = { id: 'j.2', failed: 'lost' };
    assert.deepEqual(decodeReply(encodeReply(done)), done);
    assert.deepEqual(decodeReply(encodeReply(given)), given);
    const serialized = { id: 'j.3', outcome: encodeOutcome(true, new Map([[1, 2]])) };
    assert.deepEqual(decodeOutcome((decodeReply(encodeReply(serialized)) as typeof serialized).outcome), { ok: true, value: new Map([[1, 2]]) });
    for (const text of ['', 'not json', 'null', '{}', '[]', '[1, [1, 2]]', '["j", 5]', '["j", [2, 1]]', '["j", null]', '["j", null, 7]', '["j", [1, 2], "x"]']) {
      assert.equal(decodeReply(text), undefined, text);
    }
  });
});
