// The pickle codec against pickles captured from CPython 3.11/3.12/3.13 (test/fixtures/vectors/
// pickle.json, copied from the project's wire spec), round trips, refusals and a fuzz run.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { describe, it } from 'node:test';
// The codec alone (not the package entry, which loads the managers and their allowlisted classes).
import { PicklingError, UnpicklingError } from '../../src/errors.js';
import {
  dumps, FrozenSet, loads, PyException, PyGlobal, PyIterator, PyObject, PyRange, registerClass, registerGlobal, Tuple, tuple, type LoadOptions,
} from '../../src/pickle/index.js';
import { SHORT, LONG } from '../helpers/timeouts.js';

// --- the vectors -------------------------------------------------------------------------------

type Hex = string | { prefix: string; repeat: string; count: number; suffix: string };
interface Typed {
  t: string;
  v?: unknown;
  hex?: Hex;
  utf8_surrogatepass_hex?: Hex;
  bits?: string;
  items?: unknown[];
  class?: string;
  args?: Typed[];
  real?: Typed;
  imag?: Typed;
  typeid?: string;
  address?: Typed;
  id?: string;
  auto?: boolean;
  token?: Typed;
  exposed?: string[];
  repr?: string;
}
interface Vector {
  name: string;
  python_repr: string;
  typed: Typed;
  pickles: Record<string, { hex: Hex; identical_on: string[]; differs_on?: Record<string, { hex: Hex }> }>;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/vectors/pickle.json', import.meta.url), 'utf8')) as { vectors: Vector[] };
const vectors = fixture.vectors;

const expand = (h: Hex): string => (typeof h === 'string' ? h : h.prefix + h.repeat.repeat(h.count) + h.suffix);
const bytesOf = (h: Hex): Buffer => Buffer.from(expand(h), 'hex');
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// An independent WTF-8 decoder (UTF-8 that lets surrogates through), for the expected strings.
function wtf8(bytes: Buffer): string {
  let s = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] as number;
    const n = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
    let cp = n === 1 ? b : b & (0xff >> (n + 1));
    for (let k = 1; k < n; k++) cp = (cp << 6) | ((bytes[i + k] as number) & 0x3f);
    s += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
    i += n;
  }
  return s;
}

// How the tests model the manager types (the managers module will register its own).
class TestToken {
  constructor(readonly typeid: string, readonly address: unknown, readonly id: string) {}
}
interface TestProxy { func: PyGlobal; token: TestToken; serializer: string; kwds: Map<unknown, unknown> }
const managerOptions: LoadOptions = {
  classes: {
    'multiprocessing.managers.Token': (_args, state) => {
      if (!(state instanceof Tuple && state.length === 3)) throw new TypeError('a Token state is a 3-tuple');
      return new TestToken(state[0] as string, state[1], state[2] as string);
    },
    'multiprocessing.managers.RebuildProxy': (args) => ({ func: args[0], token: args[1], serializer: args[2], kwds: args[3] }) as TestProxy,
    'multiprocessing.managers.Namespace': (args, state) => new PyObject('multiprocessing.managers', 'Namespace', args, state),
    'datetime.datetime': (args) => new PyObject('datetime', 'datetime', args),
  },
  globals: ['multiprocessing.managers.AutoProxy', 'multiprocessing.managers.ListProxy', 'multiprocessing.managers.DictProxy'],
};

const PYTYPES: Record<string, string> = { '_queue.Empty': 'queue.Empty' };

/** Assert that `actual` is the JS value of the Python value described by `typed`. */
function check(actual: unknown, typed: Typed, path: string, ancestors: unknown[] = []): void {
  const items = (typed.items ?? []) as Typed[];
  const inner = [...ancestors, actual];
  switch (typed.t) {
    case 'none':
      return assert.equal(actual, null, path);
    case 'bool':
      return assert.equal(actual, typed.v, path);
    case 'int': {
      const v = BigInt(typed.v as string);
      const expected = v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      return assert.equal(actual, expected, path);
    }
    case 'float': {
      assert.equal(typeof actual, 'number', path);
      const b = Buffer.alloc(8);
      b.writeDoubleBE(actual as number);
      return assert.equal(b.toString('hex'), typed.bits, path);
    }
    case 'str':
      return assert.equal(actual, wtf8(bytesOf(typed.utf8_surrogatepass_hex as Hex)), path);
    case 'bytes':
    case 'bytearray':
      assert.ok(actual instanceof Uint8Array, path);
      return assert.equal(hexOf(actual), expand(typed.hex as Hex), path);
    case 'list':
    case 'tuple':
      assert.ok(Array.isArray(actual), path);
      assert.equal(actual instanceof Tuple, typed.t === 'tuple', `${path}: tuple vs list`);
      assert.equal(actual.length, items.length, path);
      return items.forEach((item, i) => check(actual[i], item, `${path}[${i}]`, inner));
    case 'set':
    case 'frozenset': {
      assert.ok(actual instanceof Set, path);
      assert.equal(actual instanceof FrozenSet, typed.t === 'frozenset', `${path}: frozenset vs set`);
      assert.equal(actual.size, items.length, path);
      for (const item of items) {
        const found = [...actual].some((member) => {
          try {
            check(member, item, path, inner);
            return true;
          } catch {
            return false;
          }
        });
        assert.ok(found, `${path}: no member matches ${JSON.stringify(item)}`);
      }
      return;
    }
    case 'dict': {
      assert.ok(actual instanceof Map, path);
      const entries = [...actual.entries()];
      assert.equal(entries.length, items.length, path);
      return (typed.items as [Typed, Typed][]).forEach(([k, v], i) => {
        check(entries[i]?.[0], k, `${path} key ${i}`, inner);
        check(entries[i]?.[1], v, `${path}[key ${i}]`, inner);
      });
    }
    case 'backref':
      return assert.ok(ancestors.includes(actual), `${path}: not a reference to an enclosing container`);
    case 'complex':
      assert.ok(actual instanceof PyObject && actual.qualified === 'builtins.complex', path);
      check(actual.args[0], typed.real as Typed, `${path}.real`);
      return check(actual.args[1], typed.imag as Typed, `${path}.imag`);
    case 'exception': {
      assert.ok(actual instanceof PyException, `${path}: not a PyException`);
      assert.equal(actual.pyType, PYTYPES[typed.class as string] ?? typed.class, path);
      const args = typed.args as Typed[];
      assert.equal(actual.args.length, args.length, path);
      return args.forEach((a, i) => check(actual.args[i], a, `${path}.args[${i}]`));
    }
    case 'Token':
      assert.ok(actual instanceof TestToken, `${path}: not a Token`);
      assert.equal(actual.typeid, typed.typeid, path);
      assert.equal(actual.id, typed.id, path);
      return check(actual.address, typed.address as Typed, `${path}.address`);
    case 'proxy': {
      const proxy = actual as TestProxy;
      assert.ok(proxy.func instanceof PyGlobal, path);
      assert.equal(proxy.func.module, 'multiprocessing.managers', path);
      assert.equal(proxy.func.name, typed.auto ? 'AutoProxy' : typed.class, path);
      check(proxy.token, typed.token as Typed, `${path}.token`);
      assert.equal(proxy.serializer, 'pickle', path);
      assert.ok(proxy.kwds instanceof Map, path);
      if (typed.auto) assert.deepEqual([...(proxy.kwds.get('exposed') as Tuple)], typed.exposed, path);
      else assert.equal(proxy.kwds.size, 0, path);
      return;
    }
    case 'object': {
      assert.ok(actual instanceof PyObject, `${path}: not a PyObject`);
      assert.equal(actual.qualified, typed.class, path);
      if (typed.class === 'builtins.slice') assert.deepEqual(actual.args, [0, 2, null], path);
      if (typed.class === 'multiprocessing.managers.Namespace') {
        assert.deepEqual(actual.state, new Map<string, unknown>([['x', 1], ['y', 'two']]), path);
      }
      return;
    }
    default:
      assert.fail(`${path}: unknown typed value ${typed.t}`);
  }
}

/** True when the value names a global outside the built-in allowlist. */
function needsManagerClasses(typed: unknown): boolean {
  if (typed === null || typeof typed !== 'object') return false;
  const t = typed as Typed;
  if (t.t === 'Token' || t.t === 'proxy' || (t.t === 'object' && t.class !== 'builtins.slice')) return true;
  return Object.values(t).some((v) => (Array.isArray(v) ? v.some(needsManagerClasses) : needsManagerClasses(v)));
}

const REFUSED = (code: string, name?: string) => (e: unknown): boolean => {
  assert.ok(e instanceof UnpicklingError, `expected UnpicklingError, got ${String(e)}`);
  assert.equal(e.code, code);
  if (name !== undefined) assert.match(e.message, new RegExp(name.replace(/\./g, '\\.')));
  return true;
};

describe('pickle: CPython vectors', () => {
  it('the fixture has all 95 values', () => {
    assert.equal(vectors.length, 95);
  });

  for (const vector of vectors) {
    it(`loads ${vector.name} (${Object.keys(vector.pickles).map((p) => `protocol ${p}`).join(', ')})`, { timeout: SHORT }, () => {
      for (const [protocol, pickle] of Object.entries(vector.pickles)) {
        const variants: [string, Hex][] = [[pickle.identical_on.join('/'), pickle.hex]];
        for (const [version, other] of Object.entries(pickle.differs_on ?? {})) variants.push([version, other.hex]);
        for (const [versions, hex] of variants) {
          const data = bytesOf(hex);
          check(loads(data, managerOptions), vector.typed, `${vector.name} p${protocol} ${versions}`);
          if (needsManagerClasses(vector.typed)) {
            assert.throws(() => loads(data), REFUSED('ERR_MP_UNPICKLE_REFUSED'), `${vector.name} without the manager classes`);
          } else {
            check(loads(data), vector.typed, `${vector.name} p${protocol} ${versions} (default allowlist)`);
          }
        }
      }
    });
  }

  it('AttributeError of 3.12+ keeps its BUILD state', () => {
    const vector = vectors.find((v) => v.name === 'exc_attributeerror') as Vector;
    const hex = vector.pickles['4']?.differs_on?.['3.12.1']?.hex as Hex;
    const exc = loads(bytesOf(hex)) as PyException;
    assert.ok(exc.state instanceof Map);
    assert.equal(exc.state.get('name'), 'y');
    assert.equal(exc.name, 'AttributeError');
    assert.equal(exc.message, "'X' object has no attribute 'y'");
  });
});

// Build the JS value of a typed description, for dumps (floats that are safe integers come back
// as ints, so vectors holding those are not byte-compared).
function fromTyped(t: Typed): unknown {
  const items = (t.items ?? []) as Typed[];
  switch (t.t) {
    case 'none': return null;
    case 'bool': return t.v;
    case 'int': {
      const v = BigInt(t.v as string);
      return v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    case 'float': return Buffer.from(t.bits as string, 'hex').readDoubleBE(0);
    case 'str': return wtf8(bytesOf(t.utf8_surrogatepass_hex as Hex));
    case 'bytes': return new Uint8Array(bytesOf(t.hex as Hex));
    case 'list': return items.map(fromTyped);
    case 'tuple': return Tuple.from(items.map(fromTyped));
    case 'set': return new Set(items.map(fromTyped));
    case 'frozenset': return new FrozenSet(items.map(fromTyped));
    case 'dict': return new Map((t.items as [Typed, Typed][]).map(([k, v]) => [fromTyped(k), fromTyped(v)]));
    case 'exception': {
      const cls = t.class as string;
      return new PyException(PYTYPES[cls] ?? cls, (t.args as Typed[]).map(fromTyped));
    }
    case 'complex': return new PyObject('builtins', 'complex', [fromTyped(t.real as Typed), fromTyped(t.imag as Typed)]);
    default: return undefined;
  }
}

function representable(t: unknown): boolean {
  if (t === null || typeof t !== 'object') return true;
  const typed = t as Typed;
  if (typed.t === 'float' && Number.isSafeInteger(Buffer.from(typed.bits as string, 'hex').readDoubleBE(0))) return false;
  if (['backref', 'object', 'Token', 'proxy', 'bytearray'].includes(typed.t)) return false;
  if (typed.t === 'set' || typed.t === 'frozenset') return false; // CPython's order is its hash order
  return Object.values(typed).every((v) => (Array.isArray(v) ? v.every(representable) : representable(v)));
}

describe('pickle: dumps writes what CPython writes', () => {
  // Values whose bytes depend on CPython object identity (shared / interned objects).
  const identity = new Set(['shared_reference', 'same_string_twice']);
  const exact = vectors.filter((v) => representable(v.typed) && !identity.has(v.name) && v.pickles['4'] !== undefined);

  it(`protocol 4 bytes equal CPython's for the ${exact.length} vectors with a direct JS value`, { timeout: SHORT }, () => {
    for (const vector of exact) {
      const pickle = vector.pickles['4'] as { hex: Hex; identical_on: string[] };
      assert.equal(hexOf(dumps(fromTyped(vector.typed))), expand(pickle.hex), vector.name);
    }
    assert.ok(exact.length >= 60, `only ${exact.length} vectors compared`);
  });

  it('protocols 2, 3 and 5 load back to the same values', () => {
    for (const vector of vectors.filter((v) => representable(v.typed) || v.typed.t === 'set')) {
      for (const protocol of [2, 3, 5] as const) {
        check(loads(dumps(fromTyped(vector.typed), { protocol })), vector.typed, `${vector.name} p${protocol}`);
      }
    }
  });

  it("('#RETURN', None) is CPython's 25 bytes", () => {
    assert.equal(hexOf(dumps(tuple('#RETURN', null))), '8004950e000000000000008c072352455455524e944e86942e');
  });

  it('an #ERROR queue.Empty reply is the bytes CPython sends', () => {
    const vector = vectors.find((v) => v.name === 'msg_error_empty') as Vector;
    assert.equal(hexOf(dumps(tuple('#ERROR', new PyException('queue.Empty')))), expand(vector.pickles['4']?.hex as Hex));
  });
});

// --- round trips -------------------------------------------------------------------------------

describe('pickle: round trips', () => {
  const roundTrip = (value: unknown, protocol?: 2 | 3 | 4 | 5): unknown => loads(dumps(value, protocol === undefined ? {} : { protocol }));
  const protocols = [2, 3, 4, 5] as const;

  it('scalars', () => {
    const values: unknown[] = [
      null, true, false, 0, 1, 255, 256, 65535, 65536, -1, -255, -256, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1,
      Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2n ** 53n, -(2n ** 53n), 2n ** 64n, 2n ** 100n, -(2n ** 70n), 2n ** 2100n, -(2n ** 2100n),
      1.5, -0, 0.1, -3.141592653589793, 1e308, 5e-324, Infinity, -Infinity, NaN,
      '', 'hello', 'h\u00e9llo w\u00f6rld \u2713', '\u{1F600}', 'a\0b', '\uFEFFbom', 'x'.repeat(255), 'y'.repeat(256), 'z'.repeat(70_000),
      '\ud800', 'a\udfffb', '\udc00\ud800', '\ud83d',
    ];
    for (const protocol of protocols) {
      for (const value of values) assert.deepStrictEqual(roundTrip(value, protocol), value, `${String(value).slice(0, 20)} p${protocol}`);
    }
  });

  it('bytes, including beyond a frame', () => {
    for (const protocol of protocols) {
      for (const n of [0, 1, 255, 256, 65_535, 65_536, 100_000]) {
        const bytes = new Uint8Array(n).map((_, i) => (i * 7) & 0xff);
        assert.deepStrictEqual(roundTrip(bytes, protocol), bytes);
      }
      assert.deepStrictEqual(roundTrip(Buffer.from('buf'), protocol), new Uint8Array(Buffer.from('buf')));
      assert.deepStrictEqual(roundTrip(new Uint8Array([1, 2]).buffer, protocol), new Uint8Array([1, 2]));
    }
  });

  it('containers', () => {
    const big = Array.from({ length: 2500 }, (_, i) => i);
    const values: unknown[] = [
      [], [1], [1, 'two', 3.5, null, [tuple()]], big, tuple(), tuple(1), tuple(1, 2), tuple(1, 2, 3), tuple(1, 2, 3, 4),
      tuple(tuple(), tuple(1), tuple(tuple(2))), new Map(), new Map([['a', 1]]),
      new Map<unknown, unknown>([[1, 'one'], [tuple(1, 2), 'tuple'], [null, 0], [1.5, 'f'], ['s', new Map([['n', [1]]])], [new Uint8Array([1]), 'b']]),
      new Map(big.map((i) => [i, String(i)])), new Set(), new Set([1, 'a', tuple(1, 2)]), new Set(big), new FrozenSet(),
      new FrozenSet([1, 2]), new Set([new FrozenSet([1])]), [new Uint8Array(3), 'x'.repeat(70_000), new Uint8Array(70_000)],
    ];
    for (const protocol of protocols) {
      for (const value of values) assert.deepStrictEqual(roundTrip(value, protocol), value, `p${protocol}`);
    }
  });

  it('plain objects become dicts; undefined becomes None', () => {
    assert.deepStrictEqual(roundTrip({ a: 1, b: [true, undefined], c: { d: 'e' } }), new Map<string, unknown>([['a', 1], ['b', [true, null]], ['c', new Map([['d', 'e']])]]));
    assert.equal(roundTrip(undefined), null);
  });

  it('numbers: safe integers are ints, other numbers floats, bigints ints', () => {
    assert.equal(hexOf(dumps(3)), '80044b032e');
    assert.equal(hexOf(dumps(3n)), '80044b032e');
    assert.equal(hexOf(dumps(-0)), '8004950a000000000000004780000000000000002e');
    // 2^60 as a number is a float (it may not be the integer the writer meant); as a bigint, an int.
    assert.equal(dumps(2 ** 60)[11], 0x47);
    assert.equal(roundTrip(2 ** 60), 2 ** 60);
    assert.equal(roundTrip(2n ** 60n), 2n ** 60n);
    assert.equal(roundTrip(5n), 5);
  });

  it('shared references and cycles', () => {
    for (const protocol of protocols) {
      const shared = [1];
      const back = roundTrip([shared, shared], protocol) as unknown[][];
      assert.equal(back[0], back[1]);
      const list: unknown[] = [];
      list.push(list);
      const l2 = roundTrip(list, protocol) as unknown[];
      assert.equal(l2[0], l2);
      const map = new Map<string, unknown>();
      map.set('self', map);
      const m2 = roundTrip(map, protocol) as Map<string, unknown>;
      assert.equal(m2.get('self'), m2);
      // A tuple reached again through a list inside it.
      const inner: unknown[] = [];
      const t = tuple(inner, 'x');
      inner.push(t);
      const t2 = roundTrip(t, protocol) as Tuple;
      assert.ok(t2 instanceof Tuple);
      assert.equal((t2[0] as unknown[])[0], t2);
    }
  });

  it('exceptions', () => {
    for (const protocol of protocols) {
      for (const exc of [
        new PyException('builtins.KeyError', ['k']), new PyException('queue.Empty'), new PyException('queue.Full'),
        new PyException('builtins.ValueError', ['bad', 2]), new PyException('multiprocessing.managers.RemoteError', ['text']),
        new PyException('multiprocessing.context.AuthenticationError', ['digest sent was rejected']),
        new PyException('builtins.AttributeError', ['no y'], new Map<string, unknown>([['name', 'y']])),
      ]) {
        const back = roundTrip(exc, protocol) as PyException;
        assert.ok(back instanceof PyException);
        assert.equal(back.pyType, exc.pyType);
        assert.deepEqual(back.args, exc.args);
        assert.deepEqual(back.state, exc.state);
        assert.equal(back.message, exc.message);
      }
    }
    assert.equal(new PyException('builtins.KeyError', ['k']).message, "'k'");
    assert.equal(new PyException('builtins.ValueError', ['bad', 2]).message, "('bad', 2)");
    assert.equal(new PyException('queue.Empty').name, 'queue.Empty');
    assert.ok(new PyException('builtins.OSError', [2, 'x']) instanceof Error);
  });

  it('PyObject and PyGlobal', () => {
    for (const protocol of protocols) {
      const c = roundTrip(new PyObject('builtins', 'complex', [1.5, -2.5]), protocol) as PyObject;
      assert.deepEqual([c.qualified, c.args], ['builtins.complex', [1.5, -2.5]]);
      const s = roundTrip(new PyObject('builtins', 'slice', [0, 2, null]), protocol) as PyObject;
      assert.deepEqual([s.qualified, s.args], ['builtins.slice', [0, 2, null]]);
      const g = roundTrip(new PyGlobal('builtins', 'KeyError'), protocol);
      assert.deepEqual(g, new PyGlobal('builtins', 'KeyError'));
    }
    // No args and a state: NEWOBJ + BUILD, as CPython writes a Namespace.
    const ns = new PyObject('multiprocessing.managers', 'Namespace', [], new Map<string, unknown>([['x', 1], ['y', 'two']]));
    const vector = vectors.find((v) => v.name === 'namespace') as Vector;
    assert.equal(hexOf(dumps(ns)), expand(vector.pickles['4']?.hex as Hex));
  });

  it('typed arrays travel as array.array', () => {
    const arrays = [
      new Int8Array([-1, 2]), new Uint8ClampedArray([1, 255]), new Int16Array([-300, 5]), new Uint16Array([65535]), new Int32Array([-(2 ** 31), 7]),
      new Uint32Array([2 ** 32 - 1]), new BigInt64Array([-(2n ** 63n), 1n]), new BigUint64Array([2n ** 64n - 1n]), new Float32Array([1.5, -0.25]),
      new Float64Array([Math.PI, NaN]),
    ];
    for (const protocol of protocols) {
      for (const a of arrays) {
        const back = roundTrip(a, protocol) as ArrayLike<unknown>;
        // Clamped bytes come back as Uint8Array ('B'); the rest keep their type.
        assert.deepStrictEqual(Array.from(back), Array.from(a as ArrayLike<unknown>));
        if (!(a instanceof Uint8ClampedArray)) assert.equal(back.constructor, a.constructor);
      }
    }
    const u = roundTrip(new PyObject('array', 'array', ['u', 'h\u00e9'])) as PyObject;
    assert.deepEqual(u.args, ['u', 'h\u00e9']);
  });

  it('Tuple and FrozenSet stay immutable; Array methods on a Tuple give Arrays', () => {
    const t = tuple(1, 2, 3);
    assert.ok(Object.isFrozen(t));
    assert.throws(() => (t as unknown as number[]).push(4), TypeError);
    assert.ok(!(t.map((x) => x * 2) instanceof Tuple));
    assert.deepEqual(t.slice(1), [2, 3]);
    assert.ok(Tuple.from([1, 2]) instanceof Tuple && Tuple.of(3).length === 1 && new Tuple(3)[0] === 3);
    const f = new FrozenSet([1]);
    assert.throws(() => f.add(2), TypeError);
    assert.throws(() => f.delete(1), TypeError);
    assert.equal(f.size, 1);
  });

  it('what cannot be pickled throws PicklingError', () => {
    class Thing {}
    for (const value of [() => 1, Symbol('s'), new Thing(), new Date(), new Error('js error'), new WeakMap(), new DataView(new ArrayBuffer(1))]) {
      assert.throws(() => dumps(value), (e: unknown) => e instanceof PicklingError && !(e instanceof UnpicklingError) && e.code === 'ERR_MP_UNPICKLABLE', String(value));
    }
    assert.throws(() => dumps(new Map([[[1], 2]])), /unhashable/);
    assert.throws(() => dumps(new Set([new Map()])), /unhashable/);
    assert.throws(() => dumps(new Map([[tuple([1]), 2]])), /unhashable/);
    let deep: unknown = [];
    for (let i = 0; i < 5000; i++) deep = [deep];
    assert.throws(() => dumps(deep), (e: unknown) => e instanceof PicklingError && /deep/.test(e.message));
  });

  it('registerClass: load with a builder, dump with a reducer (NEWOBJ + BUILD by default)', () => {
    class Point {
      constructor(readonly x: number, readonly y: number) {}
    }
    registerClass('test_pickle_mod.Point', (args, state) => {
      const [x, y] = state === undefined ? args : (state as Tuple<number>);
      return new Point(x as number, y as number);
    }, {
      test: (v) => v instanceof Point,
      reduce: (p: Point) => ({ module: 'test_pickle_mod', name: 'Point', args: [], state: tuple(p.x, p.y) }),
    });
    const bytes = dumps([new Point(1, 2), new Point(3, 4)]);
    assert.ok(bytes.includes(0x81), 'NEWOBJ');
    assert.deepStrictEqual(loads(bytes), [new Point(1, 2), new Point(3, 4)]);
    // REDUCE form, and a shared instance stays shared.
    registerClass('test_pickle_mod:Outer.Pair', (args) => ({ pair: args }), {
      test: (v) => typeof v === 'object' && v !== null && 'pair' in v,
      reduce: (v: { pair: unknown[] }) => ({ module: 'test_pickle_mod', name: 'Outer.Pair', args: v.pair }),
    });
    const pair = { pair: [1, 'a'] };
    const back = loads(dumps([pair, pair])) as { pair: unknown[] }[];
    assert.deepStrictEqual(back[0], { pair: [1, 'a'] });
    assert.equal(back[0], back[1]);
    // A value-only global loads as a PyGlobal and cannot be called.
    registerGlobal('test_pickle_mod.Marker');
    assert.deepEqual(loads(dumps(new PyGlobal('test_pickle_mod', 'Marker'))), new PyGlobal('test_pickle_mod', 'Marker'));
    assert.throws(() => loads(dumps(new PyObject('test_pickle_mod', 'Marker', [1]))), REFUSED('ERR_MP_UNPICKLE_REFUSED'));
  });

  it('LoadOptions.classes extends and overrides the allowlist for one call', () => {
    const data = dumps(new PyObject('builtins', 'slice', [1, 5, null]));
    assert.deepEqual(loads(data, { classes: { 'builtins.slice': (args) => ({ slice: args }) } }), { slice: [1, 5, null] });
    assert.ok(loads(data) instanceof PyObject);
    const dt = dumps(new PyObject('datetime', 'datetime', [new Uint8Array(10)]));
    assert.throws(() => loads(dt), REFUSED('ERR_MP_UNPICKLE_REFUSED', 'datetime.datetime'));
  });
});

// --- refusals ----------------------------------------------------------------------------------

const marker = `/tmp/multiprocessing-ts-pickle-pwned-${process.pid}`;

/** A protocol-4 pickle calling module.name(arg) through STACK_GLOBAL + REDUCE. */
function stackGlobalCall(module: string, name: string, arg: string): Buffer {
  const str = (s: string) => Buffer.concat([Buffer.of(0x8c, Buffer.byteLength(s)), Buffer.from(s), Buffer.of(0x94)]);
  return Buffer.concat([Buffer.of(0x80, 0x04), str(module), str(name), Buffer.of(0x93, 0x94), str(arg), Buffer.of(0x85, 0x94, 0x52, 0x94, 0x2e)]);
}

describe('pickle: nothing from the input is ever executed', () => {
  it('refuses os.system in a protocol 0 pickle, naming it', () => {
    const p0 = Buffer.from(`cos\nsystem\n(S'touch ${marker}'\ntR.`, 'latin1');
    assert.throws(() => loads(p0), REFUSED('ERR_MP_UNPICKLE_REFUSED', 'os.system'));
    assert.ok(!existsSync(marker));
  });

  it('refuses dangerous globals via STACK_GLOBAL and GLOBAL before building anything', () => {
    let built = 0;
    const spy: LoadOptions = { classes: { 'test_spy.Spy': () => ++built } };
    const targets: [string, string][] = [
      ['os', 'system'], ['posix', 'system'], ['nt', 'system'], ['builtins', 'eval'], ['builtins', 'exec'], ['builtins', '__import__'],
      ['builtins', 'getattr'], ['subprocess', 'Popen'], ['subprocess', 'check_output'], ['__builtin__', 'eval'], ['builtins', 'open'],
      ['pickle', 'loads'], ['importlib', 'import_module'], ['copyreg', '__newobj__'], ['types', 'FunctionType'], ['builtins', 'type'],
    ];
    for (const [module, name] of targets) {
      assert.throws(() => loads(stackGlobalCall(module, name, `touch ${marker}`), spy), REFUSED('ERR_MP_UNPICKLE_REFUSED', `${module}.${name}`));
      const p2 = Buffer.concat([Buffer.from(`\x80\x02c${module}\n${name}\nq\x00`, 'latin1'), Buffer.from(`X\x05\x00\x00\x00hello\x85R.`, 'latin1')]);
      assert.throws(() => loads(p2, spy), REFUSED('ERR_MP_UNPICKLE_REFUSED'));
      // Even wrapped in an allowed call, the refused global stops the load before the call.
      const wrapped = Buffer.concat([Buffer.from('\x80\x04\x8c\x08test_spy\x94\x8c\x03Spy\x94\x93\x94', 'latin1'), stackGlobalCall(module, name, 'x').subarray(2, -1), Buffer.from('\x85R.', 'latin1')]);
      assert.throws(() => loads(wrapped, spy), REFUSED('ERR_MP_UNPICKLE_REFUSED'));
    }
    assert.equal(built, 0);
    assert.ok(!existsSync(marker));
  });

  it('refuses calls of non-callable allowlisted globals, persistent ids, extensions and out-of-band buffers', () => {
    const refusedHex = [
      '800450780a2e', // PERSID
      '80044e512e', // BINPERSID
      '80048201', // EXT1
      '8005972e', // NEXT_BUFFER
      '80044e2952', // REDUCE of None
    ];
    for (const hex of refusedHex) assert.throws(() => loads(Buffer.from(hex, 'hex')), REFUSED('ERR_MP_UNPICKLE_REFUSED'), hex);
    assert.throws(() => loads(stackGlobalCall('builtins', 'object', 'x')), REFUSED('ERR_MP_UNPICKLE_REFUSED', 'builtins.object'));
    rmSync(marker, { force: true });
  });
});

// --- malformed input ---------------------------------------------------------------------------

describe('pickle: malformed input', () => {
  const BAD = (e: unknown): boolean => e instanceof UnpicklingError && e.code === 'ERR_MP_BAD_PICKLE';
  const cases: [string, string][] = [
    ['empty', ''],
    ['no STOP', '80044b01'],
    ['truncated frame header', '800495'],
    ['frame longer than the data', '8004951000000000000000'],
    ['unknown opcode', '8004ff'],
    ['unsupported protocol', '80062e'],
    ['stack underflow at STOP', '80042e'],
    ['stack underflow at APPEND', '80045d612e'],
    ['TUPLE without MARK', '80044b01742e'],
    ['TUPLE2 with one item', '80044b01862e'],
    ['BINGET of a missing memo entry', '800468052e'],
    ['LONG_BINGET of a missing memo entry', '80046affffffff2e'],
    ['MEMOIZE with an empty stack', '8004942e'],
    ['SHORT_BINUNICODE longer than the data', '80048c0561622e'],
    ['BINUNICODE8 of 2^63 bytes', '80048d00000000000000802e'],
    ['BINBYTES of 4 GiB', '800442ffffffff2e'],
    ['LONG4 with a negative length', '80048bffffffff2e'],
    ['BINSTRING with a negative length', '800254ffffffff2e'],
    ['invalid UTF-8', '80048c02c3282e'],
    ['overlong UTF-8', '80048c02c0af2e'],
    ['APPEND to a tuple', '8004294b01612e'],
    ['SETITEM on a list', '80045d4b014b02732e'],
    ['ADDITEMS on a frozenset', '80042891284b01902e'],
    ['odd SETITEMS', '80047d284b01752e'],
    ['STACK_GLOBAL of ints', '80044b014b02932e'],
    ['REDUCE with a list of args', '80048c086275696c74696e73948c046c697374949394285d52942e'],
    ['BUILD on an int', '80044b017d284b014b0275622e'],
    ['text INT not a number', '8002497a7a0a2e'],
    ['text INT with too many digits', `4931${'30'.repeat(5000)}0a2e`],
    ['FLOAT not a number', '46312e322e330a2e'],
    ['STRING not quoted', '536162630a2e'],
    ['GLOBAL without newline', '63627569'],
    ['bytes() of 300', '80048c086275696c74696e73948c056279746573949394' + '5d944d2c016185522e'],
    ['MARKs nested too deeply', '28'.repeat(100_001)],
    ['bytes of non-ASCII str as ascii', '80028c075f636f646563738c06656e636f6465938c02c3a98c0561736369698652942e'],
  ];
  for (const [name, hex] of cases) {
    it(`${name} → ERR_MP_BAD_PICKLE`, () => {
      assert.throws(() => loads(Buffer.from(hex, 'hex')), BAD);
    });
  }

  it('a pickle bomb (list() of one big memoized list, thousands of times) stops early', { timeout: SHORT }, () => {
    const data = Buffer.concat([
      Buffer.from('80048c086275696c74696e73948c046c697374949394', 'hex'), // memo 2: builtins.list
      Buffer.from('5d9428', 'hex'), // memo 3: [], MARK
      Buffer.from('4b01'.repeat(100_000), 'hex'),
      Buffer.from('65', 'hex'), // APPENDS: 100,000 items
      Buffer.from('68026803855230'.repeat(5000), 'hex'), // list(memo[3]), POP: 500 million copies
      Buffer.from('4e2e', 'hex'),
    ]);
    const started = Date.now();
    assert.throws(() => loads(data), (e: unknown) => e instanceof UnpicklingError && e.code === 'ERR_MP_BAD_PICKLE' && /too much work/.test(e.message));
    assert.ok(Date.now() - started < 5000);
  });

  it('ranges and iterators are data: a huge range loads at once (lazily); expanding one is charged as work', { timeout: SHORT }, () => {
    const huge = loads(dumps(new PyRange(0, 10n ** 18n))) as PyRange;
    assert.ok(huge instanceof PyRange && huge.size === 10n ** 18n);
    const lazy = loads(dumps(new PyObject('builtins', 'iter', [new PyRange(5, 10n ** 18n)], undefined, false))) as PyIterator;
    assert.deepEqual([lazy.next().value, lazy.next().value], [5, 6]);
    // list(range(10**9)) and list(iter(range(10**9))): refused before a billion items are made.
    for (const arg of [new PyRange(0, 1e9), new PyObject('builtins', 'iter', [new PyRange(0, 1e9)], undefined, false)]) {
      const started = Date.now();
      assert.throws(() => loads(dumps(new PyObject('builtins', 'list', [arg], undefined, false))), (e: unknown) => e instanceof UnpicklingError && e.code === 'ERR_MP_BAD_PICKLE' && /too much work/.test(e.message));
      assert.ok(Date.now() - started < 5000);
    }
    // Bad arguments and states are bad pickles.
    for (const bad of [
      new PyObject('builtins', 'range', [0, 1, 0], undefined, false),
      new PyObject('builtins', 'range', ['a'], undefined, false),
      new PyObject('builtins', 'iter', [1], undefined, false),
      new PyObject('builtins', 'iter', [[1]], 'not an index', false),
      new PyObject('builtins', 'enumerate', [[1], 'start'], undefined, false),
    ]) assert.throws(() => loads(dumps(bad)), (e: unknown) => e instanceof UnpicklingError && e.code === 'ERR_MP_BAD_PICKLE');
    // map/filter name functions: refused.
    assert.throws(() => loads(dumps(new PyObject('builtins', 'map', [new PyGlobal('os', 'system'), ['id']], undefined, false))), (e: unknown) => e instanceof UnpicklingError && e.code === 'ERR_MP_UNPICKLE_REFUSED');
  });

  it('a malformed option is a TypeError, not a bad pickle; any Uint8Array view is read in place', () => {
    assert.throws(() => loads(dumps(1), { classes: { nodot: () => 1 } }), TypeError);
    assert.throws(() => loads('80044e2e' as unknown as Uint8Array), TypeError);
    const backing = new Uint8Array([0xff, 0xff, ...Buffer.from('80044b2a2e', 'hex'), 0xff]);
    assert.equal(loads(backing.subarray(2, 7)), 42);
  });

  it('valid oddities load: trailing bytes after STOP, PROTO 5 frames, READONLY_BUFFER, DUP, POP_MARK', () => {
    assert.equal(loads(Buffer.from('80044b072e0000ff', 'hex')), 7);
    assert.deepStrictEqual(loads(Buffer.from('800543026869982e', 'hex')), new Uint8Array([0x68, 0x69]));
    assert.deepStrictEqual(loads(Buffer.from('4b01322e', 'hex')), 1);
    assert.deepStrictEqual(loads(Buffer.from('4b01284b02314b03862e', 'hex')), tuple(1, 3));
  });
});

// --- protocol 0 / 1 (text) ---------------------------------------------------------------------

describe('pickle: protocols 0 and 1', () => {
  it('loads text opcodes: INT, LONG, FLOAT, STRING, UNICODE, LIST, DICT, GET/PUT, INST, OBJ', () => {
    const p = (s: string) => loads(Buffer.from(s, 'latin1'));
    assert.deepStrictEqual(p('(lp0\nI1\naI01\naI00\naL123456789012345678901234567890L\naF1.5\naFinf\naS\'a\\x41\\n\\\'\'\nag0\na.'),
      (() => { const l: unknown[] = [1, true, false, 123456789012345678901234567890n, 1.5, Infinity, "aA\n'"]; l.push(l); return l; })());
    assert.deepStrictEqual(p('(dp0\nVk\\u00e9\\U0001f600\np1\nI-5\ns.'), new Map([['k\u00e9\u{1F600}', -5]]));
    assert.deepStrictEqual(p('(I1\nI2\ntp0\n.'), tuple(1, 2));
    assert.deepStrictEqual(p('((I1\nI2\ntp0\ni__builtin__\nlist\np1\n.'), [1, 2]);
    const e = p('(cexceptions\nKeyError\nS\'k\'\no.') as PyException;
    assert.equal(e.pyType, 'builtins.KeyError');
    assert.deepEqual(e.args, ['k']);
    assert.equal(p('U\x03abc.'), 'abc');
    assert.equal(p('T\x02\x00\x00\x00hi.'), 'hi');
  });
});

// --- fuzz ----------------------------------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('pickle: fuzz', () => {
  it('mutated and truncated pickles only ever throw UnpicklingError', { timeout: LONG }, () => {
    const rand = mulberry32(0x5eed);
    const int = (n: number) => Math.floor(rand() * n);
    const seeds: Buffer[] = [];
    for (const v of vectors) {
      for (const p of Object.values(v.pickles)) {
        const b = bytesOf(p.hex);
        if (b.length < 20_000) seeds.push(b);
      }
    }
    seeds.push(Buffer.from(dumps([new Map<unknown, unknown>([[tuple(1, 'a'), new Set([1n << 80n])]]), new PyException('builtins.KeyError', ['k']), new Int32Array([1, 2])])));
    const opcodes = [0x28, 0x2e, 0x30, 0x31, 0x32, 0x52, 0x61, 0x62, 0x65, 0x68, 0x6a, 0x71, 0x72, 0x73, 0x74, 0x75, 0x81, 0x85, 0x86, 0x87, 0x8a, 0x8b, 0x8c, 0x8d, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96];
    const started = Date.now();
    let ok = 0;
    let refused = 0;
    let bad = 0;
    const N = 20_000;
    for (let i = 0; i < N; i++) {
      const seed = seeds[int(seeds.length)] as Buffer;
      let data = Buffer.from(seed);
      const rounds = 1 + int(4);
      for (let r = 0; r < rounds; r++) {
        const at = int(data.length + 1);
        switch (int(7)) {
          case 0: data = data.subarray(0, at); break; // truncate
          case 1: if (data.length) data[Math.min(at, data.length - 1)] = int(256); break; // random byte
          case 2: if (data.length) data[Math.min(at, data.length - 1)] = opcodes[int(opcodes.length)] as number; break; // random opcode
          case 3: data = Buffer.concat([data.subarray(0, at), Buffer.of(int(256)), data.subarray(at)]); break; // insert
          case 4: data = Buffer.concat([data.subarray(0, at), data.subarray(Math.min(data.length, at + 1 + int(8)))]); break; // delete
          case 5: { const from = int(data.length + 1); data = Buffer.concat([data.subarray(0, at), data.subarray(from, from + int(16)), data.subarray(at)]); break; } // duplicate
          case 6: if (data.length > 4) data.writeUInt8(0xff, int(data.length)); break;
        }
      }
      try {
        loads(data, i % 2 === 0 ? managerOptions : {});
        ok++;
      } catch (e) {
        if (!(e instanceof UnpicklingError)) assert.fail(`seed ${i}: ${data.toString('hex')} threw ${String(e)}`);
        if (e.code === 'ERR_MP_UNPICKLE_REFUSED') refused++;
        else if (e.code === 'ERR_MP_BAD_PICKLE') bad++;
        else assert.fail(`unexpected code ${e.code}`);
      }
    }
    const elapsed = Date.now() - started;
    console.log(`fuzz: ${N} inputs in ${elapsed} ms: ${ok} loaded, ${bad} malformed, ${refused} refused`);
    assert.ok(elapsed < 30_000);
    assert.ok(bad > N / 4);
  });
});
