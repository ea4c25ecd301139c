/**
 * The shared wrapper of element-wise losses (`lᵢ = f(yᵢ, ŷᵢ)`, `yTrue` and `yPred` of one shape):
 * validation, option resolution, the reduction plan, one kernel call, the reduction's finish.
 * Each loss supplies only a kernel and its parameters.
 */
import { LosskitError, fmtShape } from '../errors.js';
import type { ReductionPlan } from '../reduce.js';
import { finishReduction, planReduction, resolveReduction } from '../reduce.js';
import type { FloatArray, Shape, Tensor, TensorInput } from '../tensor.js';
import { tensor } from '../tensor.js';
import { checkBooleanOption, checkNonEmpty, checkSameShape, explainNonFinite } from '../validate.js';
import type { LossFunction, LossOptions } from './core.js';
import { gradBuffer, makeLoss } from './core.js';

/**
 * An element-wise kernel: one fused pass computing, for i in [0, n),
 * `lᵢ = f(yTrue[i], yPred[i])` and `gᵢ = ∂lᵢ/∂yPred[i]`, and
 * - returning `Σ wᵢ·lᵢ` (float64; `wᵢ = 1` when `w` is null),
 * - writing `out[i] = wᵢ·lᵢ` when `out` is given,
 * - writing `grad[i] = scale·wᵢ·gᵢ` when `grad` is given.
 * No validation, no allocation.
 */
export type ElementwiseKernel<P> = (
  n: number,
  yTrue: FloatArray,
  yPred: FloatArray,
  w: Float64Array | null,
  scale: number,
  out: Float64Array | null,
  grad: Float64Array | null,
  params: P,
) => number;

export interface ElementwiseSpec<P> {
  name: string;
  /** Loss-specific option names (reduction, sampleWeight, meanOverLastAxis are always accepted). */
  optionNames?: readonly string[];
  kernel: ElementwiseKernel<P>;
  /** Resolves and validates the loss-specific options. */
  params: (options: LossOptions, fn: string) => P;
  /** Domain checks on the inputs (e.g. probabilities in [0, 1]); shapes are already checked. */
  checkInputs?: (yTrue: Tensor, yPred: Tensor, params: P, fn: string) => void;
  /** Defaults of the canonical function. */
  defaults?: LossOptions;
}

const COMMON = ['reduction', 'sampleWeight', 'meanOverLastAxis'] as const;

/** Sums consecutive groups of `k` values. */
function groupSum(src: Float64Array, k: number): Float64Array {
  const m = src.length / k;
  const out = new Float64Array(m);
  for (let i = 0, j = 0; i < m; i++) {
    let s = 0;
    for (let e = j + k; j < e; j++) s += src[j];
    out[i] = s;
  }
  return out;
}

/**
 * Runs an element-wise kernel under a reduction plan over loss elements of shape `lossShape`,
 * where each loss element is the mean of `k` consecutive kernel elements (`k = 1` for
 * PyTorch-style losses, the last dimension for Keras-style ones).
 */
export function runElementwise<P>(
  kernel: ElementwiseKernel<P>,
  yTrue: FloatArray,
  yPred: FloatArray,
  plan: ReductionPlan,
  k: number,
  params: P,
  grad: Float64Array | null,
): { value: number | Tensor; sum: number } {
  const n = yPred.length;
  let w = plan.weights;
  let denominator = plan.denominator;
  let gradScale = plan.gradScale;
  if (k !== 1) {
    if (w !== null) {
      // Expand per-loss-element weights to kernel elements, with the 1/k of the mean.
      const we = new Float64Array(n);
      for (let i = 0; i < w.length; i++) we.fill(w[i] / k, i * k, (i + 1) * k);
      w = we;
    } else if (plan.reduction === 'none') {
      w = new Float64Array(n).fill(1 / k);
    } else {
      denominator *= k;
      gradScale /= k;
    }
  }
  const out = plan.reduction === 'none' ? new Float64Array(n) : null;
  const sum = kernel(n, yTrue, yPred, w, gradScale, out, grad, params);
  const perElement = out !== null && k !== 1 ? groupSum(out, k) : out;
  const value = finishReduction(denominator === plan.denominator ? plan : { ...plan, denominator }, sum, perElement);
  return { value, sum };
}

/** The loss-element shape and group size: `yPred.shape[:-1]` and the last dim for Keras semantics. */
export function lastAxisLayout(fn: string, shape: Shape, meanOverLastAxis: boolean): { lossShape: Shape; k: number } {
  if (!meanOverLastAxis) return { lossShape: shape, k: 1 };
  if (shape.length === 0) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'yPred' is a scalar, but meanOverLastAxis needs at least one dimension; received shape ${fmtShape(shape)}`,
      'yPred',
    );
  }
  return { lossShape: shape.slice(0, -1), k: shape[shape.length - 1] };
}

/** Builds a complete element-wise {@link LossFunction} from a kernel. */
export function elementwiseLoss<P>(spec: ElementwiseSpec<P>): LossFunction {
  const fn = spec.name;
  const names = [...COMMON, ...(spec.optionNames ?? [])];
  return makeLoss(
    fn,
    names,
    (yTrueIn: TensorInput | null, yPredIn: TensorInput, options: LossOptions, wantGrad: boolean) => {
      const reduction = resolveReduction(fn, options.reduction);
      const meanLast =
        options.meanOverLastAxis === undefined
          ? false
          : checkBooleanOption(fn, 'meanOverLastAxis', options.meanOverLastAxis);
      const params = spec.params(options, fn);
      if (yTrueIn === null || yTrueIn === undefined) {
        throw new LosskitError(
          'INVALID_INPUT',
          fn,
          `'yTrue' is required; received ${yTrueIn === null ? 'null' : 'undefined'}`,
          'yTrue',
        );
      }
      const yTrue = tensor(yTrueIn, undefined, fn, 'yTrue');
      const yPred = tensor(yPredIn, undefined, fn, 'yPred');
      checkSameShape(fn, yTrue, 'yTrue', yPred, 'yPred');
      checkNonEmpty(fn, 'yPred', yPred);
      spec.checkInputs?.(yTrue, yPred, params, fn);
      const { lossShape, k } = lastAxisLayout(fn, yPred.shape, meanLast);
      const plan = planReduction(fn, reduction, lossShape, options.sampleWeight);
      const grad = wantGrad ? gradBuffer(fn, yPred.data.length, options.gradOut) : null;
      const { value, sum } = runElementwise(spec.kernel, yTrue.data, yPred.data, plan, k, params, grad);
      explainNonFinite(fn, sum, [
        ['yTrue', yTrue],
        ['yPred', yPred],
      ]);
      return { value, grad: grad === null ? null : { data: grad, shape: yPred.shape } };
    },
    spec.defaults,
  );
}
