/**
 * The one reducer. Every loss in losskit — value and gradient alike — gets its sample weights,
 * class weights, masks / `ignoreIndex` and reduction from here.
 *
 * A loss produces one value `lᵢ` per **loss element** (the elements of the tensor PyTorch returns
 * for `reduction='none'`; e.g. `[N]` for cross-entropy on `[N, C]` logits, `yPred`'s shape for
 * MSE). Kernels have already folded any *element* weights into `lᵢ` (PyTorch's BCE `weight`,
 * the class weight `w[yᵢ]` of cross-entropy / NLL). Two more per-element factors come from here:
 *
 * - `sᵢ` — the sample weight (`sampleWeight`, Keras semantics, broadcast to the loss elements;
 *   1 when absent). It multiplies the value and the gradient of element `i`.
 * - `vᵢ` — the normalising weight of `'mean'`: the class weight of the target (`w[yᵢ]`, PyTorch),
 *   0 for masked / ignored elements, 1 otherwise. Supplied by the loss as `normWeights`.
 *
 * | reduction          | value                              | denominator                 |
 * | ------------------ | ---------------------------------- | --------------------------- |
 * | `'none'`           | `sᵢ·lᵢ` for every element           | —                           |
 * | `'sum'`            | `Σ sᵢ·lᵢ`                           | 1                           |
 * | `'mean'`           | `Σ sᵢ·lᵢ / Σ sᵢ·vᵢ`                  | `Σ sᵢ·vᵢ` (weighted count)   |
 * | `'sumOverBatchSize'` | `Σ sᵢ·lᵢ / n`                     | `n` = number of loss elements (Keras) |
 * | `'batchmean'`      | `Σ sᵢ·lᵢ / N`                       | `N` = `yPred.shape[0]` (PyTorch `kl_div`) |
 * | `'sumByNonzeroWeights'` | `Σ sᵢ·lᵢ / #{sᵢ ≠ 0}`          | the count of non-zero weights (`n` without weights): TensorFlow.js's default `SUM_BY_NONZERO_WEIGHTS`, fractional weights counting 1 each |
 *
 * With no sample weights and no normalising weights `'mean'` is the plain mean `Σ lᵢ / n`,
 * PyTorch's default. With class weights it is PyTorch's weighted mean `Σ w[yᵢ]·lᵢ / Σ w[yᵢ]`;
 * with sample weights it is the sample-weighted mean (Keras's `mean_with_sample_weight`,
 * torchmetrics' weighted `MeanMetric`); Keras's own default, `'sumOverBatchSize'`, divides the
 * weighted sum by the element count instead. A zero denominator gives `NaN` for `'mean'` and a
 * zero gradient (as PyTorch does when every target is ignored).
 *
 * The gradient of element `i` is scaled by exactly the same factor: `∂value/∂ŷ = sᵢ·∂lᵢ/∂ŷ / D`
 * (for `'none'`: the gradient of `Σ sᵢ·lᵢ`).
 *
 * ## Sample-weight broadcasting (Keras rules, extended)
 * `sampleWeight` may be a number, or a tensor whose shape
 * (after Keras's `squeeze_or_expand_to_same_rank`: a trailing dimension of 1 is squeezed/added
 * when the ranks differ by one)
 * 1. is a leading prefix of the loss shape (`[N]` for loss elements `[N, T]`): per-sample
 *    weights, repeated over the trailing dimensions (TF1 / tfjs `computeWeightedLoss` style).
 *    This rule wins even for square `[N, N]` losses, where NumPy broadcasting would weigh
 *    columns instead; or
 * 2. equals the loss shape, or broadcasts to it by NumPy rules (e.g. `[1, D]` per-column weights).
 *
 * ## TensorFlow.js weights (`weightsBroadcast: 'numpy'`, the tfjs aliases' default)
 * `tf.losses.computeWeightedLoss` multiplies the losses by the weights with NumPy broadcasting
 * alone (right-aligned, no prefix rule), and the product may be larger than the losses (weights
 * `[3, 3]` on losses `[3]`). Each loss element then carries the sum of the weights it meets, the
 * `'sumByNonzeroWeights'` count is taken over the broadcast product, and `'mean'` divides by
 * tfjs's `Σ weights × max(1, size(losses) / size(weights))`. `'none'` needs the product to have
 * the losses' shape (tfjs would return the larger broadcast shape).
 */
import { LosskitError, fmtShape } from './errors.js';
import type { Shape, Tensor, TensorInput } from './tensor.js';
import { broadcastShapes, broadcastTo, sizeOf, tensor } from './tensor.js';
import { checkFinite, checkOneOf, fmtIndex } from './validate.js';

export const REDUCTIONS = ['none', 'mean', 'sum', 'batchmean', 'sumOverBatchSize', 'sumByNonzeroWeights'] as const;
export type Reduction = (typeof REDUCTIONS)[number];
export type ScalarReduction = Exclude<Reduction, 'none'>;

/**
 * How to reduce: `value = Σ weightsᵢ·lᵢ / denominator` (or, for `'none'`, `weightsᵢ·lᵢ` per
 * element), `gradient of element i = gradScale · weightsᵢ · ∂lᵢ/∂ŷ`. `weights` is `null` when all
 * are 1.
 */
export interface ReductionPlan {
  readonly reduction: Reduction;
  readonly weights: Float64Array | null;
  /** The reduction's denominator (1 for `'sum'` and `'none'`). The value is divided by it, not
   * multiplied by its reciprocal, to round once as PyTorch does. */
  readonly denominator: number;
  /** `1 / denominator` (NaN when the denominator is 0). */
  readonly scale: number;
  /** The factor kernels multiply gradients by: `scale`, except 0 when the denominator is 0
   * (PyTorch: every target ignored gives a NaN loss but a zero gradient). */
  readonly gradScale: number;
  readonly lossShape: Shape;
  /** The function name (for the overflow error of {@link finishReduction}). */
  readonly fn: string;
  /** The largest sample weight (1 without weights). */
  readonly maxWeight: number;
}

/** Resolves the `reduction` option (checking its value). */
export function resolveReduction(fn: string, reduction: unknown, fallback: Reduction = 'mean'): Reduction {
  if (reduction === undefined) return fallback;
  return checkOneOf(fn, 'reduction', reduction, REDUCTIONS);
}

/**
 * Broadcasts `sampleWeight` to the loss elements (rules in the module doc). Returns `null` for
 * an absent weight; a scalar weight becomes a filled array only when `materialiseScalar` is set.
 */
export function broadcastSampleWeight(
  fn: string,
  sampleWeight: TensorInput | undefined,
  lossShape: Shape,
): Float64Array | null {
  if (sampleWeight === undefined) return null;
  const sw = tensor(sampleWeight, undefined, fn, 'sampleWeight');
  checkFinite(fn, 'sampleWeight', sw);
  // Weights are non-negative (as the metrics require): a negative weight would turn a loss
  // element into a reward and the weighted mean into something larger than every element.
  for (let i = 0; i < sw.data.length; i++) {
    if (sw.data[i] < 0) {
      throw new LosskitError(
        'OUT_OF_RANGE',
        fn,
        `'sampleWeight' must be >= 0; received ${sw.data[i]} at index ${fmtIndex(i, sw.shape)}`,
        'sampleWeight',
      );
    }
  }
  const n = sizeOf(lossShape);
  if (sw.data.length === 1 && sw.shape.length <= 1) {
    return new Float64Array(n).fill(sw.data[0]);
  }
  let s: readonly number[] = sw.shape;
  // Keras's squeeze_or_expand_to_same_rank.
  if (lossShape.length === s.length + 1 && lossShape[lossShape.length - 1] === 1) s = [...s, 1];
  else if (s.length === lossShape.length + 1 && s[s.length - 1] === 1) s = s.slice(0, -1);
  // Prefix rule first: `[N]` weights on `[N, D]` losses are per-sample weights, even when D = N
  // (NumPy would silently weigh columns there instead).
  if (s.length < lossShape.length && s.every((d, i) => d === lossShape[i])) {
    const padded = [...s, ...new Array<number>(lossShape.length - s.length).fill(1)];
    return broadcastTo(sw.data, padded, lossShape);
  }
  const b = broadcastShapes(lossShape, s);
  if (b !== null && b.length === lossShape.length && b.every((d, i) => d === lossShape[i])) {
    return broadcastTo(sw.data, s, lossShape);
  }
  throw new LosskitError(
    'SHAPE_MISMATCH',
    fn,
    `'sampleWeight' has shape ${fmtShape(sw.shape)}, which does not broadcast to the per-element losses of shape ${fmtShape(lossShape)}; expected a number, ${fmtShape(lossShape)}, a shape that broadcasts to it, or a leading prefix of it (e.g. ${fmtShape(lossShape.slice(0, 1))} per-sample weights)`,
    'sampleWeight',
  );
}

/**
 * TensorFlow.js's weights (`weightsBroadcast: 'numpy'`): NumPy broadcasting of the weights against
 * the losses; per loss element the sum of the weights it is multiplied by, the count of non-zero
 * weights over the broadcast product, and tfjs's `'mean'` denominator.
 */
function tfjsWeights(
  fn: string,
  sampleWeight: TensorInput | undefined,
  lossShape: Shape,
  reduction: Reduction,
): { weights: Float64Array | null; nonzero: number; meanDenominator: number } {
  const n = sizeOf(lossShape);
  if (sampleWeight === undefined) return { weights: null, nonzero: n, meanDenominator: n };
  const sw = tensor(sampleWeight, undefined, fn, 'sampleWeight');
  checkFinite(fn, 'sampleWeight', sw);
  let total = 0;
  for (let i = 0; i < sw.data.length; i++) {
    if (sw.data[i] < 0)
      throw new LosskitError(
        'OUT_OF_RANGE',
        fn,
        `'sampleWeight' must be >= 0; received ${sw.data[i]} at index ${fmtIndex(i, sw.shape)}`,
        'sampleWeight',
      );
    total += sw.data[i];
  }
  const b = broadcastShapes(lossShape, sw.shape);
  if (b === null)
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'sampleWeight' has shape ${fmtShape(sw.shape)}, which does not broadcast with the per-element losses of shape ${fmtShape(lossShape)} (TensorFlow.js broadcasting: dimensions aligned from the right, each equal or 1)`,
      'sampleWeight',
    );
  const same = b.length === lossShape.length && b.every((d, i) => d === lossShape[i]);
  if (!same && reduction === 'none')
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'sampleWeight' of shape ${fmtShape(sw.shape)} broadcasts the per-element losses ${fmtShape(lossShape)} up to ${fmtShape(b)}; reduction 'none' returns the losses' shape (TensorFlow.js would return ${fmtShape(b)}): reduce, or give weights of a shape that broadcasts to ${fmtShape(lossShape)}`,
      'sampleWeight',
    );
  const wb = broadcastTo(sw.data, sw.shape, b);
  let nonzero = 0;
  for (let k = 0; k < wb.length; k++) if (wb[k] !== 0) nonzero++;
  let weights: Float64Array;
  if (same) weights = wb;
  else {
    // fold the broadcast product back onto the loss elements: element i meets Σ of its weights
    const index = new Float64Array(n);
    for (let i = 0; i < n; i++) index[i] = i;
    const at = broadcastTo(index, lossShape, b);
    weights = new Float64Array(n);
    for (let k = 0; k < wb.length; k++) weights[at[k]] += wb[k];
  }
  return { weights, nonzero, meanDenominator: total * Math.max(1, n / sw.data.length) };
}

/**
 * A reducer mode beyond the table (a dialect's own denominator):
 * - `kerasMasked`: Keras's `ignore_class` — the masked elements (`valid[i] = 0`) have loss 0,
 *   and Keras's `apply_mask` turns `'sumOverBatchSize'` into `Σ sᵢ·lᵢ / (valid + ε)`
 *   (`ε` = 1e-7, the mean over the valid elements) and `'mean'` into `Σ sᵢ·lᵢ / Σ_valid sᵢ`.
 */
export interface ReducerMode {
  readonly kind: 'kerasMasked';
  readonly valid: ArrayLike<number>;
  readonly epsilon: number;
}

/** What a loss adds to a plan besides its reduction and sample weights. */
export interface PlanExtras {
  /** `'prefix'` (default, the rules above) or `'numpy'` (TensorFlow.js, see the module doc). */
  readonly weightsBroadcast?: 'prefix' | 'numpy';
  /** `vᵢ` of the table (class weight of the target, 0 when ignored); `null`/absent when every
   * element counts 1. Only `'mean'` reads it. */
  readonly normWeights?: Float64Array | null;
  /** `N` for `'batchmean'`; defaults to `lossShape[0]` (1 for a scalar). */
  readonly batchSize?: number;
  readonly mode?: ReducerMode;
}

/**
 * Plans the reduction of loss elements of shape `lossShape`. Called by the loss constructor
 * (`losses/define.ts`) only.
 */
export function planReduction(
  fn: string,
  reduction: Reduction,
  lossShape: Shape,
  sampleWeight: TensorInput | undefined,
  extras: PlanExtras = {},
): ReductionPlan {
  const normWeights = extras.normWeights ?? null;
  const n = sizeOf(lossShape);
  const tf = extras.weightsBroadcast === 'numpy' ? tfjsWeights(fn, sampleWeight, lossShape, reduction) : null;
  const weights = tf === null ? broadcastSampleWeight(fn, sampleWeight, lossShape) : tf.weights;
  let d = 1;
  switch (reduction) {
    case 'none':
    case 'sum':
      d = 1;
      break;
    case 'sumOverBatchSize':
      d = n;
      break;
    case 'batchmean':
      d = extras.batchSize ?? (lossShape.length > 0 ? lossShape[0] : 1);
      break;
    case 'sumByNonzeroWeights':
      if (tf !== null) d = tf.nonzero;
      else if (weights === null) d = n;
      else {
        d = 0;
        for (let i = 0; i < n; i++) if (weights[i] !== 0) d++;
      }
      break;
    case 'mean': {
      d = 0;
      if (weights === null && normWeights === null) d = n;
      else if (weights === null && normWeights !== null) for (let i = 0; i < n; i++) d += normWeights[i];
      else if (weights !== null && normWeights === null) for (let i = 0; i < n; i++) d += weights[i];
      else if (weights !== null && normWeights !== null) for (let i = 0; i < n; i++) d += weights[i] * normWeights[i];
      break;
    }
  }
  if (tf !== null && reduction === 'mean' && weights !== null) d = tf.meanDenominator;
  const mode = extras.mode;
  if (mode !== undefined && (reduction === 'sumOverBatchSize' || reduction === 'mean')) {
    let valid = 0;
    let sv = 0;
    for (let i = 0; i < n; i++) {
      if (mode.valid[i] !== 0) {
        valid++;
        sv += weights === null ? 1 : weights[i];
      }
    }
    d = reduction === 'sumOverBatchSize' ? valid + mode.epsilon : sv;
  }
  if (!Number.isFinite(d)) {
    throw new LosskitError(
      'NON_FINITE',
      fn,
      `'sampleWeight' sums to ${d} (beyond float64), so the ${reduction} reduction has no finite denominator; expected weights whose sum is finite (rescale them: the weighted mean does not change)`,
      'sampleWeight',
    );
  }
  let maxWeight = 1;
  if (weights !== null) {
    maxWeight = 0;
    for (let i = 0; i < weights.length; i++) if (weights[i] > maxWeight) maxWeight = weights[i];
  }
  const scale = d === 0 ? NaN : 1 / d;
  return { reduction, weights, denominator: d, scale, gradScale: d === 0 ? 0 : scale, lossShape, fn, maxWeight };
}

/**
 * Finishes a reduction: the reduced number (`weightedSum / denominator`; 0/0 is NaN), or for
 * `'none'` the per-element tensor the kernel wrote (already multiplied by the sample weights).
 */
export function finishReduction(
  plan: ReductionPlan,
  weightedSum: number,
  perElement: Float64Array | null,
): number | Tensor {
  if (!(weightedSum - weightedSum === 0) && plan.maxWeight > 1) {
    // The inputs were finite (checked before the finish): weights > 1 made the sum overflow.
    throw new LosskitError(
      'NON_FINITE',
      plan.fn,
      `the weighted loss overflows float64 (sum ${weightedSum}) with 'sampleWeight' up to ${plan.maxWeight}; expected smaller sample weights`,
      'sampleWeight',
    );
  }
  if (plan.reduction === 'none') {
    if (perElement === null) throw new Error('losskit internal: reduction none needs per-element values');
    return { data: perElement, shape: plan.lossShape };
  }
  return plan.denominator === 0 ? NaN : weightedSum / plan.denominator;
}
