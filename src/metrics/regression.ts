/**
 * Regression metrics (scikit-learn semantics), streaming and exact.
 *
 * Inputs: `yTrue` and `yPred` of the same shape, `[N]` (one output) or `[N, outputs]`; optional
 * per-sample weights `[N]` (scikit-learn `sample_weight`). Every metric keeps O(outputs) state
 * except {@link spearmanCorrcoef}, which must keep the values (O(N·outputs)).
 *
 * Two kinds of state:
 * - **sums of non-negative terms** (MAE, MSE, RMSE, MSLE, MAPE, cosine): merged by addition;
 *   no cancellation is possible.
 * - **shifted moments** (R², explained variance, Pearson): per output a shift `K` (the first
 *   value seen with a non-zero weight), the weighted mean of `x − K` and the sum of squared
 *   deviations `M2` (and the co-moment for Pearson). Each batch is reduced with an exact two-pass
 *   pass of its own and merged with Chan's formula, so data offset by 1e9 with unit spread loses
 *   no digits (naive `Σx² − (Σx)²/n` would lose all of them), and constant targets give
 *   exactly `M2 = 0`.
 *
 * `compute()` of a metric that has seen no data, or only zero weights, is `NaN`
 * (scikit-learn raises in those cases).
 */
import { LosskitError, describe, fmtShape } from '../errors.js';
import type { FloatArray, Tensor, TensorInput } from '../tensor.js';
import type { MetricResult } from './results.js';
import {
  checkBooleanOption,
  checkFinite,
  checkNonEmpty,
  checkNumberOption,
  checkOneOf,
  checkRange,
  checkSameShape,
} from '../validate.js';
import type { FieldSpec, MetricOptions, MetricSpec } from './core.js';
import { F64List, f64Field, listField, numField, numSamples, oneShot, perSample } from './core.js';
import type { MetricEntry } from './registry-types.js';

// ---------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------

export interface MultioutputConfig {
  /** A mode, or one weight per output (scikit-learn `multioutput` as an array: `np.average` weights). */
  multioutput: 'uniformAverage' | 'rawValues' | number[];
}

export interface WeightedMultioutputConfig {
  multioutput: 'uniformAverage' | 'rawValues' | 'varianceWeighted' | number[];
  /** scikit-learn `force_finite` (R², explained variance): false gives `NaN` / `−∞` for constant targets. */
  forceFinite: boolean;
}

/** scikit-learn's `multioutput` as an array: one non-negative finite weight per output, not all 0. */
function outputWeights(fn: string, v: unknown): number[] | null {
  if (!Array.isArray(v)) return null;
  if (v.length === 0 || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0) || !v.some((x) => x > 0))
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'multioutput' as an array must hold one non-negative finite weight per output, not all 0; received ${describe(v)}`,
      'multioutput',
    );
  return v.slice() as number[];
}

function multioutputConfig(options: MetricOptions, fn: string): MultioutputConfig {
  return {
    multioutput:
      outputWeights(fn, options.multioutput) ??
      (options.multioutput === undefined
        ? 'uniformAverage'
        : checkOneOf(fn, 'multioutput', options.multioutput, ['uniformAverage', 'rawValues'] as const)),
  };
}

function weightedMultioutputConfig(options: MetricOptions, fn: string): WeightedMultioutputConfig {
  return {
    multioutput:
      outputWeights(fn, options.multioutput) ??
      (options.multioutput === undefined
        ? 'uniformAverage'
        : checkOneOf(fn, 'multioutput', options.multioutput, [
            'uniformAverage',
            'rawValues',
            'varianceWeighted',
          ] as const)),
    forceFinite: options.forceFinite === undefined ? true : checkBooleanOption(fn, 'forceFinite', options.forceFinite),
  };
}

/** Checks the shapes of a regression batch (same shape, non-empty, rank <= 2, finite); returns the number of outputs. */
function checkRegressionShapes(fn: string, yTrue: Tensor, yPred: Tensor): number {
  checkSameShape(fn, yTrue, 'yTrue', yPred, 'yPred');
  checkNonEmpty(fn, 'yPred', yPred);
  if (yPred.shape.length > 2) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'yPred' must have shape [N] or [N, outputs]; received ${fmtShape(yPred.shape)}`,
      'yPred',
    );
  }
  checkFinite(fn, 'yTrue', yTrue);
  checkFinite(fn, 'yPred', yPred);
  return perSample(yPred);
}

/** Throws unless `d` outputs agree with the `known` count from earlier batches (0 = none yet). */
function checkOutputCount(fn: string, d: number, known: number): void {
  if (known !== 0 && known !== d) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'yPred' has ${d} outputs per sample but earlier batches had ${known}; expected ${known}`,
      'yPred',
    );
  }
}

/** Checks a regression batch against the `known` number of outputs (0: none yet); returns the number of outputs. */
function checkRegressionBatch(fn: string, yTrue: Tensor, yPred: Tensor, known: number): number {
  const d = checkRegressionShapes(fn, yTrue, yPred);
  checkOutputCount(fn, d, known);
  return d;
}

/** Per-output value → the configured multioutput aggregate (`'rawValues'` always gives an array). */
export function aggregateOutputs(
  values: Float64Array,
  config: { multioutput: string | number[] },
  varianceWeights?: Float64Array,
): number | number[] {
  if (config.multioutput === 'rawValues') return Array.from(values);
  const mw = config.multioutput;
  if (Array.isArray(mw)) {
    if (mw.length !== values.length)
      throw new LosskitError(
        'SHAPE_MISMATCH',
        'multioutput',
        `option 'multioutput' has ${mw.length} weights but the data has ${values.length} outputs; expected one weight per output`,
        'multioutput',
      );
    let sw = 0;
    let s = 0;
    for (let j = 0; j < values.length; j++) {
      sw += mw[j];
      s += mw[j] * values[j];
    }
    return s / sw;
  }
  if (config.multioutput === 'varianceWeighted' && varianceWeights !== undefined) {
    let sw = 0;
    let s = 0;
    for (let j = 0; j < values.length; j++) {
      sw += varianceWeights[j];
      s += varianceWeights[j] * values[j];
    }
    // scikit-learn: all denominators zero (every output constant) → uniform weights.
    if (sw !== 0) return s / sw;
  }
  if (values.length === 1) return values[0];
  let s = 0;
  for (let j = 0; j < values.length; j++) s += values[j];
  return s / values.length;
}

function weightAt(w: Float64Array | null, i: number): number {
  return w === null ? 1 : w[i];
}

// ---------------------------------------------------------------------------------------------
// Per-output weighted means of a non-negative error: MAE, MSE, RMSE, MSLE, MAPE
// ---------------------------------------------------------------------------------------------

/** What a mean-error kernel reads: `n` rows of `d` outputs, weights, the per-output accumulator. */
interface KernelArgs<C> {
  n: number;
  d: number;
  t: FloatArray;
  p: FloatArray;
  w: Float64Array | null;
  acc: Float64Array;
  config: C;
}

/** A batch kernel: adds `Σᵢ wᵢ·errᵢⱼ` to `acc[j]` and returns `Σᵢ wᵢ`. No validation. */
type MeanErrorKernel<C> = (a: KernelArgs<C>) => number;

/** The state of a mean-error metric: per-output Σ w·err (sized by the first batch) and Σ w. */
interface MeanErrorState {
  sum: Float64Array;
  sumW: number;
}

/**
 * Spec of a metric `Σᵢ wᵢ·err(yᵢⱼ, ŷᵢⱼ) / Σᵢ wᵢ` per output, aggregated over outputs.
 * State: `sum` (per output) and `sumW`, both merged by addition (the array field comes first so
 * an output-count mismatch is refused before anything is merged).
 */
function meanErrorSpec<C extends { multioutput: string | number[] }>(
  name: string,
  optionNames: readonly string[],
  config: (options: MetricOptions, fn: string) => C,
  kernel: MeanErrorKernel<C>,
  finish: (perOutputMean: number, config: C) => number,
  checkBatch?: (fn: string, yTrue: Tensor, yPred: Tensor, config: C) => void,
): MetricSpec<C, MeanErrorState, number | number[]> {
  return {
    name,
    optionNames,
    config,
    init: () => ({ sum: new Float64Array(0), sumW: 0 }),
    // One entry per output: the number of outputs is data, recorded nowhere else.
    fields: () => [{ ...f64Field('sum', 'nonnegOrNaN'), freeLength: true }, numField('sumW', 'count')],
    check: (s) =>
      s.sum.length === 0 && s.sumW !== 0 ? `'sum' is empty (no outputs seen) but 'sumW' is ${s.sumW}` : null,
    update(state, yTrue, yPred, w, cfg, fn) {
      const d = checkRegressionBatch(fn, yTrue, yPred, state.sum.length);
      checkBatch?.(fn, yTrue, yPred, cfg);
      if (state.sum.length === 0) state.sum = new Float64Array(d);
      state.sumW += kernel({ n: numSamples(yPred), d, t: yTrue.data, p: yPred.data, w, acc: state.sum, config: cfg });
    },
    compute(state, cfg) {
      const acc = state.sum;
      const sw = state.sumW;
      if (acc.length === 0) return nanResult(0, cfg);
      if (cfg.multioutput === 'pooled') {
        // Keras: every element pooled, then `finish` (the root) once.
        let s = 0;
        for (let j = 0; j < acc.length; j++) s += acc[j];
        return finish(s / (sw * acc.length), cfg);
      }
      const out = new Float64Array(acc.length);
      for (let j = 0; j < acc.length; j++) out[j] = finish(acc[j] / sw, cfg);
      return aggregateOutputs(out, cfg);
    },
  };
}

const identity = (v: number): number => v;

function squaredErrorKernel({ n, d, t, p, w, acc }: KernelArgs<unknown>): number {
  let sw = 0;
  for (let i = 0; i < n; i++) {
    const wi = weightAt(w, i);
    sw += wi;
    for (let j = 0, k = i * d; j < d; j++, k++) {
      const e = p[k] - t[k];
      acc[j] += wi * e * e;
    }
  }
  return sw;
}

function absoluteErrorKernel({ n, d, t, p, w, acc }: KernelArgs<unknown>): number {
  let sw = 0;
  for (let i = 0; i < n; i++) {
    const wi = weightAt(w, i);
    sw += wi;
    for (let j = 0, k = i * d; j < d; j++, k++) acc[j] += wi * Math.abs(p[k] - t[k]);
  }
  return sw;
}

/** The metric spec (state, update, merge, compute) of {@link meanSquaredError}. */
export const meanSquaredErrorSpec: MetricSpec<MultioutputConfig, MeanErrorState, number | number[]> = meanErrorSpec(
  'meanSquaredError',
  ['multioutput'],
  multioutputConfig,
  squaredErrorKernel,
  identity,
);
/**
 * Mean squared error as a metric: `Σᵢ wᵢ (yᵢⱼ − ŷᵢⱼ)² / Σᵢ wᵢ` per output `j`, then averaged
 * over outputs (`multioutput: 'uniformAverage'`, default) or returned per output (`'rawValues'`).
 *
 * Shapes: `yTrue`, `yPred` `[N]` or `[N, outputs]`; `sampleWeight` `[N]`.
 * Equivalents: scikit-learn `mean_squared_error`; torchmetrics `MeanSquaredError`; Keras `mse`.
 * State: per-output weighted sums and `Σ w` (merged by addition).
 *
 * @example metrics.meanSquaredError([3, -0.5, 2, 7], [2.5, 0, 2, 8]) // 0.375
 */
export function meanSquaredError<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'outputs', O>;
export function meanSquaredError(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return meanSquaredErrorOnce(yTrue, yPred, options);
}
const meanSquaredErrorOnce = oneShot(meanSquaredErrorSpec);

/** The metric spec (state, update, merge, compute) of {@link meanAbsoluteError}. */
export const meanAbsoluteErrorSpec: MetricSpec<MultioutputConfig, MeanErrorState, number | number[]> = meanErrorSpec(
  'meanAbsoluteError',
  ['multioutput'],
  multioutputConfig,
  absoluteErrorKernel,
  identity,
);
/**
 * Mean absolute error: `Σᵢ wᵢ |yᵢⱼ − ŷᵢⱼ| / Σᵢ wᵢ` per output, then `multioutput`
 * (`'uniformAverage'` default, or `'rawValues'`).
 *
 * Shapes: `yTrue`, `yPred` `[N]` or `[N, outputs]`; `sampleWeight` `[N]`.
 * Equivalents: scikit-learn `mean_absolute_error`; torchmetrics `MeanAbsoluteError`; Keras `mae`.
 *
 * @example metrics.meanAbsoluteError([3, -0.5, 2, 7], [2.5, 0, 2, 8]) // 0.5
 */
export function meanAbsoluteError<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'outputs', O>;
export function meanAbsoluteError(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return meanAbsoluteErrorOnce(yTrue, yPred, options);
}
const meanAbsoluteErrorOnce = oneShot(meanAbsoluteErrorSpec);

/** The metric spec (state, update, merge, compute) of {@link rootMeanSquaredError}. */
export const rootMeanSquaredErrorSpec: MetricSpec<
  { multioutput: 'uniformAverage' | 'rawValues' | 'pooled' | number[] },
  MeanErrorState,
  number | number[]
> = meanErrorSpec(
  'rootMeanSquaredError',
  ['multioutput'],
  (options, fn) => ({
    multioutput:
      outputWeights(fn, options.multioutput) ??
      (options.multioutput === undefined
        ? 'uniformAverage'
        : checkOneOf(fn, 'multioutput', options.multioutput, ['uniformAverage', 'rawValues', 'pooled'] as const)),
  }),
  squaredErrorKernel,
  Math.sqrt,
);
/**
 * Root mean squared error, scikit-learn 1.2's `mean_squared_error(squared=False)`: the square
 * root **per output** `√(Σᵢ wᵢ (yᵢⱼ − ŷᵢⱼ)² / Σᵢ wᵢ)`, then averaged over outputs
 * (`'uniformAverage'`, default) or returned per output (`'rawValues'`); `'pooled'` takes one
 * root of the mean over every element, `√(Σᵢⱼ wᵢ (yᵢⱼ − ŷᵢⱼ)² / (outputs·Σᵢ wᵢ))` (Keras).
 *
 * Shapes: `yTrue`, `yPred` `[N]` or `[N, outputs]`; `sampleWeight` `[N]`.
 * Equivalents: scikit-learn ≥ 1.4 `root_mean_squared_error`; Keras `RootMeanSquaredError`
 * (the alias binds `multioutput: 'pooled'`). For one output all agree.
 *
 * @example metrics.rootMeanSquaredError([3, -0.5, 2, 7], [2.5, 0, 2, 8]) // 0.6123724356957945
 */
export function rootMeanSquaredError<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'outputs', O>;
export function rootMeanSquaredError(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return rootMeanSquaredErrorOnce(yTrue, yPred, options);
}
const rootMeanSquaredErrorOnce = oneShot(rootMeanSquaredErrorSpec);

export interface MeanSquaredLogErrorConfig extends MultioutputConfig {
  /** `null`: scikit-learn (negative values rejected); a number: Keras (values clipped below at eps). */
  eps: number | null;
}

function msleKernel({ n, d, t, p, w, acc, config }: KernelArgs<MeanSquaredLogErrorConfig>): number {
  const eps = config.eps;
  let sw = 0;
  for (let i = 0; i < n; i++) {
    const wi = weightAt(w, i);
    sw += wi;
    for (let j = 0, k = i * d; j < d; j++, k++) {
      // Keras clips at eps; scikit-learn has already rejected negative values.
      const e =
        eps === null
          ? Math.log1p(p[k]) - Math.log1p(t[k])
          : Math.log1p(Math.max(p[k], eps)) - Math.log1p(Math.max(t[k], eps));
      acc[j] += wi * e * e;
    }
  }
  return sw;
}

/** The metric spec (state, update, merge, compute) of {@link meanSquaredLogError}. */
export const meanSquaredLogErrorSpec: MetricSpec<MeanSquaredLogErrorConfig, MeanErrorState, number | number[]> =
  meanErrorSpec(
    'meanSquaredLogError',
    ['multioutput', 'eps'],
    (options, fn) => ({
      ...multioutputConfig(options, fn),
      eps: options.eps === undefined ? null : checkNumberOption(fn, 'eps', options.eps, { min: 0 }),
    }),
    msleKernel,
    identity,
    (fn, yTrue, yPred, config) => {
      if (config.eps !== null) return;
      checkRange(
        fn,
        'yTrue',
        yTrue,
        0,
        Infinity,
        'non-negative values (the log error is undefined for negative values)',
      );
      checkRange(
        fn,
        'yPred',
        yPred,
        0,
        Infinity,
        'non-negative values (the log error is undefined for negative values)',
      );
    },
  );
/**
 * Mean squared logarithmic error: `Σᵢ wᵢ (log(1 + yᵢⱼ) − log(1 + ŷᵢⱼ))² / Σᵢ wᵢ` per output,
 * then `multioutput`.
 *
 * Shapes: `yTrue`, `yPred` `[N]` or `[N, outputs]`, values >= 0; `sampleWeight` `[N]`.
 * Options: `multioutput`; `eps` (default: none, scikit-learn) — when given, values are clipped
 * below at `eps` instead of negative values being rejected (Keras `msle`, bound by the Keras
 * aliases with `eps: 1e-7`).
 * Errors: a negative value without `eps` → `OUT_OF_RANGE` (scikit-learn raises `ValueError`).
 * Equivalents: scikit-learn `mean_squared_log_error`; torchmetrics `MeanSquaredLogError`;
 * Keras `msle` / `MeanSquaredLogarithmicError`.
 *
 * @example metrics.meanSquaredLogError([3, 5, 2.5, 7], [2.5, 5, 4, 8]) // 0.03973012298459376
 */
export function meanSquaredLogError<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'outputs', O>;
export function meanSquaredLogError(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return meanSquaredLogErrorOnce(yTrue, yPred, options);
}
const meanSquaredLogErrorOnce = oneShot(meanSquaredLogErrorSpec);

export interface MeanAbsolutePercentageErrorConfig extends MultioutputConfig {
  eps: number;
  percent: boolean;
}

/** scikit-learn's `np.finfo(np.float64).eps`. */
const F64_EPS = 2.220446049250313e-16;

function mapeKernel({ n, d, t, p, w, acc, config }: KernelArgs<MeanAbsolutePercentageErrorConfig>): number {
  const eps = config.eps;
  let sw = 0;
  for (let i = 0; i < n; i++) {
    const wi = weightAt(w, i);
    sw += wi;
    for (let j = 0, k = i * d; j < d; j++, k++) acc[j] += (wi * Math.abs(p[k] - t[k])) / Math.max(Math.abs(t[k]), eps);
  }
  return sw;
}

/** The metric spec (state, update, merge, compute) of {@link meanAbsolutePercentageError}. */
export const meanAbsolutePercentageErrorSpec: MetricSpec<
  MeanAbsolutePercentageErrorConfig,
  MeanErrorState,
  number | number[]
> = meanErrorSpec(
  'meanAbsolutePercentageError',
  ['multioutput', 'eps', 'percent'],
  (options, fn) => ({
    ...multioutputConfig(options, fn),
    eps: options.eps === undefined ? F64_EPS : checkNumberOption(fn, 'eps', options.eps, { gt: 0 }),
    percent: options.percent === undefined ? false : checkBooleanOption(fn, 'percent', options.percent),
  }),
  mapeKernel,
  (v, config) => (config.percent ? 100 * v : v),
);
/**
 * Mean absolute percentage error, as a **fraction** (scikit-learn):
 * `Σᵢ wᵢ |yᵢⱼ − ŷᵢⱼ| / max(|yᵢⱼ|, eps) / Σᵢ wᵢ` per output, then `multioutput`.
 *
 * Shapes: `yTrue`, `yPred` `[N]` or `[N, outputs]`; `sampleWeight` `[N]`.
 * Options: `eps` (default `2.220446049250313e-16`, scikit-learn's float64 machine epsilon: a zero
 * target gives a huge value, as in scikit-learn); `percent` (default `false`; `true` multiplies
 * by 100); `multioutput`.
 * Equivalents: scikit-learn `mean_absolute_percentage_error`; torchmetrics
 * `MeanAbsolutePercentageError` (alias binds torchmetrics's `eps: 1.17e-6`); Keras `mape` (alias
 * binds `percent: true, eps: 1e-7`: Keras reports a percentage). Keras's class name
 * `MeanAbsolutePercentageError` is taken by torchmetrics's (a fraction): use `mape` for Keras.
 *
 * @example metrics.meanAbsolutePercentageError([3, -0.5, 2, 7], [2.5, 0, 2, 8]) // 0.3273809523809524
 */
export function meanAbsolutePercentageError<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'outputs', O>;
export function meanAbsolutePercentageError(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: MetricOptions | null,
): unknown {
  return meanAbsolutePercentageErrorOnce(yTrue, yPred, options);
}
const meanAbsolutePercentageErrorOnce = oneShot(meanAbsolutePercentageErrorSpec);

export interface MeanPinballLossConfig extends MultioutputConfig {
  alpha: number;
}

function pinballKernel({ n, d, t, p, w, acc, config }: KernelArgs<MeanPinballLossConfig>): number {
  const a = config.alpha;
  let sw = 0;
  for (let i = 0; i < n; i++) {
    const wi = weightAt(w, i);
    sw += wi;
    for (let j = 0, k = i * d; j < d; j++, k++) {
      const diff = t[k] - p[k];
      acc[j] += wi * (diff >= 0 ? a * diff : (a - 1) * diff);
    }
  }
  return sw;
}

/**
 * Mean pinball (quantile) loss as a metric (scikit-learn `mean_pinball_loss`): with
 * `d = yᵢⱼ − ŷᵢⱼ`, `Σᵢ wᵢ·(α·d if d ≥ 0 else (α − 1)·d) / Σᵢ wᵢ` per output `j`, then
 * `multioutput` (`'uniformAverage'` default, `'rawValues'`, or one weight per output).
 * Options: `alpha` (the quantile, in [0, 1], default 0.5), `multioutput`. Shapes: `yTrue`,
 * `yPred` `[N]` or `[N, outputs]`; `sampleWeight` `[N]`. Registry name `meanPinballLoss`, alias
 * `mean_pinball_loss` (the loss of the same scikit-learn name is `getLoss('mean_pinball_loss')`,
 * the loss `pinball`). State: per-output weighted sums and `Σ w`.
 */
export const meanPinballLossSpec: MetricSpec<MeanPinballLossConfig, MeanErrorState, number | number[]> = meanErrorSpec(
  'meanPinballLoss',
  ['multioutput', 'alpha'],
  (options, fn) => ({
    ...multioutputConfig(options, fn),
    alpha: options.alpha === undefined ? 0.5 : checkNumberOption(fn, 'alpha', options.alpha, { min: 0, max: 1 }),
  }),
  pinballKernel,
  identity,
);

// ---------------------------------------------------------------------------------------------
// Shifted moments merged with Chan's formula: R², explained variance, Pearson
// ---------------------------------------------------------------------------------------------

/**
 * Running weighted moments of one or two variables per output, in shifted coordinates.
 * Serialised fields: per variable `v` (named by the layout): `<v>Shift`, `<v>Mean` (mean of
 * `x − shift`), `<v>M2` (Σ w (x − mean)²); optionally the co-moment `cov` (Σ w (x − x̄)(y − ȳ))
 * of the first two variables; any extra per-output `'sum'`-style arrays listed in `sums`; then
 * `sumW` and `count` (rows, including zero-weight ones).
 */
interface MomentLayout {
  vars: readonly string[];
  cov: boolean;
  sums: readonly string[];
}

/** Moments of one variable, one entry per output. */
interface VarMoments {
  shift: Float64Array;
  mean: Float64Array;
  m2: Float64Array;
}

/** The state of a moment metric: arrays sized by the first batch (length 0 before it). */
interface MomentState {
  vars: VarMoments[];
  cov: Float64Array;
  sums: Float64Array[];
  sumW: number;
  count: number;
}

function momentInit(layout: MomentLayout): MomentState {
  return {
    vars: layout.vars.map(() => ({ shift: new Float64Array(0), mean: new Float64Array(0), m2: new Float64Array(0) })),
    cov: new Float64Array(0),
    sums: layout.sums.map(() => new Float64Array(0)),
    sumW: 0,
    count: 0,
  };
}

function momentFields(layout: MomentLayout): FieldSpec<MomentState>[] {
  const f: FieldSpec<MomentState>[] = [];
  // The shift is a data value; means and M2 may overflow (to ±Infinity, then NaN) with huge data.
  const parts = [
    ['Shift', 'shift', 'finite'],
    ['Mean', 'mean', 'any'],
    ['M2', 'm2', 'nonnegOrNaN'],
  ] as const;
  layout.vars.forEach((name, v) => {
    for (const [suffix, part, values] of parts)
      f.push({
        key: name + suffix,
        kind: 'f64',
        rule: 'custom',
        values,
        get: (s) => s.vars[v][part],
        set: (s, x) => {
          s.vars[v][part] = x;
        },
      });
  });
  if (layout.cov) f.push(f64Field('cov', 'any', undefined, 'custom'));
  layout.sums.forEach((name, k) =>
    f.push({
      key: name,
      kind: 'f64',
      rule: 'custom',
      values: 'nonnegOrNaN',
      get: (s) => s.sums[k],
      set: (s, x) => {
        s.sums[k] = x;
      },
    }),
  );
  f.push(numField('sumW', 'count', 'custom'), numField('count', 'index', 'custom'));
  return f;
}

/** Every per-output array of a restored moment state has the same length; none before any row. */
function momentCheck(s: MomentState, layout: MomentLayout): string | null {
  const d = momentOutputs(s);
  const arrays: [string, Float64Array][] = [];
  layout.vars.forEach((name, v) => {
    arrays.push([name + 'Shift', s.vars[v].shift], [name + 'Mean', s.vars[v].mean], [name + 'M2', s.vars[v].m2]);
  });
  if (layout.cov) arrays.push(['cov', s.cov]);
  layout.sums.forEach((name, k) => arrays.push([name, s.sums[k]]));
  for (const [name, a] of arrays)
    if (a.length !== d) return `'${name}' has ${a.length} entries but '${arrays[1][0]}' has ${d} (one per output)`;
  if (d === 0 && (s.count !== 0 || s.sumW !== 0))
    return `no outputs are recorded but 'count' is ${s.count} and 'sumW' is ${s.sumW}`;
  return null;
}

/** Number of outputs recorded in a moment state (0 before the first batch). */
function momentOutputs(state: MomentState): number {
  return state.vars[0].mean.length;
}

function sizeMoments(state: MomentState, layout: MomentLayout, d: number): void {
  if (momentOutputs(state) !== 0) return;
  for (const m of state.vars) {
    m.shift = new Float64Array(d);
    m.mean = new Float64Array(d);
    m.m2 = new Float64Array(d);
  }
  if (layout.cov) state.cov = new Float64Array(d);
  for (let k = 0; k < state.sums.length; k++) state.sums[k] = new Float64Array(d);
}

/**
 * Adds a batch (`values[v]`: row-major `n × d` for each variable) to the running moments:
 * an exact two-pass reduction of the batch in the state's shifted coordinates, then Chan's
 * parallel merge. Zero-weight rows contribute nothing (they only count as rows).
 */
function updateMoments(
  state: MomentState,
  layout: MomentLayout,
  values: readonly FloatArray[],
  shape: { n: number; d: number },
  w: Float64Array | null,
): void {
  const { n, d } = shape;
  sizeMoments(state, layout, d);
  state.count += n;
  let wb = 0;
  let first = -1;
  for (let i = 0; i < n; i++) {
    const wi = weightAt(w, i);
    if (wi > 0 && first < 0) first = i;
    wb += wi;
  }
  if (!(wb > 0)) return;
  const wa = state.sumW;
  const nv = state.vars.length;
  if (wa === 0) {
    // The shift: the first value with a non-zero weight (constant data then gives exactly 0).
    for (let v = 0; v < nv; v++) {
      const shift = state.vars[v].shift;
      const x = values[v];
      for (let j = 0; j < d; j++) shift[j] = x[first * d + j];
    }
  }
  // Pass 1: batch means of x − shift.
  const bMean: Float64Array[] = [];
  for (let v = 0; v < nv; v++) {
    const shift = state.vars[v].shift;
    const x = values[v];
    const m = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const wi = weightAt(w, i);
      if (wi === 0) continue;
      for (let j = 0, k = i * d; j < d; j++, k++) m[j] += wi * (x[k] - shift[j]);
    }
    for (let j = 0; j < d; j++) m[j] /= wb;
    bMean.push(m);
  }
  // Pass 2: batch M2 (and co-moment) about the batch means.
  const bM2: Float64Array[] = [];
  for (let v = 0; v < nv; v++) {
    const shift = state.vars[v].shift;
    const x = values[v];
    const m = bMean[v];
    const s = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const wi = weightAt(w, i);
      if (wi === 0) continue;
      for (let j = 0, k = i * d; j < d; j++, k++) {
        const dev = x[k] - shift[j] - m[j];
        s[j] += wi * dev * dev;
      }
    }
    bM2.push(s);
  }
  let bCov: Float64Array | null = null;
  if (layout.cov) {
    bCov = new Float64Array(d);
    const sx = state.vars[0].shift;
    const sy = state.vars[1].shift;
    const x = values[0];
    const y = values[1];
    const mx = bMean[0];
    const my = bMean[1];
    for (let i = 0; i < n; i++) {
      const wi = weightAt(w, i);
      if (wi === 0) continue;
      for (let j = 0, k = i * d; j < d; j++, k++) bCov[j] += wi * (x[k] - sx[j] - mx[j]) * (y[k] - sy[j] - my[j]);
    }
  }
  chanMerge(state, { wa, wb, mean: bMean, m2: bM2, cov: bCov });
}

/** A batch or shard's moments in the state's shifted coordinates, with the two total weights. */
interface MomentDelta {
  wa: number;
  wb: number;
  mean: readonly Float64Array[];
  m2: readonly Float64Array[];
  cov: Float64Array | null;
}

/**
 * Chan et al.'s parallel merge of moments (`b` given in `a`'s shifted coordinates) into `state`:
 * `M2 = M2a + M2b + δ²·wa·wb/W`, `C = Ca + Cb + δx·δy·wa·wb/W`, `mean = meanA + δ·wb/W`.
 */
function chanMerge(state: MomentState, b: MomentDelta): void {
  const { wa, wb } = b;
  const W = wa + wb;
  const f = (wa * wb) / W;
  const g = wb / W;
  const d = b.mean[0].length;
  const deltas: Float64Array[] = [];
  for (let v = 0; v < state.vars.length; v++) {
    const { mean, m2 } = state.vars[v];
    const delta = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      delta[j] = b.mean[v][j] - mean[j];
      m2[j] += b.m2[v][j] + delta[j] * delta[j] * f;
    }
    deltas.push(delta);
  }
  if (b.cov !== null) {
    const cov = state.cov;
    for (let j = 0; j < d; j++) cov[j] += b.cov[j] + deltas[0][j] * deltas[1][j] * f;
  }
  for (let v = 0; v < state.vars.length; v++) {
    const mean = state.vars[v].mean;
    for (let j = 0; j < d; j++) mean[j] += deltas[v][j] * g;
  }
  state.sumW = W;
}

/** The `mergeCustom` of a moment metric: checks the output counts, then merges `b` into `a`. */
function mergeMoments(a: MomentState, b: MomentState, layout: MomentLayout, fn: string): void {
  const da = momentOutputs(a);
  const db = momentOutputs(b);
  if (da !== 0 && db !== 0 && da !== db) {
    throw new LosskitError(
      'INCOMPATIBLE_STATE',
      fn,
      `cannot merge: 'other' has ${db} outputs but this metric has ${da}`,
      'other',
    );
  }
  a.count += b.count;
  if (db === 0) return;
  sizeMoments(a, layout, db);
  for (let k = 0; k < a.sums.length; k++) {
    const x = a.sums[k];
    const y = b.sums[k];
    for (let j = 0; j < db; j++) x[j] += y[j];
  }
  const wa = a.sumW;
  const wb = b.sumW;
  if (!(wb > 0)) return;
  if (wa === 0) {
    a.vars = b.vars.map((m) => ({
      shift: Float64Array.from(m.shift),
      mean: Float64Array.from(m.mean),
      m2: Float64Array.from(m.m2),
    }));
    if (layout.cov) a.cov = Float64Array.from(b.cov);
    a.sumW = wb;
    return;
  }
  // b's means in a's shifted coordinates: the shift difference is exact for nearby shifts.
  const bMean = b.vars.map((bv, v) => {
    const m = Float64Array.from(bv.mean);
    const sa = a.vars[v].shift;
    const sb = bv.shift;
    for (let j = 0; j < db; j++) m[j] += sb[j] - sa[j];
    return m;
  });
  chanMerge(a, { wa, wb, mean: bMean, m2: b.vars.map((v) => v.m2), cov: layout.cov ? b.cov : null });
}

/**
 * scikit-learn's `_assemble_r2_explained_variance` with `force_finite=True`: per output
 * `1 − num/den`; a constant target (`den = 0`) scores 1 when the fit is perfect (`num = 0`),
 * else 0. `'varianceWeighted'` weights outputs by `den` (uniform if every `den` is 0).
 */
function assembleR2(num: Float64Array, den: Float64Array, config: WeightedMultioutputConfig): number | number[] {
  const d = num.length;
  const scores = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    // force_finite=False: the plain formula (0/0 → NaN, x/0 → −∞)
    if (!config.forceFinite) scores[j] = 1 - num[j] / den[j];
    else if (den[j] !== 0) scores[j] = num[j] !== 0 ? 1 - num[j] / den[j] : 1;
    else scores[j] = num[j] !== 0 ? 0 : 1;
  }
  return aggregateOutputs(scores, config, den);
}

/** No data (or zero weight): NaN, or with `'rawValues'` one NaN per output (`[]` before the first batch). */
function nanResult(d: number, config: { multioutput: string | number[] }): number | number[] {
  return config.multioutput === 'rawValues' ? new Array<number>(d).fill(NaN) : NaN;
}

const R2_LAYOUT: MomentLayout = { vars: ['y'], cov: false, sums: ['sse'] };

function sseKernel({ n, d, t, p, w, acc }: KernelArgs<unknown>): void {
  for (let i = 0; i < n; i++) {
    const wi = weightAt(w, i);
    for (let j = 0, k = i * d; j < d; j++, k++) {
      const e = t[k] - p[k];
      acc[j] += wi * e * e;
    }
  }
}

interface R2Config extends WeightedMultioutputConfig {
  /** Keras `num_regressors`: adjusted R² `1 − (1 − R²)(n − 1)/(n − p − 1)` (0: plain R²). */
  numRegressors: number;
}

/** R²'s state: the moments plus the count of rows with a non-zero weight (Keras's `num_samples`). */
type R2State = MomentState & { nonzero: number };

/** The metric spec (state, update, merge, compute) of {@link r2Score}. */
export const r2ScoreSpec: MetricSpec<R2Config, R2State, number | number[]> = {
  name: 'r2Score',
  optionNames: ['multioutput', 'forceFinite', 'numRegressors'],
  config: (options, fn) => ({
    ...weightedMultioutputConfig(options, fn),
    numRegressors:
      options.numRegressors === undefined
        ? 0
        : checkNumberOption(fn, 'numRegressors', options.numRegressors, { integer: true, min: 0 }),
  }),
  init: () => ({ ...momentInit(R2_LAYOUT), nonzero: 0 }),
  fields: () => [...momentFields(R2_LAYOUT), numField('nonzero', 'count', 'custom')],
  update(state, yTrue, yPred, w, _config, fn) {
    const d = checkRegressionShapes(fn, yTrue, yPred);
    checkOutputCount(fn, d, momentOutputs(state));
    const n = numSamples(yPred);
    updateMoments(state, R2_LAYOUT, [yTrue.data], { n, d }, w);
    sseKernel({ n, d, t: yTrue.data, p: yPred.data, w, acc: state.sums[0], config: null });
    let nz = n;
    if (w !== null) for (let i = 0; i < n; i++) if (w[i] === 0) nz--;
    state.nonzero += nz;
  },
  mergeCustom: (a, b) => {
    mergeMoments(a, b, R2_LAYOUT, 'r2Score'); // checks compatibility first
    a.nonzero += b.nonzero;
  },
  check: (s) => momentCheck(s, R2_LAYOUT),
  compute(state, config) {
    const d = momentOutputs(state);
    if (d === 0 || state.count < 2 || !(state.sumW > 0)) return nanResult(d, config);
    const r2 = assembleR2(state.sums[0], state.vars[0].m2, config);
    // Keras R2Score(num_regressors): adjusted R² over the rows with a non-zero weight; with
    // p ≥ n − 1 Keras warns and keeps the plain R², as here
    const p = config.numRegressors;
    const n = state.nonzero;
    if (p === 0 || p >= n - 1) return r2;
    const adjust = (v: number): number => 1 - ((1 - v) * (n - 1)) / (n - p - 1);
    return typeof r2 === 'number' ? adjust(r2) : r2.map(adjust);
  },
};
/**
 * R² (coefficient of determination), scikit-learn `r2_score`:
 * `1 − Σᵢ wᵢ (yᵢⱼ − ŷᵢⱼ)² / Σᵢ wᵢ (yᵢⱼ − ȳⱼ)²` per output (ȳ the weighted mean), then
 * `multioutput`: `'uniformAverage'` (default), `'rawValues'` or `'varianceWeighted'` (weights =
 * the per-output denominators).
 *
 * Constant targets follow scikit-learn's `force_finite=True`: a perfect fit scores 1.0, any other
 * 0.0 (not `−∞`/`NaN`); `forceFinite: false` gives the plain formula's `NaN` / `−∞` (scikit-learn
 * `force_finite=False`). Fewer than two samples (rows, whatever their weights) gives `NaN`, as
 * scikit-learn does; so does a total weight of 0. `multioutput` may also be an array of one
 * weight per output (scikit-learn). `numRegressors: p` gives Keras's adjusted R²
 * `1 − (1 − R²)(n − 1)/(n − p − 1)` over the `n` rows with a non-zero weight (plain R² when
 * `p ≥ n − 1`, where Keras warns).
 *
 * Shapes: `yTrue`, `yPred` `[N]` or `[N, outputs]`; `sampleWeight` `[N]`.
 * State: O(outputs) shifted moments of `y` (merged with Chan's formula) and `Σ w e²`.
 * Equivalents: scikit-learn `r2_score`; torchmetrics `R2Score`; Keras `R2Score` (Keras scores a
 * constant target with a perfect fit as `NaN`, scikit-learn and losskit as 1).
 *
 * @example metrics.r2Score([3, -0.5, 2, 7], [2.5, 0, 2, 8]) // 0.9486081370449679
 */
export function r2Score<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'outputs', O>;
export function r2Score(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return r2ScoreOnce(yTrue, yPred, options);
}
const r2ScoreOnce = oneShot(r2ScoreSpec);

const EV_LAYOUT: MomentLayout = { vars: ['y', 'e'], cov: false, sums: [] };

/** The metric spec (state, update, merge, compute) of {@link explainedVariance}. */
export const explainedVarianceSpec: MetricSpec<WeightedMultioutputConfig, MomentState, number | number[]> = {
  name: 'explainedVariance',
  optionNames: ['multioutput', 'forceFinite'],
  config: weightedMultioutputConfig,
  init: () => momentInit(EV_LAYOUT),
  fields: () => momentFields(EV_LAYOUT),
  update(state, yTrue, yPred, w, _config, fn) {
    const d = checkRegressionShapes(fn, yTrue, yPred);
    checkOutputCount(fn, d, momentOutputs(state));
    const t = yTrue.data;
    const p = yPred.data;
    const e = new Float64Array(t.length);
    for (let k = 0; k < t.length; k++) e[k] = t[k] - p[k];
    updateMoments(state, EV_LAYOUT, [t, e], { n: numSamples(yPred), d }, w);
  },
  mergeCustom: (a, b) => mergeMoments(a, b, EV_LAYOUT, 'explainedVariance'),
  check: (s) => momentCheck(s, EV_LAYOUT),
  compute(state, config) {
    const d = momentOutputs(state);
    if (d === 0 || !(state.sumW > 0)) return nanResult(d, config);
    return assembleR2(state.vars[1].m2, state.vars[0].m2, config);
  },
};
/**
 * Explained variance, scikit-learn `explained_variance_score`:
 * `1 − Var_w(y − ŷ) / Var_w(y)` per output (weighted variances about the weighted means), then
 * `multioutput` (`'uniformAverage'` default, `'rawValues'`, `'varianceWeighted'`). Unlike R², a
 * constant bias in `ŷ` is not penalised.
 *
 * Constant targets as scikit-learn's `force_finite=True`: 1.0 if `Var(y − ŷ) = 0`, else 0.0
 * (`forceFinite: false`: the plain formula's `NaN` / `−∞`).
 * A total weight of 0 gives `NaN` (scikit-learn raises). One sample gives 1.0 (both variances 0,
 * as scikit-learn).
 *
 * Shapes: `yTrue`, `yPred` `[N]` or `[N, outputs]`; `sampleWeight` `[N]`.
 * State: O(outputs) shifted moments of `y` and of `y − ŷ` (Chan's formula).
 * Equivalents: scikit-learn `explained_variance_score`; torchmetrics `ExplainedVariance`.
 *
 * @example metrics.explainedVariance([3, -0.5, 2, 7], [2.5, 0, 2, 8]) // 0.9571734475374732
 */
export function explainedVariance<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'outputs', O>;
export function explainedVariance(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return explainedVarianceOnce(yTrue, yPred, options);
}
const explainedVarianceOnce = oneShot(explainedVarianceSpec);

const PEARSON_LAYOUT: MomentLayout = { vars: ['p', 't'], cov: true, sums: [] };

/** The metric spec (state, update, merge, compute) of {@link pearsonCorrcoef}. */
export const pearsonCorrcoefSpec: MetricSpec<MultioutputConfig, MomentState, number | number[]> = {
  name: 'pearsonCorrcoef',
  optionNames: ['multioutput'],
  config: multioutputConfig,
  init: () => momentInit(PEARSON_LAYOUT),
  fields: () => momentFields(PEARSON_LAYOUT),
  update(state, yTrue, yPred, w, _config, fn) {
    const d = checkRegressionShapes(fn, yTrue, yPred);
    checkOutputCount(fn, d, momentOutputs(state));
    updateMoments(state, PEARSON_LAYOUT, [yPred.data, yTrue.data], { n: numSamples(yPred), d }, w);
  },
  mergeCustom: (a, b) => mergeMoments(a, b, PEARSON_LAYOUT, 'pearsonCorrcoef'),
  check: (s) => momentCheck(s, PEARSON_LAYOUT),
  compute(state, config) {
    const d = momentOutputs(state);
    if (d === 0 || !(state.sumW > 0)) return nanResult(d, config);
    return aggregateOutputs(correlations(state.cov, state.vars[0].m2, state.vars[1].m2), config);
  },
};
/**
 * Pearson correlation coefficient between `yPred` and `yTrue`, per output:
 * `r = Σᵢ wᵢ (ŷᵢ − ŷ̄)(yᵢ − ȳ) / √(Σᵢ wᵢ (ŷᵢ − ŷ̄)² · Σᵢ wᵢ (yᵢ − ȳ)²)` (weighted means; with
 * integer weights, the same as repeating each sample `wᵢ` times), clipped to [−1, 1] as SciPy
 * does; then `multioutput` (`'uniformAverage'` default or `'rawValues'`, which matches
 * torchmetrics's per-output vector).
 *
 * A constant `yTrue` or `yPred` (or fewer than two distinct weighted samples) gives `NaN`, as
 * `scipy.stats.pearsonr` and torchmetrics do.
 *
 * State: O(outputs): total weight, shifted means, `M2x`, `M2y`, `Cxy`; each batch is reduced
 * exactly and merged with Chan's formula, so a stream of values offset by 1e9 keeps full
 * precision.
 * Shapes: `yTrue`, `yPred` `[N]` or `[N, outputs]`; `sampleWeight` `[N]`.
 * Equivalents: `scipy.stats.pearsonr`; torchmetrics `PearsonCorrCoef`.
 *
 * @example metrics.pearsonCorrcoef([3, -0.5, 2, 7], [2.5, 0, 2, 8]) // 0.98486961844827 (scipy.stats.pearsonr)
 */
export function pearsonCorrcoef<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'outputs', O>;
export function pearsonCorrcoef(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return pearsonCorrcoefOnce(yTrue, yPred, options);
}
const pearsonCorrcoefOnce = oneShot(pearsonCorrcoefSpec);

function correlations(cov: Float64Array, m2x: Float64Array, m2y: Float64Array): Float64Array {
  const r = new Float64Array(cov.length);
  for (let j = 0; j < cov.length; j++) {
    // √·√ rather than √(·) avoids overflow of the product; 0/0 (constant input) is NaN.
    const v = cov[j] / (Math.sqrt(m2x[j]) * Math.sqrt(m2y[j]));
    r[j] = v > 1 ? 1 : v < -1 ? -1 : v;
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Spearman: keeps the values
// ---------------------------------------------------------------------------------------------

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * Stable ascending argsort of `x` into `order`. Small inputs use the built-in sort; large ones an
 * LSD radix sort (four 16-bit passes) on the float64 bit patterns mapped to unsigned order
 * (negative: all bits flipped; positive: sign bit set), O(n) instead of O(n log n) comparator
 * calls. `-0` and `0` end up adjacent, and ties are grouped by `===` afterwards.
 */
function argsort(x: Float64Array, order: Uint32Array): void {
  const n = x.length;
  if (n < 2048 || !LITTLE_ENDIAN) {
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => x[a] - x[b]);
    return;
  }
  const bits = new Uint32Array(x.buffer, x.byteOffset, 2 * n);
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = bits[2 * i + 1];
    const l = bits[2 * i];
    if (h & 0x80000000) {
      hi[i] = ~h >>> 0;
      lo[i] = ~l >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = l;
    }
  }
  let src: Uint32Array = new Uint32Array(n);
  let dst: Uint32Array = order;
  for (let i = 0; i < n; i++) src[i] = i;
  const count = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const key = pass < 2 ? lo : hi;
    const shift = pass % 2 === 0 ? 0 : 16;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(key[src[i]] >>> shift) & 0xffff]++;
    let sum = 0;
    for (let b = 0; b < 65536; b++) {
      const c = count[b];
      count[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = src[i];
      dst[count[(key[k] >>> shift) & 0xffff]++] = k;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  // After an even number of passes the result is back in the array we started from (`src`).
  if (src !== order) order.set(src);
}

/**
 * Weighted mid-ranks of column `j` of `x` (row-major, `d` columns, `n` rows): a value's rank is
 * the total weight of smaller values plus half the weight of its ties. With integer weights this
 * is the average rank of the data with each row repeated `wᵢ` times, up to a constant shift of ½
 * (which no correlation sees). Returns whether the column is constant over the rows of positive
 * weight (at most one distinct value among them): its ranks are then all equal, and only the
 * rounding of a weighted mean would make their variance non-zero.
 */
function weightedRanks(
  data: { x: Float64Array; w: Float64Array; n: number; d: number },
  j: number,
  scratch: { col: Float64Array; order: Uint32Array },
  out: Float64Array,
): boolean {
  const { x, w, n, d } = data;
  const { col, order } = scratch;
  for (let i = 0; i < n; i++) col[i] = x[i * d + j];
  argsort(col, order);
  let c = 0;
  let weighted = 0; // tie groups of positive weight
  for (let s = 0; s < n;) {
    const v = col[order[s]];
    let e = s;
    let g = 0;
    while (e < n && col[order[e]] === v) g += w[order[e++]];
    const r = c + g / 2;
    for (let k = s; k < e; k++) out[order[k]] = r;
    c += g;
    if (g > 0) weighted++;
    s = e;
  }
  return weighted <= 1;
}

/** Weighted Pearson correlation of two length-`n` vectors (two-pass). */
function weightedPearson(x: Float64Array, y: Float64Array, w: Float64Array, n: number): number {
  let sw = 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    sw += w[i];
    mx += w[i] * x[i];
    my += w[i] * y[i];
  }
  mx /= sw;
  my /= sw;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxx += w[i] * dx * dx;
    syy += w[i] * dy * dy;
    sxy += w[i] * dx * dy;
  }
  const r = sxy / (Math.sqrt(sxx) * Math.sqrt(syy));
  return r > 1 ? 1 : r < -1 ? -1 : r;
}

/** The metric spec (state, update, merge, compute) of {@link spearmanCorrcoef}. */
/** Spearman keeps the values: `outputs` per row (0 before the first batch), every value and weight. */
interface SpearmanState {
  outputs: number;
  yTrue: F64List;
  yPred: F64List;
  weight: F64List;
}

export const spearmanCorrcoefSpec: MetricSpec<MultioutputConfig, SpearmanState, number | number[]> = {
  name: 'spearmanCorrcoef',
  optionNames: ['multioutput'],
  config: multioutputConfig,
  init: () => ({ outputs: 0, yTrue: new F64List(), yPred: new F64List(), weight: new F64List() }),
  fields: () => [
    { ...numField('outputs', 'index', 'custom'), size: true },
    listField('yTrue', 'finite'),
    listField('yPred', 'finite'),
    listField('weight', 'count'),
  ],
  check(s) {
    const n = s.weight.length;
    if (s.yTrue.length !== s.yPred.length)
      return `'yTrue' has ${s.yTrue.length} values but 'yPred' has ${s.yPred.length}; expected equal lengths`;
    if (s.yTrue.length !== s.outputs * n)
      return `'yTrue' has ${s.yTrue.length} values but 'outputs' (${s.outputs}) × the ${n} weights is ${s.outputs * n}`;
    return null;
  },
  update(state, yTrue, yPred, w, _config, fn) {
    const d = checkRegressionShapes(fn, yTrue, yPred);
    checkOutputCount(fn, d, state.outputs);
    state.outputs = d;
    state.yTrue.append(yTrue.data);
    state.yPred.append(yPred.data);
    const n = numSamples(yPred);
    state.weight.append(w === null ? new Float64Array(n).fill(1) : w);
  },
  mergeCustom(a, b) {
    const da = a.outputs;
    const db = b.outputs;
    if (da !== 0 && db !== 0 && da !== db) {
      throw new LosskitError(
        'INCOMPATIBLE_STATE',
        'spearmanCorrcoef',
        `cannot merge: 'other' has ${db} outputs but this metric has ${da}`,
        'other',
      );
    }
    if (db === 0) return;
    a.outputs = db;
    for (const k of ['yTrue', 'yPred', 'weight'] as const) a[k].append(b[k].view());
  },
  compute(state, config) {
    const d = state.outputs;
    const w = state.weight.view();
    const n = w.length;
    let sw = 0;
    for (let i = 0; i < n; i++) sw += w[i];
    if (d === 0 || !(sw > 0)) return nanResult(d, config);
    const t = state.yTrue.view();
    const p = state.yPred.view();
    const scratch = { order: new Uint32Array(n), col: new Float64Array(n) };
    const rt = new Float64Array(n);
    const rp = new Float64Array(n);
    const out = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      const constT = weightedRanks({ x: t, w, n, d }, j, scratch, rt);
      const constP = weightedRanks({ x: p, w, n, d }, j, scratch, rp);
      // a constant input has no correlation (scipy.stats.spearmanr: NaN, ConstantInputWarning);
      // deciding it from the ranks' rounded variance made the result depend on the row order
      out[j] = constT || constP ? NaN : weightedPearson(rp, rt, w, n);
    }
    return aggregateOutputs(out, config);
  },
};
/**
 * Spearman rank correlation per output: the Pearson correlation of the ranks of `yPred` and
 * `yTrue`, ties given their average rank (`scipy.stats.spearmanr`), then `multioutput`.
 *
 * **Weights** are frequency weights: with integer `sampleWeight` the result equals
 * `spearmanr` of the data with each row repeated `wᵢ` times (ranks are weighted mid-ranks,
 * then a weighted Pearson correlation); zero-weight rows take no part. Non-integer weights extend
 * the same formula.
 *
 * A constant input (or fewer than two samples) gives `NaN`, as SciPy does.
 * **Memory:** the state keeps every value and weight, O(N·outputs) (ranks need all the data);
 * `compute` sorts, O(N log N) per output.
 * Shapes: `yTrue`, `yPred` `[N]` or `[N, outputs]`; `sampleWeight` `[N]`.
 * Equivalents: `scipy.stats.spearmanr` (per column); torchmetrics `SpearmanCorrCoef`.
 *
 * @example metrics.spearmanCorrcoef([1, 2, 3, 4], [1, 3, 2, 4]) // 0.8
 */
export function spearmanCorrcoef<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'outputs', O>;
export function spearmanCorrcoef(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return spearmanCorrcoefOnce(yTrue, yPred, options);
}
const spearmanCorrcoefOnce = oneShot(spearmanCorrcoefSpec);

// ---------------------------------------------------------------------------------------------
// Cosine similarity
// ---------------------------------------------------------------------------------------------

export interface CosineConfig {
  reduction: 'mean' | 'sum';
}

/** The metric spec (state, update, merge, compute) of {@link cosineSimilarity}. */
interface CosineState {
  sumCos: number;
  sumW: number;
}

export const cosineSimilaritySpec: MetricSpec<CosineConfig, CosineState, number> = {
  name: 'cosineSimilarity',
  optionNames: ['reduction'],
  config: (options, fn) => ({
    reduction:
      options.reduction === undefined
        ? 'mean'
        : checkOneOf(fn, 'reduction', options.reduction, ['mean', 'sum'] as const),
  }),
  init: () => ({ sumCos: 0, sumW: 0 }),
  fields: () => [numField('sumCos', 'any'), numField('sumW', 'count')],
  update(state, yTrue, yPred, w, _config, fn) {
    checkSameShape(fn, yTrue, 'yTrue', yPred, 'yPred');
    if (yPred.shape.length < 2) {
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'yPred' must have shape [N, ..., D] (vectors along the last axis); received ${fmtShape(yPred.shape)} (use [1, D] for a single vector)`,
        'yPred',
      );
    }
    checkNonEmpty(fn, 'yPred', yPred);
    checkFinite(fn, 'yTrue', yTrue);
    checkFinite(fn, 'yPred', yPred);
    const n = numSamples(yPred);
    const D = yPred.shape[yPred.shape.length - 1];
    const T = perSample(yPred) / D;
    const t = yTrue.data;
    const p = yPred.data;
    let sc = 0;
    let sw = 0;
    for (let i = 0; i < n; i++) {
      const wi = weightAt(w, i);
      sw += wi * T;
      let si = 0;
      for (let k = 0; k < T; k++) {
        let dot = 0;
        let nt = 0;
        let np = 0;
        for (let m = 0, o = (i * T + k) * D; m < D; m++, o++) {
          dot += t[o] * p[o];
          nt += t[o] * t[o];
          np += p[o] * p[o];
        }
        if (nt > 0 && np > 0) si += dot / (Math.sqrt(nt) * Math.sqrt(np));
      }
      sc += wi * si;
    }
    state.sumCos += sc;
    state.sumW += sw;
  },
  compute(state, config) {
    const sw = state.sumW;
    if (sw === 0 && config.reduction === 'mean') return NaN;
    return config.reduction === 'sum' ? state.sumCos : state.sumCos / sw;
  },
};
/**
 * Cosine similarity between `yTrue` and `yPred` along the last axis, reduced over the vectors:
 * `cosᵢₖ = ⟨yᵢₖ, ŷᵢₖ⟩ / (‖yᵢₖ‖·‖ŷᵢₖ‖)` for sample `i` and vector `k` (inputs `[N, D]` have one
 * vector per sample, `[N, T, D]` have `T`); `reduction: 'mean'` (default) gives
 * `Σᵢ wᵢ Σₖ cosᵢₖ / Σᵢ wᵢ·T` (Keras `cosine_similarity` metric, torchmetrics with
 * `reduction='mean'`), `'sum'` gives `Σᵢ wᵢ Σₖ cosᵢₖ` (torchmetrics's default).
 *
 * A zero vector has similarity 0 (Keras; torchmetrics gives `NaN`).
 * Shapes: `yTrue`, `yPred` `[N, ..., D]` (rank >= 2; for one vector use `[1, D]`); `sampleWeight` `[N]`.
 * Equivalents: Keras `cosine_similarity` (mean); torchmetrics `CosineSimilarity` (the alias
 * binds torchmetrics's `reduction: 'sum'`). This is +cos (the losses use −cos).
 *
 * @example metrics.cosineSimilarity([[0, 1], [1, 1]], [[0, 1], [0, 1]]) // 0.8535533905932737
 */
export function cosineSimilarity<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'number', O>;
export function cosineSimilarity(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return cosineSimilarityOnce(yTrue, yPred, options);
}
const cosineSimilarityOnce = oneShot(cosineSimilaritySpec);

// ---------------------------------------------------------------------------------------------
// Registry
// ---------------------------------------------------------------------------------------------

export const regressionMetrics = [
  {
    name: 'meanAbsoluteError',
    result: 'outputs',
    spec: meanAbsoluteErrorSpec,
    description: 'Mean absolute error (scikit-learn mean_absolute_error)',
    aliases: [
      { name: 'mean_absolute_error', source: 'sklearn' },
      { name: 'MeanAbsoluteError', source: 'torchmetrics' },
      { name: 'mae', source: 'keras' },
    ],
  },
  {
    name: 'meanSquaredError',
    result: 'outputs',
    spec: meanSquaredErrorSpec,
    description: 'Mean squared error (scikit-learn mean_squared_error)',
    aliases: [
      { name: 'mean_squared_error', source: 'sklearn' },
      { name: 'MeanSquaredError', source: 'torchmetrics' },
      { name: 'mse', source: 'keras' },
    ],
  },
  {
    name: 'rootMeanSquaredError',
    result: 'outputs',
    spec: rootMeanSquaredErrorSpec,
    description: 'Root mean squared error, root per output (scikit-learn mean_squared_error(squared=False))',
    aliases: [
      { name: 'root_mean_squared_error', source: 'sklearn' },
      { name: 'RootMeanSquaredError', source: 'keras', defaults: { multioutput: 'pooled' } },
    ],
  },
  {
    name: 'meanSquaredLogError',
    result: 'outputs',
    spec: meanSquaredLogErrorSpec,
    description: 'Mean squared logarithmic error (scikit-learn mean_squared_log_error)',
    aliases: [
      { name: 'mean_squared_log_error', source: 'sklearn' },
      { name: 'MeanSquaredLogError', source: 'torchmetrics' },
      { name: 'msle', source: 'keras', defaults: { eps: 1e-7 } },
      { name: 'mean_squared_logarithmic_error', source: 'keras', defaults: { eps: 1e-7 } },
      { name: 'MeanSquaredLogarithmicError', source: 'keras', defaults: { eps: 1e-7 } },
    ],
  },
  {
    name: 'meanAbsolutePercentageError',
    result: 'outputs',
    spec: meanAbsolutePercentageErrorSpec,
    description: 'Mean absolute percentage error as a fraction (scikit-learn mean_absolute_percentage_error)',
    aliases: [
      { name: 'mean_absolute_percentage_error', source: 'sklearn' },
      { name: 'MeanAbsolutePercentageError', source: 'torchmetrics', defaults: { eps: 1.17e-6 } },
      { name: 'mape', source: 'keras', defaults: { percent: true, eps: 1e-7 } },
    ],
  },
  {
    name: 'meanPinballLoss',
    result: 'outputs',
    spec: meanPinballLossSpec,
    description: 'Mean pinball (quantile) loss per output (scikit-learn mean_pinball_loss)',
    aliases: [{ name: 'mean_pinball_loss', source: 'sklearn' }],
  },
  {
    name: 'r2Score',
    result: 'outputs',
    spec: r2ScoreSpec,
    description: 'Coefficient of determination R² (scikit-learn r2_score, force_finite)',
    aliases: [
      { name: 'r2_score', source: 'sklearn' },
      { name: 'R2Score', source: 'torchmetrics' },
    ],
  },
  {
    name: 'explainedVariance',
    result: 'outputs',
    spec: explainedVarianceSpec,
    description: 'Explained variance (scikit-learn explained_variance_score, force_finite)',
    aliases: [
      { name: 'explained_variance_score', source: 'sklearn' },
      { name: 'ExplainedVariance', source: 'torchmetrics' },
    ],
  },
  {
    name: 'pearsonCorrcoef',
    result: 'outputs',
    spec: pearsonCorrcoefSpec,
    description: 'Pearson correlation coefficient (scipy.stats.pearsonr), weighted, streaming via Chan moments',
    aliases: [{ name: 'PearsonCorrCoef', source: 'torchmetrics' }],
  },
  {
    name: 'spearmanCorrcoef',
    result: 'outputs',
    spec: spearmanCorrcoefSpec,
    description: 'Spearman rank correlation, average ranks for ties (scipy.stats.spearmanr); keeps the values',
    aliases: [{ name: 'SpearmanCorrCoef', source: 'torchmetrics' }],
  },
  {
    name: 'cosineSimilarity',
    result: 'number',
    spec: cosineSimilaritySpec,
    description: 'Mean cosine similarity along the last axis (Keras cosine_similarity metric)',
    aliases: [
      { name: 'cosine_similarity', source: 'keras' },
      { name: 'CosineSimilarity', source: 'torchmetrics', defaults: { reduction: 'sum' } },
    ],
  },
] as const satisfies readonly MetricEntry[];
