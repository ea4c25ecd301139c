/**
 * Multiclass classification losses: softmax cross-entropy on logits (PyTorch and Keras/tfjs
 * dialects), negative log-likelihood on log-probabilities, the seed's cross-entropy with a
 * prior-KL regulariser, categorical focal loss and categorical hinge.
 *
 * Layout. A class-probability tensor is viewed as `outer × C × inner`: the class axis has
 * length `C`, `outer` is the product of the dimensions before it and `inner` of those after.
 * PyTorch puts classes on axis 1 (`[N, C, d1, …]`, so `outer = N`, `inner = d1·…`; a 1-D
 * `[C]` input is one unbatched sample); Keras and tfjs put them last (`[N, C]`, `[N, T, C]`,
 * so `inner = 1`). One loss element per `(outer, inner)` position; reductions, sample
 * weights and the `'mean'` denominators come from the shared reducer (`reduce.ts`).
 *
 * Kernels are fused: per loss element one pass for the max, one for Σ exp (storing the
 * exponentials in the gradient buffer) and one writing the gradient — no allocation per row.
 */
import { LosskitError, describe, fmtShape } from '../errors.js';
import { expNonPositive } from '../fastexp.js';
import type { ReducerMode, ReductionPlan } from '../reduce.js';
import { finishReduction } from '../reduce.js';
import type { FloatArray, Shape, Tensor, TensorInput } from '../tensor.js';
import { shapesEqual, sizeOf, tensor } from '../tensor.js';
import { checkClassLabels, checkClassWeight, checkNumberOption } from '../validate.js';
import type { Domains, Inputs, LossMeta, OptionSchema, Prepared, PreparedRun } from './define.js';
import { bool, loss, num, oneOf, tensorOption } from './define.js';
import { KERAS_EPSILON, KERAS_REDUCED as KERAS_DEFAULTS, TFJS_SOFTMAX_CE } from './dialects.js';
import type { LossEntry } from './registry-types.js';
import { wasmCrossEntropy } from '../wasm/slot.js';

// ---------------------------------------------------------------------------------------------
// Layout helpers
// ---------------------------------------------------------------------------------------------

/** `outer × C × inner` view of a tensor around its class axis. */
export interface ClassLayout {
  readonly outer: number;
  readonly C: number;
  readonly inner: number;
  /** Shape of the loss elements: the tensor's shape without the class axis. */
  readonly lossShape: Shape;
}

/** The layout of `shape` around class axis `axis` (already non-negative and in range). */
export function classLayout(shape: Shape, axis: number): ClassLayout {
  let outer = 1;
  let inner = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d];
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  return { outer, C: shape[axis], inner, lossShape: [...shape.slice(0, axis), ...shape.slice(axis + 1)] };
}

/** Resolves a Keras-style `axis` option (default −1) against a rank. */
function resolveAxis(fn: string, axis: unknown, rank: number): number {
  if (rank === 0) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'yPred' is a scalar; expected at least one dimension (the class axis)`,
      'yPred',
    );
  }
  const a = axis === undefined ? -1 : checkNumberOption(fn, 'axis', axis, { integer: true, min: -rank, max: rank - 1 });
  return a < 0 ? a + rank : a;
}

type Target = { kind: 'index'; labels: FloatArray } | { kind: 'probs'; probs: FloatArray };

/** Which kind of target `yTrue` is for `yPred` with class axis `axis` (PyTorch's rule: same
 * shape → probabilities, shape without the class axis → class indices). */
function resolveTarget(fn: string, yTrue: Tensor, yPred: Tensor, axis: number, squeezeTrailingOne = false): Target {
  if (shapesEqual(yTrue.shape, yPred.shape)) return { kind: 'probs', probs: yTrue.data };
  const idxShape = [...yPred.shape.slice(0, axis), ...yPred.shape.slice(axis + 1)];
  if (shapesEqual(yTrue.shape, idxShape)) return { kind: 'index', labels: yTrue.data };
  // Keras's sparse losses accept labels [N, 1] for yPred [N, C] (squeezed).
  if (
    squeezeTrailingOne &&
    yTrue.shape.length === idxShape.length + 1 &&
    yTrue.shape[yTrue.shape.length - 1] === 1 &&
    shapesEqual(yTrue.shape.slice(0, -1), idxShape)
  ) {
    return { kind: 'index', labels: yTrue.data };
  }
  throw new LosskitError(
    'SHAPE_MISMATCH',
    fn,
    `'yTrue' has shape ${fmtShape(yTrue.shape)} but 'yPred' has shape ${fmtShape(yPred.shape)}; expected ${fmtShape(idxShape)} (class indices) or ${fmtShape(yPred.shape)} (probabilities)`,
    'yTrue',
  );
}

/** PyTorch's 'mean' denominator weights for index targets: w[y] (1 without class weights), 0 when
 * ignored. `null` when every element counts 1 (no class weights, nothing ignored). */
function indexNormWeights(labels: FloatArray, cw: FloatArray | null, ignoreIndex: number): Float64Array | null {
  const n = labels.length;
  let anyIgnored = false;
  if (cw === null) {
    for (let i = 0; i < n; i++)
      if (labels[i] === ignoreIndex) {
        anyIgnored = true;
        break;
      }
    if (!anyIgnored) return null;
  }
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    v[i] = y === ignoreIndex ? 0 : cw === null ? 1 : cw[y];
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Kernels
// ---------------------------------------------------------------------------------------------

/** Arguments of {@link softmaxCrossEntropyRows}. */
export interface SoftmaxCrossEntropyRowsArgs {
  N: number;
  C: number;
  z: FloatArray;
  labels: FloatArray;
  ignoreIndex: number;
  w: Float64Array | null;
  scale: number;
  out: Float64Array | null;
  /** Written once per element (float32 or float64: the dtype rule of `define.ts`). */
  grad: FloatArray | null;
}

/**
 * Softmax cross-entropy fast path: `N` contiguous rows of `C` logits, integer targets, no class
 * weights, no label smoothing. Per row: `l = log Σ exp(z − m) − (z_y − m)`,
 * `∂l/∂z_c = softmax(z)_c − [c = y]`. Returns `Σ wᵢ·lᵢ`; writes `out[i] = wᵢ·lᵢ` and
 * `grad = scale·wᵢ·∂lᵢ/∂z` when given. Rows whose label equals `ignoreIndex` contribute 0.
 */
export function softmaxCrossEntropyRows({
  N,
  C,
  z,
  labels,
  ignoreIndex,
  w,
  scale,
  out,
  grad,
}: SoftmaxCrossEntropyRowsArgs): number {
  // exp(z − m) of a row is kept in float64 and the gradient computed from it: in place in a
  // float64 gradient (reading it back is exact), else in a float64 row, from which a float32
  // gradient is written once (the float64 value rounded once; no cancellation in p_y − 1).
  const g64 = grad instanceof Float64Array ? grad : null;
  const row = grad === null || g64 !== null ? null : new Float64Array(C);
  let total = 0;
  // A −∞ logit would vanish from the sum (exp(−∞) = 0): flagged by a NaN result (kernelFlags),
  // tested only where exp(z − m) is 0.
  let negInf = false;
  for (let r = 0, base = 0; r < N; r++, base += C) {
    const y = labels[r];
    const end = base + C;
    if (y === ignoreIndex) {
      if (out !== null) out[r] = 0;
      if (grad !== null) grad.fill(0, base, end);
      for (let q = base; q < end; q++) if (!(z[q] - z[q] === 0)) negInf = true; // an ignored row too
      continue;
    }
    // Two independent maxima / sums: shorter dependency chains (~15% faster).
    let m0 = z[base];
    let m1 = m0;
    let j = base + 1;
    for (; j + 1 < end; j += 2) {
      const a = z[j];
      const b = z[j + 1];
      if (a > m0) m0 = a;
      if (b > m1) m1 = b;
    }
    if (j < end && z[j] > m0) m0 = z[j];
    const m = m0 > m1 ? m0 : m1;
    let s0 = 0;
    let s1 = 0;
    j = base;
    if (g64 !== null) {
      for (; j + 1 < end; j += 2) {
        const t0 = z[j] - m;
        const t1 = z[j + 1] - m;
        const e0 = expNonPositive(t0);
        const e1 = expNonPositive(t1);
        g64[j] = e0;
        g64[j + 1] = e1;
        s0 += e0;
        if (e0 === 0 && t0 === -Infinity) negInf = true;
        s1 += e1;
        if (e1 === 0 && t1 === -Infinity) negInf = true;
      }
      if (j < end) {
        const t = z[j] - m;
        const e = expNonPositive(t);
        g64[j] = e;
        s0 += e;
        if (e === 0 && t === -Infinity) negInf = true;
      }
    } else if (row !== null) {
      // The same two sums as above (the value must not depend on the gradient's dtype).
      for (; j + 1 < end; j += 2) {
        const t0 = z[j] - m;
        const t1 = z[j + 1] - m;
        const e0 = expNonPositive(t0);
        const e1 = expNonPositive(t1);
        row[j - base] = e0;
        row[j + 1 - base] = e1;
        s0 += e0;
        s1 += e1;
        if (e0 === 0 && t0 === -Infinity) negInf = true;
        if (e1 === 0 && t1 === -Infinity) negInf = true;
      }
      if (j < end) {
        const t = z[j] - m;
        const e = expNonPositive(t);
        row[j - base] = e;
        s0 += e;
        if (e === 0 && t === -Infinity) negInf = true;
      }
    } else {
      for (; j + 1 < end; j += 2) {
        const t0 = z[j] - m;
        const t1 = z[j + 1] - m;
        const e0 = expNonPositive(t0);
        const e1 = expNonPositive(t1);
        s0 += e0;
        s1 += e1;
        if (e0 === 0 && t0 === -Infinity) negInf = true;
        if (e1 === 0 && t1 === -Infinity) negInf = true;
      }
      if (j < end) {
        const t = z[j] - m;
        const e = expNonPositive(t);
        s0 += e;
        if (e === 0 && t === -Infinity) negInf = true;
      }
    }
    const s = s0 + s1;
    const l = Math.log(s) - (z[base + y] - m);
    const wi = w === null ? 1 : w[r];
    total += wi * l;
    if (out !== null) out[r] = wi * l;
    if (grad !== null) {
      const g = scale * wi;
      const k = g / s;
      if (g64 !== null) {
        for (let q = base; q < end; q++) g64[q] *= k;
        g64[base + y] -= g;
      } else if (row !== null) {
        for (let c = 0; c < C; c++) grad[base + c] = row[c] * k;
        grad[base + y] = row[y] * k - g;
      }
    }
  }
  return negInf ? NaN : total;
}

/** Arguments of {@link softmaxCrossEntropyKernel}. */
export interface SoftmaxCrossEntropyKernelArgs {
  outer: number;
  C: number;
  inner: number;
  z: FloatArray;
  labels: FloatArray | null;
  probs: FloatArray | null;
  cw: FloatArray | null;
  ls: number;
  ignoreIndex: number;
  w: Float64Array | null;
  scale: number;
  out: Float64Array | null;
  /** Written once per element (float32 or float64: the dtype rule of `define.ts`). */
  grad: FloatArray | null;
}

/**
 * General softmax cross-entropy kernel over `outer × C × inner` logits. Each loss element
 * has per-class coefficients `a_c` and `lᵢ = Σ_c a_c·(−log softmax(z)_c)`, so
 * `∂lᵢ/∂z_c = A·softmax(z)_c − a_c` with `A = Σ_c a_c`:
 * - index target y: `a_c = (1−ls)·w_y·[c = y] + (ls/C)·w_c` (PyTorch's label smoothing with
 *   class weights `w`, 1 when absent); ignored targets give `lᵢ = 0` and a zero gradient;
 * - probability target t: `a_c = w_c·((1−ls)·t_c + ls/C)`.
 */
export function softmaxCrossEntropyKernel({
  outer,
  C,
  inner,
  z,
  labels,
  probs,
  cw,
  ls,
  ignoreIndex,
  w,
  scale,
  out,
  grad,
}: SoftmaxCrossEntropyKernelArgs): number {
  const row = grad === null ? null : new Float64Array(C);
  let lo = Infinity; // the smallest logit: −∞ would vanish from the sum (flagged, see kernelFlags)
  const rowStride = C * inner;
  const lsC = ls / C;
  let total = 0;
  let i = 0;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++, i++) {
      const base = o * rowStride + k;
      const end = base + rowStride;
      let y = -1;
      if (labels !== null) {
        y = labels[i];
        if (y === ignoreIndex) {
          if (out !== null) out[i] = 0;
          if (grad !== null) for (let j = base; j < end; j += inner) grad[j] = 0;
          for (let j = base; j < end; j += inner) if (!(z[j] - z[j] === 0)) lo = -Infinity; // flagged too
          continue;
        }
      }
      let m = z[base];
      for (let j = base + inner; j < end; j += inner) {
        const v = z[j];
        if (v > m) m = v;
        if (v < lo) lo = v;
      }
      if (z[base] < lo) lo = z[base];
      let s = 0;
      if (row !== null) {
        for (let c = 0, j = base; c < C; c++, j += inner) {
          const e = expNonPositive(z[j] - m);
          row[c] = e;
          s += e;
        }
      } else {
        for (let j = base; j < end; j += inner) s += expNonPositive(z[j] - m);
      }
      const logS = Math.log(s);
      let l = 0;
      let A = 0;
      let ay = 0;
      if (labels !== null) {
        ay = (1 - ls) * (cw === null ? 1 : cw[y]);
        l = ay * (logS - (z[base + y * inner] - m));
        A = ay;
        if (ls !== 0) {
          for (let c = 0, j = base; c < C; c++, j += inner) {
            const a = lsC * (cw === null ? 1 : cw[c]);
            l += a * (logS - (z[j] - m));
            A += a;
          }
        }
      } else if (probs !== null) {
        for (let c = 0, j = base; c < C; c++, j += inner) {
          const a = (cw === null ? 1 : cw[c]) * (ls === 0 ? probs[j] : probs[j] * (1 - ls) + lsC);
          l += a * (logS - (z[j] - m));
          A += a;
        }
      }
      const wi = w === null ? 1 : w[i];
      total += wi * l;
      if (out !== null) out[i] = wi * l;
      if (grad !== null && row !== null) {
        // Written once per element from the float64 row (see softmaxCrossEntropyRows).
        const g = scale * wi;
        const kA = (g * A) / s;
        if (labels !== null) {
          if (ls === 0) {
            for (let c = 0, j = base; c < C; c++, j += inner) grad[j] = row[c] * kA;
          } else {
            for (let c = 0, j = base; c < C; c++, j += inner)
              grad[j] = row[c] * kA - g * lsC * (cw === null ? 1 : cw[c]);
          }
          grad[base + y * inner] = row[y] * kA - (ls === 0 ? 0 : g * lsC * (cw === null ? 1 : cw[y])) - g * ay;
        } else if (probs !== null) {
          for (let c = 0, j = base; c < C; c++, j += inner) {
            const a = (cw === null ? 1 : cw[c]) * (ls === 0 ? probs[j] : probs[j] * (1 - ls) + lsC);
            grad[j] = row[c] * kA - g * a;
          }
        }
      }
    }
  }
  return lo === -Infinity ? NaN : total;
}

/** Arguments of {@link nllKernel}. */
export interface NllKernelArgs {
  outer: number;
  C: number;
  inner: number;
  x: FloatArray;
  labels: FloatArray;
  cw: FloatArray | null;
  ignoreIndex: number;
  w: Float64Array | null;
  scale: number;
  out: Float64Array | null;
  /** Zero-filled, then written once at each target (float32 or float64). */
  grad: FloatArray | null;
}

/**
 * Negative log-likelihood kernel: `lᵢ = −w_y·x[y]` over `outer × C × inner` log-probabilities,
 * gradient `−scale·wᵢ·w_y` at the target's position and 0 elsewhere.
 */
export function nllKernel({ outer, C, inner, x, labels, cw, ignoreIndex, w, scale, out, grad }: NllKernelArgs): number {
  if (grad !== null) grad.fill(0);
  const rowStride = C * inner;
  let total = 0;
  let i = 0;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++, i++) {
      const y = labels[i];
      if (y === ignoreIndex) {
        if (out !== null) out[i] = 0;
        continue;
      }
      const j = o * rowStride + y * inner + k;
      const wy = cw === null ? 1 : cw[y];
      const wi = w === null ? 1 : w[i];
      const l = -wy * x[j];
      total += wi * l;
      if (out !== null) out[i] = wi * l;
      if (grad !== null) grad[j] = -scale * wi * wy;
    }
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// crossEntropy / nllLoss (PyTorch)
// ---------------------------------------------------------------------------------------------

/** Options of the PyTorch cross-entropy family. */
const CE = {
  weight: /* @__PURE__ */ tensorOption(),
  ignoreIndex: /* @__PURE__ */ num({ integer: true, default: -100 }),
  labelSmoothing: /* @__PURE__ */ num({ min: 0, max: 1, default: 0 }),
};

/**
 * CE's options and `extra`. A call, not `{ ...CE, … }` in place: a bundler cannot prove a
 * spread free of side effects, and would keep the loss that has it in every bundle.
 */
function withCE<E extends object>(extra: E): typeof CE & E {
  return { ...CE, ...extra };
}

/** What PyTorch class losses are: class axis 1, ignoreIndex −100, the class-weighted mean. */
const TORCH_CLASS = (input: 'logits' | 'logProbabilities'): LossMeta => ({
  input,
  target: 'classes',
  classAxis: 1,
  ignoreIndex: -100,
  meanDenominator: 'targetClassWeight',
});

/** Everything a softmax-cross-entropy call needs once validated. */
interface CEPrepared {
  yPred: Tensor;
  layout: ClassLayout;
  target: Target;
  cw: FloatArray | null;
  ls: number;
  ignoreIndex: number;
  normWeights: Float64Array | null;
}

/** Validates crossEntropy-style inputs (PyTorch layout: class axis 1, or 0 unbatched). */
function prepareCrossEntropy({ fn, options, reduction, yTrue, yPred }: Inputs<typeof CE>): CEPrepared {
  const { ignoreIndex, labelSmoothing: ls } = options;
  if (yPred.shape.length === 0) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'yPred' is a scalar; expected logits [C], [N, C] or [N, C, d1, …]`,
      'yPred',
    );
  }
  const axis = yPred.shape.length === 1 ? 0 : 1;
  const layout = classLayout(yPred.shape, axis);
  const target = resolveTarget(fn, yTrue, yPred, axis);
  const cw = checkClassWeight(fn, options.weight, layout.C);
  let normWeights: Float64Array | null = null;
  if (target.kind === 'index') {
    checkClassLabels(fn, 'yTrue', yTrue, layout.C, ignoreIndex);
    if (reduction === 'mean') normWeights = indexNormWeights(target.labels, cw, ignoreIndex);
  }
  return { yPred, layout, target, cw, ls, ignoreIndex, normWeights };
}

/** Runs the softmax cross-entropy kernel for a prepared call under a plan; returns Σwᵢlᵢ. */
function runCrossEntropy(p: CEPrepared, plan: ReductionPlan, grad: FloatArray | null): PreparedRun {
  const { layout, target } = p;
  const out = plan.reduction === 'none' ? new Float64Array(sizeOf(layout.lossShape)) : null;
  const args = {
    z: p.yPred.data,
    labels: target.kind === 'index' ? target.labels : null,
    probs: target.kind === 'probs' ? target.probs : null,
    cw: p.cw,
    ls: p.ls,
    ignoreIndex: p.ignoreIndex,
    w: plan.weights,
    scale: plan.gradScale,
    out,
    grad,
  };
  // WASM SIMD kernel for float32 logits with the class axis last (src/wasm); else the JS kernels.
  const fast = layout.inner === 1 ? wasmCrossEntropy({ N: layout.outer, C: layout.C, ...args }) : undefined;
  let sum: number;
  if (fast !== undefined) {
    sum = fast;
  } else if (target.kind === 'index' && layout.inner === 1 && p.cw === null && p.ls === 0) {
    sum = softmaxCrossEntropyRows({
      N: layout.outer,
      C: layout.C,
      z: p.yPred.data,
      labels: target.labels,
      ignoreIndex: p.ignoreIndex,
      w: plan.weights,
      scale: plan.gradScale,
      out,
      grad,
    });
  } else {
    sum = softmaxCrossEntropyKernel({ outer: layout.outer, C: layout.C, inner: layout.inner, ...args });
  }
  // Both kernels flag a NaN or ±∞ logit by a NaN sum (kernelFlags: ['real']; the WASM kernel tests
  // every row, ignored ones included): the constructor explains it only then.
  return { sum, perElement: out };
}

/**
 * Softmax cross-entropy on logits (PyTorch `F.cross_entropy`).
 *
 * With `p = softmax(z)` over the class axis (axis 1; axis 0 for an unbatched `[C]` input):
 * - class-index target `y`: `lᵢ = (1−ls)·w_y·(−log p_y) + (ls/C)·Σ_c w_c·(−log p_c)`;
 * - probability target `t` (same shape as `yPred`): `lᵢ = −Σ_c w_c·((1−ls)·t_c + ls/C)·log p_c`.
 *
 * Gradient: `∂lᵢ/∂z_c = A·p_c − a_c` where `a_c` is the coefficient of `−log p_c` above and
 * `A = Σ_c a_c` (e.g. `p_c − [c = y]` in the plain case). Computed stably (log-sum-exp with max
 * subtraction): logits of ±1e9 give finite values and gradients.
 *
 * - Shapes: `yPred` logits `[C]`, `[N, C]` or `[N, C, d1, …]`; `yTrue` class indices `[]`, `[N]`
 *   or `[N, d1, …]` (any numeric array; integers in `[0, C)` or `ignoreIndex`), or probabilities
 *   of `yPred`'s shape. `'none'` returns `[N, d1, …]` (`[]` unbatched).
 * - Options: `reduction` (default `'mean'`: for index targets the weighted mean
 *   `Σ sᵢ·lᵢ / Σ sᵢ·w_{yᵢ}` over counted targets, PyTorch's rule; for probability targets the
 *   plain mean over `N·d1·…`; see `reduce.ts`), `weight` (`[C]` class weights), `ignoreIndex`
 *   (default −100; index targets only), `labelSmoothing` (default 0, in [0, 1]), `sampleWeight`.
 *   Every target ignored: `'mean'` is `NaN` with a zero gradient, as in PyTorch.
 * - Equivalents: PyTorch `F.cross_entropy` / `nn.CrossEntropyLoss`. Keras's
 *   `categorical_crossentropy` (probabilities, class axis last) and `sparse_categorical_crossentropy`
 *   are the aliases of the same names; tfjs `tf.losses.softmaxCrossEntropy` is `softmaxCrossEntropy`.
 *
 * @example crossEntropy([0, 2], [[2, 1, 0], [0, 0, 3]]) // ≈ 0.251264
 * @example crossEntropy.valueAndGrad([1], [[0, 0]]).grad.data // [0.5, -0.5]
 */
export const crossEntropy = /* @__PURE__ */ loss({
  name: 'crossEntropy',
  options: CE,
  meta: /* @__PURE__ */ TORCH_CLASS('logits'),
  // The kernels' sums are NaN for any NaN / ±Infinity logit (−∞ through the row minimum).
  kernelFlags: ['real'],
  layout: {
    kind: 'prepared',
    prepare: (inputs): Prepared => {
      const p = prepareCrossEntropy(inputs);
      return {
        lossShape: p.layout.lossShape,
        normWeights: p.normWeights,
        gradWrites: 'once',
        run: (plan, grad) => runCrossEntropy(p, plan, grad),
      };
    },
  },
});

/**
 * Negative log-likelihood on log-probabilities (PyTorch `F.nll_loss`).
 *
 * `lᵢ = −w_{yᵢ}·x[i, yᵢ]`, where `x` holds log-probabilities (e.g. `log_softmax` output);
 * gradient `−w_{yᵢ}` at the target class, 0 elsewhere.
 *
 * - Shapes: `yPred` `[C]`, `[N, C]` or `[N, C, d1, …]`; `yTrue` integer class indices `[]`, `[N]`
 *   or `[N, d1, …]`. `'none'` returns `yTrue`'s shape.
 * - Options: `reduction` (default `'mean'`: `Σ sᵢ·lᵢ / Σ sᵢ·w_{yᵢ}` over counted targets; see
 *   `reduce.ts`), `weight` (`[C]`), `ignoreIndex` (default −100), `sampleWeight`.
 * - Equivalents: PyTorch `F.nll_loss` / `nn.NLLLoss`.
 *
 * @example nllLoss([1], [[-0.1, -2.3]]) // 2.3
 */
export const nllLoss = /* @__PURE__ */ loss({
  name: 'nllLoss',
  options: {
    weight: /* @__PURE__ */ tensorOption(),
    ignoreIndex: /* @__PURE__ */ num({ integer: true, default: -100 }),
  },
  meta: /* @__PURE__ */ TORCH_CLASS('logProbabilities'),
  layout: {
    kind: 'prepared',
    prepare: ({ fn, options: { ignoreIndex, weight }, reduction, yTrue, yPred }): Prepared => {
      if (yPred.shape.length === 0) {
        throw new LosskitError(
          'SHAPE_MISMATCH',
          fn,
          `'yPred' is a scalar; expected log-probabilities [C], [N, C] or [N, C, d1, …]`,
          'yPred',
        );
      }
      const axis = yPred.shape.length === 1 ? 0 : 1;
      const layout = classLayout(yPred.shape, axis);
      if (!shapesEqual(yTrue.shape, layout.lossShape)) {
        throw new LosskitError(
          'SHAPE_MISMATCH',
          fn,
          `'yTrue' has shape ${fmtShape(yTrue.shape)} but 'yPred' has shape ${fmtShape(yPred.shape)}; expected ${fmtShape(layout.lossShape)} (class indices)`,
          'yTrue',
        );
      }
      checkClassLabels(fn, 'yTrue', yTrue, layout.C, ignoreIndex);
      const cw = checkClassWeight(fn, weight, layout.C);
      return {
        lossShape: layout.lossShape,
        normWeights: reduction === 'mean' ? indexNormWeights(yTrue.data, cw, ignoreIndex) : null,
        gradWrites: 'once',
        run: (plan, grad) => {
          const out = plan.reduction === 'none' ? new Float64Array(sizeOf(layout.lossShape)) : null;
          const sum = nllKernel({
            outer: layout.outer,
            C: layout.C,
            inner: layout.inner,
            x: yPred.data,
            labels: yTrue.data,
            cw,
            ignoreIndex,
            w: plan.weights,
            scale: plan.gradScale,
            out,
            grad,
          });
          return { sum, perElement: out };
        },
      };
    },
  },
});

// ---------------------------------------------------------------------------------------------
// crossEntropyWithPriorKL — the seed's third formula
// ---------------------------------------------------------------------------------------------

/** Resolves and checks the prior: `C` finite non-negative numbers summing to 1 (±1e-6). */
function resolvePrior(fn: string, prior: TensorInput | undefined, C: number): Float64Array {
  if (prior === undefined) return new Float64Array(C).fill(1 / C);
  const p = tensor(prior, undefined, fn, 'prior');
  if (p.shape.length !== 1 || p.shape[0] !== C) {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'prior' has shape ${fmtShape(p.shape)}; expected [${C}] (one probability per class)`,
      'prior',
    );
  }
  let sum = 0;
  for (let j = 0; j < C; j++) {
    const v = p.data[j];
    if (!(v >= 0) || !Number.isFinite(v)) {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'prior' must hold finite probabilities >= 0; received ${describe(v)} at index [${j}]`,
        'prior',
      );
    }
    sum += v;
  }
  if (Math.abs(sum - 1) > 1e-6) {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'prior' must sum to 1 (within 1e-6); received values summing to ${sum}`,
      'prior',
    );
  }
  return Float64Array.from(p.data);
}

/** Arguments of {@link priorKLKernel}. */
export interface PriorKLKernelArgs {
  outer: number;
  C: number;
  inner: number;
  z: FloatArray;
  prior: Float64Array;
  batchMean: boolean;
  lam: number;
  grad: Float64Array | null;
}

/**
 * The KL term of {@link crossEntropyWithPriorKL} over `outer × C × inner` logits: returns
 * `Σ_j p_j·log(p_j/q_j)` and adds `lam·∂/∂z` of it to `grad` (when given).
 *
 * - `'batch-mean'`: `q = (1/M)·Σᵢ softmax(zᵢ)` over the M positions. With `r_j = p_j/q_j`,
 *   `∂/∂z_ik (−Σ_j p_j log q_j) = −(1/M)·s_ik·(r_k − Σ_j r_j·s_ij)` — the term couples the samples.
 * - `'per-sample'`: `(1/M)·Σᵢ Σ_j p_j·log(p_j/s_ij)`, gradient `(1/M)·(s_ik − p_k)` (Σ p = 1).
 *
 * Two passes over the logits, one scratch row of `C` values; no other allocation.
 */
export function priorKLKernel({ outer, C, inner, z, prior, batchMean, lam, grad }: PriorKLKernelArgs): number {
  const M = outer * inner;
  const rowStride = C * inner;
  let plogp = 0;
  for (let j = 0; j < C; j++) if (prior[j] > 0) plogp += prior[j] * Math.log(prior[j]);
  const q = new Float64Array(C);
  let klSum = 0;
  // Pass 1: softmax of each position; accumulate q (batch-mean) or Σ_j p_j·log s_ij (per-sample).
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      const base = o * rowStride + k;
      const end = base + rowStride;
      let m = z[base];
      for (let j = base + inner; j < end; j += inner) if (z[j] > m) m = z[j];
      let s = 0;
      for (let j = base; j < end; j += inner) s += expNonPositive(z[j] - m);
      if (batchMean) {
        const inv = 1 / s;
        for (let c = 0, j = base; c < C; c++, j += inner) q[c] += expNonPositive(z[j] - m) * inv;
      } else {
        const logS = Math.log(s);
        let pls = 0;
        for (let c = 0, j = base; c < C; c++, j += inner) if (prior[c] > 0) pls += prior[c] * (z[j] - m - logS);
        klSum += plogp - pls;
        if (grad !== null) {
          const g = lam / M;
          const inv = 1 / s;
          for (let c = 0, j = base; c < C; c++, j += inner) grad[j] += g * (expNonPositive(z[j] - m) * inv - prior[c]);
        }
      }
    }
  }
  if (!batchMean) return klSum / M;
  let kl = plogp;
  for (let c = 0; c < C; c++) {
    q[c] /= M;
    if (prior[c] > 0) kl -= prior[c] * Math.log(q[c]);
  }
  if (grad !== null) {
    // Pass 2: r = p/q, grad_ik += −(lam/M)·s_ik·(r_k − Σ_j r_j s_ij).
    const r = q; // reuse the buffer: r_c = p_c / q_c
    for (let c = 0; c < C; c++) r[c] = prior[c] > 0 ? prior[c] / q[c] : 0;
    const g = -lam / M;
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < inner; k++) {
        const base = o * rowStride + k;
        const end = base + rowStride;
        let m = z[base];
        for (let j = base + inner; j < end; j += inner) if (z[j] > m) m = z[j];
        let s = 0;
        for (let j = base; j < end; j += inner) s += expNonPositive(z[j] - m);
        const inv = 1 / s;
        let rs = 0;
        for (let c = 0, j = base; c < C; c++, j += inner) rs += r[c] * expNonPositive(z[j] - m) * inv;
        for (let c = 0, j = base; c < C; c++, j += inner) grad[j] += g * expNonPositive(z[j] - m) * inv * (r[c] - rs);
      }
    }
  }
  return kl;
}

/**
 * Cross-entropy with a prior-KL regulariser — the seed's third formula.
 *
 * `L = crossEntropy(yTrue, logits, options) + λ·KL(p ‖ q) = CE + λ·Σ_j p_j·log(p_j/q_j)`, where
 * `p` is the `prior` over the C classes and
 * - `klTarget: 'batch-mean'` (default): `q = (1/M)·Σᵢ softmax(logitsᵢ)`, the mean predicted class
 *   distribution over the M positions of the batch (`M = N`, or `N·d1·…` for `[N, C, d1, …]`):
 *   pushes the batch's average prediction towards the prior. Its gradient couples the samples:
 *   `∂/∂z_ik = −(λ/M)·s_ik·(r_k − Σ_j r_j·s_ij)`, `r_j = p_j/q_j`.
 * - `klTarget: 'per-sample'`: `(1/M)·Σᵢ KL(p ‖ softmax(logitsᵢ))`, gradient `(λ/M)·(s_ik − p_k)`.
 *
 * Terms with `p_j = 0` contribute 0. The KL term uses every position, unweighted (also those whose
 * target is `ignoreIndex`); `weight`, `ignoreIndex`, `labelSmoothing` and `sampleWeight` apply to
 * the cross-entropy term exactly as in {@link crossEntropy}.
 *
 * - Shapes: as {@link crossEntropy} (class axis 1).
 * - Options: `lambda` (default 1, ≥ 0), `prior` (`[C]`, non-negative, summing to 1 within 1e-6;
 *   default uniform), `klTarget` (`'batch-mean'` | `'per-sample'`), `reduction` (of the
 *   cross-entropy term; default `'mean'`; `'none'` is rejected since the batch-mean KL does not
 *   split per sample), `weight`, `ignoreIndex`, `labelSmoothing`, `sampleWeight`.
 * - Equivalents: none in PyTorch/Keras/tfjs; in PyTorch it is
 *   `F.cross_entropy(z, y) + lam * (p * (p / F.softmax(z, 1).mean(0)).log()).sum()`.
 *
 * @example crossEntropyWithPriorKL([0, 1], [[2, 0], [0, 2]], { lambda: 0.5, prior: [0.5, 0.5] }) // ≈ 0.126928 (q is uniform: KL = 0)
 */
export const crossEntropyWithPriorKL = /* @__PURE__ */ loss({
  name: 'crossEntropyWithPriorKL',
  options: /* @__PURE__ */ withCE({
    lambda: /* @__PURE__ */ num({ min: 0, default: 1 }),
    prior: /* @__PURE__ */ tensorOption(),
    klTarget: /* @__PURE__ */ oneOf(['batch-mean', 'per-sample'], 'batch-mean'),
  }),
  meta: /* @__PURE__ */ TORCH_CLASS('logits'),
  layout: {
    kind: 'prepared',
    prepare: (inputs): Prepared => {
      const { fn, options, reduction } = inputs;
      if (reduction === 'none') {
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `option 'reduction' must be one of 'mean', 'sum', 'sumOverBatchSize', 'batchmean'; received "none" (the batch-mean KL term has no per-sample value)`,
          'reduction',
        );
      }
      const lam = options.lambda;
      const p = prepareCrossEntropy(inputs);
      const prior = resolvePrior(fn, options.prior, p.layout.C);
      const { outer, C, inner } = p.layout;
      return {
        lossShape: p.layout.lossShape,
        normWeights: p.normWeights,
        gradWrites: 'accumulate',
        run: (plan, grad) => {
          const { sum } = runCrossEntropy(p, plan, grad);
          const batchMean = options.klTarget === 'batch-mean';
          const kl = lam === 0 ? 0 : priorKLKernel({ outer, C, inner, z: p.yPred.data, prior, batchMean, lam, grad });
          const ce = finishReduction(plan, sum, null);
          // The CE and KL terms together: a non-finite KL is explained like a non-finite CE.
          return { sum: sum + kl, perElement: null, value: (typeof ce === 'number' ? ce : NaN) + lam * kl };
        },
      };
    },
  },
});

// ---------------------------------------------------------------------------------------------
// Keras / TensorFlow.js dialects (class axis last, probabilities by default)
// ---------------------------------------------------------------------------------------------

/** Keras's `backend.epsilon()`. */
/** Keras's default reduction. */
/** Keras class-axis losses: probabilities (or logits with `fromLogits`), class axis last. */
const KERAS_CLASS_META: LossMeta = {
  input: 'probabilities',
  target: 'classes',
  classAxis: 'last',
  meanDenominator: 'count',
};

/**
 * Keras renormalises probability rows and clips them to [ε, 1 − ε]: a value outside [0, 1] or an
 * all-zero row would be silently reshaped (or give NaN), so they are errors. Logits: finite.
 */
const kerasProbDomains = (o: { fromLogits?: boolean; axis?: number }): Domains =>
  o.fromLogits === true
    ? { yPred: 'real' }
    : { yPred: o.axis === undefined || o.axis === -1 ? 'probabilityRows' : 'probability' };

/** Arguments of {@link kerasProbCrossEntropyKernel}. */
export interface KerasProbCrossEntropyKernelArgs {
  outer: number;
  C: number;
  inner: number;
  p: FloatArray;
  labels: FloatArray | null;
  probs: FloatArray | null;
  ls: number;
  eps: number;
  ignoreIndex: number;
  w: Float64Array | null;
  scale: number;
  out: Float64Array | null;
  grad: Float64Array | null;
}

/**
 * Keras's cross-entropy on probabilities over `outer × C × inner`: per loss element
 * `r = ŷ / Σŷ` (renormalised), `o = clip(r, ε, 1 − ε)`, `l = −Σ_c y_c·log o_c`, with the one-hot
 * of an index target or the (optionally smoothed, `y(1−ls) + ls/C`) probability target.
 * Gradient through the clip (0 outside [ε, 1−ε], as TF's and torch's clip) and the
 * renormalisation: `∂l/∂ŷ_k = (g_k − Σ_c g_c·r_c) / Σŷ` with `g_c = ∂l/∂r_c`.
 */
export function kerasProbCrossEntropyKernel({
  outer,
  C,
  inner,
  p,
  labels,
  probs,
  ls,
  eps,
  ignoreIndex,
  w,
  scale,
  out,
  grad,
}: KerasProbCrossEntropyKernelArgs): number {
  const rowStride = C * inner;
  const lsC = ls / C;
  const hi = 1 - eps;
  let total = 0;
  let i = 0;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++, i++) {
      const base = o * rowStride + k;
      const end = base + rowStride;
      const y = labels === null ? -1 : labels[i];
      if (labels !== null && y === ignoreIndex) {
        if (out !== null) out[i] = 0;
        if (grad !== null) for (let j = base; j < end; j += inner) grad[j] = 0;
        continue;
      }
      let S = 0;
      for (let j = base; j < end; j += inner) S += p[j];
      let l = 0;
      let gr = 0;
      for (let c = 0, j = base; c < C; c++, j += inner) {
        const t = probs !== null ? (ls === 0 ? probs[j] : probs[j] * (1 - ls) + lsC) : c === y ? 1 : 0;
        const r = p[j] / S;
        const oc = r < eps ? eps : r > hi ? hi : r;
        if (t !== 0) l -= t * Math.log(oc);
        if (grad !== null) {
          const g = r >= eps && r <= hi ? -t / oc : 0;
          grad[j] = g;
          gr += g * r;
        }
      }
      const wi = w === null ? 1 : w[i];
      total += wi * l;
      if (out !== null) out[i] = wi * l;
      if (grad !== null) {
        const f = (scale * wi) / S;
        for (let j = base; j < end; j += inner) grad[j] = f * (grad[j] - gr);
      }
    }
  }
  return total;
}

/** Validated inputs of a Keras-style class-axis loss (class axis `axis`, default −1). */
interface KerasPrepared {
  yPred: Tensor;
  layout: ClassLayout;
  target: Target;
  /** Keras's `ignore_class` mask as a reducer mode (index targets with an ignoreIndex). */
  mode: ReducerMode | undefined;
}

interface KerasTargets {
  /** Which targets the loss takes: one-hot / probabilities, class indices, or either. */
  targets: 'probs' | 'index' | 'either';
  axis: number | undefined;
  ignoreIndex?: number;
}

function prepareKeras(
  { fn, yTrue, yPred }: Inputs<OptionSchema>,
  { targets, axis: axisOption, ignoreIndex }: KerasTargets,
): KerasPrepared {
  const axis = resolveAxis(fn, axisOption, yPred.shape.length);
  const layout = classLayout(yPred.shape, axis);
  const target = resolveTarget(fn, yTrue, yPred, axis, targets !== 'probs');
  if (targets === 'probs' && target.kind !== 'probs') {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'yTrue' has shape ${fmtShape(yTrue.shape)} but 'yPred' has shape ${fmtShape(yPred.shape)}; expected ${fmtShape(yPred.shape)} (one-hot or probability targets; use sparse_categorical_crossentropy for class indices)`,
      'yTrue',
    );
  }
  if (targets === 'index' && target.kind !== 'index') {
    const idxShape = layout.lossShape;
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'yTrue' has shape ${fmtShape(yTrue.shape)} but 'yPred' has shape ${fmtShape(yPred.shape)}; expected ${fmtShape(idxShape)} or ${fmtShape([...idxShape, 1])} (class indices)`,
      'yTrue',
    );
  }
  let mode: ReducerMode | undefined;
  if (target.kind === 'index') {
    checkClassLabels(fn, 'yTrue', yTrue, layout.C, ignoreIndex);
    if (ignoreIndex !== undefined) {
      // Keras's ignore_class masks the loss; the reducer's kerasMasked mode divides by the valid count.
      const lab = target.labels;
      const valid = new Uint8Array(lab.length);
      for (let i = 0; i < lab.length; i++) valid[i] = lab[i] !== ignoreIndex ? 1 : 0;
      mode = { kind: 'kerasMasked', valid, epsilon: KERAS_EPSILON };
    }
  }
  return { yPred, layout, target, mode };
}

/**
 * The prepared layout of the Keras class-axis losses: prepare the inputs, then run the row
 * kernel with the per-element output the reduction needs.
 */
function kerasPrepared(
  p: KerasPrepared,
  kernel: (
    p: KerasPrepared,
    plan: ReductionPlan,
    io: { out: Float64Array | null; grad: Float64Array | null },
  ) => number,
): Prepared {
  return {
    lossShape: p.layout.lossShape,
    mode: p.mode,
    gradWrites: 'accumulate',
    run: (plan, grad) => {
      const out = plan.reduction === 'none' ? new Float64Array(sizeOf(p.layout.lossShape)) : null;
      return { sum: kernel(p, plan, { out, grad }), perElement: out };
    },
  };
}

function runKerasCrossEntropy(
  p: KerasPrepared,
  plan: ReductionPlan,
  io: { out: Float64Array | null; grad: Float64Array | null; fromLogits: boolean; ls: number; ignoreIndex: number },
): number {
  const { layout, target } = p;
  const { out, grad, fromLogits, ls, ignoreIndex } = io;
  const labels = target.kind === 'index' ? target.labels : null;
  const probs = target.kind === 'probs' ? target.probs : null;
  if (fromLogits) {
    if (labels !== null && layout.inner === 1 && ls === 0) {
      return softmaxCrossEntropyRows({
        N: layout.outer,
        C: layout.C,
        z: p.yPred.data,
        labels,
        ignoreIndex,
        w: plan.weights,
        scale: plan.gradScale,
        out,
        grad,
      });
    }
    return softmaxCrossEntropyKernel({
      outer: layout.outer,
      C: layout.C,
      inner: layout.inner,
      z: p.yPred.data,
      labels,
      probs,
      cw: null,
      ls,
      ignoreIndex,
      w: plan.weights,
      scale: plan.gradScale,
      out,
      grad,
    });
  }
  return kerasProbCrossEntropyKernel({
    outer: layout.outer,
    C: layout.C,
    inner: layout.inner,
    p: p.yPred.data,
    labels,
    probs,
    ls,
    eps: KERAS_EPSILON,
    ignoreIndex,
    w: plan.weights,
    scale: plan.gradScale,
    out,
    grad,
  });
}

/**
 * Keras's categorical cross-entropy (`keras.losses.categorical_crossentropy` /
 * `CategoricalCrossentropy`, Keras 3): one-hot or probability targets, class axis last.
 *
 * Probabilities (default): `ŷ` is renormalised to sum to 1 over the class axis, clipped to
 * `[1e-7, 1 − 1e-7]`, and `lᵢ = −Σ_c y_c·log ŷ_c` (gradient 0 where clipped). With
 * `fromLogits: true`, `lᵢ = −Σ_c y_c·log softmax(ŷ)_c` exactly (no clipping). `labelSmoothing`
 * replaces `y` by `y·(1 − ls) + ls/C`.
 *
 * - Shapes: `yTrue`, `yPred` of one shape `[..., C]` (class axis `axis`, default −1); `'none'`
 *   returns the shape without the class axis.
 * - Options: `fromLogits` (false), `labelSmoothing` (0), `axis` (−1), `reduction` (default
 *   `'sumOverBatchSize'`), `sampleWeight`.
 * - Equivalents: Keras `categorical_crossentropy`; tfjs layers `'categoricalCrossentropy'`
 *   (probabilities). tfjs-layers' `fromLogits` path applies softmax and then the 1e-7 clip, which
 *   caps the loss at −log(1e-7) ≈ 16.1 and zeroes the gradient of confident mistakes; losskit
 *   uses the exact log-softmax instead. PyTorch's `cross_entropy` is {@link crossEntropy}.
 *
 * @example getLoss('categorical_crossentropy')([[0, 1, 0]], [[0.05, 0.95, 0]]) // −log 0.95 ≈ 0.0513
 */
export const kerasCategoricalCrossentropy = /* @__PURE__ */ loss({
  name: 'kerasCategoricalCrossentropy',
  options: {
    fromLogits: /* @__PURE__ */ bool(false),
    labelSmoothing: /* @__PURE__ */ num({ min: 0, max: 1, default: 0 }),
    axis: /* @__PURE__ */ num({ integer: true }),
  },
  meta: KERAS_CLASS_META,
  domains: kerasProbDomains,
  defaults: KERAS_DEFAULTS,
  layout: {
    kind: 'prepared',
    prepare: (inputs): Prepared => {
      const { fromLogits, labelSmoothing: ls, axis } = inputs.options;
      const p = prepareKeras(inputs, { targets: 'probs', axis });
      return kerasPrepared(p, (q, plan, io) =>
        runKerasCrossEntropy(q, plan, { ...io, fromLogits, ls, ignoreIndex: NaN }),
      );
    },
  },
});

/**
 * Keras's sparse categorical cross-entropy (`sparse_categorical_crossentropy` /
 * `SparseCategoricalCrossentropy`, Keras 3): integer class targets, class axis last.
 *
 * `lᵢ = −log ŷ_{yᵢ}` with `ŷ` renormalised and clipped to `[1e-7, 1 − 1e-7]` (probabilities, the
 * torch/JAX backends' formula), or `−log softmax(ŷ)_{yᵢ}` with `fromLogits: true`.
 * `ignoreIndex` is Keras's `ignore_class`: those elements get loss 0 and gradient 0, and
 * `'sumOverBatchSize'` becomes Keras's masked mean `Σ sᵢ·lᵢ / (valid + 1e-7)`.
 *
 * - Shapes: `yPred` `[..., C]`; `yTrue` `[...]` or `[..., 1]`; `'none'` returns `[...]`.
 * - Options: `fromLogits` (false), `ignoreIndex` (none by default), `axis` (−1), `reduction`
 *   (`'sumOverBatchSize'`), `sampleWeight`.
 * - Equivalents: Keras `sparse_categorical_crossentropy`; tfjs layers
 *   `'sparseCategoricalCrossentropy'`. With `fromLogits: true` and the class axis at 1 this is
 *   PyTorch's `cross_entropy` ({@link crossEntropy}).
 *
 * @example getLoss('sparse_categorical_crossentropy')([1], [[0.05, 0.95, 0]]) // ≈ 0.0513
 */
export const kerasSparseCategoricalCrossentropy = /* @__PURE__ */ loss({
  name: 'kerasSparseCategoricalCrossentropy',
  options: {
    fromLogits: /* @__PURE__ */ bool(false),
    ignoreIndex: /* @__PURE__ */ num({ integer: true }),
    axis: /* @__PURE__ */ num({ integer: true }),
  },
  meta: KERAS_CLASS_META,
  domains: kerasProbDomains,
  defaults: KERAS_DEFAULTS,
  layout: {
    kind: 'prepared',
    prepare: (inputs): Prepared => {
      const { fromLogits, ignoreIndex, axis } = inputs.options;
      const p = prepareKeras(inputs, { targets: 'index', axis, ignoreIndex });
      return kerasPrepared(p, (q, plan, io) =>
        runKerasCrossEntropy(q, plan, { ...io, fromLogits, ls: 0, ignoreIndex: ignoreIndex ?? NaN }),
      );
    },
  },
});

// ---------------------------------------------------------------------------------------------
// categoricalFocal (Keras categorical_focal_crossentropy)
// ---------------------------------------------------------------------------------------------

/** Arguments of {@link categoricalFocalKernel}. */
export interface CategoricalFocalKernelArgs {
  outer: number;
  C: number;
  inner: number;
  x: FloatArray;
  labels: FloatArray | null;
  probs: FloatArray | null;
  ls: number;
  alpha: number;
  gamma: number;
  fromLogits: boolean;
  eps: number;
  w: Float64Array | null;
  scale: number;
  out: Float64Array | null;
  grad: Float64Array | null;
  sRow: Float64Array;
  gRow: Float64Array;
}

/**
 * Keras 3's categorical focal cross-entropy over `outer × C × inner`: `s = softmax(z)` when
 * `fromLogits`, `r = s / Σs`, `o = clip(r, ε, 1 − ε)`,
 * `l = Σ_c α·(1 − o_c)^γ·(−y_c·log o_c)`. Gradient by the chain rule through the clip, the
 * renormalisation and (with `fromLogits`) the softmax. `sRow`, `gRow` are scratch rows of `C`.
 */
export function categoricalFocalKernel({
  outer,
  C,
  inner,
  x,
  labels,
  probs,
  ls,
  alpha,
  gamma,
  fromLogits,
  eps,
  w,
  scale,
  out,
  grad,
  sRow,
  gRow,
}: CategoricalFocalKernelArgs): number {
  const rowStride = C * inner;
  const lsC = ls / C;
  const hi = 1 - eps;
  let total = 0;
  let i = 0;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++, i++) {
      const base = o * rowStride + k;
      // The row's probabilities before renormalisation.
      if (fromLogits) {
        let m = x[base];
        for (let c = 1, j = base + inner; c < C; c++, j += inner) if (x[j] > m) m = x[j];
        let s = 0;
        for (let c = 0, j = base; c < C; c++, j += inner) {
          const e = expNonPositive(x[j] - m);
          sRow[c] = e;
          s += e;
        }
        for (let c = 0; c < C; c++) sRow[c] /= s;
      } else {
        for (let c = 0, j = base; c < C; c++, j += inner) sRow[c] = x[j];
      }
      let S = 0;
      for (let c = 0; c < C; c++) S += sRow[c];
      const y = labels === null ? -1 : labels[i];
      let l = 0;
      let gr = 0;
      for (let c = 0, j = base; c < C; c++, j += inner) {
        const t0 = probs !== null ? probs[j] : c === y ? 1 : 0;
        const t = ls === 0 ? t0 : t0 * (1 - ls) + lsC;
        const r = sRow[c] / S;
        const oc = r < eps ? eps : r > hi ? hi : r;
        const ce = t === 0 ? 0 : -t * Math.log(oc);
        const mod = Math.pow(1 - oc, gamma);
        l += mod * ce; // α, a constant factor, is applied once per row (no α·∞ − α·∞ for a huge α)
        if (grad !== null) {
          let g = 0;
          if (r >= eps && r <= hi) {
            // d/do [(1−o)^γ·(−t log o)] = −γ(1−o)^(γ−1)·ce − (1−o)^γ·t/o (times α with the row weight)
            const dmod = gamma === 0 ? 0 : -gamma * Math.pow(1 - oc, gamma - 1);
            g = dmod * ce - (mod * t) / oc;
          }
          gRow[c] = g;
          gr += g * r;
        }
      }
      const wi = (w === null ? 1 : w[i]) * alpha;
      total += wi * l;
      if (out !== null) out[i] = wi * l;
      if (grad !== null) {
        const f = scale * wi;
        // h_c = ∂l/∂s_c = (g_c − Σ g·r) / S
        for (let c = 0; c < C; c++) gRow[c] = (gRow[c] - gr) / S;
        if (fromLogits) {
          let sh = 0;
          for (let c = 0; c < C; c++) sh += sRow[c] * gRow[c];
          for (let c = 0, j = base; c < C; c++, j += inner) grad[j] = f * sRow[c] * (gRow[c] - sh);
        } else {
          for (let c = 0, j = base; c < C; c++, j += inner) grad[j] = f * gRow[c];
        }
      }
    }
  }
  return total;
}

/**
 * Categorical focal cross-entropy (Keras 3 `categorical_focal_crossentropy`; Lin et al. 2017).
 *
 * `lᵢ = Σ_c α·(1 − o_c)^γ·(−y_c·log o_c)`, where `o = clip(ŷ / Σŷ, 1e-7, 1 − 1e-7)` over the
 * class axis (`ŷ = softmax(yPred)` with `fromLogits`) and `y` is the one-hot / probability target
 * (smoothed to `y(1 − ls) + ls/C` with `labelSmoothing`). γ = 0, α = 1 is the categorical
 * cross-entropy. Gradient exact through the clip (0 where clipped), renormalisation and softmax.
 *
 * - Shapes: `yPred` `[..., C]` (class axis `axis`, default −1); `yTrue` of the same shape, or
 *   class indices `[...]`. `'none'` returns `[...]`.
 * - Options: `alpha` (0.25), `gamma` (2, ≥ 0), `fromLogits` (false), `labelSmoothing` (0),
 *   `axis` (−1), `reduction` (default `'mean'`; Keras aliases `'sumOverBatchSize'`), `sampleWeight`.
 * - Equivalents: Keras `categorical_focal_crossentropy` / `CategoricalFocalCrossentropy`. No
 *   PyTorch or tfjs built-in.
 *
 * @example categoricalFocal([[0, 1]], [[0.2, 0.8]]) // 0.25·0.2²·(−log 0.8) ≈ 0.002231
 */
export const categoricalFocal = /* @__PURE__ */ loss({
  name: 'categoricalFocal',
  options: {
    alpha: /* @__PURE__ */ num({ default: 0.25 }),
    gamma: /* @__PURE__ */ num({ min: 0, default: 2 }),
    fromLogits: /* @__PURE__ */ bool(false),
    labelSmoothing: /* @__PURE__ */ num({ min: 0, max: 1, default: 0 }),
    axis: /* @__PURE__ */ num({ integer: true }),
  },
  meta: KERAS_CLASS_META,
  domains: kerasProbDomains,
  layout: {
    kind: 'prepared',
    prepare: (inputs): Prepared => {
      const { alpha, gamma, fromLogits, labelSmoothing: ls, axis } = inputs.options;
      const p = prepareKeras(inputs, { targets: 'either', axis });
      return kerasPrepared(p, ({ layout, target, yPred: yp }, plan, { out, grad }) =>
        categoricalFocalKernel({
          outer: layout.outer,
          C: layout.C,
          inner: layout.inner,
          x: yp.data,
          labels: target.kind === 'index' ? target.labels : null,
          probs: target.kind === 'probs' ? target.probs : null,
          ls,
          alpha,
          gamma,
          fromLogits,
          eps: KERAS_EPSILON,
          w: plan.weights,
          scale: plan.gradScale,
          out,
          grad,
          sRow: new Float64Array(layout.C),
          gRow: new Float64Array(layout.C),
        }),
      );
    },
  },
});

// ---------------------------------------------------------------------------------------------
// categoricalHinge (Keras)
// ---------------------------------------------------------------------------------------------

/** Arguments of {@link categoricalHingeKernel}. */
export interface CategoricalHingeKernelArgs {
  outer: number;
  C: number;
  inner: number;
  x: FloatArray;
  labels: FloatArray | null;
  probs: FloatArray | null;
  w: Float64Array | null;
  scale: number;
  out: Float64Array | null;
  grad: Float64Array | null;
}

/**
 * Keras's categorical hinge over `outer × C × inner`: `pos = Σ_c y_c·ŷ_c`,
 * `neg = max_c (1 − y_c)·ŷ_c`, `l = max(neg − pos + 1, 0)`. Where the hinge is active the
 * gradient is `−y_c`, plus `1 − y_m` at the (first) arg-max `m` of `neg`; else 0.
 */
export function categoricalHingeKernel({
  outer,
  C,
  inner,
  x,
  labels,
  probs,
  w,
  scale,
  out,
  grad,
}: CategoricalHingeKernelArgs): number {
  const rowStride = C * inner;
  let total = 0;
  let i = 0;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++, i++) {
      const base = o * rowStride + k;
      const y = labels === null ? -1 : labels[i];
      let pos = 0;
      let neg = -Infinity;
      let arg = base;
      for (let c = 0, j = base; c < C; c++, j += inner) {
        const t = probs !== null ? probs[j] : c === y ? 1 : 0;
        pos += t * x[j];
        const v = (1 - t) * x[j];
        if (v > neg) {
          neg = v;
          arg = j;
        }
      }
      const h = neg - pos + 1;
      const l = h > 0 ? h : 0;
      const wi = w === null ? 1 : w[i];
      total += wi * l;
      if (out !== null) out[i] = wi * l;
      if (grad !== null) {
        const f = h > 0 ? scale * wi : 0;
        for (let c = 0, j = base; c < C; c++, j += inner) grad[j] = -f * (probs !== null ? probs[j] : c === y ? 1 : 0);
        grad[arg] += f * (1 - (probs !== null ? probs[arg] : (arg - base) / inner === y ? 1 : 0));
      }
    }
  }
  return total;
}

/**
 * Categorical hinge (Keras `categorical_hinge`): `lᵢ = max(neg − pos + 1, 0)` with
 * `pos = Σ_c y_c·ŷ_c` and `neg = max_c (1 − y_c)·ŷ_c`. Gradient `−y` plus `1 − y_m` at the arg-max
 * `m` of `neg` where the hinge is active (first index on ties; 0 at the kink).
 *
 * - Shapes: `yPred` `[..., C]` (class axis `axis`, default −1); `yTrue` one-hot of the same shape
 *   (or class indices `[...]`). `'none'` returns `[...]`.
 * - Options: `axis` (−1), `reduction` (default `'mean'`; Keras aliases `'sumOverBatchSize'`),
 *   `sampleWeight`.
 * - Equivalents: Keras `categorical_hinge` / `CategoricalHinge`; tfjs layers
 *   `'categoricalHinge'`. No PyTorch built-in (`multi_margin_loss` differs).
 *
 * @example categoricalHinge([[0, 1, 0]], [[0.3, 0.6, 0.1]]) // max(0.3 − 0.6 + 1, 0) = 0.7
 */
export const categoricalHinge = /* @__PURE__ */ loss({
  name: 'categoricalHinge',
  options: { axis: /* @__PURE__ */ num({ integer: true }) },
  meta: { input: 'values', target: 'classes', classAxis: 'last', meanDenominator: 'count' },
  layout: {
    kind: 'prepared',
    prepare: (inputs): Prepared =>
      kerasPrepared(
        prepareKeras(inputs, { targets: 'either', axis: inputs.options.axis }),
        ({ layout, target, yPred: yp }, plan, { out, grad }) =>
          categoricalHingeKernel({
            outer: layout.outer,
            C: layout.C,
            inner: layout.inner,
            x: yp.data,
            labels: target.kind === 'index' ? target.labels : null,
            probs: target.kind === 'probs' ? target.probs : null,
            w: plan.weights,
            scale: plan.gradScale,
            out,
            grad,
          }),
      ),
  },
});

/**
 * Generalized cross-entropy (Keras 3 `categorical_generalized_cross_entropy`, Zhang & Sabuncu
 * 2018): a noise-robust loss between cross-entropy (q → 0) and MAE (q = 1).
 *
 * `lᵢ = (1 − pᵢ^q) / q` with `pᵢ = yPred[i, yᵢ]` the predicted probability of the true class;
 * `∂lᵢ/∂pᵢ = −pᵢ^(q−1)` (other classes get no gradient).
 *
 * - Shapes: `yTrue` integer labels `[N]` (or `[N, 1]`), `yPred` probabilities `[N, C]` (class
 *   axis last, `axis` to change it). `'none'` returns `[N]`.
 * - Options: `q` ∈ (0, 1] (default 0.5), `reduction` (default `'sumOverBatchSize'`, Keras),
 *   `sampleWeight`, `axis`.
 * - Equivalent: Keras 3 `keras.losses.CategoricalGeneralizedCrossEntropy(q=0.5)`.
 *
 * @example categoricalGeneralizedCrossEntropy([0, 1], [[0.64, 0.36], [0.25, 0.75]]) // ((1−0.8) + (1−√0.75))/0.5/2
 */
export const categoricalGeneralizedCrossEntropy = /* @__PURE__ */ loss({
  name: 'categoricalGeneralizedCrossEntropy',
  options: { q: /* @__PURE__ */ num({ gt: 0, max: 1, default: 0.5 }), axis: /* @__PURE__ */ num({ integer: true }) },
  meta: KERAS_CLASS_META,
  domains: { yPred: 'probability' },
  // Keras's reduction; equal to 'mean' without sample weights.
  defaults: KERAS_DEFAULTS,
  layout: {
    kind: 'prepared',
    prepare: (inputs): Prepared => {
      const q = inputs.options.q;
      const p = prepareKeras(inputs, { targets: 'index', axis: inputs.options.axis });
      return kerasPrepared(p, ({ layout, target, yPred: yp }, plan, { out, grad }) => {
        if (target.kind !== 'index')
          throw new Error('losskit internal: categoricalGeneralizedCrossEntropy expects index targets');
        const { outer, C, inner } = layout;
        const P = yp.data;
        const lab = target.labels;
        const w = plan.weights;
        if (grad !== null) grad.fill(0);
        let sum = 0;
        for (let o = 0; o < outer; o++) {
          for (let r = 0; r < inner; r++) {
            const e = o * inner + r;
            const k = (o * C + lab[e]) * inner + r;
            const pk = P[k];
            const pq = Math.pow(pk, q);
            const we = w === null ? 1 : w[e];
            const l = we * ((1 - pq) / q);
            sum += l;
            if (out !== null) out[e] = l;
            // d/dp (1 − p^q)/q = −p^(q−1) = −p^q / p
            if (grad !== null) grad[k] = -plan.gradScale * we * (pk > 0 ? pq / pk : Math.pow(pk, q - 1));
          }
        }
        return sum;
      });
    },
  },
});

export const classificationLosses: LossEntry[] = [
  {
    name: 'categoricalGeneralizedCrossEntropy',
    fn: categoricalGeneralizedCrossEntropy,
    description:
      'Generalized cross-entropy (1 − p_y^q)/q on probabilities (noise-robust) — Keras 3 CategoricalGeneralizedCrossEntropy',
    aliases: [
      { name: 'categorical_generalized_cross_entropy', dialect: 'keras' },
      { name: 'CategoricalGeneralizedCrossEntropy', dialect: 'keras' },
    ],
  },
  {
    name: 'crossEntropy',
    fn: crossEntropy,
    description:
      'Softmax cross-entropy on logits (index or probability targets, class weights, ignoreIndex, label smoothing) — PyTorch cross_entropy',
    aliases: [
      { name: 'cross_entropy', dialect: 'pytorch' },
      { name: 'CrossEntropyLoss', dialect: 'pytorch' },
      { name: 'categorical_crossentropy', dialect: 'keras', fn: kerasCategoricalCrossentropy },
      { name: 'CategoricalCrossentropy', dialect: 'keras', fn: kerasCategoricalCrossentropy },
      { name: 'sparse_categorical_crossentropy', dialect: 'keras', fn: kerasSparseCategoricalCrossentropy },
      { name: 'SparseCategoricalCrossentropy', dialect: 'keras', fn: kerasSparseCategoricalCrossentropy },
      // tfjs layers loss strings: Keras semantics (probabilities, 1e-7 clipping), mean over samples.
      { name: 'categoricalCrossentropy', dialect: 'tfjs', fn: kerasCategoricalCrossentropy },
      { name: 'sparseCategoricalCrossentropy', dialect: 'tfjs', fn: kerasSparseCategoricalCrossentropy },
      // tf.losses.softmaxCrossEntropy(onehotLabels, logits, weights, labelSmoothing): logits, class
      // axis last, SUM_BY_NONZERO_WEIGHTS = the mean without weights.
      {
        name: 'softmaxCrossEntropy',
        dialect: 'tfjs',
        fn: kerasCategoricalCrossentropy,
        defaults: TFJS_SOFTMAX_CE,
      },
      {
        name: 'tf.losses.softmaxCrossEntropy',
        dialect: 'tfjs',
        fn: kerasCategoricalCrossentropy,
        defaults: TFJS_SOFTMAX_CE,
      },
    ],
  },
  {
    name: 'nllLoss',
    fn: nllLoss,
    description: 'Negative log-likelihood on log-probabilities — PyTorch nll_loss',
    aliases: [
      { name: 'nll_loss', dialect: 'pytorch' },
      { name: 'NLLLoss', dialect: 'pytorch' },
    ],
  },
  {
    name: 'crossEntropyWithPriorKL',
    fn: crossEntropyWithPriorKL,
    description:
      "The seed's cross-entropy + λ·KL(prior ‖ batch-mean (or per-sample) softmax), with its exact coupled gradient",
    aliases: [],
  },
  {
    name: 'categoricalFocal',
    fn: categoricalFocal,
    description:
      'Categorical focal cross-entropy α(1−p)^γ·CE on probabilities (or logits) — Keras categorical_focal_crossentropy',
    aliases: [
      { name: 'categorical_focal_crossentropy', dialect: 'keras', defaults: KERAS_DEFAULTS },
      { name: 'CategoricalFocalCrossentropy', dialect: 'keras', defaults: KERAS_DEFAULTS },
    ],
  },
  {
    name: 'categoricalHinge',
    fn: categoricalHinge,
    description: 'Categorical hinge max(max_{c≠y} ŷ_c − ŷ_y + 1, 0) — Keras categorical_hinge',
    aliases: [
      { name: 'categorical_hinge', dialect: 'keras', defaults: KERAS_DEFAULTS },
      { name: 'CategoricalHinge', dialect: 'keras', defaults: KERAS_DEFAULTS },
    ],
  },
];
