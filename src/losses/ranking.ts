/**
 * Ranking and margin losses on ±1 targets: `marginRanking`, `hingeEmbedding`, `softMargin`.
 *
 * Each is a kernel (value and gradient in one fused pass, one arguments object) declared through
 * the one loss constructor (`define.ts`): options, ±1 target domain, reductions and sample
 * weights are the constructor's and the shared reducer's (see `reduce.ts`). PyTorch's hinge-type clamps
 * (`clamp_min(z, 0)`) pass the gradient where `z >= 0`, so a loss sitting exactly on its hinge
 * gets the slope of the active side; these kernels do the same.
 */
import { LosskitError, fmtShape } from '../errors.js';
import type { FloatArray, Tensor } from '../tensor.js';
import { tensor } from '../tensor.js';
import { checkSameShape } from '../validate.js';
import type { ElementwiseKernel, LossMeta, Prepared } from './define.js';
import { bindKernel, loss, num, tensorOption } from './define.js';
import type { LossEntry } from './registry-types.js';

/** What every ranking loss is: real-valued scores against ±1 targets, the plain mean. */
const RANKING: LossMeta = { input: 'values', target: 'signs', meanDenominator: 'count' };

// ---------------------------------------------------------------------------------------------
// marginRanking

/** The arguments of {@link marginRankingKernel}. */
export interface MarginRankingArgs {
  /** Number of elements. */
  n: number;
  /** Targets (±1). */
  y: FloatArray;
  x1: FloatArray;
  x2: FloatArray;
  margin: number;
  /** Per-element weights (sample weights folded with the reduction's), or `null` for all 1. */
  w: Float64Array | null;
  /** The factor every gradient is multiplied by. */
  scale: number;
  /** Per-element output `wᵢ·lᵢ`, or `null`. */
  out: Float64Array | null;
  /** Gradients w.r.t. `x1` and `x2` (each written once), or `null`. */
  g1: FloatArray | null;
  g2: FloatArray | null;
}

/**
 * Kernel of the margin ranking loss `lᵢ = max(0, −yᵢ·(x1ᵢ − x2ᵢ) + margin)`; writes
 * `∂/∂x1 = −y`, `∂/∂x2 = +y` where the hinge is active (`z >= 0`, PyTorch's `clamp_min`).
 * Returns `Σ wᵢ·lᵢ`, or NaN when some `z` is not finite (an infinite input that the flat side
 * of the hinge would turn into a finite "limit") or some `y` is not ±1: the constructor then
 * names the input (`kernelFlags`). Both checks are branch-free sums (`(y² − 1)²` is 0 for ±1
 * only, `z·0` is 0 for finite `z` only): per-element branches made this loop ~25% slower.
 */
export function marginRankingKernel({ n, y, x1, x2, margin, w, scale, out, g1, g2 }: MarginRankingArgs): number {
  let s = 0;
  let flags = 0; // stays 0 unless some y is not ±1 or some z is not finite (see kernelFlags)
  for (let i = 0; i < n; i++) {
    const yi = y[i];
    const z = margin - yi * (x1[i] - x2[i]);
    const q = yi * yi - 1;
    flags += q * q + z * 0;
    const wi = w === null ? 1 : w[i];
    const l = z < 0 ? 0 : z; // z < 0 is the flat side; NaN stays NaN
    s += wi * l;
    if (out !== null) out[i] = wi * l;
    if (g1 !== null && g2 !== null) {
      const g = z >= 0 ? scale * wi * yi : 0;
      g1[i] = -g;
      g2[i] = g;
    }
  }
  return flags === 0 ? s : NaN;
}

/** A non-finite loss from finite inputs: the arithmetic overflowed float64. */
function overflow(fn: string): never {
  throw new LosskitError(
    'NON_FINITE',
    fn,
    `the loss is not finite although every input is: the values (or weights) overflow float64; expected inputs whose differences and weighted losses fit in float64`,
    'yPred',
  );
}

/** The required per-batch input `input2` of `yPred`'s shape (its finiteness is checked lazily, see the kernel). */
function secondInput(fn: string, value: Parameters<typeof tensor>[0] | undefined, yPred: Tensor): Tensor {
  if (value === undefined) {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'input2' (the second input x2, shape ${fmtShape(yPred.shape)}) is required; received undefined`,
      'input2',
    );
  }
  const input2 = tensor(value, undefined, fn, 'input2');
  checkSameShape(fn, input2, 'input2', yPred, 'yPred');
  return input2;
}

/**
 * Margin ranking loss: should `x1` rank above `x2` (`y = 1`) or below (`y = −1`)?
 *
 * `lᵢ = max(0, −yᵢ·(x1ᵢ − x2ᵢ) + margin)`. Gradients: `∂lᵢ/∂x1ᵢ = −yᵢ`, `∂lᵢ/∂x2ᵢ = yᵢ` where
 * the hinge is active (`−y·(x1 − x2) + margin >= 0`, as PyTorch), else 0.
 *
 * - Arguments: `yTrue` = `y` (±1, checked: other values are an `INVALID_LABEL` error; PyTorch
 *   uses any value as the multiplier), `yPred` = `x1`, option `input2` = `x2`; all three of one
 *   shape (any rank), finite.
 * - Options: `margin` (default 0), `reduction` (default `'mean'`, see `reduce.ts`),
 *   `sampleWeight`. `'none'` returns `yPred`'s shape.
 * - Gradients: `grad` is w.r.t. `x1`; `extraGrads.input2` w.r.t. `x2`.
 * - Equivalents: PyTorch `F.margin_ranking_loss(x1, x2, y)` / `nn.MarginRankingLoss`.
 *   No Keras / tfjs counterpart.
 *
 * @example marginRanking([1, -1], [0.2, 0.9], { input2: [0.5, 0.1], margin: 0.1 }) // (0.4 + 0.9) / 2
 */
export const marginRanking = /* @__PURE__ */ loss({
  name: 'marginRanking',
  options: { margin: /* @__PURE__ */ num({ default: 0 }), input2: /* @__PURE__ */ tensorOption() },
  // RANKING's fields written out: a spread would keep this loss in every bundle of a sibling
  meta: { input: 'values', target: 'signs', meanDenominator: 'count', batchInputs: ['input2'] },
  domains: { yTrue: 'sign' },
  // The kernel's sum is NaN for a label other than ±1 and for any non-finite input.
  kernelFlags: ['real', 'sign'],
  blame: ({ fn }) => overflow(fn),
  layout: {
    kind: 'prepared',
    sameShape: true,
    prepare: ({ fn, options, yTrue, yPred }): Prepared => {
      const input2 = secondInput(fn, options.input2, yPred);
      const n = yPred.data.length;
      return {
        lossShape: yPred.shape,
        explain: [['input2', input2]],
        extraGrads: [['input2', input2]],
        gradWrites: 'once',
        run: (plan, g1, [g2 = null]) => {
          const out = plan.reduction === 'none' ? new Float64Array(n) : null;
          const sum = marginRankingKernel({
            n,
            y: yTrue.data,
            x1: yPred.data,
            x2: input2.data,
            margin: options.margin,
            w: plan.weights,
            scale: plan.gradScale,
            out,
            g1,
            g2,
          });
          return { sum, perElement: out };
        },
      };
    },
  },
});

// ---------------------------------------------------------------------------------------------
// hingeEmbedding

interface MarginParams {
  margin: number;
}

/**
 * Kernel: `l = x` for `y = 1`, `max(0, margin − x)` for `y = −1` (gradient −1 where
 * `margin − x >= 0`). Flags its inputs: a label other than ±1 or a non-finite `x` makes the sum NaN.
 */
export const hingeEmbeddingKernel: ElementwiseKernel<MarginParams> = ({
  n,
  yTrue: y,
  yPred: x,
  w,
  scale,
  out,
  grad,
  params: { margin },
}) => {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    const wi = w === null ? 1 : w[i];
    let l: number;
    let g: number;
    const yi = y[i];
    if (yi === 1) {
      l = xi;
      g = 1;
    } else if (yi === -1) {
      const z = margin - xi;
      // The flat side: 0, but NaN for x = +∞ (z = −∞), which must not vanish (see kernelFlags).
      l = z < 0 ? (z > -Infinity ? 0 : NaN) : z;
      g = z >= 0 ? -1 : 0;
    } else {
      l = NaN; // not a ±1 label: flagged (see kernelFlags)
      g = 0;
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
export const hingeEmbedding = /* @__PURE__ */ loss({
  name: 'hingeEmbedding',
  options: { margin: /* @__PURE__ */ num({ default: 1 }) },
  meta: RANKING,
  domains: { yTrue: 'sign' },
  // The kernel's sum is NaN for a label other than ±1 and for any non-finite x.
  kernelFlags: ['real', 'sign'],
  layout: { kind: 'elementwise', kernel: ({ options }) => bindKernel(hingeEmbeddingKernel, options) },
});

// ---------------------------------------------------------------------------------------------
// softMargin

type NoParams = Record<string, never>;
const NO_PARAMS: NoParams = {};

/** Kernel: `l = log(1 + exp(−y·x))` (stable softplus), `∂l/∂x = −y·σ(−y·x)`. */
export const softMarginKernel: ElementwiseKernel<NoParams> = ({ n, yTrue: y, yPred: x, w, scale, out, grad }) => {
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
 * - Shapes: `yTrue` (±1, checked: other values are an `INVALID_LABEL` error; PyTorch uses any
 *   value as the multiplier) and `yPred` of one shape; `'none'` returns that shape.
 * - Options: `reduction` (default `'mean'`, see `reduce.ts`), `sampleWeight`.
 * - Equivalents: PyTorch `F.soft_margin_loss(x, y)` / `nn.SoftMarginLoss`.
 *
 * @example softMargin([1, -1], [2, 0]) // (log(1 + e⁻²) + log 2) / 2
 */
export const softMargin = /* @__PURE__ */ loss({
  name: 'softMargin',
  options: {},
  meta: RANKING,
  domains: { yTrue: 'sign' },
  layout: { kind: 'elementwise', kernel: () => bindKernel(softMarginKernel, NO_PARAMS) },
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
