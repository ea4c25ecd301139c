/**
 * Ranking and margin losses on ±1 targets: `marginRanking`, `hingeEmbedding`, `softMargin`.
 *
 * Each is an element-wise kernel (value and gradient in one fused pass); reductions and sample
 * weights are the shared reducer's (see `reduce.ts`). PyTorch's hinge-type clamps
 * (`clamp_min(z, 0)`) pass the gradient where `z >= 0`, so a loss sitting exactly on its hinge
 * gets the slope of the active side; these kernels do the same.
 */
import { LosskitError, fmtShape } from '../errors.js';
import { finishReduction, planReduction, resolveReduction } from '../reduce.js';
import type { FloatArray } from '../tensor.js';
import { tensor } from '../tensor.js';
import {
  checkNonEmpty,
  checkNumberOption,
  checkSameShape,
  explainNonFinite,
  fmtIndex,
  requireTarget,
} from '../validate.js';
import type { LossFunction, LossOptions } from './core.js';
import { gradBuffer, makeLoss } from './core.js';
import type { ElementwiseKernel } from './elementwise.js';
import { elementwiseLoss } from './elementwise.js';
import type { LossEntry } from './registry-types.js';

/** Throws `INVALID_LABEL` unless every target is 1 or −1. */
export function checkPlusMinusOne(fn: string, arg: string, data: FloatArray, shape: readonly number[]): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== 1 && v !== -1) {
      throw new LosskitError(
        'INVALID_LABEL',
        fn,
        `'${arg}' must hold 1 or -1; received ${v} at index ${fmtIndex(i, shape)}`,
        arg,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// marginRanking

/**
 * Kernel of the margin ranking loss `lᵢ = max(0, −yᵢ·(x1ᵢ − x2ᵢ) + margin)`; writes
 * `∂/∂x1 = −y`, `∂/∂x2 = +y` where the hinge is active (`z >= 0`, PyTorch's `clamp_min`).
 * Returns `Σ wᵢ·lᵢ`.
 */
export function marginRankingKernel(
  n: number,
  y: FloatArray,
  x1: FloatArray,
  x2: FloatArray,
  margin: number,
  w: Float64Array | null,
  scale: number,
  out: Float64Array | null,
  g1: Float64Array | null,
  g2: Float64Array | null,
): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const yi = y[i];
    const z = margin - yi * (x1[i] - x2[i]);
    const wi = w === null ? 1 : w[i];
    // NaN stays NaN (then explainNonFinite names the input); z < 0 is the flat side.
    const l = z < 0 ? 0 : z;
    s += wi * l;
    if (out !== null) out[i] = wi * l;
    if (g1 !== null && g2 !== null) {
      const g = z >= 0 ? scale * wi * yi : 0;
      g1[i] = -g;
      g2[i] = g;
    }
  }
  return s;
}

const MARGIN_RANKING_OPTIONS = ['reduction', 'sampleWeight', 'input2', 'margin'] as const;

/**
 * Margin ranking loss: should `x1` rank above `x2` (`y = 1`) or below (`y = −1`)?
 *
 * `lᵢ = max(0, −yᵢ·(x1ᵢ − x2ᵢ) + margin)`. Gradients: `∂lᵢ/∂x1ᵢ = −yᵢ`, `∂lᵢ/∂x2ᵢ = yᵢ` where
 * the hinge is active (`−y·(x1 − x2) + margin >= 0`, as PyTorch), else 0.
 *
 * - Arguments: `yTrue` = `y` (usually ±1; any finite value is used as the multiplier, as in
 *   PyTorch), `yPred` = `x1`, option `input2` = `x2`; all three of one shape (any rank).
 * - Options: `margin` (default 0), `reduction` (default `'mean'`, see `reduce.ts`),
 *   `sampleWeight`. `'none'` returns `yPred`'s shape.
 * - Gradients: `grad` is w.r.t. `x1`; `extraGrads.input2` w.r.t. `x2`.
 * - Equivalents: PyTorch `F.margin_ranking_loss(x1, x2, y)` / `nn.MarginRankingLoss`.
 *   No Keras / tfjs counterpart.
 *
 * @example marginRanking([1, -1], [0.2, 0.9], { input2: [0.5, 0.1], margin: 0.1 }) // (0.4 + 0.9) / 2
 */
export const marginRanking: LossFunction = makeLoss(
  'marginRanking',
  MARGIN_RANKING_OPTIONS,
  (yTrueIn, yPredIn, options: LossOptions, wantGrad) => {
    const fn = 'marginRanking';
    const reduction = resolveReduction(fn, options.reduction);
    const margin = options.margin === undefined ? 0 : checkNumberOption(fn, 'margin', options.margin);
    const yTrue = tensor(requireTarget(fn, yTrueIn), undefined, fn, 'yTrue');
    const yPred = tensor(yPredIn, undefined, fn, 'yPred');
    if (options.input2 === undefined) {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'input2' (the second input x2, shape ${fmtShape(yPred.shape)}) is required; received undefined`,
        'input2',
      );
    }
    const input2 = tensor(options.input2, undefined, fn, 'input2');
    checkSameShape(fn, yTrue, 'yTrue', yPred, 'yPred');
    checkSameShape(fn, input2, 'input2', yPred, 'yPred');
    checkNonEmpty(fn, 'yPred', yPred);
    const n = yPred.data.length;
    const plan = planReduction(fn, reduction, yPred.shape, options.sampleWeight);
    const g1 = wantGrad ? gradBuffer(fn, n, options.gradOut) : null;
    const g2 = wantGrad ? new Float64Array(n) : null;
    const out = reduction === 'none' ? new Float64Array(n) : null;
    const sum = marginRankingKernel(
      n,
      yTrue.data,
      yPred.data,
      input2.data,
      margin,
      plan.weights,
      plan.gradScale,
      out,
      g1,
      g2,
    );
    explainNonFinite(fn, sum, [
      ['yTrue', yTrue],
      ['yPred', yPred],
      ['input2', input2],
    ]);
    return {
      value: finishReduction(plan, sum, out),
      grad: g1 === null ? null : { data: g1, shape: yPred.shape },
      extraGrads: g2 === null ? undefined : { input2: { data: g2, shape: input2.shape } },
    };
  },
);

// ---------------------------------------------------------------------------------------------
// hingeEmbedding

interface MarginParams {
  margin: number;
}

/** Kernel: `l = x` for `y = 1`, `max(0, margin − x)` for `y = −1` (gradient −1 where `margin − x >= 0`). */
export const hingeEmbeddingKernel: ElementwiseKernel<MarginParams> = (n, y, x, w, scale, out, grad, p) => {
  const margin = p.margin;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    const wi = w === null ? 1 : w[i];
    let l: number;
    let g: number;
    if (y[i] === 1) {
      l = xi;
      g = 1;
    } else {
      const z = margin - xi;
      l = z < 0 ? 0 : z;
      g = z >= 0 ? -1 : 0;
    }
    s += wi * l;
    if (out !== null) out[i] = wi * l;
    if (grad !== null) grad[i] = scale * wi * g;
  }
  return s;
};

/**
 * Hinge embedding loss: `x` is a distance that should be small for similar pairs (`y = 1`) and
 * at least `margin` for dissimilar ones (`y = −1`).
 *
 * `lᵢ = xᵢ` if `yᵢ = 1`, `max(0, margin − xᵢ)` if `yᵢ = −1`. Gradient 1, resp. −1 where
 * `margin − x >= 0` (PyTorch's `clamp_min` convention), else 0.
 *
 * - Shapes: `yTrue` (±1, checked: other values are an `INVALID_LABEL` error) and `yPred` of one
 *   shape; `'none'` returns that shape.
 * - Options: `margin` (default 1), `reduction` (default `'mean'`, see `reduce.ts`), `sampleWeight`.
 * - Equivalents: PyTorch `F.hinge_embedding_loss(x, y)` / `nn.HingeEmbeddingLoss`.
 *
 * @example hingeEmbedding([1, -1], [0.3, 0.4]) // (0.3 + 0.6) / 2
 */
export const hingeEmbedding: LossFunction = elementwiseLoss<MarginParams>({
  name: 'hingeEmbedding',
  optionNames: ['margin'],
  kernel: hingeEmbeddingKernel,
  params: (o, fn) => ({ margin: o.margin === undefined ? 1 : checkNumberOption(fn, 'margin', o.margin) }),
  checkInputs: (yTrue, _yPred, _p, fn) => checkPlusMinusOne(fn, 'yTrue', yTrue.data, yTrue.shape),
});

// ---------------------------------------------------------------------------------------------
// softMargin

type NoParams = Record<string, never>;

/** Kernel: `l = log(1 + exp(−y·x))` (stable softplus), `∂l/∂x = −y·σ(−y·x)`. */
export const softMarginKernel: ElementwiseKernel<NoParams> = (n, y, x, w, scale, out, grad) => {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const yi = y[i];
    const z = -yi * x[i];
    const wi = w === null ? 1 : w[i];
    // softplus(z) = max(z, 0) + log1p(exp(−|z|)): no overflow for large |z|.
    const e = Math.exp(-Math.abs(z));
    const l = (z > 0 ? z : 0) + Math.log1p(e);
    s += wi * l;
    if (out !== null) out[i] = wi * l;
    if (grad !== null) {
      const sig = z >= 0 ? 1 / (1 + e) : e / (1 + e); // σ(z)
      grad[i] = -scale * wi * yi * sig;
    }
  }
  return s;
};

/**
 * Soft margin loss: the logistic loss of a ±1 classifier.
 *
 * `lᵢ = log(1 + exp(−yᵢ·xᵢ))`; gradient `−yᵢ·σ(−yᵢ·xᵢ)`. Computed as a stable softplus, so it
 * stays finite where PyTorch's `log1p(exp(·))` overflows to `inf` (|y·x| > ~709).
 *
 * - Shapes: `yTrue` (usually ±1; any finite value is used as the multiplier, as in PyTorch) and
 *   `yPred` of one shape; `'none'` returns that shape.
 * - Options: `reduction` (default `'mean'`, see `reduce.ts`), `sampleWeight`.
 * - Equivalents: PyTorch `F.soft_margin_loss(x, y)` / `nn.SoftMarginLoss`.
 *
 * @example softMargin([1, -1], [2, 0]) // (log(1 + e⁻²) + log 2) / 2
 */
export const softMargin: LossFunction = elementwiseLoss<NoParams>({
  name: 'softMargin',
  kernel: softMarginKernel,
  params: () => ({}),
});

export const rankingLosses: LossEntry[] = [
  {
    name: 'marginRanking',
    fn: marginRanking,
    description: 'Margin ranking max(0, −y·(x1 − x2) + margin) — PyTorch margin_ranking_loss',
    aliases: [
      { name: 'margin_ranking_loss', dialect: 'pytorch' },
      { name: 'MarginRankingLoss', dialect: 'pytorch' },
    ],
  },
  {
    name: 'hingeEmbedding',
    fn: hingeEmbedding,
    description: 'Hinge embedding: x for y = 1, max(0, margin − x) for y = −1 — PyTorch hinge_embedding_loss',
    aliases: [
      { name: 'hinge_embedding_loss', dialect: 'pytorch' },
      { name: 'HingeEmbeddingLoss', dialect: 'pytorch' },
    ],
  },
  {
    name: 'softMargin',
    fn: softMargin,
    description: 'Soft margin (logistic) loss log(1 + exp(−y·x)) — PyTorch soft_margin_loss',
    aliases: [
      { name: 'soft_margin_loss', dialect: 'pytorch' },
      { name: 'SoftMarginLoss', dialect: 'pytorch' },
    ],
  },
];
