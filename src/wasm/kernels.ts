/**
 * JS-facing WASM kernels with the contracts of the JS kernels in `src/losses` (element-wise:
 * `Σ wᵢ·lᵢ`, `out[i] = wᵢ·lᵢ`, `grad[i] = scale·wᵢ·gᵢ`; softmax cross-entropy: the same for rows).
 * Each returns `undefined` when it does not apply, and the caller runs its JS kernel:
 *
 * - the backend is `'js'`, or the module is not loaded yet (browser, async compile running);
 * - `yPred` (and `yTrue`, probability targets) are not `Float32Array`s (float64 inputs keep the
 *   exact float64 JS path);
 * - memory-bound losses (MSE, MAE, Huber, smooth L1) whose inputs are not already in wasm
 *   memory (a `WasmArena`): copying in costs as much as the JS loop, so JS is used.
 *
 * Numerics (tested in test/wasm): float64 accumulation everywhere; MSE/MAE/Huber/smooth L1 in
 * float64 lanes (the JS results up to summation order); the transcendental losses in float32
 * lanes (exp, log ≤ 1.4 ulp, log1p ≤ 3.1 ulp: a few float32 ulps per element, as PyTorch's
 * float32 kernels).
 *
 * Sums are taken over fixed chunks of {@link CHUNK} elements (rows for cross-entropy) added in
 * order, so results do not depend on how chunks are spread over threads.
 */
import type { FloatArray } from '../tensor.js';
import { Scratch, copyOut, resident, wasm } from './runtime.js';
import type { WasmExports } from './runtime.js';

let calls = 0;
/** How many loss calls the WASM kernels computed (tests use it to prove the path ran). */
export function wasmCallCount(): number {
  return calls;
}

/** Elements per chunk of the fixed-order partial sums. */
export const CHUNK = 1 << 16;

export type ElementwiseKind =
  'mse' | 'mae' | 'huber' | 'smoothL1' | 'bceLogits' | 'bceTorch' | 'bceClip' | 'kl' | 'klLog' | 'focal';

const KIND: Record<ElementwiseKind, number> = {
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
const MEMORY_BOUND: ReadonlySet<ElementwiseKind> = new Set(['mse', 'mae', 'huber', 'smoothL1']);

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

/** Whether the element-wise WASM kernel takes this call (see the module doc). */
export function usesWasmElementwise(c: Pick<ElementwiseCall, 'kind' | 'yTrue' | 'yPred' | 'n'>): WasmExports | null {
  if (!(c.yPred instanceof Float32Array) || !(c.yTrue instanceof Float32Array) || c.n === 0) return null;
  const ex = wasm();
  if (ex === null) return null;
  if (MEMORY_BOUND.has(c.kind) && !(resident(ex, c.yPred) && resident(ex, c.yTrue))) return null;
  return ex;
}

/** Runs an element-wise loss in WASM; `undefined` when the JS kernel must run instead. */
export function wasmElementwise(c: ElementwiseCall): number | undefined {
  const ex = usesWasmElementwise(c);
  if (ex === null) return undefined;
  const { n, w, out, grad } = c;
  // A float32 gradient from a build without `ew_g32`: the float64 kernel, rounded on the way out.
  const f = (grad instanceof Float32Array ? ex.ew_g32 : null) ?? ex.ew_g64;
  const gb = grad === null || f === ex.ew_g64 ? 8 : 4;
  const p = c.params ?? [];
  const s = new Scratch();
  const yt = s.place(ex, c.yTrue);
  const yp = s.place(ex, c.yPred);
  const pw = w === null ? 0 : s.place(ex, w);
  const po = out === null ? 0 : resident(ex, out) ? out.byteOffset : s.alloc(n * 8);
  const pg =
    grad === null ? 0 : resident(ex, grad) && grad.BYTES_PER_ELEMENT === gb ? grad.byteOffset : s.alloc(n * gb);
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
    sum += f(
      kind,
      m,
      yt + 4 * i,
      yp + 4 * i,
      pw === 0 ? 0 : pw + 8 * i,
      c.scale,
      po === 0 ? 0 : po + 8 * i,
      pg === 0 ? 0 : pg + gb * i,
      p0,
      p1,
      p2,
      p3,
    );
  }
  if (out !== null) copyOut(ex, po, out);
  if (grad !== null) copyGrad(ex, pg, grad, gb);
  return sum;
}

/** Copies a gradient of `bytes`-wide floats out of wasm memory (float64 → float32 rounds once). */
function copyGrad(ex: WasmExports, ptr: number, grad: FloatArray, bytes: number): void {
  if (bytes === grad.BYTES_PER_ELEMENT) copyOut(ex, ptr, grad);
  else grad.set(new Float64Array(ex.memory.buffer, ptr, grad.length));
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
  const { N, C, labels, probs, w, out, grad } = c;
  if (!(c.z instanceof Float32Array) || N * C < CE_MIN_WASM) return undefined;
  if (probs !== null && !(probs instanceof Float32Array)) return undefined;
  if (labels !== null && !(labels instanceof Float32Array || labels instanceof Float64Array)) return undefined;
  const ex = wasm();
  if (ex === null) return undefined;
  // A float32 gradient from a build without `ce_g32`: the float64 kernel, rounded on the way out.
  const f = (grad instanceof Float32Array ? ex.ce_g32 : null) ?? ex.ce_g64;
  const s = new Scratch();
  const pz = s.place(ex, c.z);
  const pl = labels === null ? 0 : s.place(ex, labels);
  const pp = probs === null ? 0 : s.place(ex, probs);
  const cw = c.cw === null ? null : c.cw instanceof Float64Array ? c.cw : Float64Array.from(c.cw);
  const pcw = cw === null ? 0 : s.place(ex, cw);
  const pw = w === null ? 0 : s.place(ex, w);
  const po = out === null ? 0 : resident(ex, out) ? out.byteOffset : s.alloc(N * 8);
  const gb = grad === null || f === ex.ce_g64 ? 8 : 4;
  const pg =
    grad === null ? 0 : resident(ex, grad) && grad.BYTES_PER_ELEMENT === gb ? grad.byteOffset : s.alloc(N * C * gb);
  if (!s.commit(ex)) return undefined;
  calls++;
  const lb = labels === null ? 8 : labels.BYTES_PER_ELEMENT;
  const rows = Math.max(1, Math.floor(CHUNK / C));
  let sum = 0;
  for (let r = 0; r < N; r += rows) {
    const m = Math.min(rows, N - r);
    sum += f(
      m,
      C,
      pz + 4 * r * C,
      pl === 0 ? 0 : pl + lb * r,
      lb,
      pp === 0 ? 0 : pp + 4 * r * C,
      pcw,
      c.ls,
      c.ignoreIndex,
      pw === 0 ? 0 : pw + 8 * r,
      c.scale,
      po === 0 ? 0 : po + 8 * r,
      pg === 0 ? 0 : pg + gb * r * C,
    );
  }
  if (out !== null) copyOut(ex, po, out);
  if (grad !== null) copyGrad(ex, pg, grad, gb);
  return sum;
}
