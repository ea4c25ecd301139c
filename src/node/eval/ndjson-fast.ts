/**
 * The fast path of the NDJSON reader: one scan of a line's bytes that takes a flat object whose
 * keys are exactly the first row's keys in the same order and whose values are plain JSON
 * numbers (or arrays of numbers of the first row's width), and parses the numbers to exactly the
 * float64 `JSON.parse` gives. Any other line (strings, booleans, null, nested values, escapes,
 * other keys or key order, a BOM, a malformed line) is refused, and the reader's general path
 * (`JSON.parse`) reads it, with today's errors and places.
 *
 * Exactness: the JSON number grammar `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` is checked
 * byte by byte; the value takes the arithmetic of `parseDecimal` (src/node/eval/number.ts):
 * Clinger's fast path (a mantissa of at most 15 significant digits and a power of ten 10^k,
 * |k| ≤ 22, both exact in a float64, one correctly rounded multiplication or division), else
 * `Number()` of the number's text. Both give the correctly rounded float64 of the decimal, which
 * is what `JSON.parse` gives.
 */
import { decimalValue } from './number.js';

/** What the fast path knows of the first row (built once). */
export interface NdjsonShape {
  /** The keys' bytes (plain printable ASCII without `"` or `\`), in the first row's order. */
  keys: Uint8Array[];
  /** Per key: 0 for a number, w ≥ 2 for an array of w numbers. */
  widths: Int32Array;
}

/**
 * The fast path's shape of a first row, or null when the fast path cannot take its rows (a key
 * that is not plain ASCII, a value that is not a number or an array of at least 2 numbers).
 */
export function ndjsonShape(first: Record<string, unknown>, keys: string[]): NdjsonShape | null {
  const kb: Uint8Array[] = [];
  const widths = new Int32Array(keys.length);
  for (let c = 0; c < keys.length; c++) {
    const k = keys[c];
    const b = new Uint8Array(k.length);
    for (let i = 0; i < k.length; i++) {
      const ch = k.charCodeAt(i);
      if (ch < 0x20 || ch > 0x7e || ch === 0x22 || ch === 0x5c) return null;
      b[i] = ch;
    }
    kb.push(b);
    const v = first[k];
    if (typeof v === 'number') widths[c] = 0;
    else if (Array.isArray(v) && v.length >= 2 && v.every((x) => typeof x === 'number')) widths[c] = v.length;
    else return null;
  }
  return { keys: kb, widths };
}

/** Position after the number last read by {@link jsonNumber}. */
let after = 0;

/**
 * Reads a JSON number at `b[i..]` (not past `e`): its float64 (as `JSON.parse`), `after` set to
 * the byte after it; `NaN` when the bytes there do not start a JSON number. What follows the
 * number is the caller's to check (`01` reads `0`, then `1` is refused by the caller).
 */
export function jsonNumber(b: Uint8Array, i: number, e: number): number {
  let neg = false;
  if (i < e && b[i] === 45) {
    neg = true;
    i++;
  }
  const digits = i; // the number's text without its sign
  if (i >= e) return NaN;
  let c = b[i] - 48;
  let mant = 0;
  let sig = 0; // significant digits (leading zeros skipped)
  let exp = 0;
  if (c === 0) i++;
  else if (c >= 1 && c <= 9) {
    for (; i < e; i++) {
      c = b[i] - 48;
      if (c < 0 || c > 9) break;
      if (sig < 19) mant = mant * 10 + c;
      else exp++;
      sig++;
    }
  } else return NaN;
  if (i < e && b[i] === 46) {
    i++;
    const f = i;
    for (; i < e; i++) {
      c = b[i] - 48;
      if (c < 0 || c > 9) break;
      if (sig > 0 || c !== 0) {
        if (sig < 19) {
          mant = mant * 10 + c;
          exp--;
        }
        sig++;
      } else exp--;
    }
    if (i === f) return NaN;
  }
  if (i < e && (b[i] === 101 || b[i] === 69)) {
    i++;
    let eneg = false;
    if (i < e && (b[i] === 45 || b[i] === 43)) {
      eneg = b[i] === 45;
      i++;
    }
    const f = i;
    let ev = 0;
    for (; i < e; i++) {
      c = b[i] - 48;
      if (c < 0 || c > 9) break;
      if (ev < 1e6) ev = ev * 10 + c;
    }
    if (i === f) return NaN;
    exp += eneg ? -ev : ev;
  }
  after = i;
  const v = decimalValue(mant, sig, exp, b, digits, i);
  return neg ? -v : v;
}

/** JSON whitespace within a line: space, tab, CR. */
function ws(b: Uint8Array, i: number, e: number): number {
  while (i < e) {
    const ch = b[i];
    if (ch !== 32 && ch !== 9 && ch !== 13) break;
    i++;
  }
  return i;
}

/**
 * Reads the line `b[s..e)` (its `\n` excluded) by the fast path into row `row` of `out` (per key,
 * `max(1, width)` values a row). True when taken; false when the line is anything else (values
 * of the row may then have been written: the caller does not count the row).
 */
export function fastNdjsonLine(
  x: NdjsonShape,
  b: Uint8Array,
  s: number,
  e: number,
  out: Float64Array[],
  row: number,
): boolean {
  const { keys, widths } = x;
  let i = ws(b, s, e);
  if (i >= e || b[i] !== 123) return false;
  i++;
  for (let c = 0; c < keys.length; c++) {
    i = ws(b, i, e);
    if (c > 0) {
      if (i >= e || b[i] !== 44) return false;
      i = ws(b, i + 1, e);
    }
    if (i >= e || b[i] !== 34) return false;
    i++;
    const k = keys[c];
    const kl = k.length;
    if (i + kl >= e) return false;
    for (let j = 0; j < kl; j++) if (b[i + j] !== k[j]) return false;
    i += kl;
    if (b[i] !== 34) return false;
    i = ws(b, i + 1, e);
    if (i >= e || b[i] !== 58) return false;
    i = ws(b, i + 1, e);
    const w = widths[c];
    const o = out[c];
    if (w === 0) {
      const v = jsonNumber(b, i, e);
      if (v !== v) return false;
      o[row] = v;
      i = after;
    } else {
      if (i >= e || b[i] !== 91) return false;
      i++;
      for (let j = 0; j < w; j++) {
        i = ws(b, i, e);
        if (j > 0) {
          if (i >= e || b[i] !== 44) return false;
          i = ws(b, i + 1, e);
        }
        const v = jsonNumber(b, i, e);
        if (v !== v) return false;
        o[row * w + j] = v;
        i = ws(b, after, e);
      }
      if (i >= e || b[i] !== 93) return false;
      i++;
    }
  }
  i = ws(b, i, e);
  if (i >= e || b[i] !== 125) return false;
  return ws(b, i + 1, e) === e;
}
