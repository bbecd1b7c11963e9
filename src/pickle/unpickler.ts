// A pickle reader that never executes anything: protocols 0-5, globals only from the allowlist.
// CPython: Unpickler in Lib/pickle.py and Modules/_pickle.c (opcode semantics, error cases).
//
// Like pickle.py it keeps the items since the last MARK on `stack` and the outer stacks on
// `metastack`, so a MARK can never be popped as a value, and dispatches each opcode to a small
// handler (pickle.py's load_* functions). The loop is iterative (no recursion on nesting), every
// length is checked against the bytes left, and the memo and the work done by constructors that
// copy (e.g. set(list)) are capped, so hostile input fails fast.

import { UnpicklingError } from '../errors.js';
import { extraEntries, fixImports, lookupGlobal, type BuildContext, type ClassBuilder, type Entry, type Table } from './globals.js';
import * as opcodes from './opcodes.js';
import { ascii, decimal, float, memoIndex, quotedString, rawUnicodeEscape } from './text-args.js';
import { FrozenSet, PyException, PyGlobal, PyIterator, PyObject, Tuple, tupleFromArray } from './types.js';
import { decodeUtf8 } from './utf8.js';

// A plain object, read once: some loaders compile namespace imports to a getter call per use.
const op = { ...opcodes };

/** Options of `loads`. Python: the arguments of `pickle.loads`, and `Unpickler.find_class` */
export interface LoadOptions {
  /**
   * Extra allowed classes for this call: `'module.name'` → builder of the JS value from the
   * REDUCE / NEWOBJ args and the BUILD state (if any). They take precedence over registered
   * and built-in ones.
   * Python: an `Unpickler.find_class` override
   */
  classes?: Record<string, ClassBuilder>;
  /** Extra globals allowed as values only (loaded as PyGlobal, never called). Python: an `Unpickler.find_class` override */
  globals?: readonly string[];
}

const BAD = 'ERR_MP_BAD_PICKLE';
const REFUSED = 'ERR_MP_UNPICKLE_REFUSED';

/** At most this many memo entries (JS Maps stop at 2^24). */
const MAX_MEMO = 16_000_000;
/** At most this many MARKs open at once (CPython's pickler cannot nest anywhere near this deep). */
const MAX_MARK_DEPTH = 100_000;

const UNSET: unique symbol = Symbol('unset');

// An instance of a class registered by builder, built lazily so that NEWOBJ + BUILD calls the
// builder once, with both args and state.
class Pending {
  value: unknown = UNSET;
  state: unknown = undefined;
  constructor(readonly qualified: string, readonly build: ClassBuilder, readonly args: unknown[]) {}

  get(): unknown {
    if (this.value === UNSET) this.value = runBuilder(this.qualified, this.build, this.args, this.state);
    return this.value;
  }
}

function runBuilder(qualified: string, build: ClassBuilder, args: unknown[], state: unknown): unknown {
  try {
    return state === undefined ? build(args) : build(args, state);
  } catch (err) {
    if (err instanceof UnpicklingError) throw err;
    throw new UnpicklingError(`building ${qualified} failed: ${err instanceof Error ? err.message : String(err)}`, { code: BAD, cause: err });
  }
}

function bad(message: string): never {
  throw new UnpicklingError(message, { code: BAD });
}

function refused(message: string): never {
  throw new UnpicklingError(message, { code: REFUSED });
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A Python int as JS: number when it is a safe integer, bigint otherwise. */
function intValue(v: bigint): number | bigint {
  return v >= -SAFE && v <= SAFE ? Number(v) : v;
}

class Unpickler implements BuildContext {
  readonly data: Buffer;
  readonly end: number;
  pos = 0;
  stack: unknown[] = [];
  readonly metastack: unknown[][] = [];
  readonly memo = new Map<number, unknown>();
  proto = 0;
  /** Set by STOP. */
  result: unknown = UNSET;
  readonly #extra: Table<Entry> | undefined;
  #work = 0;
  readonly #budget: number;
  opStart = 0;

  constructor(data: Uint8Array, extra: Table<Entry> | undefined) {
    this.data = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.end = this.data.length;
    this.#extra = extra;
    // Legitimate pickles copy each item about once; a budget far above that stops pickle bombs
    // such as a million REDUCEs of list() over one memoized big list.
    this.#budget = 4_000_000 + 32 * this.end;
  }

  charge(items: number): void {
    this.#work += items;
    if (this.#work > this.#budget) bad(`pickle asks for too much work to load (over ${this.#budget} items copied)`);
  }

  load(): unknown {
    const data = this.data;
    while (this.result === UNSET) {
      this.opStart = this.pos;
      if (this.pos >= this.end) this.fail('pickle data was truncated: no STOP opcode');
      const code = data[this.pos++] as number;
      (dispatch[code] as Handler)(this, code);
    }
    return this.result;
  }

  // --- reading ---------------------------------------------------------------------------------

  fail(message: string): never {
    bad(`${message} (at byte ${this.opStart})`);
  }

  /** `fail`, for the text-argument decoders (protocol 0: not a hot path). */
  get failer(): (message: string) => never {
    return (message) => this.fail(message);
  }

  need(n: number, what: string): number {
    const at = this.pos;
    if (n > this.end - at) this.fail(`pickle data was truncated: ${what} needs ${n} bytes, ${this.end - at} left`);
    this.pos = at + n;
    return at;
  }

  u8(what: string): number {
    return this.data[this.need(1, what)] as number;
  }

  u16(what: string): number {
    return this.data.readUInt16LE(this.need(2, what));
  }

  i32(what: string): number {
    return this.data.readInt32LE(this.need(4, what));
  }

  u32(what: string): number {
    return this.data.readUInt32LE(this.need(4, what));
  }

  u64(what: string): number {
    const at = this.need(8, what);
    const lo = this.data.readUInt32LE(at);
    const hi = this.data.readUInt32LE(at + 4);
    // Any length past 2^53 is past the end of the data anyway.
    return hi > 0x1fffff ? Number.MAX_SAFE_INTEGER : hi * 0x1_0000_0000 + lo;
  }

  bytes(n: number, what: string): Uint8Array {
    if (n < 0) this.fail(`${what} has a negative length`);
    const at = this.need(n, what);
    return new Uint8Array(this.data.subarray(at, at + n));
  }

  utf8(n: number, what: string): string {
    const at = this.need(n, what);
    const s = decodeUtf8(this.data, at, at + n);
    if (s === undefined) this.fail(`${what} is not valid UTF-8`);
    return s;
  }

  /** A text line without its '\n' (protocol 0 arguments), as latin-1, or as UTF-8. */
  line(what: string, utf8 = false): string {
    const nl = this.data.indexOf(0x0a, this.pos);
    if (nl < 0 || nl >= this.end) this.fail(`pickle data was truncated: ${what} has no end of line`);
    const s = utf8 ? decodeUtf8(this.data, this.pos, nl) : this.data.toString('latin1', this.pos, nl);
    if (s === undefined) this.fail(`${what} is not valid UTF-8`);
    this.pos = nl + 1;
    return s;
  }

  long(n: number): number | bigint {
    const at = this.need(n, 'LONG');
    const data = this.data;
    if (n === 0) return 0;
    if (n <= 6) {
      // Fits a double exactly: no BigInt needed.
      let v = 0;
      for (let i = n - 1; i >= 0; i--) v = v * 256 + (data[at + i] as number);
      if ((data[at + n - 1] as number) & 0x80) v -= 2 ** (8 * n);
      return v;
    }
    let v = BigInt(`0x${Buffer.from(data.subarray(at, at + n)).reverse().toString('hex')}`);
    if ((data[at + n - 1] as number) & 0x80) v -= 1n << BigInt(8 * n);
    return intValue(v);
  }

  // --- stack -----------------------------------------------------------------------------------

  push(v: unknown): void {
    this.stack.push(v);
  }

  pop(): unknown {
    if (this.stack.length === 0) this.fail('unpickling stack underflow');
    const v = this.stack.pop();
    return v instanceof Pending ? v.get() : v;
  }

  top(): unknown {
    if (this.stack.length === 0) this.fail('unpickling stack underflow');
    const v = this.stack[this.stack.length - 1];
    return v instanceof Pending ? v.get() : v;
  }

  popMark(): unknown[] {
    const outer = this.metastack.pop();
    if (outer === undefined) this.fail('could not find MARK');
    const items = this.stack;
    this.stack = outer;
    for (let i = 0; i < items.length; i++) {
      const v = items[i];
      if (v instanceof Pending) items[i] = v.get();
    }
    return items;
  }

  memoGet(index: number): void {
    if (!this.memo.has(index)) this.fail(`memo key ${index} missing`);
    this.stack.push(this.memo.get(index));
  }

  memoPut(index: number): void {
    if (this.stack.length === 0) this.fail('memo store with an empty stack');
    if (!this.memo.has(index) && this.memo.size >= MAX_MEMO) this.fail('memo too large');
    this.memo.set(index, this.stack[this.stack.length - 1]);
  }

  // --- globals and objects ---------------------------------------------------------------------

  global(module: string, name: string): void {
    if (this.proto < 3) [module, name] = fixImports(module, name);
    if (lookupGlobal(module, name, this.#extra) === undefined) {
      refused(`refusing to load global ${module}.${name}: it is not in the allowlist (register it with registerClass or LoadOptions.classes)`);
    }
    this.stack.push(new PyGlobal(module, name));
  }

  #entry(cls: unknown, what: string): [PyGlobal, Entry] {
    if (!(cls instanceof PyGlobal)) refused(`${what} of something other than an allowlisted global`);
    const entry = lookupGlobal(cls.module, cls.name, this.#extra);
    if (entry === undefined) refused(`refusing to load global ${cls.qualified}`);
    return [cls, entry];
  }

  call(cls: unknown, args: unknown[]): unknown {
    const [g, entry] = this.#entry(cls, 'a call');
    if (entry.kind === 'user') return new Pending(g.qualified, entry.build, args);
    if (entry.kind === 'native' && entry.call !== undefined) return entry.call(args, this);
    refused(`calling ${g.qualified} is not allowed`);
  }

  newobj(cls: unknown, args: unknown[]): unknown {
    const [g, entry] = this.#entry(cls, 'NEWOBJ');
    if (entry.kind === 'user') return new Pending(g.qualified, entry.build, args);
    if (entry.kind === 'native' && entry.newobj !== undefined) return entry.newobj(args, this);
    refused(`creating ${g.qualified} with __new__ is not allowed`);
  }

  build(): void {
    const state = this.pop();
    if (this.stack.length === 0) this.fail('BUILD with an empty stack');
    const target = this.stack[this.stack.length - 1];
    if (target instanceof Pending) {
      if (target.value === UNSET) {
        target.state = state;
      } else {
        // Already referenced before its state arrived (self-referencing state): rebuild; the
        // earlier references keep the stateless value.
        target.value = runBuilder(target.qualified, target.build, target.args, state);
      }
      return;
    }
    if (target instanceof PyException) return target.applyState(state);
    if (target instanceof PyObject) {
      target.state = state;
      return;
    }
    if (target instanceof PyIterator) return target.setState(state);
    // Python sets no attributes for a None or empty state.
    if (state === null || (state instanceof Map && state.size === 0)) return;
    if (typeof target === 'object' && target !== null) refused('BUILD (setting attributes) on this kind of object is not supported');
    this.fail(`BUILD on a ${typeof target}`);
  }

  listTarget(what: string): unknown[] {
    const target = this.top();
    if (Array.isArray(target) && !(target instanceof Tuple)) return target;
    return this.#wrongTarget(target, what, 'a list');
  }

  dictTarget(what: string): Map<unknown, unknown> {
    const target = this.top();
    if (target instanceof Map) return target;
    return this.#wrongTarget(target, what, 'a dict');
  }

  #wrongTarget(target: unknown, what: string, expected: string): never {
    if (target instanceof PyObject || target instanceof PyException) refused(`${what} on ${target instanceof PyObject ? target.qualified : target.pyType} is not supported`);
    this.fail(`${what} on something that is not ${expected}`);
  }

  argsTuple(what: string): unknown[] {
    const args = this.pop();
    if (!(args instanceof Tuple)) this.fail(`${what} arguments must be a tuple`);
    return [...args];
  }
}

// --- the opcodes: one small handler each (pickle.py's dispatch table) --------------------------

type Handler = (u: Unpickler, code: number) => void;

const dispatch: Handler[] = new Array<Handler>(256).fill((u, code) => u.fail(`invalid load key, ${op.opcodeName(code)}`));

function on(codes: number | number[], handler: Handler): void {
  for (const code of Array.isArray(codes) ? codes : [codes]) dispatch[code] = handler;
}

// Framing and the end.
on(op.PROTO, (u) => {
  const v = u.u8('PROTO');
  if (v > op.HIGHEST_PROTOCOL) u.fail(`unsupported pickle protocol: ${v}`);
  u.proto = v;
});
on(op.FRAME, (u) => {
  const n = u.u64('FRAME');
  if (n > u.end - u.pos) u.fail('pickle data was truncated: frame longer than the data');
});
on(op.STOP, (u) => (u.result = u.pop()));

// Constants and numbers.
on(op.NONE, (u) => u.push(null));
on(op.NEWTRUE, (u) => u.push(true));
on(op.NEWFALSE, (u) => u.push(false));
on(op.BININT1, (u) => u.push(u.u8('BININT1')));
on(op.BININT2, (u) => u.push(u.u16('BININT2')));
on(op.BININT, (u) => u.push(u.i32('BININT')));
on(op.LONG1, (u) => u.push(u.long(u.u8('LONG1'))));
on(op.LONG4, (u) => {
  const n = u.i32('LONG4');
  if (n < 0) u.fail('LONG pickle has negative byte count');
  u.push(u.long(n));
});
on(op.BINFLOAT, (u) => u.push(u.data.readDoubleBE(u.need(8, 'BINFLOAT'))));

// Strings and bytes.
on(op.SHORT_BINUNICODE, (u) => u.push(u.utf8(u.u8('SHORT_BINUNICODE'), 'SHORT_BINUNICODE')));
on(op.BINUNICODE, (u) => u.push(u.utf8(u.u32('BINUNICODE'), 'BINUNICODE')));
on(op.BINUNICODE8, (u) => u.push(u.utf8(u.u64('BINUNICODE8'), 'BINUNICODE8')));
on(op.SHORT_BINBYTES, (u) => u.push(u.bytes(u.u8('SHORT_BINBYTES'), 'SHORT_BINBYTES')));
on(op.BINBYTES, (u) => u.push(u.bytes(u.u32('BINBYTES'), 'BINBYTES')));
on(op.BINBYTES8, (u) => u.push(u.bytes(u.u64('BINBYTES8'), 'BINBYTES8')));
on(op.BYTEARRAY8, (u) => u.push(u.bytes(u.u64('BYTEARRAY8'), 'BYTEARRAY8')));
on(op.SHORT_BINSTRING, (u) => u.push(ascii(u.bytes(u.u8('SHORT_BINSTRING'), 'SHORT_BINSTRING'), 'SHORT_BINSTRING', u.failer)));
on(op.BINSTRING, (u) => u.push(ascii(u.bytes(u.i32('BINSTRING'), 'BINSTRING'), 'BINSTRING', u.failer)));
on(op.NEXT_BUFFER, () => refused('out-of-band buffers (NEXT_BUFFER) are not supported'));
on(op.READONLY_BUFFER, (u) => {
  if (!(u.top() instanceof Uint8Array)) u.fail('READONLY_BUFFER on something that is not a buffer');
});

// Tuples, lists, dicts, sets.
on(op.EMPTY_TUPLE, (u) => u.push(tupleFromArray([])));
on([op.TUPLE1, op.TUPLE2, op.TUPLE3], (u, code) => {
  const n = code - op.TUPLE1 + 1;
  const stack = u.stack;
  if (stack.length < n) u.fail('unpickling stack underflow');
  stack.push(tupleFromArray(stack.splice(stack.length - n, n).map((v) => (v instanceof Pending ? v.get() : v))));
});
// (popMark switches stacks: take the items before pushing.)
on(op.TUPLE, (u) => u.push(tupleFromArray(u.popMark())));
on(op.EMPTY_LIST, (u) => u.push([]));
on(op.LIST, (u) => u.push(u.popMark()));
on(op.APPEND, (u) => {
  const v = u.pop();
  u.listTarget('APPEND').push(v);
});
on(op.APPENDS, (u) => {
  const items = u.popMark();
  const list = u.listTarget('APPENDS');
  for (let i = 0; i < items.length; i++) list.push(items[i]);
});
on(op.EMPTY_DICT, (u) => u.push(new Map()));
on(op.DICT, (u) => u.push(setPairs(u, new Map(), u.popMark(), 'DICT')));
on(op.SETITEM, (u) => {
  const v = u.pop();
  const k = u.pop();
  u.dictTarget('SETITEM').set(k, v);
});
on(op.SETITEMS, (u) => {
  const items = u.popMark();
  setPairs(u, u.dictTarget('SETITEMS'), items, 'SETITEMS');
});
on(op.EMPTY_SET, (u) => u.push(new Set()));
on(op.ADDITEMS, (u: Unpickler) => {
  const items = u.popMark();
  const set = u.top();
  if (!(set instanceof Set) || set instanceof FrozenSet) u.fail('ADDITEMS on something that is not a set');
  for (let i = 0; i < items.length; i++) set.add(items[i]);
});
on(op.FROZENSET, (u) => u.push(new FrozenSet(u.popMark())));

// The stack and the memo.
on(op.MARK, (u) => {
  if (u.metastack.length >= MAX_MARK_DEPTH) u.fail('MARKs nested too deeply');
  u.metastack.push(u.stack);
  u.stack = [];
});
on(op.POP, (u) => {
  if (u.stack.length > 0) u.stack.pop();
  else u.popMark();
});
on(op.POP_MARK, (u) => void u.popMark());
on(op.DUP, (u) => {
  if (u.stack.length === 0) u.fail('DUP with an empty stack');
  u.push(u.stack[u.stack.length - 1]);
});
on(op.MEMOIZE, (u) => u.memoPut(u.memo.size));
on(op.BINPUT, (u) => u.memoPut(u.u8('BINPUT')));
on(op.LONG_BINPUT, (u) => u.memoPut(u.u32('LONG_BINPUT')));
on(op.PUT, (u) => u.memoPut(memoIndex(u.line('PUT'), u.failer)));
on(op.BINGET, (u) => u.memoGet(u.u8('BINGET')));
on(op.LONG_BINGET, (u) => u.memoGet(u.u32('LONG_BINGET')));
on(op.GET, (u) => u.memoGet(memoIndex(u.line('GET'), u.failer)));

// Globals and objects: only allowlisted names, built by this package's code.
on(op.GLOBAL, (u) => {
  const module = u.line('GLOBAL', true);
  u.global(module, u.line('GLOBAL', true));
});
on(op.STACK_GLOBAL, (u: Unpickler) => {
  const name = u.pop();
  const module = u.pop();
  if (typeof module !== 'string' || typeof name !== 'string') u.fail('STACK_GLOBAL requires str');
  u.global(module, name);
});
on(op.REDUCE, (u) => {
  const args = u.argsTuple('REDUCE');
  u.push(u.call(u.pop(), args));
});
on(op.NEWOBJ, (u) => {
  const args = u.argsTuple('NEWOBJ');
  u.push(u.newobj(u.pop(), args));
});
on(op.NEWOBJ_EX, (u: Unpickler) => {
  const kwargs = u.pop();
  const args = u.argsTuple('NEWOBJ_EX');
  const cls = u.pop();
  if (!(kwargs instanceof Map)) u.fail('NEWOBJ_EX keyword arguments must be a dict');
  if (kwargs.size > 0) refused('NEWOBJ_EX with keyword arguments is not supported');
  u.push(u.newobj(cls, args));
});
on(op.INST, (u) => {
  const module = u.line('INST', true);
  const name = u.line('INST', true);
  const args = u.popMark();
  u.global(module, name);
  const cls = u.pop();
  u.push(args.length > 0 ? u.call(cls, args) : u.newobj(cls, args));
});
on(op.OBJ, (u) => {
  const items = u.popMark();
  if (items.length === 0) u.fail('OBJ without a class');
  const [cls, ...args] = items;
  u.push(args.length > 0 ? u.call(cls, args) : u.newobj(cls, args));
});
on(op.BUILD, (u) => u.build());

// Protocol 0 text arguments.
on(op.INT, (u) => {
  const line = u.line('INT');
  // Python 2 wrote booleans as INT 00 / 01.
  u.push(line === '00' ? false : line === '01' ? true : intValue(decimal(line, 'INT', u.failer)));
});
on(op.LONG, (u) => {
  const line = u.line('LONG');
  u.push(intValue(decimal(line.endsWith('L') ? line.slice(0, -1) : line, 'LONG', u.failer)));
});
on(op.FLOAT, (u) => u.push(float(u.line('FLOAT'), u.failer)));
on(op.STRING, (u) => u.push(quotedString(u.line('STRING'), u.failer)));
on(op.UNICODE, (u) => u.push(rawUnicodeEscape(u.line('UNICODE'), u.failer)));

// Never in data: refused.
on([op.PERSID, op.BINPERSID], () => refused('persistent IDs are not supported'));
on([op.EXT1, op.EXT2, op.EXT4], () => refused('copyreg extension codes (EXT1/EXT2/EXT4) are not supported'));

function setPairs(u: Unpickler, map: Map<unknown, unknown>, items: unknown[], what: string): Map<unknown, unknown> {
  if (items.length % 2 !== 0) u.fail(`odd number of items for ${what}`);
  for (let i = 0; i < items.length; i += 2) map.set(items[i], items[i + 1]);
  return map;
}

/**
 * Read a pickle (protocols 0-5) into JS values. Never executes anything: globals are resolved
 * only through the allowlist (built-ins, exception classes, `registerClass` and
 * `options.classes`); any other global throws `UnpicklingError` with code
 * `ERR_MP_UNPICKLE_REFUSED` before anything is built. Malformed input throws `UnpicklingError`
 * with code `ERR_MP_BAD_PICKLE`.
 *
 * Mapping: None → null, bool → boolean, int → number (bigint beyond 2^53), float → number,
 * str → string, bytes/bytearray → Uint8Array, list → Array, tuple → Tuple, dict → Map,
 * set → Set, frozenset → FrozenSet, exceptions → PyException, array.array → typed array.
 *
 * Memory use grows with the input, as in CPython (an empty dict is one byte of pickle): bound
 * the size of what you accept before calling this (connections have a maximum message length).
 */
export function loads(data: Uint8Array, options: LoadOptions = {}): unknown {
  if (!(data instanceof Uint8Array)) throw new TypeError('loads() expects a Uint8Array');
  // (Outside the try: a malformed option is the caller's TypeError, not a bad pickle.)
  const extra = extraEntries(options.classes, options.globals);
  try {
    return new Unpickler(data, extra).load();
  } catch (err) {
    if (err instanceof UnpicklingError) throw err;
    // E.g. a RangeError from an int too big for a BigInt.
    throw new UnpicklingError(`malformed pickle: ${err instanceof Error ? err.message : String(err)}`, { code: BAD, cause: err });
  }
}
