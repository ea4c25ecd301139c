/**
 * Divergence and probabilistic losses: Kullback–Leibler divergence (PyTorch `kl_div` on
 * log-probabilities; Keras `kl_divergence` on probabilities), Poisson and Gaussian negative
 * log-likelihoods, and the (negative) cosine similarity. Element-wise ones are a fused kernel
 * plus the shared element-wise wrapper; reductions and weights are the shared reducer's
 * (see `reduce.ts`).
 */
import { LosskitError, describe, fmtShape } from '../errors.js';
import type { ReductionPlan } from '../reduce.js';
import type { FloatArray, Shape, Tensor } from '../tensor.js';
import { shapesEqual, tensor } from '../tensor.js';
import { checkNumberOption, fmtIndex } from '../validate.js';
import type { ElementwiseKernel, LossMeta, Prepared } from './define.js';
import { bindKernel, bool, loss, num, tensorOption } from './define.js';
import { KERAS_EPSILON, KERAS_REDUCED as KERAS_DEFAULTS, TFJS_CORE } from './dialects.js';
import type { LossEntry } from './registry-types.js';

/**
 * The axis a loss reduces over (`axis` option, default −1, negative counting from the end) and
 * the sizes before (`outer`) and after (`inner`) it; `yPred` must have at least one dimension.
 */
function reductionAxis(
  fn: string,
  shape: Shape,
  axisOption: number | undefined,
  what: string,
): { axis: number; outer: number; inner: number } {
  const rank = shape.length;
  if (rank === 0) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'yPred' is a scalar; expected at least one dimension (${what})`,
      'yPred',
    );
  }
  const a =
    axisOption === undefined
      ? -1
      : checkNumberOption(fn, 'axis', axisOption, { integer: true, min: -rank, max: rank - 1 });
  const axis = a < 0 ? a + rank : a;
  let outer = 1;
  let inner = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d];
  for (let d = axis + 1; d < rank; d++) inner *= shape[d];
  return { axis, outer, inner };
}
import { wasmTwin } from '../wasm/dispatch.js';

function checkNonNegative(fn: string, arg: string, t: Tensor, what: string): void {
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    if (d[i] < 0) {
      throw new LosskitError(
        'OUT_OF_RANGE',
        fn,
        `'${arg}' must hold ${what} >= 0; received ${describe(d[i])} at index ${fmtIndex(i, t.shape)}`,
        arg,
      );
    }
  }
}

/**
 * Runs a per-element kernel whose loss elements are **sums** over the last axis (`k` values
 * each, Keras's `ops.sum(..., axis=-1)`): sample weights are expanded per row, 'none' values
 * are summed per row.
 */
function runLastAxisSum<P>(
  kernel: ElementwiseKernel<P>,
  inputs: { yTrue: FloatArray; yPred: FloatArray; k: number; params: P },
  plan: ReductionPlan,
  grad: Float64Array | null,
): { sum: number; perElement: Float64Array | null } {
  const { yTrue, yPred, k, params } = inputs;
  const n = yPred.length;
  let w: Float64Array | null = null;
  if (plan.weights !== null) {
    w = new Float64Array(n);
    for (let i = 0; i < plan.weights.length; i++) w.fill(plan.weights[i], i * k, (i + 1) * k);
  }
  const out = plan.reduction === 'none' ? new Float64Array(n) : null;
  const sum = kernel({ n, yTrue, yPred, w, scale: plan.gradScale, out, grad, params });
  if (out === null) return { sum, perElement: null };
  const rows = new Float64Array(n / k);
  for (let r = 0, j = 0; r < rows.length; r++) {
    let s = 0;
    for (let e = j + k; j < e; j++) s += out[j];
    rows[r] = s;
  }
  return { sum, perElement: rows };
}

/** What `yPred` and `yTrue` of each divergence are. */
const meta = (input: LossMeta['input'], batchInputs?: readonly string[]): LossMeta =>
  batchInputs === undefined
    ? { input, target: 'other', meanDenominator: 'count' }
    : { input, target: 'other', meanDenominator: 'count', batchInputs };

// ---------------------------------------------------------------------------------------------
// klDivergence
// ---------------------------------------------------------------------------------------------

interface KLParams {
  logTarget: boolean;
}

/** `l = t·(log t − x)` (0 where t = 0, PyTorch's xlogy), `∂l/∂x = −t`; with `logTarget`,
 * `l = eᵗ·(t − x)`, `∂l/∂x = −eᵗ`. */
const klJs: ElementwiseKernel<KLParams> = ({ n, yTrue, yPred, w, scale, out, grad, params }) => {
  let s = 0;
  const logTarget = params.logTarget;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i];
    const x = yPred[i];
    let l: number;
    let g: number;
    if (logTarget) {
      const et = Math.exp(t);
      l = et * (t - x);
      g = -et;
    } else {
      l = t === 0 ? 0 : t * (Math.log(t) - x);
      g = -t;
    }
    const wi = w === null ? 1 : w[i];
    s += wi * l;
    if (out !== null) out[i] = wi * l;
    if (grad !== null) grad[i] = scale * wi * g;
  }
  return s;
};
/** {@link klJs} with its WASM twin (src/wasm/dispatch.ts): float32 inputs. */
const klKernel = /* @__PURE__ */ wasmTwin(klJs, ({ logTarget }: KLParams) => ({ kind: logTarget ? 'klLog' : 'kl' }));

/**
 * Kullback–Leibler divergence, PyTorch `F.kl_div` semantics: `yPred` holds **log-probabilities**
 * `x = log q`, `yTrue` the target distribution `p`.
 *
 * `lᵢ = pᵢ·(log pᵢ − xᵢ)` (0 where `pᵢ = 0`); with `logTarget: true` `yTrue` holds `log p` and
 * `lᵢ = e^{yᵢ}·(yᵢ − xᵢ)`. Gradient `∂lᵢ/∂xᵢ = −pᵢ`.
 *
 * - Shapes: `yTrue`, `yPred` of one shape; `'none'` returns it.
 * - Options: `reduction` — default `'mean'`, which is PyTorch's **element** mean (not the KL
 *   divergence: PyTorch warns about it); `'batchmean'` (`Σ lᵢ / N`, N = `yPred.shape[0]`) gives the
 *   true mean KL per sample; `'sum'`, `'none'` (see `reduce.ts`). `logTarget` (default false),
 *   `sampleWeight`, `meanOverLastAxis`.
 * - Targets must be >= 0 unless `logTarget` (`OUT_OF_RANGE`).
 * - Equivalents: PyTorch `F.kl_div` / `nn.KLDivLoss`. Keras `kl_divergence` / `kld` /
 *   `KLDivergence` and tfjs `'kullbackLeiblerDivergence'` are a different function (probabilities,
 *   clipped to [1e-7, 1], summed over the last axis): the aliases of those names are
 *   {@link kerasKLDivergence}.
 *
 * @example klDivergence([[0.5, 0.5]], [[Math.log(0.25), Math.log(0.75)]], { reduction: 'batchmean' }) // ≈ 0.1438
 */
export const klDivergence = /* @__PURE__ */ loss({
  name: 'klDivergence',
  options: { logTarget: /* @__PURE__ */ bool(false) },
  meta: /* @__PURE__ */ meta('logProbabilities'),
  layout: {
    kind: 'elementwise',
    kernel: ({ fn, options, yTrue }) => {
      if (!options.logTarget) checkNonNegative(fn, 'yTrue', yTrue, 'probabilities (logTarget is false)');
      return bindKernel(klKernel, options);
    },
  },
});

interface KerasKLParams {
  eps: number;
}

/** Keras: `l = Σ_c ỹ_c·log(ỹ_c/p̃_c)`, `ỹ = clip(y, ε, 1)`, `p̃ = clip(ŷ, ε, 1)`; gradient
 * `−ỹ_c/p̃_c` where ŷ is inside [ε, 1] (clip passes the gradient at the bounds), else 0. */
const kerasKLKernel: ElementwiseKernel<KerasKLParams> = ({ n, yTrue, yPred, w, scale, out, grad, params }) => {
  const eps = params.eps;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const yr = yTrue[i];
    const pr = yPred[i];
    const y = yr < eps ? eps : yr > 1 ? 1 : yr;
    const p = pr < eps ? eps : pr > 1 ? 1 : pr;
    const l = y * Math.log(y / p);
    const wi = w === null ? 1 : w[i];
    s += wi * l;
    if (out !== null) out[i] = wi * l;
    if (grad !== null) grad[i] = pr >= eps && pr <= 1 ? (-scale * wi * y) / p : 0;
  }
  return s;
};

/**
 * Keras's KL divergence on probabilities: `l = Σ_c ỹ_c·log(ỹ_c / p̃_c)` over the **last axis**,
 * with `ỹ = clip(yTrue, 1e-7, 1)` and `p̃ = clip(yPred, 1e-7, 1)` (Keras 3 `kl_divergence`).
 * Gradient `−ỹ_c/p̃_c`, 0 where `yPred` was clipped.
 *
 * - Shapes: `yTrue`, `yPred` of one shape `[..., C]`; `'none'` returns `[...]`.
 * - Options: `reduction` (default `'sumOverBatchSize'`), `sampleWeight`, `eps` (default 1e-7).
 * - Equivalents: Keras `kl_divergence` / `kld` / `KLDivergence`; tfjs layers
 *   `'kullbackLeiblerDivergence'` (which multiplies by the unclipped `yTrue`: it differs only
 *   where `yTrue < 1e-7`). PyTorch's `kl_div` is {@link klDivergence}.
 *
 * @example kerasKLDivergence([[0.5, 0.5]], [[0.25, 0.75]]) // ≈ 0.1438
 */
export const kerasKLDivergence = /* @__PURE__ */ loss({
  name: 'kerasKLDivergence',
  options: { eps: /* @__PURE__ */ num({ gt: 0, max: 1, default: KERAS_EPSILON }) },
  meta: /* @__PURE__ */ meta('probabilities'),
  // Keras clips both to [ε, 1]: values outside [0, 1] would be clipped silently, so they are errors.
  domains: { yTrue: 'probability', yPred: 'probability' },
  defaults: KERAS_DEFAULTS,
  layout: {
    kind: 'prepared',
    sameShape: true,
    prepare: ({ fn, options, yTrue, yPred }): Prepared => {
      if (yPred.shape.length === 0) {
        throw new LosskitError(
          'SHAPE_MISMATCH',
          fn,
          `'yPred' is a scalar; expected at least one dimension (the class axis, last)`,
          'yPred',
        );
      }
      const k = yPred.shape[yPred.shape.length - 1];
      const inputs = { yTrue: yTrue.data, yPred: yPred.data, k, params: options };
      return {
        lossShape: yPred.shape.slice(0, -1),
        gradWrites: 'accumulate',
        run: (plan, grad) => runLastAxisSum(kerasKLKernel, inputs, plan, grad),
      };
    },
  },
});

// ---------------------------------------------------------------------------------------------
// poissonNll
// ---------------------------------------------------------------------------------------------

interface PoissonParams {
  logInput: boolean;
  full: boolean;
  eps: number;
}

/** `logInput`: `l = eˣ − t·x`, `∂l/∂x = eˣ − t`; else `l = x − t·log(x + ε)`,
 * `∂l/∂x = 1 − t/(x + ε)`. `full` adds Stirling's `t·log t − t + ½·log(2πt)` where t > 1. */
const poissonKernel: ElementwiseKernel<PoissonParams> = ({ n, yTrue, yPred, w, scale, out, grad, params }) => {
  const { logInput, full, eps } = params;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i];
    const x = yPred[i];
    let l: number;
    let g: number;
    if (logInput) {
      const ex = Math.exp(x);
      l = ex - t * x;
      g = ex - t;
    } else {
      l = x - t * Math.log(x + eps);
      g = 1 - t / (x + eps);
    }
    if (full && t > 1) l += t * Math.log(t) - t + 0.5 * Math.log(2 * Math.PI * t);
    const wi = w === null ? 1 : w[i];
    s += wi * l;
    if (out !== null) out[i] = wi * l;
    if (grad !== null) grad[i] = scale * wi * g;
  }
  return s;
};

/**
 * Poisson negative log-likelihood (PyTorch `F.poisson_nll_loss`).
 *
 * `logInput: true` (default; `yPred` is `log λ`): `lᵢ = e^{xᵢ} − tᵢ·xᵢ`; `logInput: false`
 * (`yPred` is the rate λ): `lᵢ = xᵢ − tᵢ·log(xᵢ + eps)`. `full: true` adds Stirling's
 * approximation of `log(t!)`, `t·log t − t + ½·log(2πt)`, where `t > 1`.
 * Gradient `e^{x} − t`, resp. `1 − t/(x + eps)`.
 *
 * - Shapes: `yTrue`, `yPred` of one shape; `'none'` returns it.
 * - Options: `reduction` (default `'mean'`), `logInput` (true), `full` (false), `eps` (1e-8),
 *   `sampleWeight`, `meanOverLastAxis`.
 * - Equivalents: PyTorch `F.poisson_nll_loss` / `nn.PoissonNLLLoss`; Keras `poisson` / `Poisson`
 *   and tfjs layers `'poisson'` are `ŷ − y·log(ŷ + 1e-7)` averaged over the last axis: this
 *   function with `logInput: false, eps: 1e-7, meanOverLastAxis: true` (their aliases bind that).
 *
 * @example poissonNll([2], [0]) // e⁰ − 2·0 = 1
 */
export const poissonNll = /* @__PURE__ */ loss({
  name: 'poissonNll',
  options: {
    logInput: /* @__PURE__ */ bool(true),
    full: /* @__PURE__ */ bool(false),
    eps: /* @__PURE__ */ num({ min: 0, default: 1e-8 }),
  },
  meta: /* @__PURE__ */ meta('values'),
  // Without logInput, yPred is the rate itself: a negative rate has no log (NaN before).
  domains: (o) => (o.logInput ? {} : { yPred: 'nonNegative' }),
  layout: { kind: 'elementwise', kernel: ({ options }) => bindKernel(poissonKernel, options) },
});

// ---------------------------------------------------------------------------------------------
// gaussianNll
// ---------------------------------------------------------------------------------------------

/**
 * Gaussian negative log-likelihood kernel over `n` elements whose variance is `v[i / vDiv]`
 * (`vDiv = 1` same shape, `vDiv = last dim` for a per-row variance):
 * `l = ½·(log v̂ + (x − t)²/v̂) (+ ½·log 2π)`, `v̂ = max(v, eps)`;
 * `∂l/∂x = (x − t)/v̂`, `∂l/∂v = ½·(1/v̂ − (x − t)²/v̂²)` accumulated into `gv[i / vDiv]`.
 */
interface GaussianNllArgs {
  n: number;
  t: FloatArray;
  x: FloatArray;
  /** Variances, one per element (`vDiv = 1`) or one per row of `vDiv` elements. */
  v: FloatArray;
  vDiv: number;
  eps: number;
  full: boolean;
  w: Float64Array | null;
  scale: number;
  out: Float64Array | null;
  grad: Float64Array | null;
  /** Gradient with respect to the variance (accumulated), or null. */
  gv: Float64Array | null;
}

function gaussianNllKernel({ n, t, x, v, vDiv, eps, full, w, scale, out, grad, gv }: GaussianNllArgs): number {
  const c = full ? 0.5 * Math.log(2 * Math.PI) : 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const vi = vDiv === 1 ? i : (i / vDiv) | 0;
    const raw = v[vi];
    const vv = raw < eps ? eps : raw;
    const d = x[i] - t[i];
    const l = 0.5 * (Math.log(vv) + (d * d) / vv) + c;
    const wi = w === null ? 1 : w[i];
    s += wi * l;
    if (out !== null) out[i] = wi * l;
    const g = scale * wi;
    if (grad !== null) grad[i] = (g * d) / vv;
    // PyTorch clamps a clone of the variance under no_grad: autograd differentiates log(v̂) and
    // 1/v̂ at the clamped value and passes that gradient straight to the variance (1.13).
    if (gv !== null) gv[vi] += g * 0.5 * (1 / vv - (d * d) / (vv * vv));
  }
  return s;
}

/**
 * Gaussian negative log-likelihood (PyTorch `F.gaussian_nll_loss`): `yPred` is the predicted mean,
 * `yTrue` the target, `options.variance` the predicted variance.
 *
 * `lᵢ = ½·(log max(vᵢ, eps) + (ŷᵢ − yᵢ)² / max(vᵢ, eps))`, plus `½·log 2π` with `full`.
 * Gradients: `∂lᵢ/∂ŷᵢ = (ŷᵢ − yᵢ)/v̂ᵢ` and, returned as `extraGrads.variance` (variance's shape),
 * `∂lᵢ/∂vᵢ = ½·(1/v̂ᵢ − (ŷᵢ − yᵢ)²/v̂ᵢ²)`. As in PyTorch's autograd, where the variance is clamped
 * to `eps` this is the derivative at `eps` (PyTorch clamps a clone in-place under `no_grad`, so the
 * gradient is not zeroed).
 *
 * - Shapes (PyTorch's rules): `yTrue`, `yPred` of one shape `[..., D]`; `variance` of the same
 *   shape (heteroscedastic), or `[...]` / `[..., 1]` (one variance per row, homoscedastic).
 *   `'none'` returns `yPred`'s shape.
 * - Options: `variance` (required, >= 0; a negative entry is `OUT_OF_RANGE`), `full` (false),
 *   `eps` (1e-6), `reduction` (default `'mean'`), `sampleWeight`.
 * - Equivalents: PyTorch `F.gaussian_nll_loss` / `nn.GaussianNLLLoss`. No Keras/tfjs loss.
 *
 * @example gaussianNll([0], [1], { variance: [1] }) // ½·(0 + 1) = 0.5
 */
export const gaussianNll = /* @__PURE__ */ loss({
  name: 'gaussianNll',
  options: {
    variance: /* @__PURE__ */ tensorOption(),
    full: /* @__PURE__ */ bool(false),
    eps: /* @__PURE__ */ num({ min: 0, default: 1e-6 }),
  },
  meta: /* @__PURE__ */ meta('values', ['variance']),
  layout: {
    kind: 'prepared',
    sameShape: true,
    prepare: ({ fn, options, yTrue, yPred }): Prepared => {
      const { full, eps } = options;
      if (options.variance === undefined) {
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `option 'variance' is required (the predicted variance, of yPred's shape ${fmtShape(yPred.shape)} or ${fmtShape(yPred.shape.slice(0, -1))})`,
          'variance',
        );
      }
      const variance = tensor(options.variance, undefined, fn, 'variance');
      const xs = yPred.shape;
      const vs = variance.shape;
      let vDiv: number;
      if (shapesEqual(vs, xs)) vDiv = 1;
      else if (
        xs.length > 0 &&
        (shapesEqual(vs, xs.slice(0, -1)) ||
          (vs.length === xs.length && vs[vs.length - 1] === 1 && shapesEqual(vs.slice(0, -1), xs.slice(0, -1))))
      ) {
        vDiv = xs[xs.length - 1];
      } else {
        const rowShape: Shape = xs.length > 0 ? xs.slice(0, -1) : [];
        throw new LosskitError(
          'SHAPE_MISMATCH',
          fn,
          `option 'variance' has shape ${fmtShape(vs)} but 'yPred' has shape ${fmtShape(xs)}; expected ${fmtShape(xs)} (heteroscedastic), ${fmtShape(rowShape)} or ${fmtShape([...rowShape, 1])} (one variance per row)`,
          'variance',
        );
      }
      checkNonNegative(fn, 'variance', variance, 'variances');
      return {
        lossShape: xs,
        explain: [['variance', variance]],
        extraGrads: [['variance', variance]],
        gradWrites: 'accumulate',
        run: (plan, grad, [gv = null]) => {
          const out = plan.reduction === 'none' ? new Float64Array(yPred.data.length) : null;
          const sum = gaussianNllKernel({
            n: yPred.data.length,
            t: yTrue.data,
            x: yPred.data,
            v: variance.data,
            vDiv,
            eps,
            full,
            w: plan.weights,
            scale: plan.gradScale,
            out,
            grad,
            gv,
          });
          return { sum, perElement: out };
        },
      };
    },
  },
});

// ---------------------------------------------------------------------------------------------
// cosineSimilarity
// ---------------------------------------------------------------------------------------------

/** Keras `normalize` / `tf.math.l2_normalize`: x / sqrt(max(Σx², 1e-12)). */
const L2_EPS = 1e-12;

/**
 * Negative cosine similarity along an axis over `outer × D × inner` data:
 * `l = −Σ_c ŷ_c·y_c / (‖ŷ‖ₑ·‖y‖ₑ)` with `‖x‖ₑ = sqrt(max(Σx², 1e-12))`;
 * `∂l/∂ŷ_k = −(ỹ_k − ŷ̃_k·cos)/‖ŷ‖ₑ` (ỹ, ŷ̃ normalised; just `−ỹ_k/‖ŷ‖ₑ` where the norm is clamped).
 * `offset` is added to every value (1 for tfjs's cosine distance).
 */
interface CosineArgs {
  outer: number;
  D: number;
  inner: number;
  y: FloatArray;
  p: FloatArray;
  /** 0 (`−cos`, Keras) or 1 (`1 − cos`, tfjs). */
  offset: number;
  w: Float64Array | null;
  scale: number;
  out: Float64Array | null;
  grad: Float64Array | null;
}

function cosineKernel({ outer, D, inner, y, p, offset, w, scale, out, grad }: CosineArgs): number {
  const rowStride = D * inner;
  let total = 0;
  let i = 0;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++, i++) {
      const base = o * rowStride + k;
      const end = base + rowStride;
      let yy = 0,
        pp = 0,
        yp = 0;
      for (let j = base; j < end; j += inner) {
        const a = y[j],
          b = p[j];
        yy += a * a;
        pp += b * b;
        yp += a * b;
      }
      const ppc = pp > L2_EPS ? pp : L2_EPS;
      const iy = 1 / Math.sqrt(yy > L2_EPS ? yy : L2_EPS);
      const ip = 1 / Math.sqrt(ppc);
      const cos = yp * iy * ip;
      const l = offset - cos;
      const wi = w === null ? 1 : w[i];
      total += wi * l;
      if (out !== null) out[i] = wi * l;
      if (grad !== null) {
        const g = -scale * wi * ip;
        const clamped = !(pp > L2_EPS);
        for (let j = base; j < end; j += inner) grad[j] = clamped ? g * y[j] * iy : g * (y[j] * iy - p[j] * ip * cos);
      }
    }
  }
  return total;
}

function cosineLoss(name: string, offset: number) {
  return loss({
    name,
    options: { axis: /* @__PURE__ */ num({ integer: true }) },
    meta: /* @__PURE__ */ meta('values'),
    layout: {
      kind: 'prepared',
      sameShape: true,
      prepare: ({ fn, options, yTrue, yPred }): Prepared => {
        const { axis, outer, inner } = reductionAxis(fn, yPred.shape, options.axis, 'the feature axis');
        const lossShape = [...yPred.shape.slice(0, axis), ...yPred.shape.slice(axis + 1)];
        return {
          lossShape,
          gradWrites: 'accumulate',
          run: (plan, grad) => {
            const out = plan.reduction === 'none' ? new Float64Array(outer * inner) : null;
            const sum = cosineKernel({
              outer,
              D: yPred.shape[axis],
              inner,
              y: yTrue.data,
              p: yPred.data,
              offset,
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
}

/**
 * Negative cosine similarity (Keras `cosine_similarity` semantics).
 *
 * `lᵢ = −Σ_c ŷ_c·y_c / (‖ŷ‖·‖y‖)` along `axis`, each norm computed as `sqrt(max(Σx², 1e-12))`
 * (`tf.math.l2_normalize`'s epsilon), so a zero vector gives 0 rather than NaN. Ranges over
 * [−1, 1]; −1 is perfect alignment. Gradient `−(ỹ − ŷ̃·cos)/‖ŷ‖` (ỹ, ŷ̃ the normalised vectors).
 *
 * - Shapes: `yTrue`, `yPred` of one shape; `'none'` returns it without `axis`.
 * - Options: `axis` (default −1), `reduction` (default `'mean'`; the Keras aliases
 *   `'sumOverBatchSize'`), `sampleWeight`.
 * - Equivalents: Keras `cosine_similarity` / `CosineSimilarity`; tfjs layers `'cosineProximity'`
 *   (which floors Σx² at 1e-7 instead of 1e-12 — equal unless a norm is below ~3e-4);
 *   `tf.losses.cosineDistance` is `1 − Σ y·ŷ` without normalising: alias `cosineDistance`
 *   ({@link tfjsCosineDistance}).
 *   PyTorch has `F.cosine_similarity` (a similarity, eps 1e-8 on each norm), not a loss.
 *
 * @example cosineSimilarity([[0, 1], [1, 1]], [[1, 0], [1, 1]], { reduction: 'none' }) // [0, −1] (to 1 ulp)
 */
export const cosineSimilarity = /* @__PURE__ */ cosineLoss('cosineSimilarity', 0);

/**
 * Cosine distance as TensorFlow.js `tf.losses.cosineDistance(labels, predictions, axis)`:
 * `lᵢ = 1 − Σ_c y_c·ŷ_c` along `axis` (default −1), **without normalising** (tfjs documents that
 * both inputs must already be unit vectors, and computes the dot product as it is — so the
 * value can be negative). The reduced axis is kept with size 1 (tfjs `keepDims`): `'none'`
 * returns `yPred`'s shape with `axis` of length 1, and `sampleWeight` broadcasts against that.
 * Gradient `−y_c`, scaled by the reduction. The tfjs aliases add tfjs's default reduction
 * `'sumByNonzeroWeights'` and NumPy weight broadcasting.
 *
 * @example getLoss('cosineDistance')([[0, 1]], [[0, 2]], { axis: 1 }) // −1 (1 − 2: not normalised, as tfjs)
 */
export const tfjsCosineDistance = /* @__PURE__ */ loss({
  name: 'tfjsCosineDistance',
  options: { axis: /* @__PURE__ */ num({ integer: true }) },
  meta: /* @__PURE__ */ meta('values'),
  layout: {
    kind: 'prepared',
    sameShape: true,
    prepare: ({ fn, options, yTrue, yPred }): Prepared => {
      const { axis, outer, inner } = reductionAxis(fn, yPred.shape, options.axis, 'the axis of the dot product');
      const D = yPred.shape[axis];
      const lossShape = yPred.shape.map((d, i) => (i === axis ? 1 : d));
      const y = yTrue.data;
      const p = yPred.data;
      return {
        lossShape,
        gradWrites: 'accumulate',
        run: (plan, grad) => {
          const w = plan.weights;
          const out = plan.reduction === 'none' ? new Float64Array(outer * inner) : null;
          let sum = 0;
          for (let o = 0; o < outer; o++) {
            for (let j = 0; j < inner; j++) {
              const e = o * inner + j;
              const base = o * D * inner + j;
              let dot = 0;
              for (let c = 0; c < D; c++) dot += y[base + c * inner] * p[base + c * inner];
              const wi = w === null ? 1 : w[e];
              const l = wi * (1 - dot);
              sum += l;
              if (out !== null) out[e] = l;
              if (grad !== null) {
                const g = -plan.gradScale * wi;
                for (let c = 0; c < D; c++) grad[base + c * inner] = g * y[base + c * inner];
              }
            }
          }
          return { sum, perElement: out };
        },
      };
    },
  },
});

export const divergenceLosses: LossEntry[] = [
  {
    name: 'klDivergence',
    fn: klDivergence,
    description:
      'Kullback–Leibler divergence on log-probabilities (PyTorch kl_div; batchmean); Keras aliases: on probabilities, clipped',
    aliases: [
      { name: 'kl_div', dialect: 'pytorch' },
      { name: 'KLDivLoss', dialect: 'pytorch' },
      { name: 'kl_divergence', dialect: 'keras', fn: kerasKLDivergence, defaults: KERAS_DEFAULTS },
      { name: 'kld', dialect: 'keras', fn: kerasKLDivergence, defaults: KERAS_DEFAULTS },
      { name: 'KLD', dialect: 'keras', fn: kerasKLDivergence, defaults: KERAS_DEFAULTS },
      { name: 'KLDivergence', dialect: 'keras', fn: kerasKLDivergence, defaults: KERAS_DEFAULTS },
      { name: 'kullback_leibler_divergence', dialect: 'keras', fn: kerasKLDivergence, defaults: KERAS_DEFAULTS },
      { name: 'kullbackLeiblerDivergence', dialect: 'tfjs', fn: kerasKLDivergence, defaults: KERAS_DEFAULTS },
    ],
  },
  {
    name: 'poissonNll',
    fn: poissonNll,
    description:
      'Poisson negative log-likelihood (log-rate input, Stirling term) — PyTorch poisson_nll_loss, Keras poisson',
    aliases: [
      { name: 'poisson_nll_loss', dialect: 'pytorch' },
      { name: 'PoissonNLLLoss', dialect: 'pytorch' },
      {
        name: 'poisson',
        dialect: 'keras',
        defaults: { logInput: false, eps: KERAS_EPSILON, reduction: 'sumOverBatchSize', meanOverLastAxis: true },
      },
      {
        name: 'Poisson',
        dialect: 'keras',
        defaults: { logInput: false, eps: KERAS_EPSILON, reduction: 'sumOverBatchSize', meanOverLastAxis: true },
      },
    ],
  },
  {
    name: 'gaussianNll',
    fn: gaussianNll,
    description:
      'Gaussian negative log-likelihood with predicted variance (gradient for the variance too) — PyTorch gaussian_nll_loss',
    aliases: [
      { name: 'gaussian_nll_loss', dialect: 'pytorch' },
      { name: 'GaussianNLLLoss', dialect: 'pytorch' },
    ],
  },
  {
    name: 'cosineSimilarity',
    fn: cosineSimilarity,
    description:
      'Negative cosine similarity along an axis (l2-normalised, eps 1e-12) — Keras cosine_similarity, tfjs cosineProximity',
    aliases: [
      { name: 'cosine_similarity', dialect: 'keras', defaults: KERAS_DEFAULTS },
      { name: 'CosineSimilarity', dialect: 'keras', defaults: KERAS_DEFAULTS },
      { name: 'cosineProximity', dialect: 'tfjs', defaults: KERAS_DEFAULTS },
      { name: 'cosineDistance', dialect: 'tfjs', fn: tfjsCosineDistance, defaults: TFJS_CORE },
      { name: 'tf.losses.cosineDistance', dialect: 'tfjs', fn: tfjsCosineDistance, defaults: TFJS_CORE },
    ],
  },
];
