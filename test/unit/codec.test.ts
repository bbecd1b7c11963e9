// The argument codec, the error codec and target descriptions: no children involved.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { encodeError, decodeError } from '../../src/codec/error-codec.js';
import { decodeHandles, encodeHandles } from '../../src/codec/handles.js';
import { fromPlainBytes, isPlain, madeOfItems, plainBytes } from '../../src/codec/plain.js';
import { loadTarget } from '../../src/codec/target-loader.js';
import { describeTarget } from '../../src/codec/targets.js';
import { PicklingError, ValueError, WorkerLostError } from 'multiprocessing-ts';
import { FileChannel } from '../fixtures/file-channel.js';
import { SHORT } from '../helpers/timeouts.js';

const opts = { timeout: SHORT };

describe('handle codec', () => {
  it('returns plain data as the very same object, without copying', opts, () => {
    const value = { a: [1, 2, { b: new Map([[1, new Set([2])]]) }], s: 'x' };
    const { value: out, hasHandles } = encodeHandles(value, "process");
    assert.equal(out, value);
    assert.equal(hasHandles, false);
  });

  it('does not walk the bytes of a large typed array', opts, () => {
    const big = new Float64Array(10 * 1024 * 1024 / 8);
    const args = [big, { nested: [big] }];
    const start = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) encodeHandles(args, "process");
    const perCallUs = Number(process.hrtime.bigint() - start) / 1000 / 1000;
    assert.equal(encodeHandles(args, "process").value, args);
    // Walking 1.3 M elements would take milliseconds per call; skipping them takes microseconds.
    assert.ok(perCallUs < 200, `encodeHandles took ${perCallUs.toFixed(1)} µs per call`);
  });

  it('replaces handles at any depth, copies only the path to them, and rebuilds them live', opts, async () => {
    const channel = new FileChannel('/tmp/never-written');
    const shared = { untouched: [1, 2, 3] };
    const value = { shared, deep: [{ m: new Map([['k', channel]]) }], set: new Set([channel]) };
    const { value: encoded, hasHandles } = encodeHandles(value, "process");
    assert.equal(hasHandles, true);
    assert.notEqual(encoded, value);
    assert.equal((encoded as typeof value).shared, shared);
    assert.equal(value.deep[0]?.m.get('k'), channel, 'the original is not modified');
    const decoded = (await decodeHandles(structuredClone(encoded), true)) as typeof value;
    const rebuilt = decoded.deep[0]?.m.get('k');
    assert.ok(rebuilt instanceof FileChannel);
    assert.equal(rebuilt.rebuilt, true);
    assert.equal(rebuilt.path, '/tmp/never-written');
    assert.ok([...decoded.set][0] instanceof FileChannel);
  });

  it('leaves NaN and sparse arrays as they are, and keeps the holes of an array that holds a handle', opts, async () => {
    const holes = [1, 2, 3];
    delete holes[1];
    const plain = [NaN, holes, new Map([[NaN, NaN]]), new Set([NaN]), { n: NaN }];
    const { value, hasHandles } = encodeHandles(plain, 'process');
    assert.equal(hasHandles, false);
    assert.equal(value, plain);
    const sparse: unknown[] = [new FileChannel('/tmp/never-written'), 2, 3];
    delete sparse[1];
    const encoded = encodeHandles(sparse, 'process');
    assert.equal(encoded.hasHandles, true);
    const decoded = (await decodeHandles(structuredClone(encoded.value), true)) as unknown[];
    assert.ok(decoded[0] instanceof FileChannel);
    assert.equal(1 in decoded, false, 'the hole is still a hole');
    assert.equal(decoded[2], 3);
  });

  it('handles cycles in plain data without looping', opts, () => {
    const a: { self?: unknown; n: number } = { n: 1 };
    a.self = a;
    assert.equal(encodeHandles([a], "process").hasHandles, false);
  });
});

describe('plain data', () => {
  it('is what JSON carries exactly, each object once, within the budget of values', opts, () => {
    const holes = [1, 2, 3];
    delete holes[1];
    const shared = {};
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const value of [1, 'text', true, null, [1, ['a']], { a: { b: [null] } }, Object.create(null) as object]) assert.equal(isPlain(value), true, inspect(value));
    for (const value of [-0, NaN, Infinity, undefined, 1n, Symbol('s'), () => 1, [undefined], { a: undefined }, holes, Object.assign([1], { x: 1 }), [shared, shared], cyclic, new Date(0), new Map(), new Uint8Array(1), new (class A {})()]) {
      assert.equal(isPlain(value), false, inspect(value));
    }
    assert.equal(isPlain([1, 2, 3], 4), true);
    assert.equal(isPlain([1, 2, 3], 3), false, 'four values (the array and its items) are past a budget of three');
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    assert.equal(isPlain(deep), false);
  });

  it('walks the items of a batch each on its own, each within the budget, and all within 16 times it', opts, () => {
    const shared = { a: 1 };
    const batch = [[shared], [shared]];
    assert.equal(isPlain({ b: batch }, Infinity, batch), true, 'an object two items share travels as two copies');
    assert.equal(isPlain({ b: batch }), false, 'without items, the second reference is seen');
    const within = [[shared, shared]];
    assert.equal(isPlain({ b: within }, Infinity, within), false, 'within one item, each object still once');
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    const cycle = [1, cyclic];
    assert.equal(isPlain({ b: cycle }, Infinity, cycle), false, 'an item that holds itself');
    const outside = { a: 1 };
    const rows = [[1]];
    assert.equal(isPlain({ p: outside, b: rows, q: outside }, Infinity, rows), false, 'an object outside the items, twice');
    const selfish: unknown[] = [];
    selfish.push(selfish);
    assert.equal(isPlain({ b: selfish }, Infinity, selfish), false, 'items that hold themselves');
    const long = [[1, 2, 3]];
    assert.equal(isPlain({ b: long }, 4, long), true, 'an item of four values');
    assert.equal(isPlain({ b: long }, 3, long), false, 'an item past the budget');
    // The message and the items array, then two values an item: 32 values in all for 15 items.
    const items = (n: number): number[][] => Array.from({ length: n }, () => [1]);
    const fifteen = items(15);
    const sixteen = items(16);
    assert.equal(isPlain({ b: fifteen }, 2, fifteen), true);
    assert.equal(isPlain({ b: sixteen }, 2, sixteen), false, 'past 16 times the budget in all');
  });

  it('answers false to a getter that asks again during a walk, and keeps the outer walk whole', opts, () => {
    const shared = {};
    // Were the inner call to reset the walk, the second reference to `shared` would pass as plain.
    const tricky = {
      a: shared,
      get inner(): boolean {
        return isPlain([1]);
      },
      b: shared,
    };
    assert.equal(isPlain(tricky), false);
    assert.equal(tricky.inner, true, 'after the walk, a call is answered again');
  });
});

describe('plain bytes', () => {
  const roundTrip = (value: unknown): unknown => {
    const bytes = plainBytes(value);
    assert.ok(bytes !== undefined, inspect(value));
    return fromPlainBytes(bytes);
  };

  it('packs long arrays of numbers beside the JSON text, and reads them back exactly, aligned or not', opts, () => {
    const ints = Array.from({ length: 1000 }, (_, i) => i * (i % 2 === 0 ? 1 : -1));
    const floats = Array.from({ length: 1000 }, (_, i) => [-0, NaN, Infinity, -Infinity, 0.5, 2 ** 40][i % 6]!);
    const message = { t: 'results', r: [1, 1, ints, 7, 2, 1, floats, 9], short: [1, 2, 3], s: 'é' };
    const bytes = plainBytes(message, message.r)!;
    assert.equal(bytes[0], 0x01, 'the packed form');
    assert.ok(bytes.length < 1000 * 4 + 1000 * 8 + 200, 'whole numbers as int32');
    const back = fromPlainBytes(bytes) as typeof message;
    assert.deepEqual(back.r[2], ints);
    const f = back.r[6] as number[];
    for (let i = 0; i < floats.length; i++) assert.ok(Object.is(f[i], floats[i]), `item ${i}`);
    assert.deepEqual({ ...back, r: undefined }, { ...message, r: undefined });
    // As a queue reads it: one byte into a buffer.
    const offset = new Uint8Array(bytes.length + 1);
    offset.set(bytes, 1);
    assert.deepEqual(fromPlainBytes(offset.subarray(1)), back);
    assert.deepEqual(roundTrip(ints), ints, 'a packed array alone');
    assert.equal(plainBytes([1, 2, 3])![0], '['.charCodeAt(0), 'short arrays stay JSON');
  });

  it('packs only arrays that are numbers and nothing else; the rest keeps the budget', opts, () => {
    const holey = Array.from({ length: 500 }, (_, i) => i);
    delete holey[250];
    const named = Object.assign(Array.from({ length: 500 }, (_, i) => i), { x: 1 });
    const mixed = [...Array.from({ length: 500 }, (_, i) => i), 'one'];
    assert.equal(plainBytes(holey), undefined);
    assert.equal(plainBytes(named), undefined, 'a named property goes to V8, which keeps it');
    assert.deepEqual(roundTrip(mixed), mixed, 'within the budget, as JSON');
    assert.equal(plainBytes(Array.from({ length: 5000 }, (_, i) => [i])), undefined, 'past the budget of values');
    const many = Array.from({ length: 50 }, () => Array.from({ length: 300 }, (_, i) => i / 3));
    assert.deepEqual(roundTrip({ many }), { many }, 'each packed array counts as one value');
    const mark = '\u0000mpts:f64';
    assert.equal(plainBytes([holey.slice(0, 10), Array.from({ length: 300 }, () => 1), mark]), undefined, 'the mark as data');
    assert.deepEqual(roundTrip([mark]), [mark], 'nothing packed: the mark is plain text');
  });

  it('leaves nothing to chance: a decoded array given a property, getters that change their answer or ask again', opts, () => {
    const decoded = roundTrip(Array.from({ length: 300 }, (_, i) => i)) as number[] & { label?: string };
    decoded.label = 'kept';
    assert.equal(plainBytes(decoded), undefined, 'a decoded array is the caller\'s own: its property goes to V8, which keeps it');
    const floats = Array.from({ length: 300 }, (_, i) => (i === 0 ? -0 : i === 1 ? NaN : i));
    const fresh = {
      get a(): number[] {
        return Array.from({ length: 300 }, (_, i) => i);
      },
      b: floats,
    };
    assert.equal(plainBytes(fresh), undefined, 'a getter that gives another array the second time');
    const ints = Array.from({ length: 300 }, (_, i) => i);
    let reads = 0;
    const changing = {
      get a(): number[] {
        if (++reads === 2) ints[5] = 0.5;
        return ints;
      },
    };
    assert.equal(plainBytes(changing), undefined, 'a getter that changes its array the second time');
    const nested = {
      x: floats,
      get y(): number {
        assert.equal(plainBytes([1]), undefined);
        assert.equal(isPlain([1]), false);
        return 1;
      },
    };
    const back = roundTrip(nested) as { x: number[]; y: number };
    assert.equal(back.y, 1);
    assert.ok(Object.is(back.x[0], -0) && Number.isNaN(back.x[1]) && back.x.length === 300, 'the outer message whole');
    assert.deepEqual(roundTrip([1]), [1], 'and the next call answered again');
  });

  it('trusts an array made of items alone to have no named property', opts, () => {
    // Against the mark's contract, to see that the check is skipped: the property is not looked for.
    const made = madeOfItems(Object.assign(Array.from({ length: 500 }, (_, i) => i), { x: 1 }));
    assert.equal(plainBytes(made)?.[0], 0x01, 'packed without looking for named properties');
    assert.deepEqual(roundTrip(madeOfItems(Array.from({ length: 500 }, (_, i) => i))), Array.from({ length: 500 }, (_, i) => i));
    const shared = Array.from({ length: 500 }, (_, i) => i);
    assert.equal(plainBytes([shared, shared]), undefined, 'one array twice is met once, as V8 would keep it');
  });
});

describe('error codec', () => {
  it('keeps class, message, stack, cause and own properties across structured clone', opts, () => {
    const cause = new RangeError('inner');
    const err = Object.assign(new TypeError('outer', { cause }), { code: 'E_WIDGET', detail: { n: 1 } });
    const back = decodeError(structuredClone(encodeError(err)));
    assert.ok(back instanceof TypeError);
    assert.equal(back.message, 'outer');
    assert.equal(back.stack, err.stack);
    assert.ok(back.cause instanceof RangeError);
    assert.equal((back.cause as Error).message, 'inner');
    assert.equal((back as unknown as { code: string }).code, 'E_WIDGET');
    assert.deepEqual((back as unknown as { detail: unknown }).detail, { n: 1 });
  });

  it('rebuilds the package\'s own classes with their fields', opts, () => {
    const back = decodeError(structuredClone(encodeError(new WorkerLostError('lost', null, 'SIGKILL', { code: 'ERR_MP_WORKER_LOST' }))));
    assert.ok(back instanceof WorkerLostError);
    assert.equal(back.signal, 'SIGKILL');
    assert.equal(back.code, 'ERR_MP_WORKER_LOST');
    assert.equal(back.name, 'WorkerLostError');
  });

  it('keeps the name of an unknown class on a plain Error, and wraps thrown non-errors', opts, () => {
    class WidgetError extends Error {
      override name = 'WidgetError';
    }
    const back = decodeError(structuredClone(encodeError(new WidgetError('w'))));
    assert.equal(back.name, 'WidgetError');
    assert.ok(back instanceof Error);
    const thrown = decodeError(structuredClone(encodeError({ weird: true })));
    assert.match(thrown.message, /Non-error value thrown/);
  });

  it('brands errors by name on the prototype, with a code', opts, () => {
    const e = new ValueError('bad state', { code: 'ERR_MP_CLOSED' });
    assert.equal(e.name, 'ValueError');
    assert.ok(!Object.keys(e).includes('name'));
    assert.equal(e.code, 'ERR_MP_CLOSED');
  });
});

describe('targets', () => {
  it('rebuilds arrow, async, generator-free and method-shorthand functions from source', opts, async () => {
    const obj = { square(x: number) { return x * x; }, async twice(x: number) { return 2 * x; } };
    assert.equal(((await loadTarget(describeTarget(obj.square))) as (x: number) => number)(3), 9);
    assert.equal(await ((await loadTarget(describeTarget(obj.twice))) as (x: number) => Promise<number>)(4), 8);
    assert.equal(((await loadTarget(describeTarget((x: number) => x + 1))) as (x: number) => number)(1), 2);
  });

  it('supplies esbuild\'s __name helper to nested named functions', opts, async () => {
    const source = { kind: 'source' as const, source: '(x=>{const inner=__name(y=>y*2,"inner");return inner.name + inner(x)})', hash: 'h-name', name: 't' };
    assert.equal(((await loadTarget(source)) as (x: number) => string)(2), 'inner4');
  });

  it('describes one function once (cached) and hashes by source', opts, () => {
    const f = (x: number) => x;
    const a = describeTarget(f);
    assert.equal(describeTarget(f), a);
    const g = (x: number) => x;
    const b = describeTarget(g);
    assert.ok(a.kind === 'source' && b.kind === 'source' && a.hash === b.hash);
  });

  it('refuses class-less garbage with TypeError and native code with PicklingError', opts, () => {
    assert.throws(() => describeTarget(42 as never), TypeError);
    assert.throws(() => describeTarget(JSON.parse), PicklingError);
  });
});
