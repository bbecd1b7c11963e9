// A pickle reader that never executes anything: protocols 0-5, globals only from the allowlist.
// CPython: Unpickler in Lib/pickle.py and Modules/_pickle.c (opcode semantics, error cases).
//
// Like pickle.py it keeps the items since the last MARK on `stack` and the outer stacks on
// `metastack`, so a MARK can never be popped as a value. The loop is iterative (no recursion
// on nesting), every length is checked against the bytes left, and the memo and the work done
// by constructors that copy (e.g. set(list)) are capped, so hostile input fails fast.

import { UnpicklingError } from '../errors.js';
import { extraEntries, fixImports, lookupGlobal, type BuildContext, type ClassBuilder, type Entry, type Table } from './globals.js';
import * as opcodes from './opcodes.js';
import { FrozenSet, PyException, PyGlobal, PyObject, Tuple, tupleFromArray } from './types.js';
import { decodeUtf8 } from './utf8.js';

// A plain object, read once: some loaders compile namespace imports to a getter call per use.
const op = { ...opcodes };

/** Options of `loads`. */
export interface LoadOptions {
  /**
   * Extra allowed classes for this call: `'module.name'` → builder of the JS value from the
   * REDUCE / NEWOBJ args and the BUILD state (if any). They take precedence over registered
   * and built-in ones.
   */
  classes?: Record<string, ClassBuilder>;
  /** Extra globals allowed as values only (loaded as PyGlobal, never called). */
  globals?: readonly string[];
}

const BAD = 'ERR_MP_BAD_PICKLE';
const REFUSED = 'ERR_MP_UNPICKLE_REFUSED';

/** At most this many memo entries (JS Maps stop at 2^24). */
const MAX_MEMO = 16_000_000;
/** At most this many MARKs open at once (CPython's pickler cannot nest anywhere near this deep). */
const MAX_MARK_DEPTH = 100_000;
/** Python's limit on int(str) (sys.int_info.default_max_str_digits). */
const MAX_INT_DIGITS = 4300;

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
  readonly #data: Buffer;
  readonly #end: number;
  #pos = 0;
  #stack: unknown[] = [];
  readonly #metastack: unknown[][] = [];
  readonly #memo = new Map<number, unknown>();
  #proto = 0;
  readonly #extra: Table<Entry> | undefined;
  #work = 0;
  readonly #budget: number;
  #opStart = 0;

  constructor(data: Uint8Array, extra: Table<Entry> | undefined) {
    this.#data = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.#end = this.#data.length;
    this.#extra = extra;
    // Legitimate pickles copy each item about once; a budget far above that stops pickle bombs
    // such as a million REDUCEs of list() over one memoized big list.
    this.#budget = 4_000_000 + 32 * this.#end;
  }

  charge(items: number): void {
    this.#work += items;
    if (this.#work > this.#budget) bad(`pickle asks for too much work to load (over ${this.#budget} items copied)`);
  }

  // --- reading ---------------------------------------------------------------------------------

  #fail(message: string): never {
    bad(`${message} (at byte ${this.#opStart})`);
  }

  #need(n: number, what: string): number {
    const at = this.#pos;
    if (n > this.#end - at) this.#fail(`pickle data was truncated: ${what} needs ${n} bytes, ${this.#end - at} left`);
    this.#pos = at + n;
    return at;
  }

  #u8(what: string): number {
    return this.#data[this.#need(1, what)] as number;
  }

  #u16(what: string): number {
    return this.#data.readUInt16LE(this.#need(2, what));
  }

  #i32(what: string): number {
    return this.#data.readInt32LE(this.#need(4, what));
  }

  #u32(what: string): number {
    return this.#data.readUInt32LE(this.#need(4, what));
  }

  #u64(what: string): number {
    const at = this.#need(8, what);
    const lo = this.#data.readUInt32LE(at);
    const hi = this.#data.readUInt32LE(at + 4);
    // Any length past 2^53 is past the end of the data anyway.
    return hi > 0x1fffff ? Number.MAX_SAFE_INTEGER : hi * 0x1_0000_0000 + lo;
  }

  #bytes(n: number, what: string): Uint8Array {
    if (n < 0) this.#fail(`${what} has a negative length`);
    const at = this.#need(n, what);
    return new Uint8Array(this.#data.subarray(at, at + n));
  }

  #utf8(n: number, what: string): string {
    const at = this.#need(n, what);
    const s = decodeUtf8(this.#data, at, at + n);
    if (s === undefined) this.#fail(`${what} is not valid UTF-8`);
    return s;
  }

  /** A text line without its '\n' (protocol 0 arguments), as latin-1. */
  #line(what: string): string {
    const nl = this.#data.indexOf(0x0a, this.#pos);
    if (nl < 0 || nl >= this.#end) this.#fail(`pickle data was truncated: ${what} has no end of line`);
    const s = this.#data.toString('latin1', this.#pos, nl);
    this.#pos = nl + 1;
    return s;
  }

  #utf8Line(what: string): string {
    const nl = this.#data.indexOf(0x0a, this.#pos);
    if (nl < 0 || nl >= this.#end) this.#fail(`pickle data was truncated: ${what} has no end of line`);
    const s = decodeUtf8(this.#data, this.#pos, nl);
    if (s === undefined) this.#fail(`${what} is not valid UTF-8`);
    this.#pos = nl + 1;
    return s;
  }

  // --- stack -----------------------------------------------------------------------------------

  #pop(): unknown {
    if (this.#stack.length === 0) this.#fail('unpickling stack underflow');
    const v = this.#stack.pop();
    return v instanceof Pending ? v.get() : v;
  }

  #top(): unknown {
    if (this.#stack.length === 0) this.#fail('unpickling stack underflow');
    const v = this.#stack[this.#stack.length - 1];
    return v instanceof Pending ? v.get() : v;
  }

  #popMark(): unknown[] {
    const outer = this.#metastack.pop();
    if (outer === undefined) this.#fail('could not find MARK');
    const items = this.#stack;
    this.#stack = outer;
    for (let i = 0; i < items.length; i++) {
      const v = items[i];
      if (v instanceof Pending) items[i] = v.get();
    }
    return items;
  }

  #memoGet(index: number): void {
    if (!this.#memo.has(index)) this.#fail(`memo key ${index} missing`);
    this.#stack.push(this.#memo.get(index));
  }

  #memoPut(index: number): void {
    if (this.#stack.length === 0) this.#fail('memo store with an empty stack');
    if (!this.#memo.has(index) && this.#memo.size >= MAX_MEMO) this.#fail('memo too large');
    this.#memo.set(index, this.#stack[this.#stack.length - 1]);
  }

  // --- globals and objects ---------------------------------------------------------------------

  #global(module: string, name: string): void {
    if (this.#proto < 3) [module, name] = fixImports(module, name);
    if (lookupGlobal(module, name, this.#extra) === undefined) {
      refused(`refusing to load global ${module}.${name}: it is not in the allowlist (register it with registerClass or LoadOptions.classes)`);
    }
    this.#stack.push(new PyGlobal(module, name));
  }

  #entry(cls: unknown, what: string): [PyGlobal, Entry] {
    if (!(cls instanceof PyGlobal)) refused(`${what} of something other than an allowlisted global`);
    const entry = lookupGlobal(cls.module, cls.name, this.#extra);
    if (entry === undefined) refused(`refusing to load global ${cls.qualified}`);
    return [cls, entry];
  }

  #call(cls: unknown, args: unknown[]): unknown {
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

  #build(): void {
    const state = this.#pop();
    if (this.#stack.length === 0) this.#fail('BUILD with an empty stack');
    const target = this.#stack[this.#stack.length - 1];
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
    // Python sets no attributes for a None or empty state.
    if (state === null || (state instanceof Map && state.size === 0)) return;
    if (typeof target === 'object' && target !== null) refused('BUILD (setting attributes) on this kind of object is not supported');
    this.#fail(`BUILD on a ${typeof target}`);
  }

  #listTarget(what: string): unknown[] {
    const target = this.#top();
    if (Array.isArray(target) && !(target instanceof Tuple)) return target;
    if (target instanceof PyObject || target instanceof PyException) refused(`${what} on ${target instanceof PyObject ? target.qualified : target.pyType} is not supported`);
    this.#fail(`${what} on something that is not a list`);
  }

  #dictTarget(what: string): Map<unknown, unknown> {
    const target = this.#top();
    if (target instanceof Map) return target;
    if (target instanceof PyObject || target instanceof PyException) refused(`${what} on ${target instanceof PyObject ? target.qualified : target.pyType} is not supported`);
    this.#fail(`${what} on something that is not a dict`);
  }

  #argsTuple(what: string): unknown[] {
    const args = this.#pop();
    if (!(args instanceof Tuple)) this.#fail(`${what} arguments must be a tuple`);
    return [...args];
  }

  // --- text arguments (protocols 0 and 1) ------------------------------------------------------

  #decimal(text: string, what: string): bigint {
    const t = text.trim();
    if (!/^[+-]?\d+$/.test(t)) this.#fail(`invalid literal for ${what}: '${t.slice(0, 40)}'`);
    if (t.length > MAX_INT_DIGITS + 1) this.#fail(`${what} exceeds the limit (${MAX_INT_DIGITS} digits) for integer string conversion`);
    return BigInt(t);
  }

  #float(text: string): number {
    const t = text.trim();
    if (!/^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i.test(t)) this.#fail(`could not convert string to float: '${t.slice(0, 40)}'`);
    const lower = t.toLowerCase().replace(/^\+/, '');
    if (lower === 'inf' || lower === 'infinity') return Infinity;
    if (lower === '-inf' || lower === '-infinity') return -Infinity;
    if (lower.endsWith('nan')) return NaN;
    return Number(t);
  }

  /** Python 3 reads a Python 2 str as ASCII text (Unpickler's default encoding). */
  #ascii(bytes: Uint8Array, what: string): string {
    let s = '';
    for (const b of bytes) {
      if (b > 0x7f) this.#fail(`${what}: 'ascii' codec can't decode byte 0x${b.toString(16)}`);
      s += String.fromCharCode(b);
    }
    return s;
  }

  /** codecs.escape_decode of a quoted STRING argument. */
  #escapeDecode(text: string): Uint8Array {
    const out: number[] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x5c) {
        out.push(c);
        continue;
      }
      if (++i >= text.length) this.#fail('STRING: trailing \\ in string');
      const e = text[i] as string;
      const simple: Record<string, number> = { '\n': -1, '\\': 0x5c, "'": 0x27, '"': 0x22, a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };
      const code = simple[e];
      if (code !== undefined) {
        if (code >= 0) out.push(code);
      } else if (e >= '0' && e <= '7') {
        // Up to three octal digits.
        let v = 0;
        let k = 0;
        for (; k < 3 && i < text.length && (text[i] as string) >= '0' && (text[i] as string) <= '7'; k++, i++) v = v * 8 + (text.charCodeAt(i) - 48);
        i--;
        out.push(v & 0xff);
      } else if (e === 'x') {
        const hex = text.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) this.#fail('STRING: invalid \\x escape');
        out.push(parseInt(hex, 16));
        i += 2;
      } else {
        out.push(0x5c, text.charCodeAt(i));
      }
    }
    return Uint8Array.from(out);
  }

  /** The raw-unicode-escape codec of UNICODE arguments: latin-1 plus \uXXXX and \UXXXXXXXX. */
  #rawUnicodeEscape(text: string): string {
    const parts: string[] = [];
    let i = 0;
    while (i < text.length) {
      const slash = text.indexOf('\\', i);
      if (slash < 0) {
        parts.push(text.slice(i));
        break;
      }
      // Only an odd run of backslashes escapes the u / U after it.
      let j = slash;
      while (j < text.length && text[j] === '\\') j++;
      const escapes = (j - slash) % 2 === 1 && (text[j] === 'u' || text[j] === 'U');
      parts.push(text.slice(i, escapes ? j - 1 : j));
      i = j;
      if (!escapes) continue;
      const width = text[j] === 'u' ? 4 : 8;
      const hex = text.slice(j + 1, j + 1 + width);
      if (hex.length !== width || !/^[0-9a-fA-F]+$/.test(hex)) this.#fail('UNICODE: truncated \\uXXXX escape');
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) this.#fail('UNICODE: \\Uxxxxxxxx out of range');
      parts.push(String.fromCodePoint(cp));
      i = j + 1 + width;
    }
    return parts.join('');
  }

  // --- the loop --------------------------------------------------------------------------------

  load(): unknown {
    const data = this.#data;
    for (;;) {
      this.#opStart = this.#pos;
      if (this.#pos >= this.#end) this.#fail('pickle data was truncated: no STOP opcode');
      const code = data[this.#pos++] as number;
      const stack = this.#stack;
      switch (code) {
        case op.PROTO: {
          const v = this.#u8('PROTO');
          if (v > op.HIGHEST_PROTOCOL) this.#fail(`unsupported pickle protocol: ${v}`);
          this.#proto = v;
          break;
        }
        case op.FRAME: {
          const n = this.#u64('FRAME');
          if (n > this.#end - this.#pos) this.#fail('pickle data was truncated: frame longer than the data');
          break;
        }
        case op.STOP:
          return this.#pop();
        case op.NONE:
          stack.push(null);
          break;
        case op.NEWTRUE:
          stack.push(true);
          break;
        case op.NEWFALSE:
          stack.push(false);
          break;
        case op.BININT1:
          stack.push(this.#u8('BININT1'));
          break;
        case op.BININT2:
          stack.push(this.#u16('BININT2'));
          break;
        case op.BININT:
          stack.push(this.#i32('BININT'));
          break;
        case op.LONG1:
          stack.push(this.#long(this.#u8('LONG1')));
          break;
        case op.LONG4: {
          const n = this.#i32('LONG4');
          if (n < 0) this.#fail('LONG pickle has negative byte count');
          stack.push(this.#long(n));
          break;
        }
        case op.BINFLOAT:
          stack.push(data.readDoubleBE(this.#need(8, 'BINFLOAT')));
          break;
        case op.SHORT_BINUNICODE:
          stack.push(this.#utf8(this.#u8('SHORT_BINUNICODE'), 'SHORT_BINUNICODE'));
          break;
        case op.BINUNICODE:
          stack.push(this.#utf8(this.#u32('BINUNICODE'), 'BINUNICODE'));
          break;
        case op.BINUNICODE8:
          stack.push(this.#utf8(this.#u64('BINUNICODE8'), 'BINUNICODE8'));
          break;
        case op.SHORT_BINBYTES:
          stack.push(this.#bytes(this.#u8('SHORT_BINBYTES'), 'SHORT_BINBYTES'));
          break;
        case op.BINBYTES:
          stack.push(this.#bytes(this.#u32('BINBYTES'), 'BINBYTES'));
          break;
        case op.BINBYTES8:
          stack.push(this.#bytes(this.#u64('BINBYTES8'), 'BINBYTES8'));
          break;
        case op.BYTEARRAY8:
          stack.push(this.#bytes(this.#u64('BYTEARRAY8'), 'BYTEARRAY8'));
          break;
        case op.SHORT_BINSTRING:
          stack.push(this.#ascii(this.#bytes(this.#u8('SHORT_BINSTRING'), 'SHORT_BINSTRING'), 'SHORT_BINSTRING'));
          break;
        case op.BINSTRING:
          stack.push(this.#ascii(this.#bytes(this.#i32('BINSTRING'), 'BINSTRING'), 'BINSTRING'));
          break;
        case op.NEXT_BUFFER:
          refused('out-of-band buffers (NEXT_BUFFER) are not supported');
          break;
        case op.READONLY_BUFFER:
          if (!(this.#top() instanceof Uint8Array)) this.#fail('READONLY_BUFFER on something that is not a buffer');
          break;
        case op.EMPTY_TUPLE:
          stack.push(tupleFromArray([]));
          break;
        case op.TUPLE1:
        case op.TUPLE2:
        case op.TUPLE3: {
          const n = code - op.TUPLE1 + 1;
          if (stack.length < n) this.#fail('unpickling stack underflow');
          const items = stack.splice(stack.length - n, n).map((v) => (v instanceof Pending ? v.get() : v));
          stack.push(tupleFromArray(items));
          break;
        }
        case op.TUPLE: {
          // (popMark switches stacks: take the items before naming this.#stack.)
          const items = this.#popMark();
          this.#stack.push(tupleFromArray(items));
          break;
        }
        case op.EMPTY_LIST:
          stack.push([]);
          break;
        case op.LIST: {
          const items = this.#popMark();
          this.#stack.push(items);
          break;
        }
        case op.APPEND: {
          const v = this.#pop();
          this.#listTarget('APPEND').push(v);
          break;
        }
        case op.APPENDS: {
          const items = this.#popMark();
          const list = this.#listTarget('APPENDS');
          for (let i = 0; i < items.length; i++) list.push(items[i]);
          break;
        }
        case op.EMPTY_DICT:
          stack.push(new Map());
          break;
        case op.DICT: {
          const items = this.#popMark();
          if (items.length % 2 !== 0) this.#fail('odd number of items for DICT');
          const map = new Map<unknown, unknown>();
          for (let i = 0; i < items.length; i += 2) map.set(items[i], items[i + 1]);
          this.#stack.push(map);
          break;
        }
        case op.SETITEM: {
          const v = this.#pop();
          const k = this.#pop();
          this.#dictTarget('SETITEM').set(k, v);
          break;
        }
        case op.SETITEMS: {
          const items = this.#popMark();
          if (items.length % 2 !== 0) this.#fail('odd number of items for SETITEMS');
          const map = this.#dictTarget('SETITEMS');
          for (let i = 0; i < items.length; i += 2) map.set(items[i], items[i + 1]);
          break;
        }
        case op.EMPTY_SET:
          stack.push(new Set());
          break;
        case op.ADDITEMS: {
          const items = this.#popMark();
          const set = this.#top();
          if (!(set instanceof Set) || set instanceof FrozenSet) this.#fail('ADDITEMS on something that is not a set');
          for (let i = 0; i < items.length; i++) set.add(items[i]);
          break;
        }
        case op.FROZENSET: {
          const items = this.#popMark();
          this.#stack.push(new FrozenSet(items));
          break;
        }
        case op.MARK:
          if (this.#metastack.length >= MAX_MARK_DEPTH) this.#fail('MARKs nested too deeply');
          this.#metastack.push(stack);
          this.#stack = [];
          break;
        case op.POP:
          if (stack.length > 0) stack.pop();
          else this.#popMark();
          break;
        case op.POP_MARK:
          this.#popMark();
          break;
        case op.DUP:
          if (stack.length === 0) this.#fail('DUP with an empty stack');
          stack.push(stack[stack.length - 1]);
          break;
        case op.MEMOIZE:
          this.#memoPut(this.#memo.size);
          break;
        case op.BINPUT:
          this.#memoPut(this.#u8('BINPUT'));
          break;
        case op.LONG_BINPUT:
          this.#memoPut(this.#u32('LONG_BINPUT'));
          break;
        case op.PUT:
          this.#memoPut(this.#memoIndex(this.#line('PUT')));
          break;
        case op.BINGET:
          this.#memoGet(this.#u8('BINGET'));
          break;
        case op.LONG_BINGET:
          this.#memoGet(this.#u32('LONG_BINGET'));
          break;
        case op.GET:
          this.#memoGet(this.#memoIndex(this.#line('GET')));
          break;
        case op.GLOBAL: {
          const module = this.#utf8Line('GLOBAL');
          const name = this.#utf8Line('GLOBAL');
          this.#global(module, name);
          break;
        }
        case op.STACK_GLOBAL: {
          const name = this.#pop();
          const module = this.#pop();
          if (typeof module !== 'string' || typeof name !== 'string') this.#fail('STACK_GLOBAL requires str');
          this.#global(module, name);
          break;
        }
        case op.REDUCE: {
          const args = this.#argsTuple('REDUCE');
          const cls = this.#pop();
          this.#stack.push(this.#call(cls, args));
          break;
        }
        case op.NEWOBJ: {
          const args = this.#argsTuple('NEWOBJ');
          const cls = this.#pop();
          this.#stack.push(this.newobj(cls, args));
          break;
        }
        case op.NEWOBJ_EX: {
          const kwargs = this.#pop();
          const args = this.#argsTuple('NEWOBJ_EX');
          const cls = this.#pop();
          if (!(kwargs instanceof Map)) this.#fail('NEWOBJ_EX keyword arguments must be a dict');
          if (kwargs.size > 0) refused('NEWOBJ_EX with keyword arguments is not supported');
          this.#stack.push(this.newobj(cls, args));
          break;
        }
        case op.INST: {
          const module = this.#utf8Line('INST');
          const name = this.#utf8Line('INST');
          const args = this.#popMark();
          this.#global(module, name);
          const cls = this.#pop();
          this.#stack.push(args.length > 0 ? this.#call(cls, args) : this.newobj(cls, args));
          break;
        }
        case op.OBJ: {
          const items = this.#popMark();
          if (items.length === 0) this.#fail('OBJ without a class');
          const [cls, ...args] = items;
          this.#stack.push(args.length > 0 ? this.#call(cls, args) : this.newobj(cls, args));
          break;
        }
        case op.BUILD:
          this.#build();
          break;
        case op.INT: {
          const line = this.#line('INT');
          // Python 2 wrote booleans as INT 00 / 01.
          if (line === '00') stack.push(false);
          else if (line === '01') stack.push(true);
          else stack.push(intValue(this.#decimal(line, 'INT')));
          break;
        }
        case op.LONG: {
          const line = this.#line('LONG');
          stack.push(intValue(this.#decimal(line.endsWith('L') ? line.slice(0, -1) : line, 'LONG')));
          break;
        }
        case op.FLOAT:
          stack.push(this.#float(this.#line('FLOAT')));
          break;
        case op.STRING: {
          const line = this.#line('STRING');
          const q = line[0];
          if (line.length < 2 || (q !== '"' && q !== "'") || line[line.length - 1] !== q) this.#fail('the STRING opcode argument must be quoted');
          stack.push(this.#ascii(this.#escapeDecode(line.slice(1, -1)), 'STRING'));
          break;
        }
        case op.UNICODE:
          stack.push(this.#rawUnicodeEscape(this.#line('UNICODE')));
          break;
        case op.PERSID:
        case op.BINPERSID:
          refused('persistent IDs are not supported');
          break;
        case op.EXT1:
        case op.EXT2:
        case op.EXT4:
          refused('copyreg extension codes (EXT1/EXT2/EXT4) are not supported');
          break;
        default:
          this.#fail(`invalid load key, ${op.opcodeName(code)}`);
      }
    }
  }

  #memoIndex(line: string): number {
    if (!/^\d{1,10}$/.test(line)) this.#fail('invalid memo index');
    return Number(line);
  }

  #long(n: number): number | bigint {
    const at = this.#need(n, 'LONG');
    const data = this.#data;
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
