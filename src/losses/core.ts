/**
 * What every loss is: a callable `(yTrue, yPred, options?) => number | Tensor` with a
 * `valueAndGrad` twin, built by the one constructor in `define.ts` so that the value and its
 * gradient can never disagree about options, validation or reduction. This module holds the
 * types; `LossOptions` is the union of every loss's options (what `getLoss` accepts).
 */
import type { Reduction } from '../reduce.js';
import type { FloatArray, Int64Array, NestedNumberArray, NumericTypedArray, Tensor, TensorInput } from '../tensor.js';
import type { LossMeta } from './define.js';

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
  /** `'prefix'` (default) or `'numpy'`: TensorFlow.js weight broadcasting (see `reduce.ts`). */
  weightsBroadcast?: 'prefix' | 'numpy';
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
  /** `circle`: the reference labels `[M]` the batch is paired with (Keras `ref_labels`; default `yTrue`). */
  refLabels?: TensorInput;
  /** `circle`: the reference embeddings `[M, D]` (Keras `ref_embeddings`; default `yPred`). */
  refEmbeddings?: TensorInput;
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
  /** `ctc`: a blank inside a target is an error (default) or, Keras's rule, a label of its own. */
  blankInTarget?: 'error' | 'emit';
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
   * per call in training loops. A `Float32Array` or a `Float64Array`: its dtype is the
   * gradient's (a `Float64Array` gives float64 gradients of float32 inputs). Only read by
   * `valueAndGrad`. */
  gradOut?: FloatArray;
}

/**
 * The data type of a gradient, from the type of what it differentiates (`Y`, e.g. `yPred`) and of
 * `gradOut` (`G`; `undefined` when not given), as the loss computes it at run time: `gradOut`'s
 * type when given; else `Float32Array` for float32 data (a `Float32Array`, or a tensor-like
 * whose `data` or `dataSync()` is one), `Float64Array` for everything else (numbers, arrays,
 * `Float64Array`, integer arrays); `FloatArray` when the type does not say (e.g. `TensorInput`).
 */
export type GradData<Y, G = undefined> = [G] extends [undefined]
  ? GradDataOf<Y>
  : [G] extends [Float32Array]
    ? Float32Array
    : [G] extends [Float64Array]
      ? Float64Array
      : [G] extends [Float32Array | undefined]
        ? Float32Array | GradDataOf<Y>
        : [G] extends [Float64Array | undefined]
          ? Float64Array | GradDataOf<Y>
          : FloatArray;

/** {@link GradData} without `gradOut` (distributes over a union `Y`). */
type GradDataOf<Y> = Y extends Float32Array
  ? Float32Array
  : Y extends Float64Array | number | NestedNumberArray | Exclude<NumericTypedArray, Float32Array> | Int64Array
    ? Float64Array
    : Y extends { readonly data: infer D }
      ? DataGrad<D>
      : Y extends { dataSync(): infer D }
        ? DataGrad<D>
        : FloatArray;

/** The gradient type of a tensor-like's `data`. */
type DataGrad<D> = [D] extends [Float32Array] ? Float32Array : Float32Array extends D ? FloatArray : Float64Array;

/** Result of `valueAndGrad`. `D`: the gradient's data type ({@link GradData}). */
export interface LossResult<V extends number | Tensor = number | Tensor, D extends FloatArray = FloatArray> {
  /** The loss (a number, or a tensor for `reduction: 'none'`). */
  value: V;
  /**
   * d(value)/d(yPred), of `yPred`'s shape (for `'none'`: d(Σ value)/d(yPred)). Its dtype follows
   * `yPred` (as PyTorch and tfjs): `Float32Array` data for a `Float32Array` `yPred`, else
   * `Float64Array` — or `gradOut`'s dtype when one is given. Computed and accumulated in float64,
   * rounded once. The type says so: `valueAndGrad(yTrue, new Float32Array(…))` returns a
   * `LossResult<number, Float32Array>` ({@link GradData}).
   */
  grad: Tensor<D>;
  /** Gradients with respect to the other differentiable inputs, keyed by option name; each of
   * its input's dtype (same rule). */
  extraGrads?: Record<string, Tensor>;
}

/**
 * A loss function. Targets first (Keras / tfjs order); gradients are w.r.t. `yPred`. `O` is the
 * loss's own options type (derived from its declared schema, see `define.ts`); losses looked up
 * by name (`getLoss`) take the union {@link LossOptions}, checked at run time. `valueAndGrad`'s
 * result types its gradient from `yPred` and `gradOut` ({@link GradData}).
 */
export interface LossFunction<O extends object = LossOptions> {
  (yTrue: TensorInput | null, yPred: TensorInput, options: O & { reduction: 'none' }): Tensor;
  (yTrue: TensorInput | null, yPred: TensorInput, options?: O & { reduction?: Exclude<Reduction, 'none'> }): number;
  (yTrue: TensorInput | null, yPred: TensorInput, options?: O): number | Tensor;
  // With `gradOut` (a required property here, so that a `Float32Array | undefined` value infers
  // `G` with its `undefined`: the gradient is then either dtype).
  valueAndGrad<Y extends TensorInput, G extends FloatArray | undefined>(
    yTrue: TensorInput | null,
    yPred: Y,
    options: O & { reduction: 'none'; gradOut: G },
  ): LossResult<Tensor, GradData<Y, G>>;
  valueAndGrad<Y extends TensorInput, G extends FloatArray | undefined>(
    yTrue: TensorInput | null,
    yPred: Y,
    options: O & { reduction?: Exclude<Reduction, 'none'>; gradOut: G },
  ): LossResult<number, GradData<Y, G>>;
  valueAndGrad<Y extends TensorInput, G extends FloatArray | undefined>(
    yTrue: TensorInput | null,
    yPred: Y,
    options: O & { gradOut: G },
  ): LossResult<number | Tensor, GradData<Y, G>>;
  // Without `gradOut`: the gradient's dtype is `yPred`'s.
  valueAndGrad<Y extends TensorInput>(
    yTrue: TensorInput | null,
    yPred: Y,
    options: O & { reduction: 'none'; gradOut?: undefined },
  ): LossResult<Tensor, GradData<Y>>;
  valueAndGrad<Y extends TensorInput>(
    yTrue: TensorInput | null,
    yPred: Y,
    options?: O & { reduction?: Exclude<Reduction, 'none'>; gradOut?: undefined },
  ): LossResult<number, GradData<Y>>;
  valueAndGrad<Y extends TensorInput>(
    yTrue: TensorInput | null,
    yPred: Y,
    options?: O & { gradOut?: undefined },
  ): LossResult<number | Tensor, GradData<Y>>;
  // Options whose `gradOut` may or may not be there (e.g. typed `LossOptions`): either dtype.
  valueAndGrad(yTrue: TensorInput | null, yPred: TensorInput, options?: O): LossResult;
  /** Canonical name, e.g. `'meanSquaredError'` (`getLoss(lossName)` returns this loss). */
  readonly lossName: string;
  /** Option names this loss accepts. */
  readonly optionNames: readonly string[];
  /** Defaults bound to this function (e.g. a Keras alias's `reduction: 'sumOverBatchSize'`). */
  readonly defaults: Readonly<LossOptions>;
  /** What the loss's inputs are (read by `diagnoseLoss` and `lossMetric`); see `define.ts`. */
  readonly meta: LossMeta;
}

export type { LossMeta } from './define.js';
