// The pickle codec against live CPython (3.11, and 3.12 / 3.13 where pyenv has them): what we
// dump, Python loads to equal values (same types, compared in Python); what Python dumps with
// protocols 0-5, we load to the expected JS values. Data goes over stdin/stdout as JSON + hex.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
// The codec alone (not the package entry, which loads the managers and their allowlisted classes).
import { UnpicklingError } from '../../src/errors.js';
import { dumps, FrozenSet, loads, PyException, PyGlobal, PyIterator, PyObject, PyRange, registerClass, Tuple, tuple } from '../../src/pickle/index.js';
import { pythons } from '../helpers/python.js';
import { LONG } from '../helpers/timeouts.js';

/** Run a Python script with `input` as JSON on stdin; resolve its stdout parsed as JSON. */
function python(name: string, script: string, input: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(name, ['-c', script], { env: { ...process.env, PYENV_VERSION: '3.11.7:3.12.1:3.13.0' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${name} exited with ${code}: ${err}`));
      try {
        resolve(JSON.parse(out));
      } catch (e) {
        reject(new Error(`${name} printed something that is not JSON: ${out.slice(0, 500)} ${err}`, { cause: e }));
      }
    });
    child.stdin.end(JSON.stringify(input));
  });
}

const PRELUDE = `
import sys, json, math, pickle, array, collections, queue, multiprocessing, multiprocessing.managers
def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return len(a) == len(b) and all(same(x, y) and same(a[x], b[y]) for x, y in zip(a, b))
    if isinstance(a, BaseException):
        return same(a.args, b.args) and same(a.__dict__, b.__dict__)
    return a == b
`;

// Python side of "TS dumps, Python loads": each case's pickle must load to a value `same` as
// eval(expr) (or pass check(value)); also reports pickle.dumps(expected, 4) for byte comparison.
const LOAD_SCRIPT = `${PRELUDE}
results = []
for case in json.load(sys.stdin):
    try:
        value = pickle.loads(bytes.fromhex(case['hex']))
        if 'check' in case:
            ok, expected_hex = bool(eval(case['check'])(value)), None
        else:
            expected = eval(case['expr'])
            # (Dump before comparing: reading e.__dict__ gives an exception a BUILD.)
            expected_hex = pickle.dumps(expected, 4).hex()
            ok = same(value, expected)
        results.append({'name': case['name'], 'ok': ok, 'got': '' if ok else repr(value)[:300], 'cpython_hex': expected_hex})
    except Exception as e:
        results.append({'name': case['name'], 'ok': False, 'got': repr(e)})
print(json.dumps(results))
`;

// Python side of "Python dumps, TS loads": pickle eval(expr) with each protocol.
const DUMP_SCRIPT = `${PRELUDE}
out = {}
for case in json.load(sys.stdin):
    value = eval(case['expr'])
    out[case['name']] = {str(p): pickle.dumps(value, p).hex() for p in range(0, 6)}
print(json.dumps({'version': list(sys.version_info[:2]), 'pickles': out}))
`;

// --- TS → Python --------------------------------------------------------------------------------

class Token {
  constructor(readonly typeid: string, readonly address: Tuple, readonly id: string) {}
}
registerClass('multiprocessing.managers.Token', (_args, state) => new Token(...(state as unknown as [string, Tuple, string])), {
  test: (v) => v instanceof Token,
  reduce: (t: Token) => ({ module: 'multiprocessing.managers', name: 'Token', args: [], state: tuple(t.typeid, t.address, t.id) }),
});

interface OutCase { name: string; value: unknown; expr?: string; check?: string; exact?: boolean }
const selfList: unknown[] = [];
selfList.push(selfList);
const selfDict = new Map<string, unknown>();
selfDict.set('me', selfDict);
const cycleInner: unknown[] = [];
const cycleTuple = tuple(cycleInner, 1);
cycleInner.push(cycleTuple);
const shared = [1, 2];

const outCases: OutCase[] = [
  { name: 'None', value: null, expr: 'None', exact: true },
  { name: 'undefined', value: undefined, expr: 'None' },
  { name: 'bools', value: [true, false], expr: '[True, False]', exact: true },
  { name: 'small ints', value: [0, 1, 255, 256, 65535, 65536, -1, -256, 2 ** 31 - 1, -(2 ** 31)], expr: '[0, 1, 255, 256, 65535, 65536, -1, -256, 2**31-1, -2**31]', exact: true },
  { name: 'big ints', value: [2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, 2n ** 64n, 2n ** 100n, -(2n ** 70n), 2n ** 2100n, -(2n ** 2100n) - 1n], expr: '[2**31, -2**31-1, 2**53-1, 2**64, 2**100, -2**70, 2**2100, -2**2100-1]', exact: true },
  { name: 'floats', value: [1.5, -0, 0.1, -Math.PI, 1e308, 5e-324, Infinity, -Infinity, NaN, 2 ** 60], expr: "[1.5, -0.0, 0.1, -math.pi, 1e308, 5e-324, math.inf, -math.inf, math.nan, float(2**60)]", exact: true },
  { name: 'str', value: ['', 'hello', 'h\u00e9llo w\u00f6rld \u2713', '\u{1F600}', 'a\0b', '\uFEFFbom', 'x'.repeat(300)], expr: "['', 'hello', 'h\\u00e9llo w\\u00f6rld \\u2713', '\\U0001F600', 'a\\x00b', '\\ufeffbom', 'x' * 300]", exact: true },
  { name: 'lone surrogates', value: ['\ud800x', '\udfff', 'a\udc80b'], expr: "['\\ud800x', '\\udfff', 'a\\udc80b']", exact: true },
  { name: 'bytes', value: [new Uint8Array(0), new Uint8Array([0, 255]), Buffer.from('buf')], expr: "[b'', b'\\x00\\xff', b'buf']", exact: true },
  { name: 'tuples and lists', value: [tuple(), tuple(1), tuple(1, 'a'), tuple(1, 2, 3), tuple(1, 2, 3, 4), [], [1], [[tuple()]]], expr: "[(), (1,), (1, 'a'), (1, 2, 3), (1, 2, 3, 4), [], [1], [[()]]]", exact: true },
  { name: 'dicts', value: new Map<unknown, unknown>([[1, 'one'], [tuple(1, 2), 'tuple'], [null, 0], [1.5, 'f'], [new Uint8Array([1]), 'b'], ['d', new Map([['n', [1]]])]]), expr: "{1: 'one', (1, 2): 'tuple', None: 0, 1.5: 'f', b'\\x01': 'b', 'd': {'n': [1]}}", exact: true },
  { name: 'plain object', value: { a: 1, b: [1, 2], c: { d: null } }, expr: "{'a': 1, 'b': [1, 2], 'c': {'d': None}}", exact: true },
  { name: 'sets', value: [new Set(), new Set([1, 'a', tuple(1, 2)]), new FrozenSet(), new FrozenSet([1, 2]), new Set([new FrozenSet([3])])], expr: "[set(), {1, 'a', (1, 2)}, frozenset(), frozenset({1, 2}), {frozenset({3})}]" },
  { name: 'large list (frames)', value: Array.from({ length: 30_000 }, (_, i) => i), expr: 'list(range(30000))', exact: true },
  { name: 'large dict', value: new Map(Array.from({ length: 2500 }, (_, i) => [i, String(i)])), expr: '{i: str(i) for i in range(2500)}', exact: true },
  { name: 'large set', value: new Set(Array.from({ length: 2500 }, (_, i) => i)), expr: 'set(range(2500))' },
  { name: 'large strings (frames)', value: Array.from({ length: 200 }, (_, i) => `${i}`.repeat(1000)), expr: "[str(i) * 1000 for i in range(200)]" },
  { name: 'big bytes and str (outside frames)', value: [new Uint8Array(100_000).map((_, i) => (i * 7) & 0xff), 'z'.repeat(70_000), 1], expr: "[bytes(i * 7 & 255 for i in range(100000)), 'z' * 70000, 1]", exact: true },
  { name: 'exceptions', value: [new PyException('builtins.KeyError', ['k']), new PyException('builtins.ValueError', ['bad', 2]), new PyException('builtins.StopIteration')], expr: "[KeyError('k'), ValueError('bad', 2), StopIteration()]", exact: true },
  { name: 'queue.Empty and queue.Full', value: [new PyException('queue.Empty'), new PyException('queue.Full')], expr: '[queue.Empty(), queue.Full()]', exact: true },
  { name: 'multiprocessing errors', value: [new PyException('multiprocessing.managers.RemoteError', ['tb']), new PyException('multiprocessing.context.AuthenticationError', ['digest sent was rejected'])], expr: "[multiprocessing.managers.RemoteError('tb'), multiprocessing.AuthenticationError('digest sent was rejected')]", exact: true },
  { name: 'exception with state', value: new PyException('builtins.AttributeError', ['no y'], new Map([['name', 'y']])), check: "lambda v: type(v) is AttributeError and v.args == ('no y',) and v.name == 'y'" },
  { name: 'complex, slice, range', value: [new PyObject('builtins', 'complex', [1.5, -2]), new PyObject('builtins', 'slice', [0, 2, null]), new PyObject('builtins', 'range', [0, 10, 2])], expr: '[complex(1.5, -2), slice(0, 2, None), range(0, 10, 2)]' },
  { name: 'PyRange', value: [new PyRange(0, 10, 2), new PyRange(5, -1, -3), new PyRange(0, 2n ** 70n)], expr: '[range(0, 10, 2), range(5, -1, -3), range(0, 2**70)]', exact: true },
  { name: 'PyIterator (the items it has left)', value: (() => {
    const it = new PyIterator([1, 2, 3]);
    it.next();
    return [it, new PyIterator('ab')];
  })(), check: "lambda v: [list(x) for x in v] == [[2, 3], ['a', 'b']]" },
  { name: 'globals', value: [new PyGlobal('builtins', 'KeyError'), new PyGlobal('collections', 'OrderedDict')], expr: '[KeyError, collections.OrderedDict]', exact: true },
  { name: 'typed arrays', value: [new Int8Array([-1, 2]), new Uint8ClampedArray([255]), new Int16Array([-300]), new Uint16Array([65535]), new Int32Array([1, -2]), new Uint32Array([2 ** 32 - 1]), new BigInt64Array([-(2n ** 63n)]), new BigUint64Array([2n ** 64n - 1n]), new Float32Array([1.5]), new Float64Array([Math.PI])], expr: "[array.array('b', [-1, 2]), array.array('B', [255]), array.array('h', [-300]), array.array('H', [65535]), array.array('i', [1, -2]), array.array('I', [2**32-1]), array.array('q', [-2**63]), array.array('Q', [2**64-1]), array.array('f', [1.5]), array.array('d', [math.pi])]" },
  // (Not byte-compared: CPython writes the module string 'array' twice, as two str objects.)
  { name: 'a Namespace (NEWOBJ + BUILD)', value: new PyObject('multiprocessing.managers', 'Namespace', [], new Map<string, unknown>([['x', 1], ['y', 'two']])), check: "lambda v: type(v) is multiprocessing.managers.Namespace and v.x == 1 and v.y == 'two'" },
  { name: 'a registered Token', value: new Token('Queue', tuple('127.0.0.1', 50000), '7f01'), check: "lambda v: type(v) is multiprocessing.managers.Token and (v.typeid, v.address, v.id) == ('Queue', ('127.0.0.1', 50000), '7f01')" },
  { name: 'a request with a Token', value: tuple(null, 'get_methods', tuple(new Token('Queue', tuple('127.0.0.1', 50000), '7f01')), new Map()), check: "lambda v: v[:2] == (None, 'get_methods') and v[2][0].id == '7f01' and v[3] == {}" },
  { name: 'shared reference', value: [shared, shared], check: 'lambda v: v == [[1, 2], [1, 2]] and v[0] is v[1]' },
  { name: 'self-referencing list', value: selfList, check: 'lambda v: type(v) is list and len(v) == 1 and v[0] is v' },
  { name: 'self-referencing dict', value: selfDict, check: "lambda v: v['me'] is v" },
  { name: 'tuple reached through its own list', value: cycleTuple, check: 'lambda v: type(v) is tuple and v[1] == 1 and v[0][0] is v' },
  { name: "('#RETURN', None)", value: tuple('#RETURN', null), expr: "('#RETURN', None)", exact: true },
  { name: "('#ERROR', queue.Empty())", value: tuple('#ERROR', new PyException('queue.Empty')), expr: "('#ERROR', queue.Empty())", exact: true },
];

// --- Python → TS --------------------------------------------------------------------------------

interface InCase { name: string; expr: string; expected?: unknown; verify?: (v: unknown, protocol: number, version: number[]) => void }
const inCases: InCase[] = [
  { name: 'None', expr: 'None', expected: null },
  { name: 'bools', expr: '[True, False]', expected: [true, false] },
  { name: 'ints', expr: '[0, 255, 256, 65536, -1, -256, 2**31, -2**31-1, 2**53-1, 2**53, 2**64, -2**70, 2**100]', expected: [0, 255, 256, 65536, -1, -256, 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, 2n ** 53n, 2n ** 64n, -(2n ** 70n), 2n ** 100n] },
  { name: 'huge int', expr: '2**2100 + 1', expected: 2n ** 2100n + 1n },
  { name: 'floats', expr: '[1.5, -0.0, 0.1, 1e308, 5e-324, math.inf, -math.inf, math.nan, 3.0]', expected: [1.5, -0, 0.1, 1e308, 5e-324, Infinity, -Infinity, NaN, 3] },
  { name: 'str', expr: "['', 'hello', 'h\\u00e9llo \\u2713', '\\U0001F600', 'a\\x00b', '\\ufeff', '\\ud800x', 'x' * 300, '\\\\u1234 and \\\\ (backslashes)']", expected: ['', 'hello', 'h\u00e9llo \u2713', '\u{1F600}', 'a\0b', '\uFEFF', '\ud800x', 'x'.repeat(300), '\\u1234 and \\ (backslashes)'] },
  { name: 'bytes and bytearray', expr: "[b'', b'\\x00\\xff', bytearray(b'ab\\x00'), bytes(range(256)) * 2]", expected: [new Uint8Array(0), new Uint8Array([0, 255]), new Uint8Array([0x61, 0x62, 0]), new Uint8Array(512).map((_, i) => i & 0xff)] },
  { name: 'containers', expr: "[(), (1,), (1, 2), (1, 2, 3, 4), [], [1, [2]], {}, {'a': 1, 1: 'b', (1, 2): None, None: 1.5}, set(), {1, 2}, frozenset(), frozenset({(1, 2)})]", expected: [tuple(), tuple(1), tuple(1, 2), tuple(1, 2, 3, 4), [], [1, [2]], new Map(), new Map<unknown, unknown>([['a', 1], [1, 'b'], [tuple(1, 2), null], [null, 1.5]]), new Set(), new Set([1, 2]), new FrozenSet(), new FrozenSet([tuple(1, 2)])] },
  { name: 'large containers', expr: '[list(range(2500)), {i: -i for i in range(1500)}, set(range(1200)), "y" * 100000, bytes(70000)]', expected: [Array.from({ length: 2500 }, (_, i) => i), new Map(Array.from({ length: 1500 }, (_, i) => [i, -i || 0])), new Set(Array.from({ length: 1200 }, (_, i) => i)), 'y'.repeat(100_000), new Uint8Array(70_000)] },
  { name: 'OrderedDict', expr: "collections.OrderedDict([('b', 1), ('a', 2)])", expected: new Map([['b', 1], ['a', 2]]) },
  { name: 'complex, slice, range', expr: '[complex(1, 2), slice(0, 2, None), range(3)]', verify: (v) => {
    const [c, s, r] = v as PyObject[];
    assert.deepEqual([c?.qualified, c?.args], ['builtins.complex', [1, 2]]);
    assert.deepEqual([s?.qualified, s?.args], ['builtins.slice', [0, 2, null]]);
    assert.ok(r instanceof PyRange);
    assert.deepEqual([r.start, r.stop, r.step, [...r]], [0, 3, 1, [0, 1, 2]]);
  } },
  { name: 'iterators (as data: a sequence and a position)', expr: "[iter([1, 2, 3]), (lambda it: (next(it), it)[1])(iter([1, 2, 3])), iter('ab'), reversed([1, 2, 3]), (lambda it: (next(it), it)[1])(reversed('abc')), zip([1, 2], 'abc'), enumerate('ab', 5), iter(range(2, 5)), iter((1, 2)), iter(b'ab'), iter({'k': 1}), iter([])]", verify: (v) => {
    const its = v as PyIterator[];
    assert.ok(its.every((it) => it instanceof PyIterator));
    assert.deepEqual(its.map((it) => [...it]), [[1, 2, 3], [2, 3], ['a', 'b'], [3, 2, 1], ['b', 'a'], [tuple(1, 'a'), tuple(2, 'b')], [tuple(5, 'a'), tuple(6, 'b')], [2, 3, 4], [1, 2], [0x61, 0x62], ['k'], []]);
  } },
  { name: 'zip(strict=True) of unequal lengths fails when read, as in Python', expr: "zip([1, 2], [3], strict=True) if sys.version_info >= (3, 10) else None", verify: (v) => {
    const it = v as PyIterator;
    assert.deepEqual(it.next().value, tuple(1, 3));
    assert.throws(() => it.next(), (e: unknown) => e instanceof PyException && e.pyType === 'builtins.ValueError' && /argument 2 is shorter than argument 1/.test(e.message));
  } },
  { name: 'a shared iterator stays one iterator (zip(it, it) pairs its items)', expr: '(lambda it: zip(it, it))(iter([1, 2, 3, 4]))', verify: (v) => {
    assert.deepEqual([...(v as PyIterator)], [tuple(1, 2), tuple(3, 4)]);
  } },
  { name: 'arrays', expr: "[array.array('i', [1, -2]), array.array('d', [1.5]), array.array('b', [-1]), array.array('Q', [2**64 - 1]), array.array('l', [-5])]", expected: [new Int32Array([1, -2]), new Float64Array([1.5]), new Int8Array([-1]), new BigUint64Array([2n ** 64n - 1n]), new BigInt64Array([-5n])] },
  { name: 'exceptions', expr: "[KeyError('k'), ValueError('bad', 2), StopIteration(), queue.Empty(), queue.Full(), multiprocessing.managers.RemoteError('tb'), multiprocessing.AuthenticationError('no')]", verify: (v) => {
    const got = (v as PyException[]).map((e) => [e instanceof PyException, e.pyType, e.args]);
    assert.deepEqual(got, [
      [true, 'builtins.KeyError', ['k']], [true, 'builtins.ValueError', ['bad', 2]], [true, 'builtins.StopIteration', []], [true, 'queue.Empty', []],
      [true, 'queue.Full', []], [true, 'multiprocessing.managers.RemoteError', ['tb']], [true, 'multiprocessing.context.AuthenticationError', ['no']],
    ]);
  } },
  { name: 'AttributeError (BUILD state on 3.12+)', expr: "(lambda: [e for e in [None] for e in [AttributeError(\"'X' object has no attribute 'y'\", name='y', obj=None)]][0])()", verify: (v, _p, version) => {
    const e = v as PyException;
    assert.equal(e.pyType, 'builtins.AttributeError');
    assert.deepEqual(e.args, ["'X' object has no attribute 'y'"]);
    if ((version[1] as number) >= 12) assert.equal((e.state as Map<string, unknown>).get('name'), 'y');
  } },
  { name: 'exception with a note', expr: "(lambda e: (e.add_note('n'), e)[1])(ValueError('x'))", verify: (v) => {
    const e = v as PyException;
    assert.deepEqual([e.pyType, e.args], ['builtins.ValueError', ['x']]);
    assert.deepEqual((e.state as Map<string, unknown>).get('__notes__'), ['n']);
  } },
  { name: 'OSError subclass', expr: "OSError(2, 'No such file')", verify: (v, protocol) => {
    const e = v as PyException;
    // Below protocol 3, CPython writes every OSError subclass as exceptions.OSError.
    assert.equal(e.pyType, protocol < 3 ? 'builtins.OSError' : 'builtins.FileNotFoundError');
    assert.deepEqual(e.args, [2, 'No such file']);
  } },
  { name: 'shared and recursive', expr: '(lambda x, r: (r.append(r), [x, x, r])[1])([1], [])', verify: (v) => {
    const [a, b, r] = v as unknown[][];
    assert.equal(a, b);
    assert.deepEqual(a, [1]);
    assert.equal((r as unknown[])[0], r);
  } },
];

describe('pickle interop with CPython', () => {
  for (const py of pythons) {
    const skip = py.available ? false : `${py.name} not available`;
    if (skip) console.log(`# skip: ${skip}`);

    it(`${py.name} loads what we dump (protocols 2-5) to equal values`, { timeout: LONG, skip }, async () => {
      const input = outCases.flatMap((c) => ([2, 3, 4, 5] as const).map((protocol) => ({
        name: `${c.name} p${protocol}`,
        hex: Buffer.from(dumps(c.value, { protocol })).toString('hex'),
        ...(c.check === undefined ? { expr: c.expr } : { check: c.check }),
      })));
      const results = (await python(py.name, LOAD_SCRIPT, input)) as { name: string; ok: boolean; got: string; cpython_hex: string | null }[];
      assert.equal(results.length, input.length);
      const failed = results.filter((r) => !r.ok).map((r) => `${r.name}: got ${r.got}`);
      assert.deepEqual(failed, []);
      // Byte for byte what CPython's pickle.dumps(value, 4) writes, where the JS value maps 1:1.
      for (const c of outCases.filter((c) => c.exact)) {
        const r = results.find((x) => x.name === `${c.name} p4`);
        assert.equal(Buffer.from(dumps(c.value)).toString('hex'), r?.cpython_hex, c.name);
      }
    });

    it(`we load what ${py.name} dumps (protocols 0-5)`, { timeout: LONG, skip }, async () => {
      const { version, pickles } = (await python(py.name, DUMP_SCRIPT, inCases.map(({ name, expr }) => ({ name, expr })))) as { version: number[]; pickles: Record<string, Record<string, string>> };
      for (const c of inCases) {
        for (const [protocol, hex] of Object.entries(pickles[c.name] ?? {})) {
          const value = loads(Buffer.from(hex, 'hex'));
          const where = `${c.name}, protocol ${protocol}`;
          if (c.verify) c.verify(value, Number(protocol), version);
          else assert.deepStrictEqual(value, c.expected, where);
        }
      }
    });

    it(`refuses what ${py.name} pickles by reference to unsafe or unknown globals`, { timeout: LONG, skip }, async () => {
      const script = `${PRELUDE}
import os, datetime, subprocess
vals = {'os.system': os.system, 'eval': eval, 'Popen': subprocess.Popen, 'datetime': datetime.datetime(2024, 1, 2),
        'Namespace': multiprocessing.managers.Namespace(x=1), 'getattr': getattr}
print(json.dumps({k: [pickle.dumps(v, p).hex() for p in range(6)] for k, v in vals.items()}))
`;
      const got = (await python(py.name, script, null)) as Record<string, string[]>;
      const names: Record<string, RegExp> = { 'os.system': /posix\.system/, eval: /builtins\.eval/, Popen: /(subprocess|commands)\.Popen/, datetime: /datetime\.datetime/, Namespace: /multiprocessing\.managers\.Namespace/, getattr: /builtins\.getattr/ };
      for (const [key, hexes] of Object.entries(got)) {
        for (const hex of hexes) {
          assert.throws(() => loads(Buffer.from(hex, 'hex')), (e: unknown) => e instanceof UnpicklingError && e.code === 'ERR_MP_UNPICKLE_REFUSED' && (names[key] as RegExp).test(e.message), key);
        }
      }
      // Allowed for one call, the Namespace loads (protocols 0/1 go through copyreg._reconstructor).
      for (const hex of got.Namespace ?? []) {
        const ns = loads(Buffer.from(hex, 'hex'), { classes: { 'multiprocessing.managers.Namespace': (args, state) => new PyObject('multiprocessing.managers', 'Namespace', args, state) } }) as PyObject;
        assert.deepEqual(ns.state, new Map([['x', 1]]));
      }
    });
  }
});
