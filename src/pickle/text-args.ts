// The text arguments of protocol 0 and 1 opcodes (INT, LONG, FLOAT, STRING, UNICODE, GET/PUT):
// Python literals on one line, decoded as CPython's Unpickler decodes them.
// CPython: load_int, load_float, load_string (codecs.escape_decode), load_unicode
// (raw-unicode-escape) in Lib/pickle.py.

/** Python's limit on int(str) (sys.int_info.default_max_str_digits). */
const MAX_INT_DIGITS = 4300;

/** Thrown by the decoders below; the unpickler reports it with the opcode's position. */
export type Fail = (message: string) => never;

/** A decimal integer literal. */
export function decimal(text: string, what: string, fail: Fail): bigint {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) fail(`invalid literal for ${what}: '${t.slice(0, 40)}'`);
  if (t.length > MAX_INT_DIGITS + 1) fail(`${what} exceeds the limit (${MAX_INT_DIGITS} digits) for integer string conversion`);
  return BigInt(t);
}

/** A float literal (`repr(float)`, with inf and nan). */
export function float(text: string, fail: Fail): number {
  const t = text.trim();
  if (!/^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i.test(t)) fail(`could not convert string to float: '${t.slice(0, 40)}'`);
  const lower = t.toLowerCase().replace(/^\+/, '');
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (lower.endsWith('nan')) return NaN;
  return Number(t);
}

/** A memo index of GET/PUT. */
export function memoIndex(line: string, fail: Fail): number {
  if (!/^\d{1,10}$/.test(line)) fail('invalid memo index');
  return Number(line);
}

/** Python 3 reads a Python 2 str as ASCII text (Unpickler's default encoding). */
export function ascii(bytes: Uint8Array, what: string, fail: Fail): string {
  let s = '';
  for (const b of bytes) {
    if (b > 0x7f) fail(`${what}: 'ascii' codec can't decode byte 0x${b.toString(16)}`);
    s += String.fromCharCode(b);
  }
  return s;
}

const SIMPLE_ESCAPES: Record<string, number> = { '\n': -1, '\\': 0x5c, "'": 0x27, '"': 0x22, a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };

/** codecs.escape_decode of a quoted STRING argument. */
export function escapeDecode(text: string, fail: Fail): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x5c) {
      out.push(c);
      continue;
    }
    if (++i >= text.length) fail('STRING: trailing \\ in string');
    const e = text[i] as string;
    const code = SIMPLE_ESCAPES[e];
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
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) fail('STRING: invalid \\x escape');
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      out.push(0x5c, text.charCodeAt(i));
    }
  }
  return Uint8Array.from(out);
}

/** The raw-unicode-escape codec of UNICODE arguments: latin-1 plus \uXXXX and \UXXXXXXXX. */
export function rawUnicodeEscape(text: string, fail: Fail): string {
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
    if (hex.length !== width || !/^[0-9a-fA-F]+$/.test(hex)) fail('UNICODE: truncated \\uXXXX escape');
    const cp = parseInt(hex, 16);
    if (cp > 0x10ffff) fail('UNICODE: \\Uxxxxxxxx out of range');
    parts.push(String.fromCodePoint(cp));
    i = j + 1 + width;
  }
  return parts.join('');
}

/** A quoted STRING argument (Python 2 str), as text. */
export function quotedString(line: string, fail: Fail): string {
  const q = line[0];
  if (line.length < 2 || (q !== '"' && q !== "'") || line[line.length - 1] !== q) fail('the STRING opcode argument must be quoted');
  return ascii(escapeDecode(line.slice(1, -1), fail), 'STRING', fail);
}
