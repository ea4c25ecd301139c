/**
 * A byte-level CSV / TSV row tokenizer (RFC 4180 quoting, CRLF or LF line ends, a UTF-8 BOM)
 * for the streaming evaluation engine. It finds field boundaries only; the caller parses the
 * fields it needs straight from the bytes (numbers with `parseDecimal`, labels as strings).
 */

export const QUOTE = 34;
export const LF = 10;
export const CR = 13;

/** Field boundaries of one row, reused from row to row (no allocation per row). */
export class RowFields {
  /** Start and end (exclusive) byte offsets of each field's content (quotes excluded). */
  start: Int32Array;
  end: Int32Array;
  /** 1 when the field was quoted and holds an escaped quote (`""`). */
  escaped: Uint8Array;
  count = 0;
  /** Line breaks inside quoted fields of this row. */
  innerLines = 0;
  /** Offset of the byte where the row starts. */
  rowStart = 0;
  /** A byte offset where the row is malformed (text after a closing quote), else -1. */
  badAt = -1;
  constructor(capacity = 64) {
    this.start = new Int32Array(capacity);
    this.end = new Int32Array(capacity);
    this.escaped = new Uint8Array(capacity);
  }
  private grow(): void {
    const n = this.start.length * 2;
    const s = new Int32Array(n);
    s.set(this.start);
    const e = new Int32Array(n);
    e.set(this.end);
    const q = new Uint8Array(n);
    q.set(this.escaped);
    this.start = s;
    this.end = e;
    this.escaped = q;
  }
  push(s: number, e: number, esc: number): void {
    if (this.count === this.start.length) this.grow();
    this.start[this.count] = s;
    this.end[this.count] = e;
    this.escaped[this.count] = esc;
    this.count++;
  }
}

/**
 * Tokenizes the row starting at `pos` in `b[0..len)`. Returns the offset just past the row's line
 * end, or -1 when the row is incomplete (no line end yet and `final` is false). An empty line
 * gives a row with one empty field (`count === 1`, start === end).
 */
export function tokenizeRow(
  b: Uint8Array,
  pos: number,
  len: number,
  delim: number,
  final: boolean,
  f: RowFields,
): number {
  f.count = 0;
  f.innerLines = 0;
  f.rowStart = pos;
  f.badAt = -1;
  let i = pos;
  for (;;) {
    if (i < len && b[i] === QUOTE) {
      const s = i + 1;
      let j = s;
      let esc = 0;
      let closed = -1;
      while (j < len) {
        const c = b[j];
        if (c === QUOTE) {
          if (j + 1 < len && b[j + 1] === QUOTE) {
            esc = 1;
            j += 2;
            continue;
          }
          if (j + 1 >= len && !final) return -1; // cannot tell `"` from `""` yet
          closed = j;
          break;
        }
        if (c === LF) f.innerLines++;
        j++;
      }
      if (closed < 0) {
        if (!final) return -1;
        // Unterminated quote at the end of the input: the field runs to the end.
        f.push(s, len, esc);
        if (f.badAt < 0) f.badAt = i;
        return len;
      }
      f.push(s, closed, esc);
      i = closed + 1;
      // After a closing quote: a delimiter, a line end or the end.
      while (i < len && b[i] !== delim && b[i] !== LF && !(b[i] === CR && (i + 1 >= len || b[i + 1] === LF))) {
        if (f.badAt < 0) f.badAt = i;
        i++;
      }
    } else {
      const s = i;
      while (i < len) {
        const c = b[i];
        if (c === delim || c === LF) break;
        i++;
      }
      if (i >= len && !final) return -1;
      let e = i;
      if (e > s && b[e - 1] === CR && (i >= len || b[i] === LF)) e--;
      f.push(s, e, 0);
    }
    if (i >= len) {
      if (!final) return -1;
      return len;
    }
    if (b[i] === delim) {
      i++;
      continue;
    }
    if (b[i] === CR) i++;
    if (i < len && b[i] === LF) return i + 1;
    if (i >= len) return final ? len : -1;
  }
}

/** Decodes a field as text (UTF-8; `""` → `"`). */
export function fieldText(b: Uint8Array, f: RowFields, k: number): string {
  const t = Buffer.from(b.buffer, b.byteOffset + f.start[k], f.end[k] - f.start[k]).toString('utf8');
  return f.escaped[k] ? t.replace(/""/g, '"') : t;
}

/**
 * Sniffs the delimiter from the header line: the most frequent of tab, comma, semicolon and
 * pipe outside quotes (comma when there is none — a one-column file).
 */
export function sniffDelimiter(b: Uint8Array, len: number): number {
  const counts = new Map<number, number>([
    [9, 0],
    [44, 0],
    [59, 0],
    [124, 0],
  ]);
  let inQ = false;
  for (let i = 0; i < len; i++) {
    const c = b[i];
    if (c === QUOTE) inQ = !inQ;
    else if (!inQ && c === LF) break;
    else if (!inQ && counts.has(c)) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let best = 44;
  let n = 0;
  for (const [c, k] of counts) if (k > n) [best, n] = [c, k];
  return best;
}
