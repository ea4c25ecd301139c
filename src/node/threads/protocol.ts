/**
 * What the main thread and the workers of `enableThreads` share: the control words, the job
 * descriptor layout, the chunk runner (one function, run by both sides, so every chunk is
 * computed by the same code whichever thread takes it) and the worker's loop.
 *
 * `runChunk` and `workerLoop` are self-contained (no imports, no closures): the worker's source
 * is their text (`workerSource()`), so they must stay plain functions of their arguments.
 *
 * Protocol (one job at a time, submitted by the main thread):
 * - `ctrl` (Int32Array): SEQ (even: a job is published; odd: the descriptor is being written),
 *   DONE (chunks finished in the current job), ERR (a worker failed; its message in `msg`),
 *   READY (workers instantiated), QUIT, WCHUNKS (chunks computed by workers, for statistics),
 *   COPIED (chunks whose inputs the main thread has copied in: a worker takes chunk k only when
 *   k < COPIED, so the copy overlaps the workers' first chunks).
 * - `claim` (BigInt64Array, one word): a counter that never goes back. Job k owns the claim
 *   range [base, base + nChunks); a thread claims chunk `v − base` by compare-and-swap only while
 *   `v < base + nChunks`, so a worker still holding an old descriptor can never take a chunk of
 *   a newer job, and a 64-bit counter never wraps.
 * - `desc` (Float64Array): the descriptor, written under SEQ's odd/even lock and re-checked by the
 *   worker after copying it.
 * - the per-chunk partial sums live in the shared wasm memory at `desc[PARTIALS]`; the main
 *   thread adds them in chunk order.
 */

import type { CrossEntropyExport, ElementwiseExport } from '../../wasm/runtime.js';
export const SEQ = 0;
export const DONE = 1;
export const ERR = 2;
export const READY = 3;
export const QUIT = 4;
export const WCHUNKS = 5;
export const COPIED = 6;
export const CTRL_WORDS = 8;

/** Job types. */
export const JOB_EW = 1;
export const JOB_CE = 2;
export const JOB_CTC = 3;
/** Test jobs: a worker that throws, and one that never finishes its chunk. */
export const JOB_TEST_THROW = 90;
export const JOB_TEST_HANG = 91;

/** Descriptor slots common to every job. */
export const D_TYPE = 0;
export const D_BASE = 1;
export const D_CHUNKS = 2;
export const D_G32 = 3;
export const D_PARTIALS = 4;
/** First job-specific slot (see `runChunk` for the two layouts). */
export const D_ARGS = 5;
export const DESC_WORDS = 24;
export const MSG_BYTES = 1024;

/** The kernel exports a chunk calls (pointers are byte offsets into the shared memory). */
export interface ChunkExports {
  ew_g32?: unknown;
  ew_g64?: unknown;
  ce_g32?: unknown;
  ce_g64?: unknown;
  ctc_g32?: unknown;
  ctc_g64?: unknown;
}

/** Float64 words per sequence in a CTC job's table (see `runChunk`). */
export const CTC_ROW = 6;

/**
 * Computes chunk `c` of the job `d` and returns its partial sum. Element-wise jobs
 * (`d[5..]` = kind, n, yt, yp, w, scale, out, grad, gradBytes, chunk, p0, p1, p2, p3): elements
 * `[c·chunk, min(n, (c+1)·chunk))`. Cross-entropy jobs (`d[5..]` = N, C, z, labels, labelBytes,
 * probs, cw, ls, ignoreIndex, w, scale, out, grad, gradBytes, rowsPerChunk): rows
 * `[c·rows, min(N, (c+1)·rows))`. CTC jobs (`d[5..]` = lp, tStride, C, blank, table, grad, pyt,
 * scratch, scratchPerThread, betaAt, workAt): chunk `c` is one sequence, whose row of the table
 * (`CTC_ROW` float64 at `table + 48·c`) holds off, T, S, ext, g; `thread` (0: the main thread)
 * selects the caller's own α/β/work area in the scratch (`mem`: the shared memory's buffer). The same arguments as the single-thread
 * loops of src/wasm/kernels.ts, chunk by chunk (a CTC chunk: one call of the sequence kernel).
 */
export function runChunk(ex: ChunkExports, d: Float64Array, c: number, thread: number, mem: ArrayBufferLike): number {
  if (d[0] === 1) {
    const f = (d[3] === 1 ? ex.ew_g32 : ex.ew_g64) as ElementwiseExport;
    const n = d[6];
    const chunk = d[14];
    const i = c * chunk;
    const m = Math.min(chunk, n - i);
    const w = d[9];
    const out = d[11];
    const grad = d[12];
    return f(
      d[5],
      m,
      d[7] + 4 * i,
      d[8] + 4 * i,
      w === 0 ? 0 : w + 8 * i,
      d[10],
      out === 0 ? 0 : out + 8 * i,
      grad === 0 ? 0 : grad + d[13] * i,
      d[15],
      d[16],
      d[17],
      d[18],
    );
  }
  if (d[0] === 2) {
    const f = (d[3] === 1 ? ex.ce_g32 : ex.ce_g64) as CrossEntropyExport;
    const N = d[5];
    const C = d[6];
    const rows = d[19];
    const r = c * rows;
    const m = Math.min(rows, N - r);
    const labels = d[8];
    const probs = d[10];
    const w = d[14];
    const out = d[16];
    const grad = d[17];
    return f(
      m,
      C,
      d[7] + 4 * r * C,
      labels === 0 ? 0 : labels + d[9] * r,
      d[9],
      probs === 0 ? 0 : probs + 4 * r * C,
      d[11],
      d[12],
      d[13],
      w === 0 ? 0 : w + 8 * r,
      d[15],
      out === 0 ? 0 : out + 8 * r,
      grad === 0 ? 0 : grad + d[18] * r * C,
    );
  }
  if (d[0] === 3) {
    const f = (d[3] === 1 ? ex.ctc_g32 : ex.ctc_g64) as (...a: number[]) => number;
    const row = new Float64Array(mem, d[9] + 48 * c, 6);
    const area = d[12] + thread * d[13];
    // (lp, off, tStride, T, C, ext, S, blank, alpha, beta, work, grad, g, pytorchGrad)
    return f(
      d[5],
      row[1],
      d[6],
      row[2],
      d[7],
      row[4],
      row[3],
      d[8],
      area,
      area + d[14],
      area + d[15],
      d[10],
      row[5],
      d[11],
    );
  }
  if (d[0] === 90) throw new Error('test failure injected into a worker');
  if (d[0] === 91) {
    // Never returns (a hung worker): the main thread's timeout must fire.
    const block = new Int32Array(new SharedArrayBuffer(4));
    for (;;) Atomics.wait(block, 0, 0);
  }
  throw new Error(`unknown job type ${d[0]}`);
}

/** What a worker receives (`workerData`). */
export interface WorkerInit {
  module: object;
  memory: object;
  ctrl: SharedArrayBuffer;
  claim: SharedArrayBuffer;
  desc: SharedArrayBuffer;
  msg: SharedArrayBuffer;
  /** This worker's thread number (1, 2, …; the main thread is 0). */
  index: number;
}

/** The minimal WebAssembly API the worker uses (the core's `lib` has no DOM/WebAssembly types). */
interface WorkerWasm {
  Instance: new (m: object, imports: object) => { exports: ChunkExports };
}

/**
 * A worker's whole life: instantiate the kernels on the shared memory, then wait for jobs and
 * claim chunks until QUIT. Every failure is reported through ERR / `msg` (never thrown away).
 */
export function workerLoop(init: WorkerInit, run: typeof runChunk, W: WorkerWasm): void {
  const ctrl = new Int32Array(init.ctrl);
  const claim = new BigInt64Array(init.claim);
  const desc = new Float64Array(init.desc);
  const msg = new Uint8Array(init.msg);
  const fail = (e: unknown): void => {
    const text = new TextEncoder().encode(String(e instanceof Error ? e.message : e)).subarray(0, msg.length - 1);
    msg.fill(0);
    msg.set(text);
    Atomics.store(ctrl, 2, 1);
    Atomics.notify(ctrl, 1);
  };
  let ex: ChunkExports;
  try {
    const imports = {
      env: {
        memory: init.memory,
        abort: () => {
          throw new Error('losskit wasm: abort');
        },
      },
    };
    ex = new W.Instance(init.module, imports).exports;
  } catch (e) {
    fail(e);
    Atomics.sub(ctrl, 3, 1000);
    return;
  }
  Atomics.add(ctrl, 3, 1);
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, 0, seen);
    if (Atomics.load(ctrl, 4) !== 0) return;
    const s = Atomics.load(ctrl, 0);
    seen = s;
    if ((s & 1) === 1) continue; // the descriptor is being written: wait for the even value
    const d = desc.slice();
    if (Atomics.load(ctrl, 0) !== s) continue; // torn copy: a newer job was published meanwhile
    const base = BigInt(d[1]);
    const end = base + BigInt(d[2]);
    for (;;) {
      const v = Atomics.load(claim, 0);
      if (v >= end) break;
      const c = Number(v - base);
      const copied = Atomics.load(ctrl, 6);
      if (c >= copied) {
        // Its inputs are not in place yet (a stale read is harmless: the claim below would fail).
        Atomics.wait(ctrl, 6, copied, 20);
        continue;
      }
      if (Atomics.compareExchange(claim, 0, v, v + 1n) !== v) continue;
      let part: number;
      try {
        part = run(ex, d, c, init.index, (init.memory as { buffer: SharedArrayBuffer }).buffer);
      } catch (e) {
        fail(e);
        break;
      }
      const mem = (init.memory as { buffer: SharedArrayBuffer }).buffer;
      new Float64Array(mem, d[4], d[2])[c] = part;
      Atomics.add(ctrl, 5, 1);
      if (Atomics.add(ctrl, 1, 1) + 1 === d[2]) Atomics.notify(ctrl, 1);
    }
  }
}

/** The worker's source: the two functions above and a call (run with `eval: true`). */
export function workerSource(): string {
  return (
    `'use strict';\n` +
    `const runChunk = ${runChunk.toString()};\n` +
    `const workerLoop = ${workerLoop.toString()};\n` +
    `workerLoop(require('node:worker_threads').workerData, runChunk, WebAssembly);\n`
  );
}
