/**
 * A small exact decimal-number parser over bytes, for the streaming evaluation engine.
 *
 * Grammar (after trimming spaces and tabs): `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`.
 * Everything else (`0x1`, `0b1`, `Infinity`, `nan`, `1_000`, an empty field) is rejected: the
 * function returns `NaN`, which the grammar itself can never produce, so NaN means "not a number".
 *
 * Exactness: the result is the same float64 as `Number(text)` for every accepted text. Short
 * inputs take Clinger's fast path (a mantissa of at most 15 significant digits is exact in a
 * float64, and so is 10^k for k ≤ 22, so one correctly rounded multiplication or division gives
 * the correctly rounded result); anything longer is handed to `Number()` after the grammar check.
 * A decimal that overflows (`1e999`) gives ±Infinity exactly as `Number()` does; callers check
 * finiteness themselves.
 */

/** Exact powers of ten 10⁰ … 10²² (each exactly a float64). */
export const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];

function slow(b: Uint8Array, s: number, e: number): number {
  let str = '';
  for (let i = s; i < e; i++) str += String.fromCharCode(b[i]);
  return Number(str);
}

/** Parses bytes `b[s..e)` as a decimal number; `NaN` when they are not one (see the grammar above). */
export function parseDecimal(b: Uint8Array, s: number, e: number): number {
  while (s < e && (b[s] === 32 || b[s] === 9)) s++;
  while (e > s && (b[e - 1] === 32 || b[e - 1] === 9)) e--;
  if (s >= e) return NaN;
  let neg = false;
  let c = b[s];
  if (c === 45 || c === 43) {
    neg = c === 45;
    s++;
  }
  let mant = 0;
  let sig = 0; // significant digits accumulated (leading zeros skipped)
  let digits = 0; // all mantissa digits seen
  let exp = 0;
  let i = s;
  for (; i < e; i++) {
    c = b[i] - 48;
    if (c < 0 || c > 9) break;
    digits++;
    if (sig > 0 || c !== 0) {
      if (sig < 19) mant = mant * 10 + c;
      else exp++;
      sig++;
    }
  }
  if (i < e && b[i] === 46) {
    i++;
    for (; i < e; i++) {
      c = b[i] - 48;
      if (c < 0 || c > 9) break;
      digits++;
      if (sig > 0 || c !== 0) {
        if (sig < 19) {
          mant = mant * 10 + c;
          exp--;
        }
        sig++;
      } else exp--;
    }
  }
  if (digits === 0) return NaN;
  if (i < e && (b[i] === 101 || b[i] === 69)) {
    i++;
    let eneg = false;
    if (i < e && (b[i] === 45 || b[i] === 43)) {
      eneg = b[i] === 45;
      i++;
    }
    let ed = 0;
    let ev = 0;
    for (; i < e; i++) {
      c = b[i] - 48;
      if (c < 0 || c > 9) break;
      if (ev < 1e6) ev = ev * 10 + c;
      ed++;
    }
    if (ed === 0) return NaN;
    exp += eneg ? -ev : ev;
  }
  if (i !== e) return NaN;
  const v = decimalValue(mant, sig, exp, b, s, e);
  return neg ? -v : v;
}

/**
 * The float64 of the unsigned decimal `mant·10^exp` whose digits are `b[start..end)` (a checked
 * number text without its sign): Clinger's fast path when `sig` (its significant digits) ≤ 15 and
 * |exp| ≤ 22, else `Number()` of the text. Negating it gives the float64 of the signed text (round
 * to nearest is symmetric). Shared by {@link parseDecimal} and the NDJSON fast path's numbers.
 */
export function decimalValue(
  mant: number,
  sig: number,
  exp: number,
  b: Uint8Array,
  start: number,
  end: number,
): number {
  if (sig <= 15) {
    if (mant === 0) return 0;
    if (exp === 0) return mant;
    if (exp > 0 && exp <= 22) return mant * POW10[exp];
    if (exp < 0 && exp >= -22) return mant / POW10[-exp];
  }
  return slow(b, start, end);
}

/** Text of bytes `b[s..e)` for messages (latin1, at most 40 characters, JSON-quoted so NULs and controls show escaped). */
export function showBytes(b: Uint8Array, s: number, e: number): string {
  let str = '';
  for (let i = s; i < Math.min(e, s + 40); i++) str += String.fromCharCode(b[i]);
  return JSON.stringify(e - s > 40 ? str + '…' : str);
}
