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
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Worker as WorkerType } from 'node:worker_threads';
import type { MetricTransfer } from '../../metrics/core.js';
import { restoreTransfer } from '../../metrics/registry.js';
import { ClassificationReportStream, type ClassificationReportStreamJSON } from '../../metrics/report.js';
import { Accumulator, viewBatch, type MetricError, type MetricSetup } from './engine.js';
import type { Plan } from './plan.js';
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

/** A worker's share: blocks [first, last) of `cuts` (K + 1 byte offsets, or the row offsets of Parquet row groups). */
export interface WorkerJob extends BlockJob {
  cuts: number[];
  first: number;
  last: number;
  trace: boolean;
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
  | { progress: { bytes: number; rows: number } }
  | { ok: NodeState[]; free: NodeState; trace: WorkerTrace }
  | { error: { message: string; byteOffset?: number; column?: number; detail?: string; place?: string } };

/**
 * Cuts [start, size) into blocks at line ends: K + 1 offsets, first `start`, last `size`. One
 * read of the file (memchr speed): a cut must not fall inside a quoted field (a quoted line
 * break), so the quote bytes before each cut are counted; when a cut would land inside quotes,
 * the file is one block (read in order, no workers).
 */
export function blockCuts(path: string, start: number, size: number): number[] {
  const b = blockBytes(size - start);
  const fd = openSync(path, 'r');
  const cuts = [start];
  const buf = Buffer.alloc(1 << 20);
  let quotes = 0;
  let next = start + b; // look for the first line end at or after next - 1
  let safe = true;
  try {
    for (let at = start; at < size;) {
      const got = readSync(fd, buf, 0, Math.min(buf.length, size - at), at);
      if (got <= 0) break;
      const chunk = buf.subarray(0, got);
      let from = 0;
      while (next - 1 < at + got) {
        // Quotes before the candidate cut, then the line end.
        const nl = chunk.indexOf(10, Math.max(from, next - 1 - at));
        if (nl < 0) break;
        for (let q = chunk.indexOf(34, from); q >= 0 && q < nl; q = chunk.indexOf(34, q + 1)) quotes++;
        from = nl;
        const cut = at + nl + 1;
        if (cut >= size) break;
        if (quotes % 2 !== 0) safe = false;
        if (cut > cuts[cuts.length - 1]) cuts.push(cut);
        next = Math.max(next + b, cut + 1);
      }
      for (let q = chunk.indexOf(34, from); q >= 0; q = chunk.indexOf(34, q + 1)) quotes++;
      at += got;
    }
  } finally {
    closeSync(fd);
  }
  if (!safe) return [start, size];
  cuts.push(size);
  return cuts;
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

/** The largest tree nodes inside [a, b), left to right. */
export function treeNodes(
  lo: number,
  hi: number,
  a: number,
  b: number,
  out: [number, number][] = [],
): [number, number][] {
  if (b <= lo || hi <= a) return out;
  if (a <= lo && hi <= b) {
    out.push([lo, hi]);
    return out;
  }
  const mid = (lo + hi) >>> 1;
  treeNodes(lo, mid, a, b, out);
  treeNodes(mid, hi, a, b, out);
  return out;
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
  constructor(
    readonly job: BlockJob,
    readonly cuts: number[],
  ) {
    this.free = new Accumulator(job.plan, job.setups, false, job.threshold, 'free');
  }

  /** Evaluates block `i`: the order-free metrics into `free`, the others into a fresh accumulator (returned). */
  async evalBlock(i: number): Promise<Accumulator> {
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

  /** The state of tree node [lo, hi), its blocks read in order. */
  async evalNode(lo: number, hi: number, onBlock?: (bytes: number, rows: number) => void): Promise<Accumulator> {
    const { job, cuts } = this;
    if (hi - lo === 1) {
      const acc = await this.evalBlock(lo);
      // Let the event loop turn between blocks (progress output, signals, workers' messages).
      await new Promise((resolve) => setImmediate(resolve));
      const span = cuts[hi] - cuts[lo];
      onBlock?.(job.format === 'parquet' ? Math.round(span * (job.bytesPerRow ?? 0)) : span, acc.rows);
      return acc;
    }
    const mid = (lo + hi) >>> 1;
    const left = await this.evalNode(lo, mid, onBlock);
    absorb(left, await this.evalNode(mid, hi, onBlock));
    return left;
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
): Promise<{ nodes: NodeState[]; free: NodeState; transfer: ArrayBuffer[]; trace: WorkerTrace }> {
  const start = Date.now();
  const accs: [number, number, Accumulator][] = [];
  const K = job.cuts.length - 1;
  const run = new ThreadRun(job, job.cuts);
  for (const [lo, hi] of treeNodes(0, K, job.first, job.last))
    accs.push([lo, hi, await run.evalNode(lo, hi, onProgress)]);
  const parsed = Date.now();
  const transfer: ArrayBuffer[] = [];
  const nodes = accs.map(([lo, hi, acc]) => packNode(acc, lo, hi, transfer));
  const free = packNode(run.free, job.first, job.last, transfer);
  return {
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

/** The file of this module (ESM or CommonJS build, or the TypeScript source under a test runner). */
function thisFile(): string | null {
  const line = (new Error().stack ?? '').split('\n').find((l) => /eval[\\/]parallel\.[jt]s/.test(l));
  const m = line ? /(?:file:\/\/)?(\/[^\s():]+parallel\.[jt]s)/.exec(line) : null;
  return m ? decodeURIComponent(m[1]) : null;
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

const tracing = () => /^(1|true|yes)$/i.test(process.env.LOSSKIT_EVAL_TRACE ?? '');

/**
 * Evaluates the data rows of a CSV / TSV file (byte blocks) or a Parquet file (row groups) block by block into `acc` (empty, nothing added yet), with
 * `workers` worker threads (1: in this thread). The same bits for any number of workers.
 */
export async function evaluateBlocks(acc: Accumulator, job: BlockJob, o: BlockRunOptions): Promise<void> {
  const trace = tracing();
  const t0 = Date.now();
  const say = (what: string) => {
    if (trace) process.stderr.write(`losskit trace: main +${Date.now() - t0} ms ${what}\n`);
  };
  const self = thisFile();
  const workerFile = self ? join(dirname(self), 'worker.js') : null;
  const threaded = o.workers > 1 && workerFile !== null && existsSync(workerFile);
  // Workers start (load their modules) while this thread cuts the file; they get their job by message.
  const pool = threaded && workerFile !== null ? await spawnWorkers(o.workers - 1, workerFile) : [];
  let root: Accumulator;
  /** The order-free states of the threads, in share order. */
  let frees: Accumulator[];
  try {
    let cuts: number[];
    if (o.rowGroups) {
      const groups = o.rowGroups;
      const groupCuts = groupBlocks(groups);
      job = { ...job, groupCuts };
      cuts = groupCuts.map((g) => (g === 0 ? 0 : groups[g - 1][1]));
    } else cuts = blockCuts(job.path, o.dataStart, o.size);
    const K = cuts.length - 1;
    const n = Math.max(1, Math.min(o.workers, K));
    say(
      `${K} ${o.rowGroups ? `blocks of ${o.rowGroups.length} row groups` : `blocks of about ${blockBytes(o.size - o.dataStart)} bytes`}, ${n} worker(s)`,
    );
    let bytes = o.rowGroups ? 0 : o.dataStart;
    let rows = 0;
    const progress = (b: number, r: number) => {
      bytes += b;
      rows += r;
      o.onProgress?.(bytes, rows);
    };
    let parts: Map<string, Accumulator>;
    if (n === 1 || !threaded) {
      // In this thread: the same tree (workers' shares computed one after the other).
      parts = new Map();
      frees = [];
      for (let w = 0; w < n; w++) {
        const [first, last] = share(K, n, w);
        const run = new ThreadRun(job, cuts);
        for (const [lo, hi] of treeNodes(0, K, first, last))
          parts.set(`${lo},${hi}`, await run.evalNode(lo, hi, progress));
        frees.push(run.free);
      }
      say('blocks evaluated');
    } else {
      ({ parts, frees } = await runWorkers(job, cuts, pool.slice(0, n - 1), { trace, t0, progress }));
      say('all workers done');
    }
    root = completeTree(job, parts, 0, K);
  } catch (e) {
    if (e instanceof RangeCellError)
      throw new EvalInputError(`${job.path}:${await lineOfOffset(job.path, e.byteOffset)}:${e.column}`, e.detail);
    throw e;
  } finally {
    for (const w of pool) void w.terminate();
  }
  parquet = null;
  // The order-free states merged in share order (exact in any order; the order places errors).
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
 * Blocks [first, last) of share `w` of `n` (contiguous, in order). The first share (this thread's)
 * takes one block more when there are workers: they start later and post their states at the end.
 * Any shares give the same bits; this only balances the time.
 */
export function share(K: number, n: number, w: number): [number, number] {
  const at = (v: number) => (v === 0 ? 0 : v === n ? K : Math.min(K, Math.floor((v * K) / n) + 1));
  return [at(w), at(w + 1)];
}

/** Starts `count` evaluation workers; each waits for its {@link WorkerJob} message. */
async function spawnWorkers(count: number, workerFile: string): Promise<WorkerType[]> {
  const { Worker } = await import('node:worker_threads');
  return Array.from({ length: count }, () => new Worker(workerFile));
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

/** Runs the shares (share 0 in this thread, the others in the given workers); resolves with every node computed and the order-free state of each share (restored on this thread). */
async function runWorkers(
  job: BlockJob,
  cuts: number[],
  workers: WorkerType[],
  run: { trace: boolean; t0: number; progress: (bytes: number, rows: number) => void },
): Promise<{ parts: Map<string, Accumulator>; frees: Accumulator[] }> {
  const { trace, t0, progress } = run;
  const K = cuts.length - 1;
  const n = workers.length + 1;
  const parts: Map<string, Accumulator> = new Map();
  const frees: Accumulator[] = new Array<Accumulator>(n);
  // Shares 1..n-1 in worker threads, share 0 in this thread (no thread start, no transfer).
  const all = Promise.all(
    workers.map((worker, i) => {
      const w = i + 1;
      const [first, last] = share(K, n, w);
      const wj: WorkerJob = { ...job, cuts, first, last, trace };
      return new Promise<void>((resolve, reject) => {
        const posted = Date.now();
        worker.on('message', (m: WorkerMessage) => {
          if ('progress' in m) {
            progress(m.progress.bytes, m.progress.rows);
            return;
          }
          if ('ok' in m) {
            const before = Date.now();
            for (const node of m.ok) parts.set(`${node.lo},${node.hi}`, restoreNode(job, node));
            frees[w] = restoreNode(job, m.free);
            if (trace) {
              const r = m.trace;
              process.stderr.write(
                `losskit trace: worker ${w} blocks [${first}, ${last}): job posted +${posted - t0} ms, started +${r.start - t0}, parsed +${r.parsed - t0}, packed +${r.packed - t0}, received +${before - t0}, restored +${Date.now() - t0}; thread CPU ${r.cpuMs ?? '?'} ms\n`,
              );
            }
            resolve();
            return;
          }
          const e = m.error;
          if (e.byteOffset !== undefined)
            reject(new RangeCellError(job.path, e.byteOffset, e.column ?? 1, e.detail ?? e.message));
          else reject(new EvalInputError(e.place ?? job.path, e.detail ?? e.message));
        });
        worker.once('error', reject);
        worker.once('exit', (code) => {
          if (code !== 0) reject(new Error(`losskit: evaluation worker ${w} exited with code ${code}`));
        });
        worker.postMessage(wj);
      });
    }),
  );
  all.catch(() => undefined); // awaited below; a worker may fail while this thread is busy
  const own = new ThreadRun(job, cuts);
  const [first, last] = share(K, n, 0);
  for (const [lo, hi] of treeNodes(0, K, first, last)) parts.set(`${lo},${hi}`, await own.evalNode(lo, hi, progress));
  // Fold this thread's histograms while the workers finish (not after).
  compactHistograms(own.free);
  frees[0] = own.free;
  if (trace)
    process.stderr.write(
      `losskit trace: main share [${first}, ${last}) done +${Date.now() - t0} ms; thread CPU so far ${threadCpuMs() ?? '?'} ms\n`,
    );
  await all;
  return { parts, frees };
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
