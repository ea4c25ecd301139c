/**
 * JS-facing WASM kernels with the contracts of the JS kernels in `src/losses` (element-wise:
 * `Σ wᵢ·lᵢ`, `out[i] = wᵢ·lᵢ`, `grad[i] = scale·wᵢ·gᵢ`; softmax cross-entropy: the same for rows).
 * Each returns `undefined` when it does not apply, and the caller runs its JS kernel:
 *
 * - the backend is `'js'`, or the module is not loaded yet (browser, async compile running);
 * - `yPred` (and `yTrue`, probability targets) are not `Float32Array`s (float64 inputs keep the
 *   exact float64 JS path);
 * - memory-bound losses (MSE, MAE, Huber, smooth L1) whose inputs are not already in wasm
 *   memory (a `WasmArena`): copying in costs as much as the JS loop, so JS is used — except
 *   the value of an unweighted MSE of {@link MSE_FWD_MIN_COPY} elements or more.
 *
 * Numerics (tested in test/wasm): float64 accumulation everywhere; MSE/MAE/Huber/smooth L1 in
 * float64 lanes (the JS results up to summation order); the transcendental losses in float32
 * lanes (exp, log ≤ 1.5·2⁻²⁴, log1p ≤ 3.5·2⁻²⁴, softplus(−|x|) ≤ 6·2⁻²⁴: a few float32 ulps per
 * element, as PyTorch's float32 kernels); CTC's recursions in float64 lanes (exp, log ≤ 2·2⁻⁵²),
 * so its value and gradient match the JS kernel to ~1e-12.
 *
 * Gradients: a `Float32Array` `grad` is written as float32 by the kernel itself (`*_g32`
 * exports), a `Float64Array` as float64; no conversion pass either way.
 *
 * Copies: an input or output that is not in wasm memory is streamed through a window of one
 * chunk in the scratch area (copied in / out chunk by chunk while the window is in cache), not
 * copied whole.
 *
 * Sums are taken over fixed chunks of {@link CHUNK} elements (rows for cross-entropy) added in
 * order, so results do not depend on how chunks are spread over threads.
 */
import type { FloatArray } from '../tensor.js';
import { Scratch, resident, wasm } from './runtime.js';
import type { WasmExports } from './runtime.js';
import { parallelExecutor } from './parallel.js';

let calls = 0;
/** How many loss calls the WASM kernels computed (tests use it to prove the path ran). */
export function wasmCallCount(): number {
  return calls;
}

/** Elements per chunk of the fixed-order partial sums. */
export const CHUNK = 1 << 16;

export type ElementwiseKind =
  'mse' | 'mae' | 'huber' | 'smoothL1' | 'bceLogits' | 'bceTorch' | 'bceClip' | 'kl' | 'klLog' | 'focal';

/** The kind's index in the kernel module (also read by the shared-memory pool, losskit/node). */
export const KIND: Record<ElementwiseKind, number> = {
  mse: 0,
  mae: 1,
  huber: 2,
  smoothL1: 3,
  bceLogits: 4,
  bceTorch: 5,
  bceClip: 6,
  kl: 7,
  klLog: 8,
  focal: 9,
};
/** Memory-bound kinds: JS unless the inputs are resident; the pool keeps them on one thread. */
export const MEMORY_BOUND: ReadonlySet<ElementwiseKind> = new Set(['mse', 'mae', 'huber', 'smoothL1']);
/**
 * Kinds whose WASM kernel flags the targets' domain: a target outside [0, 1] (or NaN) makes the
 * returned sum NaN, so the definition path may check `yTrue`'s range only after a non-finite sum
 * (one pass less over the data). Every kind propagates NaN / ±Infinity inputs into its sum.
 */
export const FLAGS_TARGET_RANGE: ReadonlySet<ElementwiseKind> = new Set(['bceLogits', 'bceTorch', 'bceClip', 'focal']);

/** Parameters of an element-wise kernel call (p0…p3 as each kind documents). */
export interface ElementwiseCall {
  kind: ElementwiseKind;
  n: number;
  yTrue: FloatArray;
  yPred: FloatArray;
  /** Per-element weights (float64) or null. */
  w: Float64Array | null;
  scale: number;
  out: Float64Array | null;
  grad: FloatArray | null;
  /**
   * huber: [δ]; smoothL1: [β]; bceLogits / bceTorch: [0, 1 − ls, ls/2];
   * bceClip: [eps, 1 − ls, ls/2]; focal: [γ, 1 − ls, ls/2, α (< 0: none)].
   */
  params?: readonly number[];
}

/**
 * From this many elements an unweighted MSE value (no gradient, no per-element output) is
 * computed in WASM with its inputs streamed in, though memory-bound: the WASM loop reads each
 * pair once, from cache, and is faster than the JS loop with the copies included (measured,
 * median per call: 4M float32 3.5 ms against 3.9–5 ms, 16k 22–39 µs against 52–67 µs, 4k 13 µs
 * against 15–19 µs). Smaller calls keep the JS loop (the small-input path unchanged).
 */
export const MSE_FWD_MIN_COPY = 4096;

/** Whether the element-wise WASM kernel takes this call (see the module doc). */
export function usesWasmElementwise(
  c: Pick<ElementwiseCall, 'kind' | 'yTrue' | 'yPred' | 'n'> & Partial<Pick<ElementwiseCall, 'w' | 'out' | 'grad'>>,
): WasmExports | null {
  if (!(c.yPred instanceof Float32Array) || !(c.yTrue instanceof Float32Array) || c.n === 0) return null;
  const ex = wasm();
  if (ex === null) return null;
  if (MEMORY_BOUND.has(c.kind) && !(resident(ex, c.yPred) && resident(ex, c.yTrue))) {
    const mseValue = c.kind === 'mse' && c.w === null && c.out === null && c.grad === null;
    if (!(mseValue && c.n >= MSE_FWD_MIN_COPY)) return null;
  }
  return ex;
}

/** Float typed-array constructors by element size (views of wasm memory for the window copies). */
type View = Float32Array | Float64Array;
function viewOf(ex: WasmExports, like: View): View {
  return like instanceof Float32Array ? new Float32Array(ex.memory.buffer) : new Float64Array(ex.memory.buffer);
}

/**
 * A streamed array: resident arrays are used in place; the others get a window of one chunk in
 * the scratch area, reused for every chunk, so the copies in (inputs) and out (outputs) go
 * through a cache-resident buffer instead of a second full-size array in memory.
 */
interface Stream {
  a: View;
  /** Byte offset of the array (resident) or of its window. */
  ptr: number;
  resident: boolean;
  /** Elements per chunk unit (1 element-wise; C for the rows of cross-entropy). */
  per: number;
}
function stream(ex: WasmExports, s: Scratch, a: View, perChunk: number, per = 1): Stream {
  if (resident(ex, a)) return { a, ptr: a.byteOffset, resident: true, per };
  return { a, ptr: s.alloc(Math.min(a.length, perChunk * per) * a.BYTES_PER_ELEMENT), resident: false, per };
}
/** Byte offset of unit `i` of the stream (the window's start for a non-resident array). */
function at(st: Stream | null, i: number): number {
  if (st === null) return 0;
  return st.resident ? st.ptr + i * st.per * st.a.BYTES_PER_ELEMENT : st.ptr;
}
/** Copies units [i, i + m) of a non-resident input into its window. */
function copyIn(ex: WasmExports, st: Stream | null, i: number, m: number): void {
  if (st === null || st.resident) return;
  const v = viewOf(ex, st.a);
  v.set(st.a.subarray(i * st.per, (i + m) * st.per), st.ptr / st.a.BYTES_PER_ELEMENT);
}
/** Copies units [i, i + m) of a non-resident output out of its window. */
function copyBack(ex: WasmExports, st: Stream | null, i: number, m: number): void {
  if (st === null || st.resident) return;
  const v = viewOf(ex, st.a);
  const p = st.ptr / st.a.BYTES_PER_ELEMENT;
  st.a.set(v.subarray(p, p + m * st.per), i * st.per);
}

/** Runs an element-wise loss in WASM; `undefined` when the JS kernel must run instead. */
export function wasmElementwise(c: ElementwiseCall): number | undefined {
  // Two threads (losskit/node enableThreads) for large calls; undefined when it declines.
  const par = parallelExecutor()?.elementwise(c);
  if (par !== undefined) return par;
  const ex = usesWasmElementwise(c);
  if (ex === null) return undefined;
  const { n, w, out, grad } = c;
  // float32 gradients are written as float32 by the kernel itself (no conversion pass)
  const f = grad instanceof Float32Array ? ex.ew_g32 : ex.ew_g64;
  if (f === null) return undefined;
  const p = c.params ?? [];
  const s = new Scratch();
  const yt = stream(ex, s, c.yTrue, CHUNK);
  const yp = stream(ex, s, c.yPred, CHUNK);
  const sw = w === null ? null : stream(ex, s, w, CHUNK);
  const so = out === null ? null : stream(ex, s, out, CHUNK);
  const sg = grad === null ? null : stream(ex, s, grad, CHUNK);
  if (!s.commit(ex)) return undefined;
  calls++;
  const kind = KIND[c.kind];
  const p0 = p[0] ?? 0,
    p1 = p[1] ?? 1,
    p2 = p[2] ?? 0,
    p3 = p[3] ?? -1;
  let sum = 0;
  for (let i = 0; i < n; i += CHUNK) {
    const m = Math.min(CHUNK, n - i);
    copyIn(ex, yt, i, m);
    copyIn(ex, yp, i, m);
    copyIn(ex, sw, i, m);
    sum += f(kind, m, at(yt, i), at(yp, i), at(sw, i), c.scale, at(so, i), at(sg, i), p0, p1, p2, p3);
    copyBack(ex, so, i, m);
    copyBack(ex, sg, i, m);
  }
  return sum;
}

/** A softmax cross-entropy call over `N` contiguous rows of `C` logits. */
export interface CrossEntropyCall {
  N: number;
  C: number;
  z: FloatArray;
  /** Class indices (validated by the caller), or null with `probs`. */
  labels: FloatArray | null;
  /** Probability targets of `z`'s size, or null with `labels`. */
  probs: FloatArray | null;
  /** Class weights `[C]` or null. */
  cw: FloatArray | null;
  ls: number;
  ignoreIndex: number;
  /** Row weights (float64) or null. */
  w: Float64Array | null;
  scale: number;
  out: Float64Array | null;
  grad: FloatArray | null;
}

/**
 * Below this many logits the JS kernel is as fast (the copies and the call cost ~0.4 µs;
 * measured: 100 logits 2.3 µs JS vs 2.7 µs WASM, 1,000 logits 12.4 vs 8.7 µs).
 */
export const CE_MIN_WASM = 512;

/** Runs softmax cross-entropy in WASM; `undefined` when the JS kernel must run instead. */
export function wasmCrossEntropy(c: CrossEntropyCall): number | undefined {
  const par = parallelExecutor()?.crossEntropy(c);
  if (par !== undefined) return par;
  const { N, C, labels, probs, w, out, grad } = c;
  if (!(c.z instanceof Float32Array) || N * C < CE_MIN_WASM) return undefined;
  if (probs !== null && !(probs instanceof Float32Array)) return undefined;
  if (labels !== null && !(labels instanceof Float32Array || labels instanceof Float64Array)) return undefined;
  const ex = wasm();
  if (ex === null) return undefined;
  const f = grad instanceof Float32Array ? ex.ce_g32 : ex.ce_g64;
  if (f === null) return undefined;
  const s = new Scratch();
  const rows = Math.max(1, Math.floor(CHUNK / C));
  const sz = stream(ex, s, c.z, rows, C);
  const sl = labels === null ? null : stream(ex, s, labels, rows);
  const sp = probs === null ? null : stream(ex, s, probs, rows, C);
  const cw = c.cw === null ? null : c.cw instanceof Float64Array ? c.cw : Float64Array.from(c.cw);
  const pcw = cw === null ? 0 : s.place(ex, cw);
  const sw = w === null ? null : stream(ex, s, w, rows);
  const so = out === null ? null : stream(ex, s, out, rows);
  const sg = grad === null ? null : stream(ex, s, grad, rows, C);
  if (!s.commit(ex)) return undefined;
  calls++;
  const lb = labels === null ? 8 : labels.BYTES_PER_ELEMENT;
  let sum = 0;
  for (let r = 0; r < N; r += rows) {
    const m = Math.min(rows, N - r);
    copyIn(ex, sz, r, m);
    copyIn(ex, sl, r, m);
    copyIn(ex, sp, r, m);
    copyIn(ex, sw, r, m);
    sum += f(
      m,
      C,
      at(sz, r),
      at(sl, r),
      lb,
      at(sp, r),
      pcw,
      c.ls,
      c.ignoreIndex,
      at(sw, r),
      c.scale,
      at(so, r),
      at(sg, r),
    );
    copyBack(ex, so, r, m);
    copyBack(ex, sg, r, m);
  }
  return sum;
}

/** The CTC kernel export: one sequence (see asm/kernels.ts ctcSeq). */
/* eslint-disable max-params */
type CtcExport = (
  lp: number,
  off: number,
  tStride: number,
  T: number,
  C: number,
  ext: number,
  S: number,
  blank: number,
  alpha: number,
  beta: number,
  work: number,
  grad: number,
  g: number,
  pytorchGrad: number,
) => number;
/* eslint-enable max-params */

/** A CTC call over a batch (the layout `ctc`'s prepare step checked; see src/losses/sequence.ts). */
export interface CtcCall {
  /** Log-probabilities `(T, N, C)` (time-major) or `(N, T, C)`. */
  lp: FloatArray;
  T: number;
  N: number;
  C: number;
  timeMajor: boolean;
  blank: number;
  /** Labels; sequence n's are `target[tOff[n] .. tOff[n] + tl[n])`. */
  target: FloatArray;
  tOff: Float64Array;
  tl: Float64Array;
  inputLengths: FloatArray | null;
  /** Per-sequence gradient factor; a sequence with `active[n] === false` is skipped (nll 0). */
  g: Float64Array;
  active: (n: number) => boolean;
  /** Gradient of `lp`'s layout (written whole: frames beyond a sequence's length get 0), or null. */
  grad: FloatArray | null;
  pytorchGrad: boolean;
  /** Largest `Tₙ·(2Lₙ+1)` and `2Lₙ+1`. */
  maxCells: number;
  maxS: number;
}

/** Below this many recursion cells (Σ Tₙ·(2Lₙ+1)) the JS kernel is as fast. */
export const CTC_MIN_WASM = 2048;

/**
 * CTC's forward–backward in WASM for float32 log-probabilities: the negative log-likelihood of
 * each sequence (`+Infinity` when no alignment exists or the target is longer than the input;
 * 0 for inactive sequences), and the gradient written to `grad`. `undefined`: run the JS kernel.
 */
export function wasmCtc(c: CtcCall): Float64Array | undefined {
  const par = parallelExecutor()?.ctc(c);
  if (par !== undefined) return par;
  const { lp, T, N, C, grad } = c;
  if (!(lp instanceof Float32Array)) return undefined;
  let cells = 0;
  for (let n = 0; n < N; n++) cells += (c.inputLengths === null ? T : c.inputLengths[n]) * (2 * c.tl[n] + 1);
  if (cells < CTC_MIN_WASM) return undefined;
  const ex = wasm();
  if (ex === null) return undefined;
  const f = (grad instanceof Float32Array ? ex.raw.ctc_g32 : ex.raw.ctc_g64) as CtcExport | undefined;
  if (typeof f !== 'function') return undefined;
  const s = new Scratch();
  const plp = s.place(ex, lp);
  const ext = s.alloc(c.maxS * 4);
  const alpha = s.alloc(c.maxCells * 8);
  const beta = grad === null ? alpha : s.alloc(c.maxCells * 8);
  const work = s.alloc(4 * (c.maxS + 8) * 8 + (C + 8) * 8);
  const sg = grad === null ? null : stream(ex, s, grad, 1, grad.length);
  if (!s.commit(ex)) return undefined;
  calls++;
  const pg = sg === null ? 0 : at(sg, 0);
  if (grad !== null) viewOf(ex, grad).fill(0, pg / grad.BYTES_PER_ELEMENT, pg / grad.BYTES_PER_ELEMENT + grad.length);
  const extView = new Int32Array(ex.memory.buffer, ext, c.maxS);
  const tStride = c.timeMajor ? N * C : C;
  const nll = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    if (!c.active(n)) continue;
    const L = c.tl[n];
    const Tn = c.inputLengths === null ? T : c.inputLengths[n];
    if (L > Tn) {
      nll[n] = Infinity;
      continue;
    }
    const S = 2 * L + 1;
    const o = c.tOff[n];
    for (let k = 0; k < S; k++) extView[k] = k % 2 === 0 ? c.blank : c.target[o + ((k - 1) >> 1)];
    const off = c.timeMajor ? n * C : n * T * C;
    nll[n] = f(plp, off, tStride, Tn, C, ext, S, c.blank, alpha, beta, work, pg, c.g[n], c.pytorchGrad ? 1 : 0);
  }
  copyBack(ex, sg, 0, 1);
  return nll;
}
