// UTF-8 with lone surrogates passed through, as pickle writes str ('surrogatepass').
// CPython: Objects/unicodeobject.c (PyUnicode_DecodeUTF8Stateful, the surrogatepass error handler).
//
// Node's UTF-8 codec replaces lone surrogates with U+FFFD both ways; Python strings may hold them
// (e.g. file names decoded with surrogateescape), so both directions fall back to a hand-written
// codec when they see one.

const SURROGATE = /[\uD800-\uDFFF]/;

/** The UTF-8 (surrogatepass) bytes of `s`. */
export function encodeUtf8(s: string): Buffer {
  if (!SURROGATE.test(s)) return Buffer.from(s, 'utf8');
  const out = Buffer.allocUnsafe(s.length * 3);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) out[n++] = c;
    else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else if (c < 0x10000) {
      // Lone surrogates land here too: ED A0..BF xx, as Python's surrogatepass writes them.
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      out[n++] = 0xf0 | (c >> 18);
      out[n++] = 0x80 | ((c >> 12) & 0x3f);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return out.subarray(0, n);
}

/**
 * Decode `buf[start, end)` as UTF-8 accepting encoded surrogates, or undefined when the bytes
 * are not valid (Python would raise UnicodeDecodeError).
 */
export function decodeUtf8(buf: Buffer, start: number, end: number): string | undefined {
  const length = end - start;
  if (length <= 24) {
    // Short strings (names, keys) are the common case: skip the native call when all ASCII.
    let s = '';
    for (let i = start; i < end; i++) {
      const b = buf[i] as number;
      if (b >= 0x80) return decodeGeneral(buf, start, end);
      s += String.fromCharCode(b);
    }
    return s;
  }
  return decodeGeneral(buf, start, end);
}

function decodeGeneral(buf: Buffer, start: number, end: number): string | undefined {
  const s = buf.toString('utf8', start, end);
  // Node replaces what it cannot decode with U+FFFD: only then is a careful pass needed.
  return s.includes('\uFFFD') ? decodeStrict(buf, start, end) : s;
}

function decodeStrict(buf: Buffer, start: number, end: number): string | undefined {
  const units: number[] = [];
  let out = '';
  const flush = (): void => {
    out += String.fromCharCode(...units);
    units.length = 0;
  };
  let i = start;
  while (i < end) {
    const b0 = buf[i] as number;
    let cp: number;
    if (b0 < 0x80) {
      cp = b0;
      i += 1;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      if (i + 1 >= end || !cont(buf[i + 1])) return undefined;
      cp = ((b0 & 0x1f) << 6) | ((buf[i + 1] as number) & 0x3f);
      i += 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      if (i + 2 >= end || !cont(buf[i + 1]) || !cont(buf[i + 2])) return undefined;
      const b1 = buf[i + 1] as number;
      if (b0 === 0xe0 && b1 < 0xa0) return undefined; // overlong
      cp = ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | ((buf[i + 2] as number) & 0x3f);
      i += 3;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      if (i + 3 >= end || !cont(buf[i + 1]) || !cont(buf[i + 2]) || !cont(buf[i + 3])) return undefined;
      const b1 = buf[i + 1] as number;
      if ((b0 === 0xf0 && b1 < 0x90) || (b0 === 0xf4 && b1 > 0x8f)) return undefined; // overlong / > U+10FFFF
      cp = ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | (((buf[i + 2] as number) & 0x3f) << 6) | ((buf[i + 3] as number) & 0x3f);
      i += 4;
    } else {
      return undefined;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else {
      units.push(cp);
    }
    if (units.length >= 4096) flush();
  }
  flush();
  return out;
}

function cont(b: number | undefined): boolean {
  return b !== undefined && (b & 0xc0) === 0x80;
}
