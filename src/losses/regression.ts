/**
 * Regression losses. Each is an element-wise kernel (value and gradient in one fused pass)
 * plus a registry entry; reductions and weights are the shared reducer's (see `reduce.ts`).
 */
import { LosskitError, describe } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { fmtIndex } from '../validate.js';
import type { ElementwiseKernel, LossMeta } from './define.js';
import { bindKernel, loss, num } from './define.js';
import { KERAS_ELEMENTWISE as KERAS_DEFAULTS, KERAS_MSLE, TFJS_CORE } from './dialects.js';
import type { LossEntry } from './registry-types.js';
import { wasmTwin } from '../wasm/dispatch.js';

type NoParams = Record<string, never>;
const NO_PARAMS: NoParams = {};

/** What every regression loss is: real-valued predictions and targets, the plain mean. */
const REGRESSION: LossMeta = { input: 'values', target: 'values', meanDenominator: 'count' };

/** Kernel of the squared error `lᵢ = (ŷᵢ − yᵢ)²`, `gᵢ = 2(ŷᵢ − yᵢ)`. */
const squaredErrorJs: ElementwiseKernel<NoParams> = ({ n, yTrue, yPred, w, scale, out, grad }) => {
  // Four independent accumulators: shorter dependency chains, ~0.7× the time of one.
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  if (w === null && out === null) {
    const g2 = 2 * scale;
    let i = 0;
    if (grad !== null) {
      for (; i + 3 < n; i += 4) {
        const d0 = yPred[i] - yTrue[i],
          d1 = yPred[i + 1] - yTrue[i + 1];
        const d2 = yPred[i + 2] - yTrue[i + 2],
          d3 = yPred[i + 3] - yTrue[i + 3];
        s0 += d0 * d0;
        s1 += d1 * d1;
        s2 += d2 * d2;
        s3 += d3 * d3;
        grad[i] = g2 * d0;
        grad[i + 1] = g2 * d1;
        grad[i + 2] = g2 * d2;
        grad[i + 3] = g2 * d3;
      }
      for (; i < n; i++) {
        const d = yPred[i] - yTrue[i];
        s0 += d * d;
        grad[i] = g2 * d;
      }
    } else {
      for (; i + 3 < n; i += 4) {
        const d0 = yPred[i] - yTrue[i],
          d1 = yPred[i + 1] - yTrue[i + 1];
        const d2 = yPred[i + 2] - yTrue[i + 2],
          d3 = yPred[i + 3] - yTrue[i + 3];
        s0 += d0 * d0;
        s1 += d1 * d1;
        s2 += d2 * d2;
        s3 += d3 * d3;
      }
      for (; i < n; i++) {
        const d = yPred[i] - yTrue[i];
        s0 += d * d;
      }
    }
    return s0 + s1 + s2 + s3;
  }
  for (let i = 0; i < n; i++) {
    const d = yPred[i] - yTrue[i];
    const wi = w === null ? 1 : w[i];
    const l = wi * d * d;
    s0 += l;
    if (out !== null) out[i] = l;
    if (grad !== null) grad[i] = 2 * scale * wi * d;
  }
  return s0;
};
/** {@link squaredErrorJs} with its WASM twin (src/wasm/dispatch.ts): float32 inputs already in wasm memory (a WasmArena). */
export const squaredErrorKernel = /* @__PURE__ */ wasmTwin(squaredErrorJs, () => ({ kind: 'mse' }));

/** Kernel of the absolute error `lᵢ = |ŷᵢ − yᵢ|`, `gᵢ = sign(ŷᵢ − yᵢ)` (0 at 0, as PyTorch). */
const absoluteErrorJs: ElementwiseKernel<NoParams> = ({ n, yTrue, yPred, w, scale, out, grad }) => {
  // sign(d) as d/|d| (exactly ±1): a division the CPU pipelines, where a sign branch on random data
  // mispredicts half the time (~4× slower). d = 0 gives 0·scale = 0; NaN stays NaN.
  let s = 0;
  if (w === null && out === null) {
    // Unweighted reduced loss: two independent accumulators, no per-element weight lookups.
    let s1 = 0;
    let i = 0;
    if (grad !== null) {
      for (; i + 1 < n; i += 2) {
        const d0 = yPred[i] - yTrue[i];
        const d1 = yPred[i + 1] - yTrue[i + 1];
        const a0 = Math.abs(d0);
        const a1 = Math.abs(d1);
        s += a0;
        s1 += a1;
        grad[i] = a0 > 0 ? scale * (d0 / a0) : scale * d0;
        grad[i + 1] = a1 > 0 ? scale * (d1 / a1) : scale * d1;
      }
    } else {
      for (; i + 1 < n; i += 2) {
        s += Math.abs(yPred[i] - yTrue[i]);
        s1 += Math.abs(yPred[i + 1] - yTrue[i + 1]);
      }
    }
    for (; i < n; i++) {
      const d = yPred[i] - yTrue[i];
      const a = Math.abs(d);
      s += a;
      if (grad !== null) grad[i] = a > 0 ? scale * (d / a) : scale * d;
    }
    return s + s1;
  }
  for (let i = 0; i < n; i++) {
    const d = yPred[i] - yTrue[i];
    const wi = w === null ? 1 : w[i];
    const a = Math.abs(d);
    const l = wi * a;
    s += l;
    if (out !== null) out[i] = l;
    if (grad !== null) grad[i] = a > 0 ? scale * wi * (d / a) : scale * wi * d;
  }
  return s;
};
/** {@link absoluteErrorJs} with its WASM twin (src/wasm/dispatch.ts): float32 inputs already in wasm memory (a WasmArena). */
export const absoluteErrorKernel = /* @__PURE__ */ wasmTwin(absoluteErrorJs, () => ({ kind: 'mae' }));

/**
 * Mean squared error — the seed's first formula.
 *
 * `lᵢ = (yᵢ − ŷᵢ)²`; with the default `reduction: 'mean'`, `MSE = (1/n)·Σᵢ (yᵢ − ŷᵢ)²`.
 * Gradient: `∂lᵢ/∂ŷᵢ = 2(ŷᵢ − yᵢ)`, scaled by the reduction (see `reduce.ts`).
 *
 * - Shapes: `yTrue` and `yPred` of one shape (any rank); `'none'` returns that shape
 *   (`[...shape[:-1]]` with `meanOverLastAxis`, the Keras per-sample loss).
 * - Options: `reduction` (default `'mean'`), `sampleWeight`, `meanOverLastAxis`.
 * - Equivalents: PyTorch `F.mse_loss` / `nn.MSELoss`; Keras `mse` / `MeanSquaredError`
 *   (per-sample mean over the last axis, then `'sumOverBatchSize'`); tfjs
 *   `tf.losses.meanSquaredError` / `'meanSquaredError'`.
 *
 * @example meanSquaredError([1, 2, 3], [1, 2, 5]) // 4/3
 * @example meanSquaredError.valueAndGrad([1, 2], [0, 0]).grad.data // [-1, -2]
 */
export const meanSquaredError = /* @__PURE__ */ loss({
  name: 'meanSquaredError',
  options: {},
  meta: REGRESSION,
  // (ŷ − y)² and |ŷ − y| turn every NaN / ±Infinity into a non-finite sum.
  kernelFlags: ['real'],
  layout: { kind: 'elementwise', kernel: () => bindKernel(squaredErrorKernel, NO_PARAMS) },
});

/**
 * Mean absolute error.
 *
 * `lᵢ = |yᵢ − ŷᵢ|`; default `reduction: 'mean'`. Gradient `sign(ŷᵢ − yᵢ)` (0 where equal, as
 * PyTorch's `l1_loss`).
 *
 * - Shapes and options: as {@link meanSquaredError}.
 * - Equivalents: PyTorch `F.l1_loss` / `nn.L1Loss`; Keras `mae` / `MeanAbsoluteError`;
 *   tfjs `tf.losses.absoluteDifference` / `'meanAbsoluteError'`.
 *
 * @example meanAbsoluteError([1, 2, 3], [1, 2, 5]) // 2/3
 */
export const meanAbsoluteError = /* @__PURE__ */ loss({
  name: 'meanAbsoluteError',
  options: {},
  meta: REGRESSION,
  // (ŷ − y)² and |ŷ − y| turn every NaN / ±Infinity into a non-finite sum.
  kernelFlags: ['real'],
  layout: { kind: 'elementwise', kernel: () => bindKernel(absoluteErrorKernel, NO_PARAMS) },
});

interface DeltaParams {
  delta: number;
}

/**
 * Kernel of the Huber loss: with `d = ŷ − y`, `l = d²/2` for `|d| ≤ δ`, else `δ(|d| − δ/2)`;
 * `g = clamp(d, −δ, δ)` (PyTorch's `huber_loss_backward`).
 */
const huberJs: ElementwiseKernel<DeltaParams> = ({ n, yTrue, yPred, w, scale, out, grad, params: { delta } }) => {
  const half = 0.5 * delta;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = yPred[i] - yTrue[i];
    const a = d < 0 ? -d : d;
    const wi = w === null ? 1 : w[i];
    const l = wi * (a < delta ? 0.5 * d * d : delta * (a - half));
    s += l;
    if (out !== null) out[i] = l;
    if (grad !== null) grad[i] = scale * wi * (d < -delta ? -delta : d > delta ? delta : d);
  }
  return s;
};
/** {@link huberJs} with its WASM twin (src/wasm/dispatch.ts): float32 inputs already in wasm memory (a WasmArena). */
export const huberKernel = /* @__PURE__ */ wasmTwin(huberJs, ({ delta }: DeltaParams) => ({
  kind: 'huber',
  params: [delta],
}));

/**
 * Kernel of the smooth L1 loss: `l = d²/(2β)` for `|d| < β`, else `|d| − β/2`;
 * `g = clamp(d/β, −1, 1)`; `β = 0` is the L1 loss (`g = sign(d)`, 0 at 0), as PyTorch.
 */
const smoothL1Js: ElementwiseKernel<{ beta: number }> = ({
  n,
  yTrue,
  yPred,
  w,
  scale,
  out,
  grad,
  params: { beta },
}) => {
  const half = 0.5 * beta;
  const inv = beta > 0 ? 1 / beta : 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = yPred[i] - yTrue[i];
    const a = d < 0 ? -d : d;
    const wi = w === null ? 1 : w[i];
    const l = wi * (a < beta ? 0.5 * d * d * inv : a - half);
    s += l;
    if (out !== null) out[i] = l;
    if (grad !== null) grad[i] = scale * wi * (d < -beta ? -1 : d > beta ? 1 : beta > 0 ? d * inv : d === 0 ? 0 : NaN);
  }
  return s;
};
/** {@link smoothL1Js} with its WASM twin (src/wasm/dispatch.ts): float32 inputs already in wasm memory (a WasmArena; these losses are memory-bound, so copying inputs in would cost what the JS loop costs). */
export const smoothL1Kernel = /* @__PURE__ */ wasmTwin(smoothL1Js, ({ beta }: { beta: number }) => ({
  kind: 'smoothL1',
  params: [beta],
}));

/**
 * `log(cosh(x))` without overflow or cancellation: `log1p(2·sinh²(x/2))` for `|x| < 1`
 * (exact for tiny `x`, where `cosh x − 1` would round to 0), else
 * `|x| + log1p(e^{−2|x|}) − log 2` (no overflow of `cosh` for `|x|` > 710).
 */
export function logCoshScalar(x: number): number {
  const a = x < 0 ? -x : x;
  if (a < 1) {
    const sh = Math.sinh(0.5 * a);
    return Math.log1p(2 * sh * sh);
  }
  return a + Math.log1p(Math.exp(-2 * a)) - Math.LN2;
}

/** Kernel of log-cosh: `l = log cosh(ŷ − y)`, `g = tanh(ŷ − y)`. */
export const logCoshKernel: ElementwiseKernel<NoParams> = ({ n, yTrue, yPred, w, scale, out, grad }) => {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = yPred[i] - yTrue[i];
    const wi = w === null ? 1 : w[i];
    const l = wi * logCoshScalar(d);
    s += l;
    if (out !== null) out[i] = l;
    if (grad !== null) grad[i] = scale * wi * Math.tanh(d);
  }
  return s;
};

interface EpsParams {
  /** Keras clamping `max(x, eps)` of both inputs, or `null` for the exact formula. */
  eps: number | null;
}

/**
 * Kernel of the squared log error: `l = (log1p(ŷ') − log1p(y'))²` with `x' = x` (exact), or
 * `x' = max(x, eps)` (Keras); `g = 2(log1p(ŷ') − log1p(y'))/(1 + ŷ')`, 0 where `ŷ` was clamped.
 */
export const squaredLogErrorKernel: ElementwiseKernel<EpsParams> = ({
  n,
  yTrue,
  yPred,
  w,
  scale,
  out,
  grad,
  params: { eps },
}) => {
  const lo = eps === null ? -Infinity : eps;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const p = yPred[i];
    const t = yTrue[i];
    const pc = p < lo ? lo : p;
    const tc = t < lo ? lo : t;
    const d = Math.log1p(pc) - Math.log1p(tc);
    const wi = w === null ? 1 : w[i];
    const l = wi * d * d;
    s += l;
    if (out !== null) out[i] = l;
    // TF's maximum passes the gradient where x ≥ eps (ties included).
    if (grad !== null) grad[i] = p < lo ? 0 : (scale * wi * 2 * d) / (1 + pc);
  }
  return s;
};

/**
 * Kernel of the absolute percentage error (Keras): `l = 100·|ŷ − y| / max(|y|, eps)`,
 * `g = 100·sign(ŷ − y) / max(|y|, eps)`.
 */
export const absolutePercentageErrorKernel: ElementwiseKernel<{ eps: number }> = ({
  n,
  yTrue,
  yPred,
  w,
  scale,
  out,
  grad,
  params: { eps },
}) => {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i];
    const d = yPred[i] - t;
    const at = t < 0 ? -t : t;
    const c = 100 / (at > eps ? at : eps);
    const wi = w === null ? 1 : w[i];
    const l = wi * c * (d < 0 ? -d : d);
    s += l;
    if (out !== null) out[i] = l;
    if (grad !== null) grad[i] = d > 0 ? scale * wi * c : d < 0 ? -scale * wi * c : d === 0 ? 0 : NaN;
  }
  return s;
};

/**
 * Huber loss.
 *
 * With `d = ŷᵢ − yᵢ`: `lᵢ = ½d²` if `|d| ≤ δ`, else `δ·(|d| − ½δ)`. Gradient `clamp(d, −δ, δ)`.
 * Reductions and weights: see `reduce.ts`.
 *
 * - Shapes: `yTrue`, `yPred` of one shape; `'none'` returns it (`shape[:-1]` with
 *   `meanOverLastAxis`).
 * - Options: `delta` (> 0, default 1), `reduction` (default `'mean'`), `sampleWeight`,
 *   `meanOverLastAxis`.
 * - Equivalents: PyTorch `F.huber_loss` / `nn.HuberLoss` (delta 1); Keras `Huber` (delta 1,
 *   per-sample mean over the last axis then `'sumOverBatchSize'`; registered as `'Huber'` — the
 *   bare name `'huber'` is this canonical function, equal to Keras's value without weights);
 *   tfjs `tf.losses.huberLoss` (delta 1; same value without weights).
 *
 * @example huber([0, 0], [0.5, 3]) // (0.125 + 2.5) / 2 = 1.3125
 * @example huber([0], [3], { delta: 2 }) // 2·(3 − 1) = 4
 */
export const huber = /* @__PURE__ */ loss({
  name: 'huber',
  options: { delta: /* @__PURE__ */ num({ gt: 0, default: 1 }) },
  meta: REGRESSION,
  layout: { kind: 'elementwise', kernel: ({ options }) => bindKernel(huberKernel, options) },
});

/**
 * Smooth L1 loss (PyTorch).
 *
 * With `d = ŷᵢ − yᵢ`: `lᵢ = d²/(2β)` if `|d| < β`, else `|d| − β/2`; `β = 0` gives the L1 loss
 * (as PyTorch). Gradient `clamp(d/β, −1, 1)` (`sign(d)` for `β = 0`). Equals
 * `huber(yTrue, yPred, { delta: β }) / β` for `β > 0`.
 *
 * - Shapes: as {@link huber}.
 * - Options: `beta` (≥ 0, default 1), `reduction` (default `'mean'`), `sampleWeight`,
 *   `meanOverLastAxis`.
 * - Equivalents: PyTorch `F.smooth_l1_loss` / `nn.SmoothL1Loss`. No Keras / tfjs equivalent.
 *
 * @example smoothL1([0, 0], [0.5, 3]) // (0.125 + 2.5) / 2 = 1.3125
 * @example smoothL1([0], [0.5], { beta: 0 }) // 0.5 (L1)
 */
export const smoothL1 = /* @__PURE__ */ loss({
  name: 'smoothL1',
  options: { beta: /* @__PURE__ */ num({ min: 0, default: 1 }) },
  meta: REGRESSION,
  layout: { kind: 'elementwise', kernel: ({ options }) => bindKernel(smoothL1Kernel, options) },
});

/**
 * Log-cosh loss (Keras).
 *
 * `lᵢ = log cosh(ŷᵢ − yᵢ)`, computed as `|x| + log1p(e^{−2|x|}) − log 2` for `|x| ≥ 1` (finite for
 * any finite `x`, where `cosh` would overflow past 710) and `log1p(2·sinh²(x/2))` below (exact
 * for tiny `x`). Gradient `tanh(ŷᵢ − yᵢ)`. Behaves like `x²/2` near 0 and `|x| − log 2` far out.
 *
 * - Shapes: as {@link huber}.
 * - Options: `reduction` (default `'mean'`), `sampleWeight`, `meanOverLastAxis`.
 * - Equivalents: Keras `log_cosh` / `LogCosh` (mean over the last axis, `'sumOverBatchSize'`);
 *   tfjs-layers `'logcosh'`. No PyTorch equivalent.
 *
 * @example logCosh([0], [1]) // log(cosh 1) ≈ 0.4337808
 */
export const logCosh = /* @__PURE__ */ loss({
  name: 'logCosh',
  options: {},
  meta: REGRESSION,
  layout: { kind: 'elementwise', kernel: () => bindKernel(logCoshKernel, NO_PARAMS) },
});

/** Rejects values ≤ −1 (where `log1p` is undefined), naming the first one. */
function checkAboveMinusOne(fn: string, arg: string, t: Tensor): void {
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    if (!(d[i] > -1)) {
      if (d[i] !== d[i]) return; // NaN: reported as NON_FINITE after the kernel
      throw new LosskitError(
        'OUT_OF_RANGE',
        fn,
        `'${arg}' must hold values > -1 (log1p is undefined at or below -1; pass 'eps' for Keras's clamping max(x, eps)); received ${describe(d[i])} at index ${fmtIndex(i, t.shape)}`,
        arg,
      );
    }
  }
}

/**
 * Mean squared logarithmic error.
 *
 * `lᵢ = (log1p(ŷᵢ) − log1p(yᵢ))²`; gradient `2(log1p(ŷᵢ) − log1p(yᵢ))/(1 + ŷᵢ)`.
 *
 * Domain: by default both inputs must be `> −1` (else `OUT_OF_RANGE`), the exact formula with
 * no clipping (scikit-learn's `mean_squared_log_error` is stricter and rejects negatives). With
 * `eps` set, both inputs are clamped to `max(x, eps)` first, as Keras does (`eps = 1e-7`; the
 * Keras aliases set it): no range error, zero gradient where `ŷ < eps`.
 *
 * - Shapes: as {@link huber}.
 * - Options: `eps` (clamp floor, default none), `reduction` (default `'mean'`), `sampleWeight`,
 *   `meanOverLastAxis`.
 * - Equivalents: Keras `msle` / `mean_squared_logarithmic_error` / `MeanSquaredLogarithmicError`
 *   (`eps: 1e-7`, mean over the last axis, `'sumOverBatchSize'`); tfjs-layers
 *   `'meanSquaredLogarithmicError'` (same). No PyTorch equivalent.
 *
 * @example meanSquaredLogError([0, Math.E - 1], [Math.E - 1, Math.E - 1]) // 0.5
 */
export const meanSquaredLogError = /* @__PURE__ */ loss({
  name: 'meanSquaredLogError',
  options: { eps: /* @__PURE__ */ num({ min: 0 }) },
  meta: REGRESSION,
  layout: {
    kind: 'elementwise',
    kernel: ({ fn, options: { eps }, yTrue, yPred }) => {
      if (eps === undefined) {
        checkAboveMinusOne(fn, 'yTrue', yTrue);
        checkAboveMinusOne(fn, 'yPred', yPred);
      }
      return bindKernel(squaredLogErrorKernel, { eps: eps ?? null });
    },
  },
});

/**
 * Mean absolute percentage error (Keras), in percent.
 *
 * `lᵢ = 100·|yᵢ − ŷᵢ| / max(|yᵢ|, eps)`; gradient `100·sign(ŷᵢ − yᵢ)/max(|yᵢ|, eps)`.
 * Note the ×100 (Keras, tfjs); the metric `metrics.meanAbsolutePercentageError` is a fraction, as
 * scikit-learn's.
 *
 * - Shapes: as {@link huber}.
 * - Options: `eps` (> 0, default `1e-7` as Keras), `reduction` (default `'mean'`),
 *   `sampleWeight`, `meanOverLastAxis`.
 * - Equivalents: Keras `mape` / `mean_absolute_percentage_error` /
 *   `MeanAbsolutePercentageError` (mean over the last axis, `'sumOverBatchSize'`); tfjs-layers
 *   `'meanAbsolutePercentageError'`. No PyTorch equivalent.
 *
 * @example meanAbsolutePercentageError([2, -4], [1, -3]) // (50 + 25) / 2 = 37.5
 */
export const meanAbsolutePercentageError = /* @__PURE__ */ loss({
  name: 'meanAbsolutePercentageError',
  options: { eps: /* @__PURE__ */ num({ gt: 0, default: 1e-7 }) },
  meta: REGRESSION,
  layout: { kind: 'elementwise', kernel: ({ options }) => bindKernel(absolutePercentageErrorKernel, options) },
});

/**
 * Kernel of the pinball loss: with `d = y − ŷ`, `l = α·d` for `d ≥ 0`, else `(α − 1)·d`;
 * `g = −α` for `d ≥ 0` (the branch scikit-learn's `sign = diff >= 0` takes at a tie), else `1 − α`.
 */
export const pinballKernel: ElementwiseKernel<{ alpha: number }> = ({
  n,
  yTrue,
  yPred,
  w,
  scale,
  out,
  grad,
  params: { alpha },
}) => {
  const am1 = alpha - 1;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = yTrue[i] - yPred[i];
    const wi = w === null ? 1 : w[i];
    const pos = d >= 0;
    const l = wi * (pos ? alpha * d : am1 * d);
    s += l;
    if (out !== null) out[i] = l;
    if (grad !== null) grad[i] = scale * wi * (pos ? -alpha : -am1);
  }
  return s;
};

/**
 * Pinball (quantile) loss: the loss whose minimiser is the `α`-quantile.
 *
 * With `d = yᵢ − ŷᵢ`: `lᵢ = α·d` if `d ≥ 0` (under-prediction), else `(α − 1)·d`
 * (over-prediction); `α = 0.5` is half the absolute error. Gradient `−α` where `d ≥ 0` (ties
 * included, as scikit-learn's formula), else `1 − α`. Reductions and weights: see `reduce.ts`.
 *
 * - Shapes: `yTrue`, `yPred` of one shape (any rank); `'none'` returns it (`shape[:-1]` with
 *   `meanOverLastAxis`).
 * - Options: `alpha` (the quantile, in [0, 1], default 0.5 as scikit-learn), `reduction`
 *   (default `'mean'`), `sampleWeight`, `meanOverLastAxis`.
 * - Equivalents: scikit-learn `mean_pinball_loss(y_true, y_pred, sample_weight, alpha)`
 *   (`getLoss('mean_pinball_loss')`; for `[N, D]` its `'uniform_average'` of per-column
 *   weighted means equals the weighted mean over all elements with per-row weights);
 *   TensorFlow Addons `pinball_loss` (`tau` = `alpha`); LightGBM / XGBoost `quantile`
 *   objectives. No PyTorch / Keras / tfjs built-in.
 *
 * @example pinball([1, 2], [2, 0], { alpha: 0.9 }) // (0.1·1 + 0.9·2)/2 = 0.95
 */
export const pinball = /* @__PURE__ */ loss({
  name: 'pinball',
  options: { alpha: /* @__PURE__ */ num({ min: 0, max: 1, default: 0.5 }) },
  meta: REGRESSION,
  layout: { kind: 'elementwise', kernel: ({ options }) => bindKernel(pinballKernel, options) },
});

export const regressionLosses: LossEntry[] = [
  {
    name: 'meanSquaredError',
    fn: meanSquaredError,
    description: 'Mean squared error (yᵢ − ŷᵢ)² — PyTorch mse_loss, Keras mse, tfjs meanSquaredError',
    aliases: [
      { name: 'mse_loss', dialect: 'pytorch' },
      { name: 'MSELoss', dialect: 'pytorch' },
      { name: 'mse', dialect: 'keras', defaults: KERAS_DEFAULTS },
      { name: 'mean_squared_error', dialect: 'keras', defaults: KERAS_DEFAULTS },
      { name: 'MeanSquaredError', dialect: 'keras', defaults: KERAS_DEFAULTS },
      // tfjs: tf.losses.meanSquaredError (Reduction.SUM_BY_NONZERO_WEIGHTS) and the layers
      // string 'meanSquaredError' (mean over the last axis): both equal the plain mean without weights.
      { name: 'tf.losses.meanSquaredError', dialect: 'tfjs', defaults: TFJS_CORE },
    ],
  },
  {
    name: 'meanAbsoluteError',
    fn: meanAbsoluteError,
    description: 'Mean absolute error |yᵢ − ŷᵢ| — PyTorch l1_loss, Keras mae, tfjs absoluteDifference',
    aliases: [
      { name: 'l1_loss', dialect: 'pytorch' },
      { name: 'L1Loss', dialect: 'pytorch' },
      { name: 'mae', dialect: 'keras', defaults: KERAS_DEFAULTS },
      { name: 'mean_absolute_error', dialect: 'keras', defaults: KERAS_DEFAULTS },
      { name: 'MeanAbsoluteError', dialect: 'keras', defaults: KERAS_DEFAULTS },
      { name: 'absoluteDifference', dialect: 'tfjs', defaults: TFJS_CORE },
      { name: 'tf.losses.absoluteDifference', dialect: 'tfjs', defaults: TFJS_CORE },
    ],
  },
  {
    name: 'huber',
    fn: huber,
    description: 'Huber loss ½d² inside |d| ≤ δ, δ(|d| − ½δ) outside — PyTorch huber_loss, Keras Huber, tfjs huberLoss',
    aliases: [
      { name: 'huber_loss', dialect: 'pytorch' },
      { name: 'HuberLoss', dialect: 'pytorch' },
      { name: 'Huber', dialect: 'keras', defaults: KERAS_DEFAULTS },
      { name: 'huberLoss', dialect: 'tfjs', defaults: TFJS_CORE },
      { name: 'tf.losses.huberLoss', dialect: 'tfjs', defaults: TFJS_CORE },
    ],
  },
  {
    name: 'smoothL1',
    fn: smoothL1,
    description: 'Smooth L1 loss d²/(2β) inside |d| < β, |d| − β/2 outside (β = 0: L1) — PyTorch smooth_l1_loss',
    aliases: [
      { name: 'smooth_l1_loss', dialect: 'pytorch' },
      { name: 'SmoothL1Loss', dialect: 'pytorch' },
    ],
  },
  {
    name: 'logCosh',
    fn: logCosh,
    description: 'Log-cosh loss log(cosh(ŷ − y)), overflow-free — Keras log_cosh, tfjs-layers logcosh',
    aliases: [
      { name: 'log_cosh', dialect: 'keras', defaults: KERAS_DEFAULTS },
      { name: 'logcosh', dialect: 'keras', defaults: KERAS_DEFAULTS },
      { name: 'LogCosh', dialect: 'keras', defaults: KERAS_DEFAULTS },
    ],
  },
  {
    name: 'meanSquaredLogError',
    fn: meanSquaredLogError,
    description:
      'Mean squared logarithmic error (log1p ŷ − log1p y)² — Keras msle (with eps clamping), tfjs-layers meanSquaredLogarithmicError',
    aliases: [
      { name: 'msle', dialect: 'keras', defaults: KERAS_MSLE },
      { name: 'mean_squared_logarithmic_error', dialect: 'keras', defaults: KERAS_MSLE },
      { name: 'MeanSquaredLogarithmicError', dialect: 'keras', defaults: KERAS_MSLE },
      { name: 'meanSquaredLogarithmicError', dialect: 'tfjs', defaults: KERAS_MSLE },
    ],
  },
  {
    name: 'meanAbsolutePercentageError',
    fn: meanAbsolutePercentageError,
    description:
      'Mean absolute percentage error 100·|y − ŷ|/max(|y|, ε) — Keras mape, tfjs-layers meanAbsolutePercentageError',
    aliases: [
      { name: 'mape', dialect: 'keras', defaults: KERAS_DEFAULTS },
      { name: 'mean_absolute_percentage_error', dialect: 'keras', defaults: KERAS_DEFAULTS },
      { name: 'MeanAbsolutePercentageError', dialect: 'keras', defaults: KERAS_DEFAULTS },
    ],
  },
  {
    name: 'pinball',
    fn: pinball,
    description: 'Pinball (quantile) loss α·d for d = y − ŷ ≥ 0, (α − 1)·d below — scikit-learn mean_pinball_loss',
    aliases: [
      { name: 'quantile', dialect: 'generic' },
      { name: 'mean_pinball_loss', dialect: 'sklearn' },
    ],
  },
];
