/**
 * Block evaluation of a CSV / TSV file, in this thread or in `worker_threads` (`--workers N`).
 *
 * The data bytes are cut into K blocks of a size fixed by the file alone (about 1/32 of it,
 * between 64 KiB and 16 MiB, each cut moved to the next line end). Every block is evaluated into
 * a fresh state, and the block states are merged along one fixed binary tree over [0, K)
 * (node [lo, hi) = merge of [lo, mid) and [mid, hi), mid = ⌊(lo + hi) / 2⌋). A worker takes a
 * contiguous run of blocks, computes the largest tree nodes inside its run and sends them; the
 * main thread completes the tree. Every floating-point sum is therefore done in the same order
 * whatever the number of workers: 1, 2 or 32 workers give the same bits.
 *
 * Workers send their states as `Float64Array`s in a transfer list (no per-number encoding, no
 * copy), with exact score histograms already compacted, so the main thread only does the few
 * linear merges at the top of the tree.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import type { MetricTransfer } from '../../metrics/core.js';
import { restoreTransfer } from '../../metrics/registry.js';
import { ClassificationReportStream, type ClassificationReportStreamJSON } from '../../metrics/report.js';
import { RowFields, tokenizeRow } from './csv.js';
import { Accumulator, viewBatch, type MetricError, type MetricSetup } from './engine.js';
import type { Plan } from './plan.js';
import { type PooledWorker, takeWorkers, workerFilePath } from './prespawn.js';
import { RangeCellError, csvRangeBatches, openReader, type Batch, type Reader } from './readers.js';
import { EvalInputError } from './source.js';

/** Smallest and largest block, and the number of blocks aimed at. */
const MIN_BLOCK = 1 << 16;
const MAX_BLOCK = 1 << 24;
const TARGET_BLOCKS = 32;

/** Block size of a file with `dataBytes` bytes of rows (a function of the file only). */
export function blockBytes(dataBytes: number): number {
  return Math.min(MAX_BLOCK, Math.max(MIN_BLOCK, Math.ceil(dataBytes / TARGET_BLOCKS)));
}

/** What every block evaluation needs. */
export interface BlockJob {
  path: string;
  plan: Plan;
  setups: MetricSetup[];
  /** CSV / TSV: blocks are byte ranges; Parquet: blocks are row groups. */
  format: 'csv' | 'parquet';
  delimiter: number;
  /** Bytes per row (Parquet progress). */
  bytesPerRow?: number;
  /** Parquet: block i is row groups [groupCuts[i], groupCuts[i + 1]) (set by {@link evaluateBlocks}). */
  groupCuts?: number[];
  batchRows: number;
  report: boolean;
  threshold?: number;
}

/**
 * A worker's job: blocks of `cuts` (K + 1 byte offsets, or the row offsets of Parquet row
 * groups). With `claim`, the worker takes its blocks itself when it starts ({@link claimShare});
 * otherwise it evaluates blocks [first, last).
 */
export interface WorkerJob extends BlockJob {
  cuts: number[];
  first: number;
  last: number;
  claim?: { shared: SharedArrayBuffer; slot: number };
  trace: boolean;
}

/**
 * The split of the blocks between the threads, in shared memory, so that a worker takes its
 * blocks the moment it is up (not when the main thread next turns its event loop) and the
 * threads finish together. The main thread claims blocks 0, 1, … upwards; a worker claims
 * blocks downwards from the top of its range, one at a time, so the main thread and the worker
 * that started last meet wherever they meet (one block apart at most). A worker that starts
 * while another is sharing the rest with the main thread leaves it an equal part of the blocks
 * left (its floor, fixed from then on) and shares the part below with the main thread itself.
 *
 * Words: a spin lock, `limit` (the main thread claims blocks below it: the lowest block claimed
 * by the worker it shares with), `claimed` (the blocks below it are the main thread's), then per
 * worker four words: its state (0 not started, 1 took blocks, 2 none: came up too late, or told
 * so by the main thread), the lowest block it claimed (`first`), the top of its range (`last`,
 * exclusive) and its floor (−1 while it shares with the main thread).
 */
export class BlockClaims {
  static readonly LOCK = 0;
  static readonly LIMIT = 1;
  static readonly CLAIMED = 2;
  private static readonly WORDS = 4;
  /** Worker `slot`'s state word; its first block, its last (exclusive) and its floor follow it. */
  private static state = (slot: number) => 3 + BlockClaims.WORDS * slot;
  private static readonly NOT_STARTED = 0;
  private static readonly TOOK = 1;
  private static readonly NONE = 2;
  /** The floor of the worker sharing the blocks left with the main thread. */
  private static readonly SHARING = -1;
  readonly words: Int32Array;
  constructor(shared: SharedArrayBuffer) {
    this.words = new Int32Array(shared);
  }
  static create(K: number, workers: number): BlockClaims {
    const c = new BlockClaims(new SharedArrayBuffer(4 * BlockClaims.state(workers)));
    c.words[BlockClaims.LIMIT] = K;
    return c;
  }
  /** The number of worker slots. */
  private get slots(): number {
    return (this.words.length - BlockClaims.state(0)) / BlockClaims.WORDS;
  }
  private locked<T>(f: (w: Int32Array) => T): T {
    const w = this.words;
    while (Atomics.compareExchange(w, BlockClaims.LOCK, 0, 1) !== 0); // held for a few operations only
    try {
      return f(w);
    } finally {
      Atomics.store(w, BlockClaims.LOCK, 0);
    }
  }
  /** Main thread: claims block i, or false when a worker has claimed it (then all above it are taken). */
  claim(i: number): boolean {
    return this.locked((w) => {
      if (i >= w[BlockClaims.LIMIT]) return false;
      w[BlockClaims.CLAIMED] = i + 1;
      return true;
    });
  }
  /**
   * Worker `slot` (0-based), when it is up: takes the top of the blocks the main thread has not
   * reached, to share with it ({@link next}), leaving the worker that shared them so far an
   * equal part (an equal part for it, the main thread and every worker not started yet, this
   * one included). False when nothing is left.
   */
  take(slot: number): boolean {
    return this.locked((w) => {
      const at = BlockClaims.state(slot);
      if (w[at] !== BlockClaims.NOT_STARTED) return false;
      let waiting = 0;
      let sharing = -1;
      for (let j = 0; j < this.slots; j++) {
        const st = BlockClaims.state(j);
        if (w[st] === BlockClaims.NOT_STARTED) waiting++;
        else if (w[st] === BlockClaims.TOOK && w[st + 3] === BlockClaims.SHARING) sharing = j;
      }
      const limit = w[BlockClaims.LIMIT];
      const keep = sharing < 0 ? 0 : Math.round((limit - w[BlockClaims.CLAIMED]) / (waiting + 2));
      const top = limit - keep;
      if (top <= w[BlockClaims.CLAIMED]) {
        w[at] = BlockClaims.NONE;
        return false;
      }
      if (sharing >= 0) w[BlockClaims.state(sharing) + 3] = top;
      w[at] = BlockClaims.TOOK;
      w[at + 1] = top;
      w[at + 2] = top;
      w[at + 3] = BlockClaims.SHARING;
      w[BlockClaims.LIMIT] = top;
      return true;
    });
  }
  /** Worker `slot`, after {@link take}: claims its next block (downwards), or −1 when none is left. */
  next(slot: number): number {
    return this.locked((w) => {
      const at = BlockClaims.state(slot);
      const b = w[at + 1] - 1;
      const sharing = w[at + 3] === BlockClaims.SHARING;
      if (b < (sharing ? w[BlockClaims.CLAIMED] : w[at + 3])) return -1;
      w[at + 1] = b;
      if (sharing) w[BlockClaims.LIMIT] = b;
      return b;
    });
  }
  /** Main thread, its blocks done: workers not started get nothing. Returns the slots that took blocks. */
  close(): number[] {
    return this.locked((w) => {
      w[BlockClaims.CLAIMED] = w[BlockClaims.LIMIT];
      const took: number[] = [];
      for (let slot = 0; slot < this.slots; slot++) {
        const at = BlockClaims.state(slot);
        if (w[at] === BlockClaims.NOT_STARTED) w[at] = BlockClaims.NONE;
        if (w[at] === BlockClaims.TOOK) took.push(slot);
      }
      return took;
    });
  }
  /**
   * Worker `slot`'s blocks [first, last) once it is done: those it claimed and, if it stopped
   * early (an error), those down to its floor that it left unclaimed. Empty if none.
   */
  range(slot: number): [number, number] {
    const at = BlockClaims.state(slot);
    const w = this.words;
    return [w[at + 3] >= 0 ? Math.min(w[at + 3], w[at + 1]) : w[at + 1], w[at + 2]];
  }
}

/** A tree node's state as a worker sends it (arrays transferred). */
export interface NodeState {
  lo: number;
  hi: number;
  rows: number;
  metrics: { state: MetricTransfer | null; error?: MetricError }[];
  report?: ClassificationReportStreamJSON;
}

/** Phase times (ms since the epoch) and CPU time of one worker (`LOSSKIT_EVAL_TRACE=1`). */
export interface WorkerTrace {
  start: number;
  parsed: number;
  packed: number;
  cpuMs: number | null;
}

/** Messages of a worker. */
export type WorkerMessage =
  | { none: true }
  | { progress: { bytes: number; rows: number } }
  | { ok: NodeState[]; first: number; last: number; free: NodeState; trace: WorkerTrace }
  | { error: { message: string; byteOffset?: number; column?: number; detail?: string; place?: string } };

/**
 * Cuts [start, size) into blocks at line ends: K + 1 offsets, first `start`, last `size`. Cut i
 * is the byte after the first line end at or after `start + i·b − 1` (b = {@link blockBytes}):
 * a function of the file alone, found by reading a few bytes at each place (not the whole file).
 *
 * A cut may fall inside a quoted field that holds a line break. The block before it then ends
 * inside an open quote, which its reader rejects (an unterminated quoted field), so such a cut
 * never goes unnoticed: {@link evaluateBlocks} checks any such error with {@link endsInQuotes}
 * and evaluates the file again as one block, in order.
 */
export function blockCuts(path: string, start: number, size: number): number[] {
  const b = blockBytes(size - start);
  const K = Math.max(1, Math.ceil((size - start) / b));
  const cuts = [start];
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(1 << 16);
  try {
    for (let i = 1; i < K; i++) {
      let at = Math.max(start + i * b - 1, cuts[cuts.length - 1]);
      let cut = size;
      while (at < size) {
        const got = readSync(fd, buf, 0, Math.min(buf.length, size - at), at);
        if (got <= 0) break;
        const nl = buf.indexOf(10);
        if (nl >= 0 && nl < got) {
          cut = at + nl + 1;
          break;
        }
        at += got;
      }
      if (cut >= size) break;
      if (cut > cuts[cuts.length - 1]) cuts.push(cut);
    }
  } finally {
    closeSync(fd);
  }
  cuts.push(size);
  return cuts;
}

/**
 * Whether block k of `cuts` ends inside a quoted field, its start being a row start: its rows
 * tokenized as the reader does (a quote opens a field only at the field's start, `""` is an
 * escaped quote), the last one left open. Read only on an error path.
 */
export function endsInQuotes(path: string, cuts: number[], k: number, delimiter: number): boolean {
  if (k < 0 || k >= cuts.length - 2) return false; // the file's last block ends at the end
  const len = cuts[k + 1] - cuts[k];
  const buf = Buffer.alloc(len);
  const fd = openSync(path, 'r');
  try {
    for (let at = 0; at < len;) {
      const got = readSync(fd, buf, at, len - at, cuts[k] + at);
      if (got <= 0) return false;
      at += got;
    }
  } finally {
    closeSync(fd);
  }
  const f = new RowFields(64);
  for (let p = 0; p < len;) {
    const q = tokenizeRow(buf, p, len, delimiter, false, f);
    if (q < 0) return true; // the block ends inside a row: after its last line end, only in quotes
    if (q === p) return false;
    p = q;
  }
  return false;
}

/** The block of `cuts` holding byte `offset`. */
function blockOf(cuts: number[], offset: number): number {
  let k = 0;
  while (k + 1 < cuts.length - 1 && cuts[k + 1] <= offset) k++;
  return k;
}

/** Fewest rows of a Parquet block: smaller row groups are read together. */
const MIN_GROUP_ROWS = 4096;

/**
 * Parquet blocks: runs of consecutive row groups of at least {@link MIN_GROUP_ROWS} rows (a short
 * last run joins the one before); K + 1 row-group indices.
 */
export function groupBlocks(groups: [number, number][]): number[] {
  const cuts = [0];
  let rows = 0;
  for (let g = 0; g < groups.length; g++) {
    rows += groups[g][1] - groups[g][0];
    if (rows >= MIN_GROUP_ROWS) {
      cuts.push(g + 1);
      rows = 0;
    }
  }
  if (cuts[cuts.length - 1] !== groups.length) {
    if (cuts.length > 1) cuts[cuts.length - 1] = groups.length;
    else cuts.push(groups.length);
  }
  return cuts;
}

/** Merges accumulator `b` into `a` (b's rows after a's): counts, metric states, errors, report. */
export function absorb(a: Accumulator, b: Accumulator): void {
  if (b.reportStream !== null) {
    if (a.reportStream === null) a.reportStream = b.reportStream;
    else a.reportStream.merge(b.reportStream);
  }
  for (let i = 0; i < a.metrics.length; i++) {
    const e = b.errors[i];
    if (a.errors[i] === undefined && e !== undefined) {
      // b's rows are counted from its first row: after a's
      a.errors[i] = e.rows === undefined ? e : { ...e, rows: [e.rows[0] + a.rows, e.rows[1] + a.rows] };
      a.metrics[i] = null;
    }
    const m = a.metrics[i];
    const o = b.metrics[i];
    if (m !== null && o !== null) m.merge(o);
  }
  a.rows += b.rows;
}

/** The Parquet reader of this thread (footer read once per file). */
let parquet: { path: string; reader: Promise<Reader> } | null = null;

/**
 * One thread's evaluation of a run of blocks. The order-free metrics (unweighted counts: their
 * states merge exactly in any order) keep ONE state for the whole run (`free`), so a thread
 * works as the in-order reader does; the others get a fresh state per block (`evalBlock`),
 * merged along the fixed tree, so their floating-point sums are done in the same order for any
 * number of workers. The read window is reused from block to block.
 */
export class ThreadRun {
  readonly free: Accumulator;
  private readonly scratch = { win: new Uint8Array(0) };
  /** The fixed tree's nodes over the blocks evaluated so far (the others' states). */
  readonly tree: BlockTree<Accumulator>;
  constructor(
    readonly job: BlockJob,
    readonly cuts: number[],
  ) {
    this.free = new Accumulator(job.plan, job.setups, false, job.threshold, 'free');
    this.tree = new BlockTree<Accumulator>(cuts.length - 1, absorb);
  }

  /** Evaluates block `i`: the order-free metrics into `free`, the others into a fresh accumulator (returned). */
  async evalBlock(i: number): Promise<Accumulator> {
    if (!blockTracing) return this.evalBlockNow(i);
    const [t, c] = [Date.now(), threadCpuMs() ?? 0];
    const acc = await this.evalBlockNow(i);
    const { isMainThread } = await import('node:worker_threads');
    process.stderr.write(
      `losskit trace: block ${i} ${isMainThread ? 'main' : 'worker'} from ${t} (ms since the epoch): ${Date.now() - t} ms, thread CPU ${(threadCpuMs() ?? 0) - c} ms\n`,
    );
    return acc;
  }

  private async evalBlockNow(i: number): Promise<Accumulator> {
    const { job, cuts } = this;
    const acc = new Accumulator(job.plan, job.setups, job.report, job.threshold, 'ordered');
    const [from, to] = [cuts[i], cuts[i + 1]];
    if (to <= from) return acc;
    let batches: AsyncGenerator<Batch>;
    if (job.format === 'parquet') {
      if (parquet === null || parquet.path !== job.path)
        parquet = { path: job.path, reader: openReader(job.path, 'parquet') };
      const r = await parquet.reader;
      if (r.groupBatches === undefined) throw new Error('losskit internal: the Parquet reader has no row groups');
      const g = job.groupCuts ?? [];
      batches = r.groupBatches(job.plan, job.batchRows, g[i], g[i + 1]);
    } else
      batches = csvRangeBatches(
        job.path,
        { start: from, end: to, scratch: this.scratch },
        job.plan,
        job.batchRows,
        job.delimiter,
      );
    const free = this.free.idle ? null : this.free;
    const block = acc.idle ? null : acc;
    if (job.format === 'csv') {
      // batches count their lines from the block's first byte (errors name file lines)
      this.free.lineBase = from;
      acc.lineBase = from;
    }
    for await (const b of batches) {
      if (b.n === 0) continue;
      const v = viewBatch(job.plan, b);
      free?.feed(v);
      if (block !== null) block.feed(v);
      else acc.rows += v.n;
    }
    // A block's exact histograms are folded now: their pending buffers are freed before the next block.
    compactHistograms(acc);
    return acc;
  }

  /**
   * Evaluates block `i` into {@link tree} (the blocks of a run, upwards or downwards), lets the
   * event loop turn (progress output, signals, workers' messages) and reports the block's bytes
   * and rows.
   */
  async addBlock(i: number, onBlock?: (bytes: number, rows: number) => void): Promise<void> {
    const { job, cuts } = this;
    const acc = await this.evalBlock(i);
    await new Promise((resolve) => setImmediate(resolve));
    const span = cuts[i + 1] - cuts[i];
    onBlock?.(job.format === 'parquet' ? Math.round(span * (job.bytesPerRow ?? 0)) : span, acc.rows);
    this.tree.add(i, acc);
  }

  /** Blocks [first, last), in order, into {@link tree}. */
  async evalRange(first: number, last: number, onBlock?: (bytes: number, rows: number) => void): Promise<void> {
    for (let i = first; i < last; i++) await this.addBlock(i, onBlock);
  }
}

/** Folds the exact score histograms of `acc` (sorting their pending scores; the buffers are released). */
function compactHistograms(acc: Accumulator): void {
  acc.metrics.forEach((m, i) => {
    if (m === null || acc.setups[i].histogram !== true || acc.leader[i] !== i) return;
    try {
      m.compute();
    } catch {
      /* the value is computed again at the end, which reports the error */
    }
  });
}

/** A node's accumulator as a message: compacted, arrays in `transfer`. */
export function packNode(acc: Accumulator, lo: number, hi: number, transfer: ArrayBuffer[]): NodeState {
  // compute() compacts an exact score histogram (its pending tail sorted here, in parallel).
  compactHistograms(acc);
  return {
    lo,
    hi,
    rows: acc.rows,
    metrics: acc.metrics.map((m, i) => {
      const error = acc.errors[i];
      if (m === null) return { state: null, ...(error !== undefined ? { error } : {}) };
      return { state: m.toTransfer(transfer) };
    }),
    ...(acc.reportStream !== null ? { report: acc.reportStream.toJSON() } : {}),
  };
}

/** A worker's whole job: the tree nodes of its blocks and its order-free state, ready to post. */
export async function runWorkerJob(
  job: WorkerJob,
  onProgress: (bytes: number, rows: number) => void,
): Promise<{
  first: number;
  last: number;
  nodes: NodeState[];
  free: NodeState;
  transfer: ArrayBuffer[];
  trace: WorkerTrace;
} | null> {
  const start = Date.now();
  const run = new ThreadRun(job, job.cuts);
  // Blocks downwards from the top of the range: with the dynamic split the main thread, going
  // upwards, meets this thread wherever it is (BlockClaims).
  let [first, last] = [job.first, job.last];
  if (job.claim !== undefined) {
    const { slot } = job.claim;
    const claims = new BlockClaims(job.claim.shared);
    if (!claims.take(slot)) return null;
    for (let b = claims.next(slot); b >= 0; b = claims.next(slot)) await run.addBlock(b, onProgress);
    [first, last] = claims.range(slot);
  } else for (let b = last - 1; b >= first; b--) await run.addBlock(b, onProgress);
  if (first >= last) return null;
  const parsed = Date.now();
  const transfer: ArrayBuffer[] = [];
  const nodes = run.tree.nodes().map(([lo, hi, acc]) => packNode(acc, lo, hi, transfer));
  const free = packNode(run.free, first, last, transfer);
  return {
    first,
    last,
    nodes,
    free,
    transfer,
    trace: { start, parsed, packed: Date.now(), cpuMs: job.trace ? threadCpuMs() : null },
  };
}

/** CPU time of the calling thread (Linux /proc), or null. */
export function threadCpuMs(): number | null {
  try {
    const f = readFileSync('/proc/thread-self/stat', 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 (utime, stime) in clock ticks (100 per second on Linux).
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** Line number (1-based) of a byte offset. */
async function lineOfOffset(path: string, offset: number): Promise<number> {
  const { createReadStream } = await import('node:fs');
  let line = 1;
  if (offset <= 0) return line;
  for await (const c of createReadStream(path, { end: offset - 1 }) as AsyncIterable<Buffer>)
    for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) line++;
  return line;
}

/**
 * Names the place of metric errors whose batch lines are known (an error path): the line of the
 * failing row (its batch's first line, moved by the batch's breaks: blank lines, rows of several
 * lines), and the line and column of the argument's field when the file's bytes are its text
 * (`delimiter` given; null for gzip or stdin: `file:line`). A failing row that is not found keeps
 * the batch's file-absolute rows.
 */
export async function placeErrors(acc: Accumulator, file: string, delimiter: number | null): Promise<void> {
  const roles = acc.plan.columns.roles;
  const { cellPlace, lineOfRow } = await import('./readers.js');
  for (const e of acc.errors) {
    const a = e?.at;
    if (e === undefined || a === undefined || e.place !== undefined) continue;
    if (a.row === undefined) continue;
    const line = (a.offset < 0 ? 0 : await lineOfOffset(file, a.offset)) + lineOfRow(a.line, a.breaks, a.row);
    if (delimiter === null) {
      e.place = `${file}:${line}`;
      continue;
    }
    const dest = a.argument === 'yPred' ? 'pred' : a.argument === 'sampleWeight' ? 'weight' : 'true';
    const c = Math.max(
      0,
      roles.findIndex((r) => r.dest === dest),
    );
    // The field's own line and column (a quoted field may hold the delimiter or line breaks).
    const at = await cellPlace(file, line, delimiter, c);
    e.place = `${file}:${at.line}:${at.column}`;
  }
}

export interface BlockRunOptions {
  /** Parquet: the row ranges of the row groups (the blocks). */
  rowGroups?: [number, number][];
  dataStart: number;
  size: number;
  workers: number;
  onProgress?: (bytes: number, rows: number) => void;
}

const tracing = () => /^(1|true|yes|blocks)$/i.test(process.env.LOSSKIT_EVAL_TRACE ?? '');
/** `LOSSKIT_EVAL_TRACE=blocks`: also one line per block (thread, wall and thread CPU time). */
const blockTracing = /^blocks$/i.test(process.env.LOSSKIT_EVAL_TRACE ?? '');
/**
 * `LOSSKIT_EVAL_SPLIT=static`: every worker is waited for and takes a fixed share
 * ({@link share}) instead of the blocks left when it is up. The same bits either way; this
 * makes the split itself repeatable (tests, tracing).
 */
const staticSplit = () => /^static$/i.test(process.env.LOSSKIT_EVAL_SPLIT ?? '');

/**
 * The fixed tree's nodes built bottom-up as the blocks of a run [a, b) arrive, upwards or
 * downwards (any order): a node is formed, its left child absorbing its right, as soon as both
 * children are in. So the nodes held are always the largest ones inside the blocks done (the
 * tree: node [lo, hi) has children [lo, mid) and [mid, hi), mid = ⌊(lo + hi) / 2⌋), and every sum
 * is done in the tree's order whatever the order of the blocks (a node reaching outside the run
 * stays open).
 */
export class BlockTree<T> {
  readonly parts = new Map<string, T>();
  /** `merge(a, b)`: b's blocks after a's, into a. */
  constructor(
    readonly K: number,
    private readonly merge: (a: T, b: T) => void,
  ) {}
  /** The nodes held, as [lo, hi, state], left to right. */
  nodes(): [number, number, T][] {
    return [...this.parts]
      .map(([k, v]): [number, number, T] => {
        const [lo, hi] = k.split(',').map(Number);
        return [lo, hi, v];
      })
      .sort((x, y) => x[0] - y[0]);
  }
  add(i: number, state: T): void {
    const path: [number, number][] = [];
    for (let lo = 0, hi = this.K; hi - lo > 1;) {
      path.push([lo, hi]);
      const mid = (lo + hi) >>> 1;
      if (i < mid) hi = mid;
      else lo = mid;
    }
    let [lo, hi] = [i, i + 1];
    let cur = state;
    for (let d = path.length - 1; d >= 0; d--) {
      const [plo, phi] = path[d];
      const mid = (plo + phi) >>> 1;
      const right = lo === mid; // cur is the right child [mid, phi), else the left [plo, mid)
      const key = right ? `${plo},${mid}` : `${mid},${phi}`;
      const sibling = this.parts.get(key);
      if (sibling === undefined) break; // the parent waits for it
      this.parts.delete(key);
      if (right) {
        this.merge(sibling, cur);
        cur = sibling;
      } else this.merge(cur, sibling);
      [lo, hi] = [plo, phi];
    }
    this.parts.set(`${lo},${hi}`, cur);
  }
}

/**
 * Evaluates the data rows of a CSV / TSV file (byte blocks) or a Parquet file (row groups) block
 * by block into `acc` (empty, nothing added yet), with `workers` threads in all (1: this thread
 * only). The same bits for any number of workers and any split of the blocks between them.
 *
 * This thread starts on block 0 at once and goes upwards; each worker thread, the moment it is
 * up (booted, modules loaded, job read), takes the top of the blocks this thread has not reached
 * and goes downwards ({@link BlockClaims}): they meet wherever they meet, so a thread that boots
 * late or runs slower does fewer blocks and none waits for another. If a CSV block turns out to
 * end inside a quoted field (a quoted line break across a cut), the file is evaluated again as
 * one block, in order.
 */
export async function evaluateBlocks(acc: Accumulator, job: BlockJob, o: BlockRunOptions): Promise<void> {
  const trace = tracing();
  const t0 = Date.now();
  const say = (what: string) => {
    if (trace) process.stderr.write(`losskit trace: main +${Date.now() - t0} ms ${what}\n`);
  };
  say(`blocks start ${Math.round(performance.now())} ms after the process (${t0} ms since the epoch)`);
  const workerFile = o.workers > 1 ? workerFilePath() : null;
  let pool: PooledWorker[] = [];
  let root: Accumulator;
  /** The order-free states of the shares, in file order. */
  let frees: Accumulator[];
  try {
    let cuts: number[];
    if (o.rowGroups) {
      const groups = o.rowGroups;
      const groupCuts = groupBlocks(groups);
      job = { ...job, groupCuts };
      cuts = groupCuts.map((g) => (g === 0 ? 0 : groups[g - 1][1]));
    } else cuts = blockCuts(job.path, o.dataStart, o.size);
    let bytes = 0;
    let rows = 0;
    const progress = (b: number, r: number) => {
      bytes += b;
      rows += r;
      o.onProgress?.(bytes, rows);
    };
    const run = async (cuts: number[]): Promise<{ parts: Map<string, Accumulator>; frees: Accumulator[] }> => {
      const K = cuts.length - 1;
      const n = Math.max(1, Math.min(o.workers, K));
      bytes = o.rowGroups ? 0 : o.dataStart;
      rows = 0;
      say(
        `${K} ${o.rowGroups ? `blocks of ${o.rowGroups.length} row groups` : `blocks of about ${blockBytes(o.size - o.dataStart)} bytes`}, ${n} worker(s)`,
      );
      if (n > 1 && workerFile !== null) {
        if (pool.length === 0) pool = takeWorkers(n - 1, workerFile);
        const r = await runThreaded(job, cuts, pool, { trace, t0, progress });
        say('all workers done');
        return r;
      }
      // In this thread: the same tree (with n > 1, the shares computed one after the other).
      const parts = new Map<string, Accumulator>();
      const frees: Accumulator[] = [];
      for (let w = 0; w < n; w++) {
        const [first, last] = share(K, n, w);
        const own = new ThreadRun(job, cuts);
        await own.evalRange(first, last, progress);
        for (const [k, acc] of own.tree.parts) parts.set(k, acc);
        frees.push(own.free);
      }
      say('blocks evaluated');
      return { parts, frees };
    };
    let r: { parts: Map<string, Accumulator>; frees: Accumulator[] };
    try {
      r = await run(cuts);
    } catch (e) {
      // A cut inside a quoted line break: the block before it ended in an open quote.
      if (
        !(e instanceof RangeCellError) ||
        o.rowGroups ||
        !endsInQuotes(job.path, cuts, blockOf(cuts, e.byteOffset), job.delimiter)
      )
        throw e;
      say('a cut fell inside a quoted field: the file again as one block');
      for (const w of pool) void w.worker.terminate();
      pool = [];
      cuts = [o.dataStart, o.size];
      r = await run(cuts);
    }
    frees = r.frees;
    root = completeTree(job, r.parts, 0, cuts.length - 1);
  } catch (e) {
    if (e instanceof RangeCellError)
      throw new EvalInputError(`${job.path}:${await lineOfOffset(job.path, e.byteOffset)}:${e.column}`, e.detail);
    throw e;
  } finally {
    for (const w of pool) void w.worker.terminate();
  }
  parquet = null;
  // The order-free states merged in file order (exact in any order; the order places errors).
  const free = frees[0];
  for (let w = 1; w < frees.length; w++) absorb(free, frees[w]);
  // `acc` is empty: it takes the states over (no copy).
  acc.rows = root.rows;
  acc.reportStream = root.reportStream;
  for (let i = 0; i < acc.metrics.length; i++) {
    const from = acc.free[i] ? free : root;
    acc.metrics[i] = from.metrics[i];
    acc.errors[i] = from.errors[i];
  }
  say('merged');
}

/**
 * Blocks [first, last) of share `w` of `n` (contiguous, in order): the split of
 * `LOSSKIT_EVAL_SPLIT=static` and of the shares computed in this thread. The first share (this
 * thread's) takes one block more when there are workers. Any shares give the same bits.
 */
export function share(K: number, n: number, w: number): [number, number] {
  const at = (v: number) => (v === 0 ? 0 : v === n ? K : Math.min(K, Math.floor((v * K) / n) + 1));
  return [at(w), at(w + 1)];
}

/** Merges the given nodes up to node [lo, hi) along the fixed tree. */
function completeTree(job: BlockJob, parts: Map<string, Accumulator>, lo: number, hi: number): Accumulator {
  const have = parts.get(`${lo},${hi}`);
  if (have !== undefined) return have;
  if (hi - lo <= 1) return new Accumulator(job.plan, job.setups, job.report, job.threshold, 'ordered');
  const mid = (lo + hi) >>> 1;
  const left = completeTree(job, parts, lo, mid);
  absorb(left, completeTree(job, parts, mid, hi));
  return left;
}

/** A worker's outcome: its blocks and their nodes and order-free state, nothing, or an error. */
type Outcome =
  | { first: number; last: number; parts: [string, Accumulator][]; free: Accumulator }
  | { none: true }
  | { error: unknown };

/**
 * Blocks in this thread and the given workers. Every worker gets the job at once; with the
 * dynamic split ({@link BlockClaims}) it takes the top of the blocks this thread has not reached
 * the moment it is up and works downwards, and this thread goes on upwards from block 0 until
 * they meet (with fixed shares, each worker goes down its share). Resolves with every node
 * computed and the order-free state of each share in file order; an error is that of the first
 * share in file order that failed (every share before it ran to its end, so its first block
 * began at a row), and a worker's share that met bad input is evaluated again upwards here, so
 * that the error reported is its first.
 */
async function runThreaded(
  job: BlockJob,
  cuts: number[],
  workers: PooledWorker[],
  run: { trace: boolean; t0: number; progress: (bytes: number, rows: number) => void },
): Promise<{ parts: Map<string, Accumulator>; frees: Accumulator[] }> {
  const { trace, t0, progress } = run;
  const K = cuts.length - 1;
  const n = workers.length + 1;
  const claims = staticSplit() ? null : BlockClaims.create(K, workers.length);
  const outcomes = workers.map(
    ({ worker, failure }, i) =>
      new Promise<Outcome>((resolve) => {
        const w = i + 1;
        if (failure !== null) return resolve({ error: failure });
        const posted = Date.now();
        worker.on('message', (m: WorkerMessage) => {
          if ('progress' in m) return progress(m.progress.bytes, m.progress.rows);
          if ('none' in m) return resolve({ none: true });
          if ('ok' in m) {
            const before = Date.now();
            const parts = m.ok.map((node): [string, Accumulator] => [`${node.lo},${node.hi}`, restoreNode(job, node)]);
            const free = restoreNode(job, m.free);
            if (trace) {
              const r = m.trace;
              process.stderr.write(
                `losskit trace: worker ${w} blocks [${m.first}, ${m.last}): job posted +${posted - t0} ms, started +${r.start - t0}, parsed +${r.parsed - t0}, packed +${r.packed - t0}, received +${before - t0}, restored +${Date.now() - t0}; thread CPU ${r.cpuMs ?? '?'} ms\n`,
              );
            }
            return resolve({ first: m.first, last: m.last, parts, free });
          }
          const e = m.error;
          if (e.byteOffset !== undefined)
            resolve({ error: new RangeCellError(job.path, e.byteOffset, e.column ?? 1, e.detail ?? e.message) });
          else resolve({ error: new EvalInputError(e.place ?? job.path, e.detail ?? e.message) });
        });
        worker.once('error', (error) => resolve({ error }));
        worker.once('exit', (code) =>
          resolve({ error: new Error(`losskit: evaluation worker ${w} exited with code ${code}`) }),
        );
        const [first, last] = share(K, n, w);
        const wj: WorkerJob = {
          ...job,
          cuts,
          first,
          last,
          trace,
          ...(claims !== null ? { claim: { shared: claims.words.buffer as SharedArrayBuffer, slot: i } } : {}),
        };
        worker.postMessage(wj);
      }),
  );
  // This thread: blocks 0, 1, … as long as no worker has taken them.
  const own = new ThreadRun(job, cuts);
  const end = share(K, n, 0)[1];
  let limit = 0;
  for (let i = 0; claims !== null ? claims.claim(i) : i < end; i++) {
    await own.addBlock(i, progress);
    limit = i + 1;
  }
  // Workers not started by now get no blocks (and are not waited for).
  const took = claims !== null ? claims.close() : workers.map((_, i) => i);
  // Fold this thread's histograms while the workers finish (not after).
  compactHistograms(own.free);
  if (trace)
    process.stderr.write(
      `losskit trace: main share [0, ${limit}) done +${Date.now() - t0} ms; thread CPU so far ${threadCpuMs() ?? '?'} ms\n`,
    );
  const shares: { first: number; last: number; outcome: Outcome }[] = [];
  for (const slot of took) {
    const outcome = await outcomes[slot];
    const [first, last] = claims !== null ? claims.range(slot) : share(K, n, slot + 1);
    shares.push({ first, last, outcome });
  }
  shares.sort((a, b) => a.first - b.first);
  const parts = own.tree.parts;
  const frees: Accumulator[] = [own.free];
  for (const { first, last, outcome } of shares) {
    let o = outcome;
    if (inputFailed(o)) {
      // A worker goes downwards: the first bad row of its blocks, or the first failure of an
      // order-free metric (one state for all its blocks), may lie below the one it met. Its
      // blocks again, upwards, in this thread: it throws the first error, or gives the states
      // with the first failures.
      const again = new ThreadRun(job, cuts);
      await again.evalRange(first, last);
      o = { first, last, parts: [...again.tree.parts], free: again.free };
    }
    if ('error' in o) throw o.error;
    if ('none' in o) continue;
    for (const [k, acc] of o.parts) parts.set(k, acc);
    frees.push(o.free);
  }
  return { parts, frees };
}

/**
 * Whether a worker met bad input: a bad cell (thrown), or an order-free metric that failed (its
 * one state saw the blocks downwards; the reader checks every row first, so no metric fails this
 * way today).
 */
function inputFailed(o: Outcome): boolean {
  if ('error' in o) return o.error instanceof RangeCellError || o.error instanceof EvalInputError;
  return 'free' in o && o.free.errors.some((e) => e !== undefined);
}

/** A worker's node back into an accumulator on this thread (the transferred arrays adopted). */
function restoreNode(job: BlockJob, node: NodeState): Accumulator {
  const acc = new Accumulator(job.plan, job.setups, false, job.threshold);
  acc.rows = node.rows;
  node.metrics.forEach((s, i) => {
    acc.errors[i] = s.error;
    acc.metrics[i] = s.state === null ? null : restoreTransfer(s.state);
  });
  if (node.report !== undefined) acc.reportStream = ClassificationReportStream.fromJSON(node.report);
  return acc;
}
