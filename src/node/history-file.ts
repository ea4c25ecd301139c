/**
 * Crash-safe persistence of a {@link LossHistory} (Node only).
 *
 * - Streaming: {@link HistoryFileWriter} appends one complete line per record (CSV row and/or
 *   JSON Lines record) with a single `write` followed by `fsync`, so a crash (kill -9, power
 *   loss after the fsync) leaves every earlier record intact and at most one incomplete last
 *   line, which the readers drop.
 * - Snapshots: {@link saveHistory} / {@link writeFileAtomic} write a temp file in the same
 *   directory, fsync it, and rename it over the target: readers see the old file or the new
 *   one, never a truncated mix.
 * - Reading: {@link readHistoryFile} rebuilds a history from a CSV, JSON or JSON Lines file,
 *   dropping an incomplete last line (and reporting it) but refusing corrupt complete lines.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LosskitError, describe } from '../errors.js';
import { checkOptionNames } from '../validate.js';
import {
  HISTORY_CSV_COLUMNS,
  LossHistory,
  checkLossHistory,
  decodeRecord,
  encodeRecord,
  setOwn,
  type EncodedRecord,
  type HistoryRecord,
  type LossHistoryJSON,
  type MetricValues,
} from '../history.js';

/** Flushes a directory entry (after a rename) where the platform allows it. */
function fsyncDir(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the rename is still atomic.
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/**
 * Writes `data` to `path` atomically: a temp file in the same directory, fsync, rename over
 * `path`, fsync of the directory. On error the temp file is removed and `path` is untouched.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  if (typeof path !== 'string' || path === '')
    throw new LosskitError(
      'INVALID_INPUT',
      'writeFileAtomic',
      `'path' must be a file path; received ${describe(path)}`,
      'path',
    );
  if (typeof data !== 'string' && !(data instanceof Uint8Array))
    throw new LosskitError(
      'INVALID_INPUT',
      'writeFileAtomic',
      `'data' must be a string or a Uint8Array (a Buffer); received ${describe(data)}`,
      'data',
    );
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd = -1;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw e;
  }
  fsyncDir(dir);
}

export type HistoryFileFormat = 'csv' | 'json' | 'jsonl';

/** Creates the folder of `path` (and its parents) if missing; a path that cannot be a folder is INVALID_INPUT. */
function ensureDir(fn: string, path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (e) {
    throw new LosskitError(
      'INVALID_INPUT',
      fn,
      `cannot create the folder of ${describe(path)}: ${e instanceof Error ? e.message : String(e)}`,
      'path',
    );
  }
}

function formatOf(fn: string, path: string, format?: HistoryFileFormat): HistoryFileFormat {
  if (format !== undefined) {
    if (format !== 'csv' && format !== 'json' && format !== 'jsonl') {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'format' must be one of 'csv', 'json', 'jsonl'; received ${describe(format)}`,
        'format',
      );
    }
    return format;
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  throw new LosskitError(
    'INVALID_OPTION',
    fn,
    `cannot tell the format of ${describe(path)} from its extension; expected .csv, .json or .jsonl (or pass { format })`,
    'path',
  );
}

function jsonlText(history: LossHistory): string {
  const lines = [JSON.stringify(jsonlMeta(history))];
  for (const r of history.records()) lines.push(JSON.stringify(encodeRecord(r)));
  return lines.join('\n') + '\n';
}

function jsonlMeta(history: LossHistory): { format: 'losskit-history'; version: 1; startTime: number } {
  return { format: 'losskit-history', version: 1, startTime: history.startTime };
}

/**
 * Saves a whole history atomically as CSV (`.csv`, {@link LossHistory.toCSV}), JSON
 * (`.json`, {@link LossHistory.toJSON}) or JSON Lines (`.jsonl`: a header line, then one
 * record per line). The format follows the extension unless `format` is given.
 *
 * @example saveHistory(history, 'runs/history.csv')
 */
export function saveHistory(history: LossHistory, path: string, options: { format?: HistoryFileFormat } = {}): void {
  const fn = 'saveHistory';
  checkOptionNames(fn, options, ['format']);
  checkLossHistory(fn, history);
  const f = formatOf(fn, path, options.format);
  ensureDir(fn, path);
  writeFileAtomic(
    path,
    f === 'csv' ? history.toCSV() : f === 'json' ? JSON.stringify(history.toJSON()) + '\n' : jsonlText(history),
  );
}

export interface HistoryFileWriterOptions {
  /** CSV file to stream to (one row per record). */
  csv?: string;
  /** JSON Lines file to stream to (a header line, then one record per line). */
  jsonl?: string;
  /**
   * When to fsync (default `true`: after every record). `'epoch'`: after epoch records only —
   * batch lines still reach the OS immediately (a killed process loses nothing), but a power
   * failure may lose the batches since the last epoch; fsync costs ~5 ms per file per call on a
   * typical disk, which adds up at one call per batch. `false`: never (throwaway runs). No mode
   * can corrupt earlier lines.
   */
  fsync?: boolean | 'epoch';
}

/**
 * Streams a {@link LossHistory} to CSV and/or JSON Lines files as records are logged.
 *
 * On creation each file is (re)written atomically with the history's current records (so a
 * history loaded with {@link readHistoryFile} can resume into the same file); afterwards each
 * new record is appended as one complete line and fsynced. When a record brings a new metric
 * (a new CSV column), the CSV is rewritten atomically with the wider header.
 *
 * @example
 * ```ts
 * const history = new LossHistory();
 * const writer = new HistoryFileWriter(history, { csv: 'out/history.csv', jsonl: 'out/history.jsonl' });
 * // ... training loop calls history.logBatch / logEpoch ...
 * writer.close();
 * ```
 */
export class HistoryFileWriter {
  readonly history: LossHistory;
  readonly csvPath: string | undefined;
  readonly jsonlPath: string | undefined;
  private readonly sync: boolean | 'epoch';
  private csvFd = -1;
  private jsonlFd = -1;
  private csvColumns = 0;
  private readonly off: () => void;
  private closed = false;

  constructor(history: LossHistory, options: HistoryFileWriterOptions) {
    const fn = 'HistoryFileWriter';
    checkLossHistory(fn, history);
    checkOptionNames(fn, options, ['csv', 'jsonl', 'fsync']);
    if (options?.csv === undefined && options?.jsonl === undefined) {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `give at least one of 'csv' or 'jsonl' (a file path); received neither`,
        'csv',
      );
    }
    for (const k of ['csv', 'jsonl'] as const) {
      const v = options[k];
      if (v !== undefined && (typeof v !== 'string' || v === '')) {
        throw new LosskitError('INVALID_OPTION', fn, `option '${k}' must be a file path; received ${describe(v)}`, k);
      }
    }
    this.history = history;
    this.csvPath = options.csv;
    this.jsonlPath = options.jsonl;
    const sync = options.fsync ?? true;
    if (sync !== true && sync !== false && sync !== 'epoch') {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'fsync' must be true, false or 'epoch'; received ${describe(sync)}`,
        'fsync',
      );
    }
    this.sync = sync;
    // A folder that does not exist yet is created (as a training script's output folder usually is not).
    for (const p of [this.csvPath, this.jsonlPath]) if (p !== undefined) ensureDir(fn, p);
    if (this.csvPath !== undefined) this.rewriteCsv();
    if (this.jsonlPath !== undefined) {
      writeFileAtomic(this.jsonlPath, jsonlText(history));
      this.jsonlFd = openSync(this.jsonlPath, 'a');
    }
    this.off = history.onRecord((r) => this.append(r));
  }

  private rewriteCsv(): void {
    const path = this.csvPath as string;
    if (this.csvFd >= 0) closeSync(this.csvFd);
    writeFileAtomic(path, this.history.toCSV());
    this.csvColumns = this.history.columns.length;
    this.csvFd = openSync(path, 'a');
  }

  private appendLine(fd: number, line: string, durable: boolean): void {
    // One write per record: the line is complete on disk or (after a crash) a torn tail the reader drops.
    const buf = Buffer.from(line + '\n', 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    if (durable) fsyncSync(fd);
  }

  private append(r: HistoryRecord): void {
    if (this.closed) return;
    const durable = this.sync === true || (this.sync === 'epoch' && r.kind === 'epoch');
    if (this.csvPath !== undefined) {
      if (this.history.columns.length !== this.csvColumns)
        this.rewriteCsv(); // includes r; atomic, fsynced
      else this.appendLine(this.csvFd, this.history.csvRow(r), durable);
    }
    if (this.jsonlFd >= 0) this.appendLine(this.jsonlFd, JSON.stringify(encodeRecord(r)), durable);
  }

  /** Stops listening, fsyncs (unless `fsync: false`) and closes the files (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.off();
    if (this.sync !== false) for (const fd of [this.csvFd, this.jsonlFd]) if (fd >= 0) fsyncSync(fd);
    if (this.csvFd >= 0) closeSync(this.csvFd);
    if (this.jsonlFd >= 0) closeSync(this.jsonlFd);
    this.csvFd = this.jsonlFd = -1;
  }
}

/** What {@link readHistoryFile} recovered. */
export interface ReadHistoryResult {
  history: LossHistory;
  format: HistoryFileFormat;
  /** Number of records read. */
  records: number;
  /** False when an incomplete last line (a write interrupted by a crash) was dropped. */
  complete: boolean;
  /** The dropped incomplete tail, if any (for diagnostics). */
  droppedTail: string;
}

/** Splits a CSV line into fields (RFC 4180 quoting); null when quotes are unbalanced. */
function splitCsv(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (true) {
    if (line[i] === '"') {
      let s = '';
      i++;
      while (true) {
        if (i >= line.length) return null;
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            s += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += line[i++];
      }
      out.push(s);
      if (i === line.length) return out;
      if (line[i] !== ',') return null;
      i++;
    } else {
      const j = line.indexOf(',', i);
      if (j < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, j));
      i = j + 1;
    }
  }
}

/**
 * Splits text into complete lines: a last line without its `\n` is incomplete (torn by a crash).
 * A CSV header/row never contains a raw newline here (losskit quotes, and metric names with
 * newlines would be quoted), so line splitting is safe for files losskit wrote.
 */
function completeLines(text: string): { lines: string[]; tail: string } {
  const end = text.lastIndexOf('\n');
  const body = end < 0 ? '' : text.slice(0, end);
  const tail = text.slice(end + 1);
  const lines = body === '' ? [] : body.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  return { lines, tail };
}

function parseNum(fn: string, path: string, lineNo: number, col: string, s: string): number | undefined {
  if (s === '') return undefined;
  if (s === 'NaN') return NaN;
  if (s === 'Infinity') return Infinity;
  if (s === '-Infinity') return -Infinity;
  const v = Number(s);
  if (Number.isNaN(v) || s.trim() !== s) {
    throw new LosskitError(
      'INVALID_INPUT',
      fn,
      `${path}, line ${lineNo}: column '${col}' must be a number; received ${describe(s)}`,
      'path',
    );
  }
  return v;
}

function readCsv(fn: string, path: string, text: string): { history: LossHistory; records: number; tail: string } {
  const { lines, tail } = completeLines(text);
  const fail = (lineNo: number, msg: string): never => {
    throw new LosskitError('INVALID_INPUT', fn, `${path}, line ${lineNo}: ${msg}`, 'path');
  };
  if (lines.length === 0) {
    // Nothing complete (empty file, or a crash while writing the header).
    return { history: new LossHistory(), records: 0, tail };
  }
  const header = splitCsv(lines[0]);
  if (header === null || HISTORY_CSV_COLUMNS.some((c, i) => header[i] !== c)) {
    fail(
      1,
      `expected a losskit history header starting with ${HISTORY_CSV_COLUMNS.join(',')}; received ${describe(lines[0])}`,
    );
  }
  const cols = header as string[];
  const metricCols = cols.slice(HISTORY_CSV_COLUMNS.length);
  const recs: HistoryRecord[] = [];
  for (let li = 1; li < lines.length; li++) {
    const lineNo = li + 1;
    const cells = splitCsv(lines[li]);
    if (cells === null || cells.length !== cols.length) {
      fail(
        lineNo,
        `expected ${cols.length} fields; received ${cells === null ? 'a line with unbalanced quotes' : cells.length}`,
      );
    }
    const c = cells as string[];
    const num = (i: number) => parseNum(fn, path, lineNo, cols[i], c[i]);
    const kind = c[0];
    if (kind !== 'batch' && kind !== 'epoch')
      fail(lineNo, `column 'kind' must be 'batch' or 'epoch'; received ${describe(kind)}`);
    const need = (i: number): number => {
      const v = num(i);
      return v === undefined ? fail(lineNo, `column '${cols[i]}' is empty`) : v;
    };
    const metrics: MetricValues = {};
    let any = false;
    metricCols.forEach((m, k) => {
      const v = num(HISTORY_CSV_COLUMNS.length + k);
      if (v !== undefined) {
        setOwn(metrics, m, v);
        any = true;
      }
    });
    const lr = num(8);
    const base = {
      epoch: need(1),
      step: need(3),
      time: need(4),
      elapsed: need(5),
      loss: need(6),
      ...(lr !== undefined ? { lr } : {}),
      ...(any ? { metrics } : {}),
    };
    if (kind === 'batch') recs.push({ kind: 'batch', batch: need(2), ...base });
    else {
      const valLoss = num(7);
      recs.push({ kind: 'epoch', ...base, ...(valLoss !== undefined ? { valLoss } : {}) });
    }
  }
  const first = recs[0];
  const startTime = first ? first.time - first.elapsed * 1000 : Date.now();
  const history = new LossHistory({ startTime: Math.round(startTime * 1000) / 1000 });
  for (const r of recs) history.restore(r);
  return { history, records: recs.length, tail };
}

function readJsonl(fn: string, path: string, text: string): { history: LossHistory; records: number; tail: string } {
  const { lines, tail } = completeLines(text);
  if (lines.length === 0) return { history: new LossHistory(), records: 0, tail };
  const parse = (i: number): unknown => {
    try {
      return JSON.parse(lines[i]);
    } catch {
      throw new LosskitError(
        'INVALID_INPUT',
        fn,
        `${path}, line ${i + 1}: not valid JSON: ${describe(lines[i])}`,
        'path',
      );
    }
  };
  const meta = parse(0);
  if (meta === null || typeof meta !== 'object' || Reflect.get(meta, 'format') !== 'losskit-history') {
    throw new LosskitError(
      'INVALID_INPUT',
      fn,
      `${path}, line 1: expected the header {"format":"losskit-history",...}; received ${describe(lines[0])}`,
      'path',
    );
  }
  const startTime: unknown = Reflect.get(meta, 'startTime');
  const history = new LossHistory({ startTime: typeof startTime === 'number' ? startTime : undefined });
  for (let i = 1; i < lines.length; i++) {
    const r = parse(i);
    if (r === null || typeof r !== 'object') {
      throw new LosskitError(
        'INVALID_INPUT',
        fn,
        `${path}, line ${i + 1}: expected a record object; received ${describe(lines[i])}`,
        'path',
      );
    }
    try {
      history.restore(decodeRecord(r as EncodedRecord, fn));
    } catch (e) {
      if (e instanceof LosskitError) throw new LosskitError(e.code, fn, `${path}, line ${i + 1}: ${e.message}`, 'path');
      throw e;
    }
  }
  return { history, records: lines.length - 1, tail };
}

/**
 * Reads a history back from a file written by {@link HistoryFileWriter} or {@link saveHistory}
 * (`.csv`, `.json`, `.jsonl`; or `format`). An incomplete last line — a record being written
 * when the process died — is dropped and reported (`complete: false`); a malformed complete
 * line throws `LosskitError` (`INVALID_INPUT`) naming the file and line.
 *
 * @example
 * ```ts
 * const { history, complete } = readHistoryFile('out/history.csv');
 * if (!complete) console.warn('the run was interrupted; resuming from', history.epochs.length, 'epochs');
 * ```
 */
export function readHistoryFile(path: string, options: { format?: HistoryFileFormat } = {}): ReadHistoryResult {
  const fn = 'readHistoryFile';
  checkOptionNames(fn, options, ['format']);
  if (typeof path !== 'string')
    throw new LosskitError('INVALID_INPUT', fn, `'path' must be a file path; received ${describe(path)}`, 'path');
  const format = formatOf(fn, path, options.format);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? String(e.code) : '';
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory, not a file'
          : code === 'EACCES'
            ? 'permission denied'
            : e instanceof Error
              ? e.message
              : String(e);
    throw new LosskitError(
      'INVALID_INPUT',
      fn,
      `cannot read ${describe(path)}: ${why}${code ? ` (${code})` : ''}`,
      'path',
    );
  }
  if (format === 'json') {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new LosskitError(
        'INVALID_INPUT',
        fn,
        `${path}: not valid JSON (JSON snapshots are written atomically; a torn file was not written by saveHistory)`,
        'path',
      );
    }
    const history = LossHistory.fromJSON(json as LossHistoryJSON);
    return {
      history,
      format,
      records: history.batches.length + history.epochs.length,
      complete: true,
      droppedTail: '',
    };
  }
  const r = format === 'csv' ? readCsv(fn, path, text) : readJsonl(fn, path, text);
  return { history: r.history, format, records: r.records, complete: r.tail === '', droppedTail: r.tail };
}
