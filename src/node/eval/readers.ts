/**
 * Format readers of the evaluation engine. Each reader exposes the column schema and the first
 * rows (to resolve the {@link Plan}), then streams validated typed-array batches:
 * `yTrue` `[n × trueWidth]`, `yPred` `[n × predWidth]`, `weight` `[n]` — the batch buffers are
 * reused, so memory is a fixed window whatever the file size.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { CR, LF, QUOTE, RowFields, fieldText, sniffDelimiter, tokenizeRow } from './csv.js';
import { POW10, parseDecimal, showBytes } from './number.js';
import { fastNdjsonLine, ndjsonShape, type NdjsonShape } from './ndjson-fast.js';
import {
  CHECK,
  applyCheck,
  expectation,
  isKnownColumn,
  labelValue,
  type Plan,
  type SampleColumn,
  type SchemaColumn,
} from './plan.js';
import { EvalInputError, openBytes, readAll, statInput, sysReason, type ByteInput } from './source.js';
import { spoolInput, type Spool } from './spool.js';
import { importOptional } from '../optional.js';

import type { Format } from './formats.js';
export { FORMATS, type Format } from './formats.js';

export interface Batch {
  n: number;
  yTrue: Float64Array;
  yPred: Float64Array;
  weight: Float64Array | null;
  /**
   * CSV / TSV: the line of the first row (a range reader's lines count from its range's first
   * line, 0), and the lines the rows span (`n` when every row is one line, no blank line between).
   */
  line?: number;
  lines?: number;
  /**
   * CSV / TSV: where the rows leave the one-line-per-row count — after blank lines or a row of
   * several lines (a quoted line break) — as pairs (row index in the batch, that row's line), in
   * row order; absent when every row is on the line after the previous one. Row r is on line
   * `L + (r − R)` for the last pair (R, L) with R ≤ r (else `line + r`). A view of a reused buffer:
   * valid until the next batch.
   */
  breaks?: Int32Array;
}

/** The line of row `row` of a CSV batch (see {@link Batch.breaks}), counted as `Batch.line`. */
export function lineOfRow(line: number, breaks: ArrayLike<number> | undefined, row: number): number {
  let base = line;
  let at = 0;
  if (breaks !== undefined)
    for (let k = 0; k + 1 < breaks.length && breaks[k] <= row; k += 2) {
      at = breaks[k];
      base = breaks[k + 1];
    }
  return base + (row - at);
}

export interface Reader {
  format: Format;
  schema: SchemaColumn[];
  sample: SampleColumn[];
  /** Streams the rows (once). */
  batches(plan: Plan, batchRows: number): AsyncGenerator<Batch>;
  /** Every distinct text of the given columns (consumes the reader; used for string labels). */
  distinct(cols: number[]): Promise<Set<string>>;
  /** Delimiter byte of CSV / TSV (for byte-range workers). */
  delimiter?: number;
  /** Byte offset of the first data row (CSV), for byte-range workers. */
  dataStart?: number;
  /** Source bytes read so far and the source size (progress); set by openReader. */
  bytesRead?: () => number;
  size?: number | null;
  /** The input is a regular, uncompressed file (byte ranges can be read by workers). */
  seekable?: boolean;
  /** Stops reading (closes the file). */
  close?: () => Promise<void>;
  /**
   * A reader of the same rows from the first without reading the source again (the data is in
   * memory, or in a file or temp file read by ranges), when {@link Reader.distinct} leaves it
   * usable: text labels then take their second pass over stdin and gzip input too.
   */
  reopen?: () => Promise<Reader>;
  /** Parquet: the row groups' row ranges, and the rows of groups [first, last) (`--workers`). */
  rowGroups?: [number, number][];
  groupBatches?(plan: Plan, batchRows: number, first: number, last: number): AsyncGenerator<Batch>;
}

const SAMPLE_ROWS = 1000;

/**
 * Progress of a reader whose input is read whole before its rows (JSON, `.npz`) or by position
 * (`.npy` files): its bytes done follow the rows evaluated, `rows` of them in `bytes` — else the
 * progress line shows the whole input done (ETA 0 s) while the rows are still being evaluated.
 */
function progressByRows(r: Reader, rows: number, bytes: number): void {
  let done = 0;
  const inner = r.batches;
  r.batches = async function* (plan, batchRows) {
    done = 0;
    for await (const b of inner(plan, batchRows)) {
      done += b.n;
      yield b;
    }
  };
  r.bytesRead = () => (rows > 0 ? Math.round((bytes * Math.min(done, rows)) / rows) : 0);
}

/** Rows per batch for a plan: `values` float64 values (default 2^19, about 4 MB) per batch. */
export function batchRowsFor(plan: Plan, values = 1 << 19): number {
  return Math.max(1024, Math.floor(values / (plan.trueWidth + plan.predWidth + 1)));
}

class Builder {
  n = 0;
  readonly yTrue: Float64Array;
  readonly yPred: Float64Array;
  readonly weight: Float64Array | null;
  constructor(
    readonly plan: Plan,
    readonly cap: number,
  ) {
    this.yTrue = new Float64Array(cap * plan.trueWidth);
    this.yPred = new Float64Array(cap * plan.predWidth);
    this.weight = plan.used.weight !== null ? new Float64Array(cap) : null;
  }
  store(dest: string, k: number, v: number): void {
    if (dest === 'true') this.yTrue[this.n * this.plan.trueWidth + k] = v;
    else if (dest === 'pred') this.yPred[this.n * this.plan.predWidth + k] = v;
    else if (dest === 'weight' && this.weight) this.weight[this.n] = v;
  }
  take(): Batch {
    const { n, plan } = this;
    this.n = 0;
    return {
      n,
      yTrue: this.yTrue.subarray(0, n * plan.trueWidth),
      yPred: this.yPred.subarray(0, n * plan.predWidth),
      weight: this.weight ? this.weight.subarray(0, n) : null,
    };
  }
}

const NUMBERISH = /^\s*[+-]?(\d|\.\d|inf|nan)/i;

function cellError(
  place: string,
  plan: Plan,
  col: string,
  check: (typeof CHECK)[keyof typeof CHECK],
  received: string,
): EvalInputError {
  return new EvalInputError(place, `column '${col}' must hold ${expectation(plan, check)}; received ${received}`);
}

// ---------------------------------------------------------------- CSV / TSV

interface CsvState {
  /** The bytes at hand: always `win.subarray(0, …)`. */
  buf: Uint8Array;
  /** The one reused window array (grown only when a row does not fit). */
  win: Uint8Array;
  pos: number;
  final: boolean;
  line: number;
  /** Bytes of the input before buf[0]. */
  dropped: number;
}

/**
 * Makes room for `extra` more bytes in the window: the unread rest (`buf[pos..]`) moves to the
 * front of the same array (a new, larger array only when rest + extra does not fit), so reading
 * a file allocates no buffer per chunk. Returns where the new bytes go.
 */
function makeRoom(st: CsvState, extra: number): number {
  const rest = st.buf.length - st.pos;
  if (rest + extra > st.win.length) {
    const win = new Uint8Array(Math.max(rest + extra, 2 * st.win.length));
    win.set(st.buf.subarray(st.pos));
    st.win = win;
  } else if (st.pos > 0) st.win.copyWithin(0, st.pos, st.buf.length);
  st.dropped += st.pos;
  st.pos = 0;
  return rest;
}

/**
 * Reads the next bytes into the window (false at the end, then `st.final` is set): a stream's
 * chunks copied in, or a regular file read straight into the window ({@link fileFill}).
 */
type Fill = (st: CsvState) => Promise<boolean>;

function chunkFill(input: ByteInput): Fill {
  return async (st) => {
    const r = await input.chunks.next();
    if (r.done) {
      st.final = true;
      return false;
    }
    const at = makeRoom(st, r.value.length);
    st.win.set(r.value, at);
    st.buf = st.win.subarray(0, at + r.value.length);
    return true;
  };
}

/**
 * A regular file on disk, read 1 MB at a time straight into the CSV window (no buffer per
 * chunk). Reads are asynchronous, so the event loop (timers, signals, other work of the process)
 * runs between chunks.
 */
export interface FileSource {
  fh: FileHandle;
  /** Bytes read so far (progress). */
  read: number;
  closed: boolean;
}

async function closeFile(src: FileSource): Promise<void> {
  if (src.closed) return;
  src.closed = true;
  await src.fh.close();
}

function fileFill(src: FileSource, file: string): Fill {
  return async (st) => {
    const rest = makeRoom(st, 1 << 20);
    let got: number;
    try {
      got = src.closed ? 0 : (await src.fh.read(st.win, rest, 1 << 20, src.read)).bytesRead;
    } catch (e) {
      await closeFile(src);
      throw new EvalInputError(file, `cannot read: ${sysReason(e)}`);
    }
    src.read += got;
    st.buf = st.win.subarray(0, rest + got);
    if (got === 0) {
      st.final = true;
      await closeFile(src);
      return false;
    }
    return true;
  };
}

/**
 * Reads a CSV/TSV input: header, sample, then batches. `src`: read a regular file by its
 * descriptor instead of the input's chunks.
 */
export async function csvReader(
  input: ByteInput,
  format: 'csv' | 'tsv' | null,
  file: string,
  src: FileSource | null = null,
): Promise<Reader> {
  const st: CsvState = { buf: new Uint8Array(0), win: new Uint8Array(0), pos: 0, final: false, line: 1, dropped: 0 };
  const fill = src !== null ? fileFill(src, file) : chunkFill(input);
  const more = async (): Promise<boolean> => (st.final ? false : fill(st));
  // Header.
  await more();
  if (st.buf.length >= 3 && st.buf[0] === 0xef && st.buf[1] === 0xbb && st.buf[2] === 0xbf) st.pos = 3;
  while (!st.final && st.buf.indexOf(10, st.pos) < 0) await more();
  const delim = format === 'tsv' ? 9 : sniffDelimiter(st.buf.subarray(st.pos), st.buf.length - st.pos);
  const f = new RowFields();
  let next: number;
  // Skip blank lines before the header.
  for (;;) {
    while ((next = tokenizeRow(st.buf, st.pos, st.buf.length, delim, st.final, f)) < 0) await more();
    if (next === st.pos)
      throw new EvalInputError(
        `${file}:1:1`,
        'the file is empty; expected a header row (e.g. y_true,y_pred) and data rows',
      );
    if (f.count === 1 && f.start[0] === f.end[0] && next < st.buf.length) {
      st.pos = next;
      st.line++;
      continue;
    }
    break;
  }
  const headerLine = st.line;
  const names: string[] = [];
  for (let c = 0; c < f.count; c++) {
    const name = fieldText(st.buf, f, c).trim();
    if ([...name].some((ch) => ch.charCodeAt(0) < 9 || (ch.charCodeAt(0) > 13 && ch.charCodeAt(0) < 32)))
      throw new EvalInputError(
        `${file}:${headerLine}:${f.start[c] - f.rowStart + 1}`,
        `the header holds control characters (${JSON.stringify(name.slice(0, 30))}): not a text CSV file`,
      );
    names.push(name);
  }
  st.pos = next;
  st.line = headerLine + 1 + f.innerLines;
  const dataStart = st.dropped + st.pos;
  // Sample rows (kept in the buffer: the batches start again from here). Reading more moves the
  // window (st.pos back to 0, st.dropped up), so the start is kept as an input offset.
  const sampleStart = st.dropped + st.pos;
  const sampleLine = st.line;
  const cols: string[][] = names.map(() => []);
  const firstPos: number[] = [];
  let p = st.pos;
  let line = st.line;
  let rows = 0;
  while (rows < SAMPLE_ROWS) {
    const q = tokenizeRow(st.buf, p, st.buf.length, delim, st.final, f);
    if (q < 0) {
      const off = p - st.pos;
      if (!(await more())) continue;
      p = st.pos + off;
      continue;
    }
    if (q === p) break;
    const blank = f.count === 1 && f.start[0] === f.end[0];
    if (!blank && f.count === names.length) {
      for (let c = 0; c < names.length; c++) {
        cols[c].push(fieldText(st.buf, f, c));
        if (rows === 0) firstPos.push(f.start[c] - f.rowStart + 1);
      }
      rows++;
    } else if (!blank) break; // ragged: reported with its line by the batches
    line += 1 + f.innerLines;
    p = q;
    if (p >= st.buf.length && st.final) break;
  }
  if (rows === 0 && (p >= st.buf.length || st.final)) {
    // Header only (or header then ragged / blank rows only: the batch pass reports a ragged row).
    const q = tokenizeRow(st.buf, p, st.buf.length, delim, true, f);
    if (q === p || q < 0)
      throw new EvalInputError(
        `${file}:${sampleLine}:1`,
        `no data rows after the header (${names.join(delim === 9 ? '\t' : String.fromCharCode(delim))})`,
      );
  }
  void line;
  const sample: SampleColumn[] = cols.map((vals, c) => {
    if (vals.length === 0) return { nums: new Float64Array(0), strs: null };
    const b0 = Buffer.from(vals[0].trim(), 'utf8');
    const x0 = parseDecimal(b0, 0, b0.length);
    if (Number.isNaN(x0)) {
      if (NUMBERISH.test(vals[0]) || vals[0].trim() === '')
        throw new EvalInputError(
          `${file}:${sampleLine}:${firstPos[c]}`,
          `column '${names[c]}' must hold a decimal number${/^\s*[+-]?0[xXbBoO]/.test(vals[0]) ? ' (hexadecimal, binary and octal are not accepted)' : ''}; received ${JSON.stringify(vals[0].slice(0, 40))}`,
        );
      return { nums: null, strs: vals };
    }
    return {
      nums: Float64Array.from(vals, (v) => {
        const b = Buffer.from(v, 'utf8');
        return parseDecimal(b, 0, b.length);
      }),
      strs: null,
    };
  });
  st.pos = sampleStart - st.dropped;
  st.line = sampleLine;
  const schema = names.map((name) => ({ name, width: 1 }));
  return {
    format: delim === 9 ? 'tsv' : 'csv',
    schema,
    sample,
    delimiter: delim,
    dataStart,
    batches: (plan, batchRows) => csvBatches({ st, more, plan, batchRows, delim, file, rangeStart: null }),
    distinct: async (want) => {
      const out = new Set<string>();
      for (;;) {
        const q = tokenizeRow(st.buf, st.pos, st.buf.length, delim, st.final, f);
        if (q < 0) {
          await more();
          continue;
        }
        if (q === st.pos) break;
        if (f.count === names.length) for (const c of want) out.add(fieldText(st.buf, f, c));
        st.pos = q;
        if (st.pos >= st.buf.length && st.final) break;
      }
      return out;
    },
  };
}

/** Streams a CSV byte range of a file (no header): the workers' reader. Line numbers are unknown: errors carry the byte offset. */
export function csvRangeBatches(
  path: string,
  range: { start: number; end: number; scratch?: { win: Uint8Array } },
  plan: Plan,
  batchRows: number,
  delim: number,
): AsyncGenerator<Batch> {
  const { start, end, scratch } = range;
  const fd = openSync(path, 'r');
  let at = start;
  const st: CsvState = {
    buf: new Uint8Array(0),
    // the window of the previous range of this thread, reused (no 1-2 MB of garbage per range)
    win: scratch?.win ?? new Uint8Array(0),
    pos: 0,
    final: false,
    line: 0,
    dropped: start,
  };
  const more = async (): Promise<boolean> => {
    if (st.final) return false;
    const len = Math.min(1 << 20, end - at);
    if (len <= 0) {
      st.final = true;
      closeSync(fd);
      return false;
    }
    const rest = makeRoom(st, len);
    if (scratch !== undefined) scratch.win = st.win;
    const got = readSync(fd, st.win, rest, len, at);
    at += got;
    st.buf = st.win.subarray(0, rest + got);
    if (got === 0) {
      st.final = true;
      closeSync(fd);
    }
    return true;
  };
  return csvBatches({ st, more, plan, batchRows, delim, file: path, rangeStart: start });
}

/**
 * The line and column (1-based; the column in bytes, as the reader's own cell errors) of field
 * `col` of the CSV / TSV row that starts on line `line` of a file: a quoted field before it may
 * hold the delimiter or line breaks, so the row is tokenized, not split. Error path only (reads
 * the file from its start); a line or field that is not there gives the row's line, column 1.
 */
export async function cellPlace(
  path: string,
  line: number,
  delim: number,
  col: number,
): Promise<{ line: number; column: number }> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const step = 1 << 20;
    const chunk = new Uint8Array(step);
    // The byte offset where line `line` starts.
    let pos = 0;
    let at = 1;
    let start = line <= 1 ? 0 : -1;
    while (start < 0 && pos < size) {
      const { bytesRead } = await fh.read(chunk, 0, Math.min(step, size - pos), pos);
      if (bytesRead === 0) break;
      for (let i = chunk.indexOf(LF); i >= 0 && i < bytesRead; i = chunk.indexOf(LF, i + 1))
        if (++at === line) {
          start = pos + i + 1;
          break;
        }
      pos += bytesRead;
    }
    if (start < 0) return { line, column: 1 };
    // The row from there, read until it is complete.
    const f = new RowFields();
    let buf = new Uint8Array(0);
    for (let want = 1 << 16; ; want *= 4) {
      const len = Math.min(want, size - start);
      buf = new Uint8Array(len);
      const { bytesRead } = await fh.read(buf, 0, len, start);
      const final = start + bytesRead >= size;
      if (tokenizeRow(buf, 0, bytesRead, delim, final, f) >= 0 || final) break;
    }
    if (col >= f.count) return { line, column: 1 };
    const s = f.start[col];
    let lines = 0;
    let lineStart = 0;
    for (let i = buf.indexOf(LF); i >= 0 && i < s; i = buf.indexOf(LF, i + 1)) {
      lines++;
      lineStart = i + 1;
    }
    return { line: line + lines, column: s - lineStart + 1 };
  } finally {
    await fh.close();
  }
}

/** Thrown by range readers: the main thread turns the byte offset into a line number. */
export class RangeCellError extends EvalInputError {
  constructor(
    file: string,
    readonly byteOffset: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`${file}:byte ${byteOffset}`, detail);
  }
}

interface CsvPass {
  st: CsvState;
  more: () => Promise<boolean>;
  plan: Plan;
  batchRows: number;
  delim: number;
  file: string;
  /** Byte offset of a worker's range (line numbers unknown), or null. */
  rangeStart: number | null;
}

/** What {@link fastCsvRow} needs to know of the columns (built once per pass). */
interface FastRowCtx {
  ncols: number;
  delim: number;
  /** Per column: 0 skip, 1 true, 2 pred, 3 weight, 4 check; its slot `kk` and check `chk`. */
  dest: Int8Array;
  kk: Int32Array;
  chk: Int8Array;
  plan: Plan;
  b: Builder;
}

/**
 * The fast path of the CSV pass: one scan of a plain row (no quotes, no spaces, no exponents,
 * decimals of at most 15 significant digits and 22 decimals) that finds the fields and parses
 * the numbers at once, straight into the batch row `b.n`. The arithmetic is parseDecimal's
 * (the same mantissa and power of ten, so the same float64 as `Number()`). Returns the offset
 * after the row's line end, or -1 when the row is anything else (then the general tokenizer
 * and parser read it again and report any error with its place; values written here are
 * overwritten).
 */
function fastCsvRow(x: FastRowCtx, buf: Uint8Array, pos: number, len: number): number {
  const { ncols, delim, dest, kk, chk, plan, b } = x;
  const n = b.n;
  let i = pos;
  for (let c = 0; c < ncols; c++) {
    const d = dest[c];
    if (d === 0) {
      if (i < len && buf[i] === QUOTE) return -1;
      while (i < len) {
        const ch = buf[i];
        if (ch === delim || ch === LF || ch === CR) break;
        i++;
      }
    } else {
      let neg = false;
      if (i < len && buf[i] === 45) {
        neg = true;
        i++;
      }
      let mant = 0;
      let sig = 0;
      let digits = 0;
      let exp = 0;
      for (; i < len; i++) {
        const ch = buf[i] - 48;
        if (ch < 0 || ch > 9) break;
        mant = mant * 10 + ch;
        digits++;
        if (sig > 0 || ch !== 0) sig++;
      }
      if (i < len && buf[i] === 46) {
        for (i++; i < len; i++) {
          const ch = buf[i] - 48;
          if (ch < 0 || ch > 9) break;
          mant = mant * 10 + ch;
          digits++;
          exp--;
          if (sig > 0 || ch !== 0) sig++;
        }
      }
      if (digits === 0 || sig > 15 || exp < -22) return -1;
      let v = mant === 0 ? 0 : exp === 0 ? mant : mant / POW10[-exp];
      if (neg) v = -v;
      const ck = chk[c];
      if (ck === 1) {
        if (!(v >= 0 && v <= 1)) return -1;
      } else {
        v = applyCheck(plan, ck as (typeof CHECK)[keyof typeof CHECK], v);
        if (v !== v) return -1;
      }
      if (d === 1) b.yTrue[n * plan.trueWidth + kk[c]] = v;
      else if (d === 2) b.yPred[n * plan.predWidth + kk[c]] = v;
      else if (d === 3 && b.weight !== null) b.weight[n] = v;
    }
    if (i >= len) return -1;
    const ch = buf[i];
    if (c < ncols - 1) {
      if (ch !== delim) return -1;
      i++;
    } else if (ch === LF) return i + 1;
    else if (ch === CR && i + 1 < len && buf[i + 1] === LF) return i + 2;
    else return -1;
  }
  return -1;
}

/**
 * Plain rows by {@link fastCsvRow} from `st.pos` into the batch: up to a full batch, the end of
 * the bytes at hand or a row it cannot take. Returns the rows taken (`st.pos`, `st.line` moved on).
 * A function of its own, not a loop of the `csvBatches` generator: V8 compiles it once, where
 * the generator (with its general path, never run on a plain file) was compiled four times.
 */
function fastRows(x: FastRowCtx, st: CsvState, len: number): number {
  const b = x.b;
  const buf = st.buf;
  const room = b.cap - b.n;
  let pos = st.pos;
  let rows = 0;
  while (rows < room && pos < len) {
    const q = fastCsvRow(x, buf, pos, len);
    if (q <= 0) break;
    pos = q;
    b.n++;
    rows++;
  }
  st.pos = pos;
  st.line += rows;
  return rows;
}

async function* csvBatches(pass: CsvPass): AsyncGenerator<Batch> {
  const { st, more, plan, batchRows, delim, file, rangeStart } = pass;
  const roles = plan.columns.roles;
  const names = plan.columns.names;
  const ncols = roles.length;
  const dest = new Int8Array(ncols); // 0 skip, 1 true, 2 pred, 3 weight, 4 check
  const kk = new Int32Array(ncols);
  const chk = new Int8Array(ncols);
  const strs = new Uint8Array(ncols);
  for (let c = 0; c < ncols; c++) {
    const r = roles[c];
    dest[c] = r.dest === 'skip' ? 0 : r.dest === 'true' ? 1 : r.dest === 'pred' ? 2 : r.dest === 'weight' ? 3 : 4;
    kk[c] = r.k;
    chk[c] = r.check;
    strs[c] = r.strings ? 1 : 0;
  }
  const tw = plan.trueWidth;
  const pw = plan.predWidth;
  const b = new Builder(plan, batchRows);
  const f = new RowFields(ncols + 1);
  const fail = (rowStart: number, fieldStart: number, line: number, msg: string): never => {
    const col = fieldStart - rowStart + 1;
    if (rangeStart !== null) throw new RangeCellError(file, st.dropped + rowStart, col, msg);
    throw new EvalInputError(`${file}:${line}:${col}`, msg);
  };
  // The line of the batch's first row; the lines its rows span; the rows after a blank line or a
  // row of several lines, with their lines (pairs; only the general path below records them, so
  // the fast path of plain rows does nothing more per row).
  let first = 0;
  let brk = new Int32Array(64);
  let nb = 0;
  const note = (row: number, line: number): void => {
    if (nb > 0 && brk[2 * nb - 2] === row) {
      brk[2 * nb - 1] = line;
      return;
    }
    if (2 * nb + 2 > brk.length) {
      const grown = new Int32Array(2 * brk.length);
      grown.set(brk);
      brk = grown;
    }
    brk[2 * nb] = row;
    brk[2 * nb + 1] = line;
    nb++;
  };
  const placed = (batch: Batch): Batch => {
    const out: Batch = { ...batch, line: first, lines: st.line - first };
    if (nb > 0) out.breaks = brk.subarray(0, 2 * nb);
    nb = 0;
    return out;
  };
  // Rows without text labels first try the fast path (one scan per row).
  const fast: FastRowCtx | null = strs.includes(1) ? null : { ncols, delim, dest, kk, chk, plan, b };
  for (;;) {
    const buf = st.buf;
    const len = buf.length;
    for (;;) {
      if (fast !== null) {
        const n0 = b.n;
        const line0 = st.line;
        if (fastRows(fast, st, len) > 0) {
          if (n0 === 0) first = line0;
          if (b.n === b.cap) yield placed(b.take());
          if (st.pos >= len) break;
          continue;
        }
      }
      const q = tokenizeRow(buf, st.pos, len, delim, st.final, f);
      if (q < 0) break;
      if (q === st.pos) break;
      const line = st.line;
      st.line += 1 + f.innerLines;
      if (f.count === 1 && f.start[0] === f.end[0] && ncols > 1) {
        // A blank line: the next row of this batch starts lower than its index says.
        if (b.n > 0) note(b.n, st.line);
        st.pos = q;
        if (q >= len) break;
        continue;
      }
      if (f.count !== ncols) {
        const at = f.count > ncols ? f.start[ncols] - 1 : f.end[f.count - 1];
        fail(
          f.rowStart,
          at,
          line,
          `row has ${f.count} fields; expected ${ncols} (${names.join(String.fromCharCode(delim === 9 ? 32 : delim))})`,
        );
      }
      if (f.badAt >= 0) fail(f.rowStart, f.badAt, line, 'unexpected text after a closing quote');
      const n = b.n;
      for (let c = 0; c < ncols; c++) {
        const d = dest[c];
        if (d === 0) continue;
        const s = f.start[c];
        const e = f.end[c];
        let x: number;
        if (strs[c] === 1) {
          const t = fieldText(buf, f, c);
          x = labelValue(plan, t);
          if (Number.isNaN(x))
            fail(
              f.rowStart,
              s,
              line,
              `column '${names[c]}': label ${JSON.stringify(t.slice(0, 40))} is not one of the classes ${plan.labels?.slice(0, 10).join(', ')}`,
            );
        } else {
          x = parseDecimal(buf, s, e);
          if (x !== x)
            fail(
              f.rowStart,
              s,
              line,
              `column '${names[c]}' must hold a decimal number; received ${showBytes(buf, s, e)}${/^\s*[+-]?0[xXbBoO]/.test(String.fromCharCode(...buf.subarray(s, Math.min(e, s + 4)))) ? ' (hexadecimal, binary and octal are not accepted)' : ''}`,
            );
          const ck = chk[c];
          if (ck === CHECK.prob) {
            if (!(x >= 0 && x <= 1))
              fail(
                f.rowStart,
                s,
                line,
                cellError('', plan, names[c], ck, String(x)).message.replace(/^evaluate: : /, ''),
              );
          } else {
            const v = applyCheck(plan, chk[c] as (typeof CHECK)[keyof typeof CHECK], x);
            if (v !== v)
              fail(
                f.rowStart,
                s,
                line,
                cellError('', plan, names[c], chk[c] as (typeof CHECK)[keyof typeof CHECK], String(x)).message.replace(
                  /^evaluate: : /,
                  '',
                ),
              );
            x = v;
          }
        }
        if (d === 1) b.yTrue[n * tw + kk[c]] = x;
        else if (d === 2) b.yPred[n * pw + kk[c]] = x;
        else if (d === 3 && b.weight !== null) b.weight[n] = x;
      }
      if (n === 0) first = line;
      b.n = n + 1;
      st.pos = q;
      // A row of several lines: so does the next row.
      if (f.innerLines > 0 && b.n < b.cap) note(b.n, st.line);
      if (b.n === b.cap) yield placed(b.take());
      if (q >= len) break;
    }
    if (st.final && (st.pos >= st.buf.length || tokenizeRow(st.buf, st.pos, st.buf.length, delim, true, f) === st.pos))
      break;
    if (!(await more()) && st.pos >= st.buf.length) break;
  }
  if (b.n > 0) yield placed(b.take());
}

// ---------------------------------------------------------------- column formats

/** One batch of named columns: numbers (`width` per row) or texts. */
export interface ColumnChunk {
  n: number;
  cols: (Float64Array | string[] | null)[];
}

/** Converts column chunks to validated batches; `place(row, col)` names a cell for messages. */
async function* columnBatches(
  chunks: AsyncIterable<ColumnChunk>,
  plan: Plan,
  batchRows: number,
  place: (row: number, col: number) => string,
): AsyncGenerator<Batch> {
  const roles = plan.columns.roles;
  const names = plan.columns.names;
  const b = new Builder(plan, batchRows);
  let row = 0;
  for await (const ch of chunks) {
    for (let r = 0; r < ch.n; r++, row++) {
      for (let c = 0; c < roles.length; c++) {
        const role = roles[c];
        if (role.dest === 'skip') continue;
        const col = ch.cols[c];
        if (col === null) throw new EvalInputError(place(row, c), `column '${names[c]}' is missing`);
        for (let j = 0; j < role.width; j++) {
          let x: number;
          if (Array.isArray(col)) {
            const t = col[r];
            if (role.strings) {
              x = labelValue(plan, t);
              if (Number.isNaN(x))
                throw new EvalInputError(
                  place(row, c),
                  `column '${names[c]}': label ${JSON.stringify(String(t).slice(0, 40))} is not one of the classes ${plan.labels?.slice(0, 10).join(', ')}`,
                );
            } else
              throw new EvalInputError(
                place(row, c),
                `column '${names[c]}' must hold numbers; received ${JSON.stringify(String(t).slice(0, 40))}`,
              );
          } else {
            x = col[r * role.width + j];
            const v = applyCheck(plan, role.check, x);
            if (v !== v)
              throw new EvalInputError(
                place(row, c),
                `column '${names[c]}'${role.width > 1 ? `[${j}]` : ''} must hold ${expectation(plan, role.check)}; received ${x}`,
              );
            x = v;
          }
          b.store(role.dest, role.k + j, x);
        }
      }
      b.n++;
      if (b.n === b.cap) yield b.take();
    }
  }
  if (b.n > 0) yield b.take();
}

function sampleOf(chunk: ColumnChunk, schema: SchemaColumn[]): SampleColumn[] {
  return schema.map((s, c) => {
    const col = chunk.cols[c];
    if (col === null) return { nums: new Float64Array(0), strs: null };
    if (Array.isArray(col)) return { nums: null, strs: col.slice(0, SAMPLE_ROWS) };
    return { nums: col.subarray(0, Math.min(col.length, SAMPLE_ROWS * s.width)), strs: null };
  });
}

async function distinctOf(chunks: AsyncIterable<ColumnChunk>, want: number[]): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const ch of chunks)
    for (const c of want) {
      const col = ch.cols[c];
      if (Array.isArray(col)) for (const t of col) out.add(t);
    }
  return out;
}

/** Converts a JSON / Arrow / Parquet value list to a column (numbers, bigint, booleans → numbers; all strings → texts). */
function toColumn(
  vals: ArrayLike<unknown>,
  width: number,
  place: (row: number) => string,
  name: string,
): Float64Array | string[] {
  const n = vals.length;
  if (n > 0 && typeof vals[0] === 'string') {
    const out: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const v = vals[i];
      if (typeof v !== 'string') throw new EvalInputError(place(i), `column '${name}' mixes text and ${typeof v}`);
      out[i] = v;
    }
    return out;
  }
  if (vals instanceof Float64Array) return vals;
  const out = new Float64Array(n * width);
  for (let i = 0; i < n; i++) {
    const v = vals[i];
    if (width > 1) {
      if (!Array.isArray(v) && !ArrayBuffer.isView(v))
        throw new EvalInputError(
          place(i),
          `column '${name}' must hold arrays of ${width} numbers; received ${JSON.stringify(v)}`,
        );
      const a = v as ArrayLike<unknown>;
      if (a.length !== width)
        throw new EvalInputError(
          place(i),
          `column '${name}' must hold arrays of ${width} numbers (as its first row); received ${a.length}`,
        );
      for (let j = 0; j < width; j++) out[i * width + j] = numOf(a[j], place(i), name);
    } else out[i] = numOf(v, place(i), name);
  }
  return out;
}

function numOf(v: unknown, where: string, name: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') {
    if (v > 9007199254740991n || v < -9007199254740991n)
      throw new EvalInputError(
        where,
        `column '${name}': int64 value ${v} is beyond 2^53 and cannot be represented exactly`,
      );
    return Number(v);
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new EvalInputError(
    where,
    `column '${name}' must hold numbers; received ${v === null ? 'null' : JSON.stringify(v)?.slice(0, 40)}`,
  );
}

// JSON ------------------------------------------------------------

function checkKeys(keys: string[], where: string): void {
  const bad = keys.filter((k) => !isKnownColumn(k));
  if (bad.length > 0)
    throw new EvalInputError(
      where,
      `unknown key${bad.length > 1 ? 's' : ''} ${bad.map((k) => JSON.stringify(k)).join(', ')}; expected yTrue / y_true, yPred / y_pred (or p_0, p_1, …) and optionally sampleWeight / sample_weight`,
    );
}

function jsonPosition(text: string, e: unknown): string {
  const msg = String((e as Error).message);
  let pos = -1;
  const m = /position (\d+)/.exec(msg);
  if (m) pos = Number(m[1]);
  else if (/Unexpected end of JSON input/.test(msg)) pos = text.length;
  else {
    // V8 without a position: `Unexpected token 'X', ..."context"... is not valid JSON` (10 characters of context).
    const t = /Unexpected token '(.)', (\.\.\.)?"([\s\S]*?)"(\.\.\.)? is not valid JSON/.exec(msg);
    if (t) {
      const at = text.indexOf(t[3]);
      if (at >= 0) pos = at + (t[2] ? 10 : Math.max(0, t[3].indexOf(t[1])));
    }
  }
  if (pos < 0) return '1:1';
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  return `${line}:${pos - before.lastIndexOf('\n')}`;
}

async function jsonReader(input: ByteInput, file: string): Promise<Reader> {
  const text = (await readAll(input)).toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '')
    throw new EvalInputError(`${file}:1:1`, 'the file is empty; expected { "yTrue": [...], "yPred": [...] }');
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new EvalInputError(
      `${file}:${jsonPosition(text, e)}`,
      `not valid JSON (${(e as Error).message.split('\n')[0]})`,
    );
  }
  if (j === null || typeof j !== 'object' || Array.isArray(j))
    throw new EvalInputError(
      `${file}:1:1`,
      `must hold an object { "yTrue": [...], "yPred": [...] }; received ${Array.isArray(j) ? 'an array' : typeof j}`,
    );
  const o = j as Record<string, unknown>;
  const keys = Object.keys(o);
  checkKeys(keys, `${file}:1:1`);
  let n = -1;
  const schema: SchemaColumn[] = [];
  const cols: (Float64Array | string[])[] = [];
  for (const k of keys) {
    const v = o[k];
    if (!Array.isArray(v)) throw new EvalInputError(`${file}:1:1`, `key "${k}" must be an array; received ${typeof v}`);
    if (n >= 0 && v.length !== n)
      throw new EvalInputError(`${file}:1:1`, `key "${k}" has ${v.length} entries but "${keys[0]}" has ${n}`);
    n = v.length;
    const width = Array.isArray(v[0]) ? (v[0] as unknown[]).length : 1;
    schema.push({ name: k, width });
    cols.push(toColumn(v, width, (r) => `${file}: "${k}"[${r}]`, k));
  }
  if (n === 0) throw new EvalInputError(`${file}:1:1`, 'no rows: the arrays are empty');
  const chunk: ColumnChunk = { n, cols };
  const one = async function* () {
    yield chunk;
  };
  const r: Reader = {
    format: 'json',
    schema,
    sample: sampleOf(chunk, schema),
    batches: (plan, rows) => columnBatches(one(), plan, rows, (r, c) => `${file}: "${schema[c].name}"[${r}]`),
    distinct: (want) => distinctOf(one(), want),
    reopen: async () => r,
  };
  progressByRows(r, n, input.size ?? input.bytesRead());
  return r;
}

// NDJSON ------------------------------------------------------------

/**
 * Reads an NDJSON input: one JSON object per line. `fast: false` reads every line by the general
 * path (`JSON.parse`) — the reference the tests compare the fast path with.
 */
export async function ndjsonReader(input: ByteInput, file: string, fast = true): Promise<Reader> {
  // The bytes are read into one reused window and cut into lines by their '\n'. A line the fast
  // path takes ({@link fastNdjsonLine}) goes straight into the chunk's number columns; any other
  // line is decoded and read by `JSON.parse` as before (then the chunk is built of objects, the
  // fast lines' values as the objects JSON.parse would give), so every line gives the row, and
  // every bad line the error, of the general path.
  const st: CsvState = { buf: new Uint8Array(0), win: new Uint8Array(0), pos: 0, final: false, line: 1, dropped: 0 };
  const fill = chunkFill(input);
  const dec = new TextDecoder('utf-8', { ignoreBOM: true });
  let lineNo = 0;
  let keys: string[] = [];
  let schema: SchemaColumn[] = [];
  let shape: NdjsonShape | null = null;
  let one: Float64Array[] = []; // one row of the fast path, for a chunk built of objects
  let seen = false; // the first row has been read
  const parse = (no: number, text: string): Record<string, unknown> => {
    let o: unknown;
    try {
      o = JSON.parse(text);
    } catch (e) {
      throw new EvalInputError(`${file}:${no}:1`, `not a JSON object (${(e as Error).message.split('\n')[0]})`);
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o))
      throw new EvalInputError(
        `${file}:${no}:1`,
        'each line must be a JSON object such as {"y_true": 1, "y_pred": 0.8}',
      );
    return o as Record<string, unknown>;
  };
  let view: Buffer = Buffer.alloc(0); // st.win as a Buffer (for its latin1 decoding)
  let viewOf: Uint8Array | null = null;
  /**
   * The text the general path reads of the line `buf[s..e)`, as the whole input decoded as UTF-8
   * (a BOM at its start dropped) and split at '\n' gives it: null when blank; a BOM at the start
   * of a line ended by '\n' dropped.
   */
  const textOf = (s: number, e: number, ended: boolean): string | null => {
    const b = st.buf;
    let ascii = true;
    for (let i = s; i < e; i++)
      if (b[i] >= 0x80) {
        ascii = false;
        break;
      }
    let text: string;
    if (ascii) {
      // ASCII: its UTF-8 decoding is its latin1 decoding, and the native latin1 one is faster.
      if (viewOf !== st.win) {
        viewOf = st.win;
        view = Buffer.from(st.win.buffer, st.win.byteOffset, st.win.length);
      }
      text = view.toString('latin1', s, e);
    } else text = dec.decode(b.subarray(s, e));
    if (st.dropped + s === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim() === '') return null;
    return ended ? text.replace(/^\uFEFF/, '') : text;
  };
  const chunkOf = (objs: { no: number; o: Record<string, unknown> }[]): ColumnChunk => {
    const cols = keys.map((k, c) => {
      const vals = objs.map(({ no, o }) => {
        if (!(k in o))
          throw new EvalInputError(`${file}:${no}:1`, `key "${k}" is missing (the first row has ${keys.join(', ')})`);
        return o[k];
      });
      return toColumn(vals, schema[c].width, (r) => `${file}:${objs[r].no}:1`, k);
    });
    for (const { no, o } of objs) {
      const extra = Object.keys(o).filter((k) => !keys.includes(k));
      if (extra.length) {
        checkKeys(extra, `${file}:${no}:1`);
        throw new EvalInputError(`${file}:${no}:1`, `key "${extra[0]}" is not in the first row`);
      }
    }
    return { n: objs.length, cols };
  };
  /** The object JSON.parse gives of a fast line, from its values in row `r` of `cols`. */
  const objectOf = (x: NdjsonShape, cols: Float64Array[], r: number): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (let c = 0; c < keys.length; c++) {
      const w = x.widths[c];
      o[keys[c]] = w === 0 ? cols[c][r] : Array.from(cols[c].subarray(r * w, r * w + w));
    }
    return o;
  };
  // The line numbers and number columns of the chunks after the first, reused: a chunk is done
  // with (its rows copied to the batch) before the next is read.
  let spare: { nos: number[]; cols: Float64Array[] } | null = null;
  let scanned = 0; // bytes from st.pos known to hold no '\n'
  /**
   * The next rows, up to `max` (fewer only at the end of the input; null when there are none),
   * and their line numbers (`reuse`: in the spare arrays). The first row read sets the keys, the
   * schema and the fast path's shape.
   */
  const collect = async (max: number, reuse: boolean): Promise<{ chunk: ColumnChunk; nos: number[] } | null> => {
    if (reuse && spare === null && shape !== null)
      spare = { nos: [], cols: Array.from(shape.widths, (w) => new Float64Array(max * Math.max(1, w))) };
    const nos: number[] = reuse && spare !== null ? spare.nos : [];
    nos.length = 0;
    let objs: { no: number; o: Record<string, unknown> }[] | null = shape === null ? [] : null;
    const cols: Float64Array[] =
      shape === null
        ? []
        : reuse && spare !== null
          ? spare.cols
          : Array.from(shape.widths, (w) => new Float64Array(max * Math.max(1, w)));
    while (nos.length < max) {
      const buf = st.buf;
      const pos = st.pos;
      const len = buf.length;
      let e = pos + scanned;
      while (e < len && buf[e] !== 10) e++; // (a loop: faster than indexOf on short lines)
      const ended = e < len;
      if (!ended) {
        if (!st.final) {
          scanned = e - pos; // a long line is not scanned again from its start after each read
          await fill(st);
          continue;
        }
        if (pos >= buf.length) break;
        e = buf.length;
      }
      st.pos = ended ? e + 1 : e;
      scanned = 0;
      lineNo++;
      if (shape !== null) {
        if (objs === null) {
          if (fastNdjsonLine(shape, buf, pos, e, cols, nos.length)) {
            nos.push(lineNo);
            continue;
          }
        } else if (fastNdjsonLine(shape, buf, pos, e, one, 0)) {
          objs.push({ no: lineNo, o: objectOf(shape, one, 0) });
          nos.push(lineNo);
          continue;
        }
      }
      const text = textOf(pos, e, ended);
      if (text === null) continue;
      const o = parse(lineNo, text);
      if (!seen) {
        seen = true;
        keys = Object.keys(o);
        checkKeys(keys, `${file}:${lineNo}:1`);
        schema = keys.map((k) => ({ name: k, width: Array.isArray(o[k]) ? (o[k] as unknown[]).length : 1 }));
        shape = fast ? ndjsonShape(o, keys) : null;
        if (shape !== null) one = Array.from(shape.widths, (w) => new Float64Array(Math.max(1, w)));
      }
      if (objs === null) {
        // A line the fast path did not take: this chunk is built of objects.
        const x = shape as NdjsonShape;
        objs = nos.map((no, r) => ({ no, o: objectOf(x, cols, r) }));
      }
      objs.push({ no: lineNo, o });
      nos.push(lineNo);
    }
    if (nos.length === 0) return null;
    if (objs !== null) return { chunk: chunkOf(objs), nos };
    const n = nos.length;
    const widths = (shape as NdjsonShape).widths;
    return { chunk: { n, cols: cols.map((col, c) => col.subarray(0, n * Math.max(1, widths[c]))) }, nos };
  };
  const first = await collect(SAMPLE_ROWS, false);
  if (first === null) throw new EvalInputError(`${file}:1:1`, 'the file is empty; expected one JSON object per line');
  const head = first.chunk;
  const headNos = first.nos;
  // The line numbers of the chunk last yielded (blank lines make them differ from row + 1): the
  // batches are checked one chunk at a time, before the next chunk is read.
  let curStart = 0;
  let curLines: number[] = headNos;
  const rest = async function* (): AsyncGenerator<ColumnChunk> {
    curStart = 0;
    curLines = headNos;
    yield head;
    let next = headNos.length;
    for (;;) {
      const c = await collect(4096, true);
      if (c === null) return;
      curStart = next;
      curLines = c.nos;
      next += c.nos.length;
      yield c.chunk;
    }
  };
  const lineOf = (row: number): number => {
    const i = row - curStart;
    if (i >= 0 && i < curLines.length) return curLines[i];
    return row < headNos.length ? headNos[row] : row + 1;
  };
  return {
    format: 'ndjson',
    schema,
    sample: sampleOf(head, schema),
    batches: (plan, rows) => columnBatches(rest(), plan, rows, (r) => `${file}:${lineOf(r)}:1`),
    distinct: (want) => distinctOf(rest(), want),
  };
}

// NumPy ------------------------------------------------------------

interface Npy {
  name: string;
  dtype: string;
  shape: number[];
  /** Bytes of the array data. */
  read(start: number, count: number): Float64Array | string[];
  rows: number;
  width: number;
}

const NPY_TYPES: Record<string, [number, (v: DataView, o: number, le: boolean) => number]> = {
  f8: [8, (v, o, le) => v.getFloat64(o, le)],
  f4: [4, (v, o, le) => v.getFloat32(o, le)],
  i8: [
    8,
    (v, o, le) => {
      const x = v.getBigInt64(o, le);
      if (x > 9007199254740991n || x < -9007199254740991n) return NaN;
      return Number(x);
    },
  ],
  u8: [
    8,
    (v, o, le) => {
      const x = v.getBigUint64(o, le);
      return x > 9007199254740991n ? NaN : Number(x);
    },
  ],
  i4: [4, (v, o, le) => v.getInt32(o, le)],
  u4: [4, (v, o, le) => v.getUint32(o, le)],
  i2: [2, (v, o, le) => v.getInt16(o, le)],
  u2: [2, (v, o, le) => v.getUint16(o, le)],
  i1: [1, (v, o) => v.getInt8(o)],
  u1: [1, (v, o) => v.getUint8(o)],
  b1: [1, (v, o) => v.getUint8(o)],
};

/** Parses a .npy header from `head` (the first bytes) and returns a reader of rows. */
function npyOf(name: string, head: Buffer, readBytes: (pos: number, len: number) => Buffer, totalBytes: number): Npy {
  if (head.length < 10 || head[0] !== 0x93 || head.toString('latin1', 1, 6) !== 'NUMPY')
    throw new EvalInputError(name, 'not a NumPy .npy file (no \\x93NUMPY magic)');
  const major = head[6];
  const hlen = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = readBytes(hstart, hlen).toString('latin1');
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || shapeText === undefined)
    throw new EvalInputError(name, `malformed .npy header ${JSON.stringify(header.slice(0, 80))}`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.length === 0 || shape.length > 2)
    throw new EvalInputError(name, `arrays must be 1-D [N] or 2-D [N, C]; received shape (${shape.join(', ')})`);
  const dataStart = hstart + hlen;
  const rows = shape[0];
  const width = shape.length === 2 ? shape[1] : 1;
  const order = descr[0];
  const code = descr.slice(1);
  const le = order !== '>';
  // Fortran order (what pandas' `df.to_numpy()` gives): column j is stored whole, then j + 1.
  const colMajor = fortran && width > 1;
  if (code.startsWith('U')) {
    const chars = Number(code.slice(1));
    const itemBytes = chars * 4;
    if (width !== 1) throw new EvalInputError(name, 'text arrays must be 1-D');
    return {
      name,
      dtype: descr,
      shape,
      rows,
      width,
      read: (start, count) => {
        const buf = readBytes(dataStart + start * itemBytes, count * itemBytes);
        const out: string[] = [];
        for (let i = 0; i < count; i++) {
          let s = '';
          for (let j = 0; j < chars; j++) {
            const cp = le ? buf.readUInt32LE(i * itemBytes + j * 4) : buf.readUInt32BE(i * itemBytes + j * 4);
            if (cp === 0) break;
            s += String.fromCodePoint(cp);
          }
          out.push(s);
        }
        return out;
      },
    };
  }
  const t = NPY_TYPES[code];
  if (!t)
    throw new EvalInputError(
      name,
      `unsupported dtype '${descr}'; expected float64/32, (u)int8..64, bool or unicode text (e.g. np.asarray(a, dtype=np.float64))`,
    );
  const [size, get] = t;
  if (dataStart + rows * width * size > totalBytes)
    throw new EvalInputError(
      name,
      `truncated: the header announces shape (${shape.join(', ')}) of ${descr} but the data is shorter`,
    );
  return {
    name,
    dtype: descr,
    shape,
    rows,
    width,
    read: (start, count) => {
      const out = new Float64Array(count * width);
      // Row-major: one run of count × width elements; column-major: one run of count per column.
      const runs = colMajor ? width : 1;
      const runLen = colMajor ? count : count * width;
      for (let j = 0; j < runs; j++) {
        const first = colMajor ? j * rows + start : start * width;
        const buf = readBytes(dataStart + first * size, runLen * size);
        const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
        for (let i = 0; i < runLen; i++) {
          const x = get(v, i * size, le);
          if (x !== x && code[0] !== 'f')
            throw new EvalInputError(
              `${name}: element ${first + i}`,
              'int64 value beyond 2^53 cannot be represented exactly',
            );
          out[colMajor ? i * width + j : i] = x;
        }
      }
      return out;
    },
  };
}

function npyFromFile(path: string): Npy {
  statInput(path);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new EvalInputError(path, `cannot read: ${sysReason(e)}`);
  }
  const size = fstatSync(fd).size;
  const rb = (pos: number, len: number): Buffer => {
    const b = Buffer.alloc(len);
    const got = readSync(fd, b, 0, len, pos);
    return got === len ? b : b.subarray(0, got);
  };
  return npyOf(path, rb(0, 16), rb, size);
}

function npyFromBuffer(name: string, b: Buffer): Npy {
  return npyOf(name, b.subarray(0, 16), (pos, len) => b.subarray(pos, pos + len), b.length);
}

/** The entries of a .npz (zip) file: name → bytes (deflate or stored). */
function unzip(file: string, b: Buffer): Map<string, Buffer> {
  let eocd = -1;
  for (let i = b.length - 22; i >= Math.max(0, b.length - 65557); i--)
    if (b.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0)
    throw new EvalInputError(file, 'not a valid .npz (zip) file: no end-of-central-directory record (truncated?)');
  const count = b.readUInt16LE(eocd + 10);
  let p = b.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let e = 0; e < count; e++) {
    if (p + 46 > b.length || b.readUInt32LE(p) !== 0x02014b50)
      throw new EvalInputError(file, 'corrupt .npz central directory');
    const method = b.readUInt16LE(p + 10);
    const csize = b.readUInt32LE(p + 20);
    const nlen = b.readUInt16LE(p + 28);
    const xlen = b.readUInt16LE(p + 30);
    const clen = b.readUInt16LE(p + 32);
    const local = b.readUInt32LE(p + 42);
    const name = b.toString('utf8', p + 46, p + 46 + nlen);
    p += 46 + nlen + xlen + clen;
    const lnlen = b.readUInt16LE(local + 26);
    const lxlen = b.readUInt16LE(local + 28);
    const data = b.subarray(local + 30 + lnlen + lxlen, local + 30 + lnlen + lxlen + csize);
    let bytes: Buffer;
    try {
      bytes =
        method === 0
          ? data
          : method === 8
            ? inflateRawSync(data)
            : (() => {
                throw new Error(`compression method ${method}`);
              })();
    } catch (err) {
      throw new EvalInputError(`${file}: ${name}`, `cannot decompress (${(err as Error).message})`);
    }
    out.set(name.replace(/\.npy$/, ''), bytes);
  }
  return out;
}

function npyReader(file: string, arrays: Npy[], names: string[]): Reader {
  const rows = arrays[0].rows;
  for (let i = 1; i < arrays.length; i++)
    if (arrays[i].rows !== rows)
      throw new EvalInputError(
        arrays[i].name,
        `has ${arrays[i].rows} rows (shape (${arrays[i].shape.join(', ')})) but ${arrays[0].name} has ${rows} (shape (${arrays[0].shape.join(', ')})); they must match`,
      );
  if (rows === 0) throw new EvalInputError(arrays[0].name, 'no rows: the arrays are empty');
  const schema = arrays.map((a, i) => ({ name: names[i], width: a.width }));
  const chunks = async function* (): AsyncGenerator<ColumnChunk> {
    const step = 65536;
    for (let s = 0; s < rows; s += step) {
      const n = Math.min(step, rows - s);
      yield { n, cols: arrays.map((a) => a.read(s, n)) };
    }
  };
  const head = { n: Math.min(rows, SAMPLE_ROWS), cols: arrays.map((a) => a.read(0, Math.min(rows, SAMPLE_ROWS))) };
  const reader: Reader = {
    format: 'npy',
    schema,
    sample: sampleOf(head, schema),
    batches: (plan, r) => columnBatches(chunks(), plan, r, (row, c) => `${arrays[c].name}: row ${row}`),
    distinct: (want) => distinctOf(chunks(), want),
    reopen: async () => reader,
  };
  return reader;
}

/** `--y-true a.npy --y-pred b.npy [--sample-weight w.npy]`. */
export function npyFilesReader(paths: { yTrue: string; yPred: string; sampleWeight?: string }): Reader {
  const list: [string, string][] = [
    ['y_true', paths.yTrue],
    ['y_pred', paths.yPred],
  ];
  if (paths.sampleWeight !== undefined) list.push(['sample_weight', paths.sampleWeight]);
  const arrays = list.map(([, p]) => npyFromFile(p));
  const r = npyReader(
    paths.yTrue,
    arrays,
    list.map(([n]) => n),
  );
  r.size = list.reduce((sum, [, p]) => sum + statSync(p).size, 0);
  progressByRows(r, arrays[0].rows, r.size);
  return r;
}

async function npzReader(input: ByteInput, file: string): Promise<Reader> {
  const entries = unzip(file, await readAll(input));
  const keys = [...entries.keys()];
  checkKeys(keys, file);
  const arrays = keys.map((k) => npyFromBuffer(`${file}: ${k}`, entries.get(k) as Buffer));
  const r = npyReader(file, arrays, keys);
  const z: Reader = { ...r, format: 'npz', reopen: async () => z };
  progressByRows(z, arrays[0].rows, input.size ?? input.bytesRead());
  return z;
}

async function singleNpyReader(input: ByteInput, file: string): Promise<Reader> {
  const a = npyFromBuffer(file, await readAll(input));
  if (a.width < 2)
    throw new EvalInputError(
      file,
      `a single .npy needs a 2-D array [N, 2] of (y_true, y_pred); use --y-true a.npy --y-pred b.npy for separate arrays`,
    );
  throw new EvalInputError(
    file,
    `a single .npy holds one array; use --y-true a.npy --y-pred b.npy (or an .npz with y_true and y_pred)`,
  );
}

// Parquet ------------------------------------------------------------

type HyparquetFile = ArrayBuffer | { byteLength: number; slice(start: number, end?: number): unknown };
interface ParquetMeta {
  row_groups: { num_rows: bigint }[];
  schema: { name: string; num_children?: number }[];
}
/** A decoded column chunk of hyparquet (`onChunk`): typed arrays, or plain arrays (texts, nulls, booleans). */
type ParquetColumnData = ArrayLike<unknown>;
interface HyparquetModule {
  asyncBufferFromFile: (path: string) => Promise<HyparquetFile>;
  parquetMetadataAsync(b: HyparquetFile): Promise<ParquetMeta>;
  parquetRead(o: {
    file: HyparquetFile;
    metadata: ParquetMeta;
    columns: string[];
    rowStart: number;
    rowEnd: number;
    onChunk: (c: { columnName: string; columnData: ParquetColumnData; rowStart: number; rowEnd: number }) => void;
  }): Promise<void>;
}

/** A piece of one column: its values for rows [rowStart, rowStart + data.length) of the file. */
interface ParquetPiece {
  data: ParquetColumnData;
  rowStart: number;
}

/**
 * The column of rows [s, e) from hyparquet's decoded pieces, as one typed array (no per-row
 * array): a float64 piece that covers exactly the range is used as it is; int32 / float32 /
 * unsigned pieces are copied with `set`; int64 (`bigint`), booleans and plain arrays go through
 * {@link numOf} (a null or a non-number cell is an error naming its row); texts give a `string[]`.
 */
function parquetColumn(
  pieces: ParquetPiece[],
  range: [number, number],
  name: string,
  place: (row: number) => string,
): Float64Array | string[] {
  const [s, e] = range;
  const n = e - s;
  if (pieces.length === 1 && pieces[0].rowStart === s && pieces[0].data.length === n) {
    const d = pieces[0].data;
    if (d instanceof Float64Array) return d;
  }
  const text = pieces.some((p) => p.data.length > 0 && typeof p.data[0] === 'string');
  const strs: string[] | null = text ? new Array<string>(n) : null;
  const out = text ? null : new Float64Array(n);
  let filled = 0;
  for (const p of pieces) {
    const lo = Math.max(p.rowStart, s);
    const hi = Math.min(p.rowStart + p.data.length, e);
    if (hi <= lo) continue;
    const d = p.data;
    const a = lo - p.rowStart;
    const b = hi - p.rowStart;
    filled += hi - lo;
    if (
      out !== null &&
      (d instanceof Float64Array ||
        d instanceof Float32Array ||
        d instanceof Int32Array ||
        d instanceof Uint32Array ||
        d instanceof Int16Array ||
        d instanceof Uint16Array ||
        d instanceof Int8Array ||
        d instanceof Uint8Array)
    ) {
      out.set(d.subarray(a, b), lo - s);
      continue;
    }
    for (let i = a; i < b; i++) {
      const v = d[i];
      const row = p.rowStart + i;
      if (strs !== null) {
        if (typeof v !== 'string')
          throw new EvalInputError(place(row), `column '${name}' mixes text and ${v === null ? 'null' : typeof v}`);
        strs[row - s] = v;
      } else if (out !== null) out[row - s] = numOf(v, place(row), name);
    }
  }
  if (filled !== n)
    throw new EvalInputError(place(s), `column '${name}': the row group decodes to ${filled} values for ${n} rows`);
  return strs ?? (out as Float64Array);
}

async function parquetReader(input: ByteInput, file: string, path: string | null): Promise<Reader> {
  const hp = await importOptional<HyparquetModule>('hyparquet', 'reading Parquet files needs', 'npm install hyparquet');
  // Read by byte ranges (footer, then one row group at a time): a file on disk in place; stdin, a
  // pipe or gzip copied to a temp file first (the footer is at the end), removed on close.
  let source: HyparquetFile;
  let spool: Spool | null = null;
  if (path !== null && input.regular && !input.gzip) {
    await input.chunks.return?.();
    source = await hp.asyncBufferFromFile(path);
  } else {
    spool = await spoolInput(input, file, 'parquet');
    source = await hp.asyncBufferFromFile(spool.path);
  }
  const removeSpool = (): void => spool?.remove();
  let meta: ParquetMeta;
  try {
    meta = await hp.parquetMetadataAsync(source);
  } catch (e) {
    removeSpool();
    throw new EvalInputError(file, `not a valid Parquet file (${(e as Error).message})`);
  }
  const names = meta.schema
    .slice(1)
    .filter((s) => !s.num_children)
    .map((s) => s.name);
  const schema = names.map((name) => ({ name, width: 1 }));
  const groups: [number, number][] = [];
  let at = 0;
  for (const g of meta.row_groups) {
    const n = Number(g.num_rows);
    groups.push([at, at + n]);
    at += n;
  }
  if (at === 0) {
    removeSpool();
    throw new EvalInputError(file, 'no rows');
  }
  /** Row groups as column chunks, reading only the columns in `want` (at most `limit` rows). */
  const chunks = async function* (
    want: (c: number) => boolean,
    limit = Infinity,
    of = groups,
  ): AsyncGenerator<ColumnChunk> {
    const read = names.filter((_, c) => want(c));
    for (const [s, e0] of of) {
      const e = Math.min(e0, s + limit);
      // Column by column (hyparquet's decoded column chunks, typed arrays for numbers): no array
      // per row, so memory is the group's columns, 8 bytes a value.
      const pieces = new Map<string, ParquetPiece[]>(read.map((name) => [name, []]));
      try {
        await hp.parquetRead({
          file: source,
          metadata: meta,
          columns: read,
          rowStart: s,
          rowEnd: e,
          onChunk: (c) => pieces.get(c.columnName)?.push({ data: c.columnData, rowStart: c.rowStart }),
        });
      } catch (err) {
        throw new EvalInputError(`${file}: rows ${s}..${e}`, `cannot read (${(err as Error).message})`);
      }
      const cols = names.map((name, c) => {
        const got = pieces.get(name);
        if (got === undefined || !want(c)) return null;
        return parquetColumn(got, [s, e], name, (r) => `${file}: row ${r}`);
      });
      pieces.clear();
      yield { n: e - s, cols };
      if (e < e0) return;
    }
  };
  let first: IteratorResult<ColumnChunk>;
  try {
    first = await chunks(() => true, SAMPLE_ROWS).next();
  } catch (e) {
    removeSpool();
    throw e;
  }
  // The row groups are read from the file (or temp file) by byte ranges: a pass leaves the
  // reader usable, so the label pass of text labels needs no second read of stdin / gzip.
  const r: Reader = {
    format: 'parquet',
    reopen: async () => r,
    close: async () => removeSpool(),
    schema,
    sample: sampleOf(first.value as ColumnChunk, schema),
    batches: (plan, r) =>
      columnBatches(
        chunks((c) => plan.columns.roles[c].dest !== 'skip'),
        plan,
        r,
        (row) => `${file}: row ${row}`,
      ),
    distinct: (want) =>
      distinctOf(
        chunks((c) => want.includes(c)),
        want,
      ),
    rowGroups: groups,
    groupBatches: (plan, r, first, last) =>
      columnBatches(
        chunks((c) => plan.columns.roles[c].dest !== 'skip', Infinity, groups.slice(first, last)),
        plan,
        r,
        (row) => `${file}: row ${groups[first][0] + row}`,
      ),
  };
  return r;
}

// Arrow IPC ------------------------------------------------------------

interface ArrowType {
  listSize?: number;
  toString(): string;
}
interface ArrowVector {
  length: number;
  nullCount: number;
  type: ArrowType;
  toArray(): ArrayLike<unknown>;
  get(i: number): unknown;
  isValid(i: number): boolean;
}
interface ArrowBatch {
  numRows: number;
  getChildAt(i: number): ArrowVector | null;
}
interface ArrowStreamReader extends AsyncIterable<ArrowBatch> {
  open(): Promise<unknown>;
  schema: { fields: { name: string; type: ArrowType }[] };
}
/** What apache-arrow reads a file through (its `isFileHandle`: `fd` and `stat`). */
interface ArrowFileHandle {
  fd: number;
  stat(): Promise<{ size: number }>;
  read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number; buffer: Uint8Array }>;
  close(): Promise<void>;
}
interface ArrowModule {
  RecordBatchReader: { from(src: AsyncIterable<Uint8Array> | ArrowFileHandle): Promise<ArrowStreamReader> };
}

const ARROW_MAGIC = 'ARROW1';

/**
 * The message framing of an Arrow IPC stream, followed as its bytes go by (the bodies are skipped,
 * not kept): each message is `0xFFFFFFFF`, an int32 metadata length, the metadata (a flatbuffer
 * `Message` whose `bodyLength` is read) and the body; the end-of-stream marker is `0xFFFFFFFF
 * 00000000` (before format 1.0: a bare int32 length, and `00000000`). It tells a stream that
 * ended with its marker from one cut at a message boundary, which the readers of the format
 * cannot tell apart (the marker is optional), and counts the bytes after the marker.
 */
export class IpcFraming {
  /** Bytes of the stream seen. */
  at = 0;
  /** The end-of-stream marker was seen; `eosEnd`: the offset after it. */
  done = false;
  eosEnd = -1;
  /** Bytes seen after the marker. */
  after = 0;
  /** Body bytes still to skip. */
  skip = 0;
  /** Bytes wanted in `buf` (4, then 8 after a continuation marker, else the metadata length) and bytes there. */
  need = 4;
  got = 0;
  private meta = false;
  private buf = new Uint8Array(64);
  /** The metadata is unreadable (a reader of the format reports it). */
  broken = false;

  push(b: Uint8Array): void {
    let i = 0;
    while (i < b.length) {
      if (this.done || this.broken) {
        this.after += b.length - i;
        return;
      }
      if (this.skip > 0) {
        const k = Math.min(this.skip, b.length - i);
        this.advance(k);
        i += k;
        continue;
      }
      const k = Math.min(this.need - this.got, b.length - i);
      if (this.buf.length < this.got + k) {
        // Grown with the bytes that came (a corrupt length does not allocate its claim at once).
        const grown = new Uint8Array(Math.min(this.need, Math.max(2 * this.buf.length, this.got + k)));
        grown.set(this.buf.subarray(0, this.got));
        this.buf = grown;
      }
      this.buf.set(b.subarray(i, i + k), this.got);
      this.got += k;
      this.at += k;
      i += k;
      if (this.got === this.need) this.step();
    }
  }

  /** Skips `k` body bytes (at most {@link skip}). */
  advance(k: number): void {
    this.skip -= k;
    this.at += k;
  }

  /** Where the stream stands: after its marker, at a message boundary without it, or inside a message. */
  get end(): 'eos' | 'boundary' | 'partial' {
    if (this.done) return 'eos';
    return this.skip === 0 && this.got === 0 && !this.meta && !this.broken ? 'boundary' : 'partial';
  }

  private step(): void {
    const v = new DataView(this.buf.buffer, 0, this.got);
    if (!this.meta) {
      const first = v.getUint32(0, true);
      if (this.need === 4 && first === 0xffffffff) {
        this.need = 8; // the continuation marker: the length follows
        return;
      }
      const len = this.need === 8 ? v.getInt32(4, true) : first;
      if (len === 0) {
        this.done = true;
        this.eosEnd = this.at;
        return;
      }
      if (len < 0 || len > 1 << 30) {
        this.broken = true;
        return;
      }
      this.meta = true;
      this.need = len;
      this.got = 0;
      return;
    }
    // Message table: field 3 (version, header type, header, bodyLength) is the body length.
    let body = 0n;
    try {
      const table = v.getUint32(0, true);
      const vt = table - v.getInt32(table, true);
      const vtLen = v.getUint16(vt, true);
      const off = vtLen >= 12 ? v.getUint16(vt + 10, true) : 0;
      if (off !== 0) body = v.getBigInt64(table + off, true);
    } catch {
      this.broken = true;
      return;
    }
    if (body < 0n || body > BigInt(Number.MAX_SAFE_INTEGER)) {
      this.broken = true;
      return;
    }
    this.meta = false;
    this.need = 4;
    this.got = 0;
    this.skip = Number(body);
  }
}

/** Follows the framing of an Arrow IPC stream in a file by small positional reads (bodies skipped). */
async function framingOfFile(h: FileHandle, size: number): Promise<IpcFraming> {
  const fr = new IpcFraming();
  let pos = 0;
  const scratch = new Uint8Array(1 << 16);
  while (pos < size && !fr.done && !fr.broken) {
    if (fr.skip > 0) {
      const k = Math.min(fr.skip, size - pos);
      fr.advance(k);
      pos += k;
      continue;
    }
    const want = Math.min(fr.need - fr.got, scratch.length, size - pos);
    const { bytesRead } = await h.read(scratch, 0, want, pos);
    if (bytesRead === 0) break;
    fr.push(scratch.subarray(0, bytesRead));
    pos += bytesRead;
  }
  if (fr.done) fr.after += size - pos;
  return fr;
}

/**
 * The end of an Arrow IPC stream as {@link IpcFraming} saw it: an error unless the stream ended
 * with its end-of-stream marker and nothing after it.
 */
function streamEndError(fr: IpcFraming, file: string, batches: number, rows: number): EvalInputError | null {
  const end = fr.end;
  if (end === 'eos' && fr.after === 0) return null;
  if (fr.broken) return null; // unreadable metadata: the Arrow reader's own error stands
  if (end === 'eos')
    return new EvalInputError(
      `${file}: byte ${fr.eosEnd}`,
      'more bytes after the Arrow IPC end-of-stream marker (two streams concatenated?); evaluate each stream on its own (or merge their --save-state files)',
    );
  const after = `after record batch ${batches} (${rows} rows)`;
  return end === 'boundary'
    ? new EvalInputError(
        `${file}: byte ${fr.at}`,
        `the Arrow IPC stream ends ${after} without its end-of-stream marker (0xFFFFFFFF 00000000): the writer did not finish or the stream was cut, so rows may be missing; if it is complete, append the marker (printf '\\377\\377\\377\\377\\0\\0\\0\\0' >> FILE)`,
      )
    : new EvalInputError(`${file}: byte ${fr.at}`, `the Arrow IPC stream is cut inside a message ${after}`);
}

/**
 * Arrow IPC, one record batch at a time (memory: one batch). A file on disk is read through its
 * handle (the IPC file format by its footer, the stream format in order); from stdin, a pipe or
 * gzip the stream format is read as it arrives, and the file format (footer at the end) is first
 * copied to a temp file ({@link spoolInput}).
 */
async function arrowReader(input: ByteInput, file: string, path: string | null): Promise<Reader> {
  const ar = await importOptional<ArrowModule>(
    'apache-arrow',
    'reading Arrow IPC files needs',
    'npm install apache-arrow',
  );
  const head = await peek(input, 8);
  const fileFormat =
    Buffer.from(head.buffer, head.byteOffset, Math.min(6, head.length)).toString('latin1') === ARROW_MAGIC;
  let fh: FileHandle | null = null;
  let spool: Spool | null = null;
  let src: AsyncIterable<Uint8Array> | ArrowFileHandle;
  let read = 0;
  /** The stream format: its framing at the end (for the end-of-stream check). */
  let streamEnd: (() => Promise<IpcFraming>) | null = null;
  if ((path !== null && input.regular && !input.gzip) || fileFormat) {
    let at = path;
    if (path === null || !input.regular || input.gzip) {
      spool = await spoolInput(input, file, 'arrow');
      at = spool.path;
    } else await input.chunks.return?.();
    try {
      fh = await open(at as string, 'r');
    } catch (e) {
      spool?.remove();
      throw new EvalInputError(file, `cannot read: ${sysReason(e)}`);
    }
    const h = fh;
    if (fileFormat) {
      // The IPC file format ends with its footer and the magic again: without it the file is cut.
      let end: { size: number; tail: string };
      try {
        const size = (await h.stat()).size;
        const t = Buffer.alloc(6);
        await h.read(t, 0, 6, Math.max(0, size - 6));
        end = { size, tail: t.toString('latin1') };
      } catch (e) {
        await h.close().catch(() => undefined);
        spool?.remove();
        throw new EvalInputError(file, `cannot read: ${sysReason(e)}`);
      }
      if (end.size < 16 || end.tail !== ARROW_MAGIC) {
        await h.close().catch(() => undefined);
        spool?.remove();
        throw new EvalInputError(
          `${file}: byte ${end.size}`,
          'truncated Arrow IPC file: it starts with the ARROW1 magic but does not end with its footer and the magic',
        );
      }
    } else streamEnd = async () => framingOfFile(h, (await h.stat()).size);
    // Read through a counting handle: the bytes read drive the progress line. The Arrow reader
    // asks for each message's length, metadata and body in turn: small reads are served from a
    // 1 MB read-ahead window (one read from disk per record batch made a stream of 100-row
    // batches 5 times slower from a file than from stdin).
    const win = new Uint8Array(1 << 20);
    let winAt = 0;
    let winEnd = 0;
    src = {
      fd: h.fd,
      stat: () => h.stat(),
      read: async (buffer, offset, length, position) => {
        if (length > win.length >> 4) {
          const r = await h.read(buffer, offset, length, position);
          read += r.bytesRead;
          return r;
        }
        if (position < winAt || position + length > winEnd) {
          const { bytesRead } = await h.read(win, 0, win.length, position);
          winAt = position;
          winEnd = position + bytesRead;
        }
        const n = Math.max(0, Math.min(length, winEnd - position));
        read += n; // the bytes asked for: each is asked for once (windows overlap)
        buffer.set(win.subarray(position - winAt, position - winAt + n), offset);
        // As FileHandle.read: apache-arrow's readAt takes the `buffer` of the result.
        return { bytesRead: n, buffer };
      },
      // The Arrow reader closes its handle at the end of the batches; the file is closed by
      // cleanup, after the end-of-stream check has read it.
      close: async () => undefined,
    };
  } else {
    // The stream as it arrives, its framing followed on the way (for the end-of-stream check).
    const chunks = input.chunks;
    const fr = new IpcFraming();
    const seen: AsyncIterator<Uint8Array> = {
      next: async () => {
        const r = await chunks.next();
        if (!r.done) fr.push(r.value);
        return r;
      },
    };
    src = { [Symbol.asyncIterator]: () => seen };
    streamEnd = async () => {
      // The Arrow reader stops at the marker: the rest of the input is read here (to its end, or
      // to the first byte after the marker).
      while (fr.after === 0) {
        const r = await chunks.next();
        if (r.done) break;
        fr.push(r.value);
      }
      return fr;
    };
  }
  let closed = false;
  const cleanup = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await fh?.close().catch(() => undefined);
    spool?.remove();
  };
  const invalid = (e: unknown, where: string) =>
    e instanceof EvalInputError
      ? e
      : new EvalInputError(where, `not a valid Arrow IPC file or stream (${(e as Error).message})`);
  let reader: ArrowStreamReader;
  try {
    reader = await ar.RecordBatchReader.from(src);
    await reader.open();
  } catch (e) {
    await cleanup();
    throw invalid(e, file);
  }
  const it = reader[Symbol.asyncIterator]();
  let batchNo = 0;
  let rowsRead = 0;
  const next = async (): Promise<IteratorResult<ArrowBatch>> => {
    let r: IteratorResult<ArrowBatch>;
    let bad: EvalInputError | null = null;
    try {
      r = await it.next();
      if (!r.done) {
        batchNo++;
        rowsRead += r.value.numRows;
      } else if (streamEnd !== null) bad = streamEndError(await streamEnd(), file, batchNo, rowsRead);
    } catch (e) {
      await cleanup();
      throw invalid(e, `${file}: record batch ${batchNo + 1}`);
    }
    if (bad !== null) {
      await cleanup();
      throw bad;
    }
    return r;
  };
  const fields = reader.schema.fields;
  const schema = fields.map((f) => ({ name: f.name, width: f.type.listSize ?? 1 }));
  /** One record batch as columns; `strict`: a null cell is an error (the sample skips that check). */
  const convert = (b: ArrowBatch, want: (c: number) => boolean, row: number, strict: boolean): ColumnChunk => {
    const cols = fields.map((f, c) => {
      const v = b.getChildAt(c);
      if (v === null || !want(c)) return null;
      if (strict && v.nullCount > 0) {
        let i = 0;
        while (i < v.length && v.isValid(i)) i++;
        throw new EvalInputError(
          `${file}: row ${row + i}`,
          `column '${f.name}' holds a null; every cell needs a value`,
        );
      }
      const w = schema[c].width;
      const vals: ArrayLike<unknown> =
        w > 1 ? Array.from({ length: v.length }, (_, i) => Array.from(v.get(i) as ArrayLike<unknown>)) : v.toArray();
      return toColumn(vals, w, (r) => `${file}: row ${row + r}`, f.name);
    });
    return { n: b.numRows, cols };
  };
  const firstBatch = await next();
  if (firstBatch.done) {
    await cleanup();
    throw new EvalInputError(file, 'no record batches');
  }
  let pending: ArrowBatch | null = firstBatch.value;
  let sample: SampleColumn[];
  try {
    sample = sampleOf(
      convert(pending, () => true, 0, false),
      schema,
    );
  } catch (e) {
    await cleanup();
    throw e;
  }
  /** The batches (once: the first one kept from the sample, then the rest as they are read). */
  const chunks = async function* (want: (c: number) => boolean): AsyncGenerator<ColumnChunk> {
    if (pending === null) throw new EvalInputError(file, 'the Arrow input can be read once');
    let b: ArrowBatch = pending;
    pending = null;
    let row = 0;
    try {
      for (;;) {
        yield convert(b, want, row, true);
        row += b.numRows;
        const r = await next();
        if (r.done) break;
        b = r.value;
      }
    } finally {
      await cleanup();
    }
  };
  return {
    format: 'arrow',
    schema,
    sample,
    // (apache-arrow reads a stream's 8-byte end marker twice: at most the file's size.)
    ...(fh !== null && spool === null ? { bytesRead: () => Math.min(read, input.size ?? read) } : {}),
    batches: (plan, r) =>
      columnBatches(
        chunks((c) => plan.columns.roles[c].dest !== 'skip'),
        plan,
        r,
        (row) => `${file}: row ${row}`,
      ),
    distinct: (want) =>
      distinctOf(
        chunks((c) => want.includes(c)),
        want,
      ),
    close: async () => {
      await it.return?.();
      await cleanup();
    },
  };
}

// Detection ------------------------------------------------------------

/** The format from a file name (`.gz` stripped), or null. */
export function formatFromName(name: string): Format | null {
  const n = name.toLowerCase().replace(/\.gz$/, '');
  const ext = n.slice(n.lastIndexOf('.') + 1);
  const map: Record<string, Format> = {
    csv: 'csv',
    tsv: 'tsv',
    tab: 'tsv',
    txt: 'csv',
    json: 'json',
    jsonl: 'ndjson',
    ndjson: 'ndjson',
    parquet: 'parquet',
    pq: 'parquet',
    arrow: 'arrow',
    arrows: 'arrow',
    feather: 'arrow',
    ipc: 'arrow',
    npy: 'npy',
    npz: 'npz',
  };
  return n.includes('.') ? (map[ext] ?? null) : null;
}

/** The format from the first bytes, or null (text: CSV). */
function formatFromContent(b: Uint8Array): Format | null {
  const s = Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, 64)).toString('latin1');
  if (s.startsWith('PAR1')) return 'parquet';
  if (s.startsWith('ARROW1') || (b.length >= 4 && b[0] === 0xff && b[1] === 0xff && b[2] === 0xff && b[3] === 0xff))
    return 'arrow';
  if (s.startsWith('\x93NUMPY')) return 'npy';
  if (s.startsWith('PK\x03\x04')) return 'npz';
  const t = s.replace(/^\uFEFF|^\xef\xbb\xbf/, '').trimStart();
  if (t.startsWith('{') || t.startsWith('[')) return null; // JSON or NDJSON: decided below
  return null;
}

/** Peeks the first chunk(s) of an input without consuming them. */
async function peek(input: ByteInput, min: number): Promise<Uint8Array> {
  const got: Uint8Array[] = [];
  let n = 0;
  while (n < min) {
    const r = await input.chunks.next();
    if (r.done) break;
    got.push(r.value);
    n += r.value.length;
  }
  const head = Buffer.concat(got);
  const inner = input.chunks;
  let replayed = false;
  input.chunks = {
    next: async () => {
      if (!replayed) {
        replayed = true;
        if (head.length > 0) return { value: head, done: false };
      }
      return inner.next();
    },
    return: async () => (inner.return ? inner.return() : { done: true, value: undefined }),
  };
  return head;
}

/** Opens a reader: the format from `format`, else from the content, else from the name. */
export async function openReader(
  source: string | AsyncIterable<Uint8Array | string>,
  format: Format | undefined,
  name?: string,
): Promise<Reader> {
  const input = await openBytes(source, name);
  const file = input.name;
  const head = await peek(input, 65536);
  const byContent = formatFromContent(head);
  const byName = typeof source === 'string' && source !== '-' ? formatFromName(source) : null;
  let fmt: Format | null = format ?? byContent ?? null;
  if (fmt === null) {
    const text = Buffer.from(head.buffer, head.byteOffset, head.length)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
    const t = text.trimStart();
    if (byName !== null && byName !== 'npy' && byName !== 'npz' && byName !== 'parquet' && byName !== 'arrow')
      fmt = byName;
    else if (t.startsWith('{') || t.startsWith('[')) {
      const firstLine = t.split('\n', 1)[0].trim();
      let oneObject: boolean;
      try {
        const o: unknown = JSON.parse(firstLine);
        oneObject = o !== null && typeof o === 'object' && !Array.isArray(o);
      } catch {
        oneObject = false;
      }
      fmt = oneObject && t.trim().split('\n').length > 1 ? 'ndjson' : 'json';
    } else if (byName !== null) {
      throw new EvalInputError(
        `${file}:1:1`,
        `does not look like a ${byName} file (its first bytes are ${JSON.stringify(text.slice(0, 16))}); pass --format to override`,
      );
    } else fmt = 'csv';
    if (fmt === 'json' && byName === 'json') {
      const firstLine = t.split('\n', 1)[0].trim();
      try {
        const o: unknown = JSON.parse(firstLine);
        if (o !== null && typeof o === 'object' && !Array.isArray(o) && t.trim().split('\n').length > 1) fmt = 'ndjson';
      } catch {
        /* a multi-line JSON document */
      }
    }
  } else if (format === undefined && byName !== null && byName !== fmt && !(byName === 'npz' && fmt === 'npy')) {
    throw new EvalInputError(
      `${file}:1:1`,
      `has the extension of a ${byName} file but holds ${fmt} data; pass --format ${fmt} to read it`,
    );
  }
  if (
    (fmt === 'csv' || fmt === 'tsv') &&
    typeof source === 'string' &&
    source !== '-' &&
    input.regular &&
    !input.gzip
  ) {
    // A CSV file on disk: read by its descriptor straight into the reader's window, so no
    // buffer is allocated per chunk (peak memory stays flat however long the file).
    await input.chunks.return?.();
    let fh: FileHandle;
    try {
      fh = await open(source, 'r');
    } catch (e) {
      throw new EvalInputError(file, `cannot read: ${sysReason(e)}`);
    }
    const src: FileSource = { fh, read: 0, closed: false };
    let r: Reader;
    try {
      r = await csvReader(
        input,
        format === 'csv' || format === 'tsv' ? format : byName === 'tsv' ? 'tsv' : null,
        file,
        src,
      );
    } catch (e) {
      await closeFile(src);
      throw e;
    }
    r.bytesRead = () => src.read;
    r.size = input.size;
    r.seekable = true;
    r.close = async () => closeFile(src);
    return r;
  }
  const r = await openFormat(input, fmt, format, byName, file, source);
  r.bytesRead ??= input.bytesRead;
  r.size = input.size;
  r.seekable = input.regular && !input.gzip;
  const own = r.close;
  r.close = async () => {
    await own?.();
    await input.chunks.return?.();
  };
  return r;
}

async function openFormat(
  input: ByteInput,
  fmt: Format,
  format: Format | undefined,
  byName: Format | null,
  file: string,
  source: string | AsyncIterable<Uint8Array | string>,
): Promise<Reader> {
  switch (fmt) {
    case 'csv':
    case 'tsv':
      return csvReader(input, format === 'csv' || format === 'tsv' ? format : byName === 'tsv' ? 'tsv' : null, file);
    case 'json':
      return jsonReader(input, file);
    case 'ndjson':
      return ndjsonReader(input, file);
    case 'npz':
      return npzReader(input, file);
    case 'npy':
      return singleNpyReader(input, file);
    case 'parquet':
      return parquetReader(input, file, typeof source === 'string' && source !== '-' ? source : null);
    case 'arrow':
      return arrowReader(input, file, typeof source === 'string' && source !== '-' ? source : null);
  }
  throw new EvalInputError(file, `unknown format`);
}

/** A reader over in-memory column chunks (evaluateStream of array batches). */
export async function columnReader(
  file: string,
  schema: SchemaColumn[],
  chunks: AsyncGenerator<ColumnChunk>,
): Promise<Reader> {
  const first = await chunks.next();
  if (first.done) throw new EvalInputError(file, 'no batches');
  const head = first.value;
  const all = async function* () {
    yield head;
    yield* chunks;
  };
  return {
    format: 'json',
    schema,
    sample: sampleOf(head, schema),
    batches: (plan, r) => columnBatches(all(), plan, r, (row, c) => `${file}: row ${row}, ${schema[c].name}`),
    distinct: (want) => distinctOf(all(), want),
  };
}
