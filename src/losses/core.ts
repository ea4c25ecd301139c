/**
 * What every loss is: a callable `(yTrue, yPred, options?) => number | Tensor` with a
 * `valueAndGrad` twin, built by {@link makeLoss} from one implementation function so that the
 * value and its gradient can never disagree about options, validation or reduction.
 */
import type { Reduction } from '../reduce.js';
import type { FloatArray, Tensor, TensorInput } from '../tensor.js';
import { LosskitError, describe } from '../errors.js';
import { checkOptionNames } from '../validate.js';

/**
 * Options of every loss, one object. Each loss accepts only the ones it documents; an unknown
 * or misspelt name is an `INVALID_OPTION` error. Names are camelCase spellings of PyTorch's
 * keyword arguments where one exists.
 */
export interface LossOptions {
  /** How per-element losses are combined; see the table in `reduce.ts`. Default `'mean'`
   * (Keras aliases: `'sumOverBatchSize'`). */
  reduction?: Reduction;
  /** Per-sample weights (Keras semantics), broadcast against the per-element losses. */
  sampleWeight?: TensorInput;
  /** PyTorch `weight`: class weights (`[C]`) or element weights, as the loss documents. */
  weight?: TensorInput;
  ignoreIndex?: number;
  labelSmoothing?: number;
  posWeight?: TensorInput;
  delta?: number;
  beta?: number;
  logTarget?: boolean;
  logInput?: boolean;
  full?: boolean;
  eps?: number;
  margin?: number;
  p?: number;
  /** `circle`: drop self-pairs from the positives (default true). */
  removeDiagonal?: boolean;
  /** `categoricalGeneralizedCrossEntropy`: the exponent q ∈ (0, 1]. */
  q?: number;
  swap?: boolean;
  blank?: number;
  zeroInfinity?: boolean;
  inputLengths?: TensorInput;
  targetLengths?: TensorInput;
  /** Keras: `yPred` holds logits rather than probabilities. */
  fromLogits?: boolean;
  alpha?: number;
  gamma?: number;
  /** Keras `apply_class_balancing` (binary focal loss): apply the `alpha` weighting. */
  applyClassBalancing?: boolean;
  /** `crossEntropyWithPriorKL`: weight of the KL term. */
  lambda?: number;
  /** `crossEntropyWithPriorKL`: the label prior `p` (length C, sums to 1). */
  prior?: TensorInput;
  klTarget?: 'batch-mean' | 'per-sample';
  input2?: TensorInput;
  positive?: TensorInput;
  negative?: TensorInput;
  variance?: TensorInput;
  /** `tripletMarginWithDistance` (PyTorch `distance_function`): `'pairwise'` (default, PyTorch
   * `pairwise_distance` with `p`, `eps`), `'cosine'` (1 − cosine similarity), or a function
   * `(a, b, gradA, gradB) => distance` on two rows that also writes ∂d/∂a, ∂d/∂b when given. */
  distanceFunction?:
    | 'pairwise'
    | 'cosine'
    | ((a: FloatArray, b: FloatArray, gradA: Float64Array | null, gradB: Float64Array | null) => number);
  /** `ctc`: `'exact'` (default) returns d(value)/d(logProbs); `'pytorch'` reproduces PyTorch's
   * autograd of `F.ctc_loss`, which adds `exp(logProbs)` (right only after a log-softmax). */
  ctcGrad?: 'exact' | 'pytorch';
  /** `ctc`: `yPred` is `(T, N, C)` (true, PyTorch, default) or `(N, T, C)` (false, Keras). */
  timeMajor?: boolean;
  /** `dice` / `tversky`: additive smoothing of numerator and denominator (optax `smooth`). */
  smooth?: number;
  /** `dice` / `tversky`: the axes summed over (Keras `axis` tuple); default all axes. */
  axes?: readonly number[];
  /** Keras semantics: the per-sample loss is the mean over the last axis (so `'none'` returns
   * `yPred.shape[:-1]`). Set by the Keras aliases. */
  meanOverLastAxis?: boolean;
  /** Class axis for losses with class-probability inputs in Keras style (default -1). */
  axis?: number;
  /** Optional output buffer for the gradient (length = `yPred`'s size): avoids an allocation
   * per call in training loops. Only read by `valueAndGrad`. */
  gradOut?: Float64Array;
}

/** Result of `valueAndGrad`. */
export interface LossResult<V extends number | Tensor = number | Tensor> {
  /** The loss (a number, or a tensor for `reduction: 'none'`). */
  value: V;
  /** d(value)/d(yPred), of `yPred`'s shape (for `'none'`: d(Σ value)/d(yPred)). */
  grad: Tensor;
  /** Gradients with respect to the other differentiable inputs, keyed by option name. */
  extraGrads?: Record<string, Tensor>;
}

/** A loss function. Targets first (Keras / tfjs order); gradients are w.r.t. `yPred`. */
export interface LossFunction {
  (yTrue: TensorInput | null, yPred: TensorInput, options: LossOptions & { reduction: 'none' }): Tensor;
  (
    yTrue: TensorInput | null,
    yPred: TensorInput,
    options?: LossOptions & { reduction?: Exclude<Reduction, 'none'> },
  ): number;
  (yTrue: TensorInput | null, yPred: TensorInput, options?: LossOptions): number | Tensor;
  valueAndGrad(
    yTrue: TensorInput | null,
    yPred: TensorInput,
    options: LossOptions & { reduction: 'none' },
  ): LossResult<Tensor>;
  valueAndGrad(
    yTrue: TensorInput | null,
    yPred: TensorInput,
    options?: LossOptions & { reduction?: Exclude<Reduction, 'none'> },
  ): LossResult<number>;
  valueAndGrad(yTrue: TensorInput | null, yPred: TensorInput, options?: LossOptions): LossResult;
  /** Canonical name, e.g. `'meanSquaredError'`. */
  readonly lossName: string;
  /** Option names this loss accepts. */
  readonly optionNames: readonly string[];
  /** Defaults bound to this function (e.g. a Keras alias's `reduction: 'sumOverBatchSize'`). */
  readonly defaults: Readonly<LossOptions>;
}

/**
 * The single implementation behind a loss. With `wantGrad` false it may skip the gradient
 * (and return a `grad` of `null`).
 */
export type LossImpl = (
  yTrue: TensorInput | null,
  yPred: TensorInput,
  options: LossOptions,
  wantGrad: boolean,
) => { value: number | Tensor; grad: Tensor | null; extraGrads?: Record<string, Tensor> };

/**
 * Builds a {@link LossFunction} from its implementation. Option names are checked against
 * `optionNames` before anything else; `defaults` are merged under the caller's options.
 */
export function makeLoss(
  name: string,
  optionNames: readonly string[],
  impl: LossImpl,
  defaults: LossOptions = {},
): LossFunction {
  const allowed = optionNames.includes('gradOut') ? optionNames : [...optionNames, 'gradOut'];
  const resolve = (options: LossOptions | undefined): LossOptions => {
    checkOptionNames(name, options, allowed);
    if (options === undefined || options === null) return defaults;
    const merged: LossOptions = { ...defaults };
    for (const [k, v] of Object.entries(options)) if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
    return merged;
  };
  function loss(yTrue: TensorInput | null, yPred: TensorInput, options?: LossOptions): number | Tensor {
    return impl(yTrue, yPred, resolve(options), false).value;
  }
  function valueAndGrad(yTrue: TensorInput | null, yPred: TensorInput, options?: LossOptions): LossResult {
    const r = impl(yTrue, yPred, resolve(options), true);
    if (r.grad === null) throw new Error(`losskit internal: ${name} returned no gradient`);
    return r.extraGrads ? { value: r.value, grad: r.grad, extraGrads: r.extraGrads } : { value: r.value, grad: r.grad };
  }
  return Object.assign(loss, {
    valueAndGrad,
    lossName: name,
    optionNames: allowed,
    defaults: Object.freeze({ ...defaults }),
    impl,
  }) as LossFunction;
}

/**
 * The same loss with other defaults (used by the registry for dialect aliases): the caller's
 * options still win.
 */
export function withDefaults(fn: LossFunction, defaults: LossOptions): LossFunction {
  const impl = (fn as LossFunction & { impl: LossImpl }).impl;
  return makeLoss(fn.lossName, fn.optionNames, impl, { ...fn.defaults, ...defaults });
}

/** Output buffer for a gradient of `n` values: the caller's `gradOut` when given (checked), else new. */
export function gradBuffer(fn: string, n: number, gradOut: Float64Array | undefined): Float64Array {
  if (gradOut === undefined) return new Float64Array(n);
  if (!(gradOut instanceof Float64Array) || gradOut.length !== n) {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'gradOut' must be a Float64Array of length ${n} (the size of 'yPred'); received ${describe(gradOut)}`,
      'gradOut',
    );
  }
  return gradOut;
}
