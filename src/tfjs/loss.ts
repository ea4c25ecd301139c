/**
 * `tfjsLoss`: any losskit loss as a TensorFlow.js loss function, with losskit's exact analytic
 * gradient wired in through `tf.customGrad`.
 */
import type { GradSaveFunc, Scalar, Tensor as TfTensor } from '@tensorflow/tfjs-core';
import { customGrad, mul, scalar, tensor as tfTensor, Tensor as TfTensorClass, zeros } from '@tensorflow/tfjs-core';
import { LosskitError, describe } from '../errors.js';
import type { LossFunction, LossOptions } from '../losses/core.js';
import { getLoss } from '../losses/registry.js';
import { REDUCTIONS } from '../reduce.js';
import type { Tensor } from '../tensor.js';
import { checkOptionNames } from '../validate.js';

/** A losskit loss wrapped for TensorFlow.js (see {@link tfjsLoss}). */
export interface TfjsLoss {
  /**
   * The loss of a batch as a float32 `tf.Scalar`, differentiable w.r.t. `yPred` with
   * losskit's exact gradient. `callOptions` (e.g. this batch's `sampleWeight`) override the
   * options bound by {@link tfjsLoss} for this call only.
   */
  (yTrue: TfTensor, yPred: TfTensor, callOptions?: LossOptions): Scalar;
  /** The underlying losskit loss. */
  readonly loss: LossFunction;
  /** The options bound at creation. */
  readonly options: Readonly<LossOptions>;
  /** The reduction in effect (the bound option, else the loss's default). */
  readonly reduction: string;
  /** The float64 value of the most recent call (NaN before the first): the returned scalar
   * is this value rounded to float32. */
  readonly lastValue: number;
}

const FN = 'tfjsLoss';

/** Resolves a loss name or function, re-labelling registry errors as `tfjsLoss` errors. */
export function resolveLossArg(fn: string, nameOrFn: string | LossFunction, arg = 'nameOrFn'): LossFunction {
  if (typeof nameOrFn === 'function') {
    if (typeof nameOrFn.valueAndGrad !== 'function' || typeof nameOrFn.lossName !== 'string') {
      throw new LosskitError(
        'INVALID_INPUT',
        fn,
        `'${arg}' must be a loss name or a losskit loss function (with .valueAndGrad); received a plain function`,
        arg,
      );
    }
    return nameOrFn;
  }
  if (typeof nameOrFn !== 'string') {
    throw new LosskitError(
      'INVALID_INPUT',
      fn,
      `'${arg}' must be a loss name or a losskit loss function; received ${describe(nameOrFn)}`,
      arg,
    );
  }
  try {
    return getLoss(nameOrFn);
  } catch (e) {
    if (e instanceof LosskitError && e.code === 'UNKNOWN_NAME') {
      throw new LosskitError('UNKNOWN_NAME', fn, e.message.replace(/^getLoss: 'name'/, `'${arg}'`), arg);
    }
    throw e;
  }
}

/** The reduction `options` give `loss`, which must be a scalar one for training. */
export function scalarReduction(fn: string, loss: LossFunction, options: LossOptions): string {
  const r = options.reduction ?? loss.defaults.reduction ?? 'mean';
  if (typeof r !== 'string' || !(REDUCTIONS as readonly string[]).includes(r)) {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'reduction' must be one of ${REDUCTIONS.filter((x) => x !== 'none')
        .map((x) => `'${x}'`)
        .join(', ')}; received ${describe(r)}`,
      'reduction',
    );
  }
  if (r === 'none') {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'reduction' must reduce to a scalar for training ('mean', 'sum', 'sumOverBatchSize' or 'batchmean'); received 'none' (call ${loss.lossName}(yTrue, yPred, { reduction: 'none' }) directly for per-element losses)`,
      'reduction',
    );
  }
  return r;
}

function asTfTensor(v: TfTensor | GradSaveFunc, arg: string): TfTensor {
  if (!(v instanceof TfTensorClass))
    throw new LosskitError('INVALID_INPUT', FN, `'${arg}' must be a tf.Tensor; received ${describe(v)}`, arg);
  return v;
}

/**
 * Any losskit loss as a TensorFlow.js loss: `(yTrue, yPred) => tf.Scalar`, usable in
 * `model.compile({ loss })`, `optimizer.minimize`, `tf.variableGrads`, `tf.grad` — with
 * losskit's value and **exact analytic gradient** (wired in with `tf.customGrad`: the
 * gradient w.r.t. `yPred` is `dy · ∂loss/∂yPred` from `fn.valueAndGrad`; `yTrue` gets a zero
 * gradient).
 *
 * - `nameOrFn`: any {@link getLoss} name in any dialect (`'crossEntropy'`, `'CrossEntropyLoss'`,
 *   `'categorical_crossentropy'`, `'softmaxCrossEntropy'`, …; the dialect's defaults apply) or a
 *   losskit `LossFunction` (including ones made with `defineLoss`).
 * - `options`: the loss's own options (checked now: a misspelt option fails at creation).
 *   `reduction` must be scalar (`'none'` is an `INVALID_OPTION` error). A fixed `sampleWeight`
 *   applies to every call; per-call weights go in the third argument
 *   (`loss(yTrue, yPred, { sampleWeight })`), and must match the batch (`SHAPE_MISMATCH`).
 * - Shapes: as the loss documents (e.g. `crossEntropy`: `yTrue` `[N]` class indices or `[N, C]`
 *   probabilities, `yPred` `[N, C]` logits).
 * - Dtype: float32 (or int32 labels) tensors in; the values are read with `dataSync()` (so this
 *   runs synchronously on the CPU side, with a GPU→CPU copy on WebGL) and all math is float64
 *   with float64 sums; the value is returned as a float32 scalar and the gradient as float32.
 *   Unlike tfjs-layers' `categoricalCrossentropy` / `sparseCategoricalCrossentropy`, nothing is
 *   clipped: cross-entropy from logits stays exact for confident wrong predictions.
 *
 * Equivalents: tfjs `tf.losses.*` and the tfjs-layers loss strings; Keras `model.compile(loss=…)`.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import { tfjsLoss } from 'losskit/tfjs';
 * model.compile({ optimizer: tf.train.sgd(0.1), loss: tfjsLoss('crossEntropy', { labelSmoothing: 0.1 }) });
 * // or in a custom loop:
 * const loss = tfjsLoss('huber', { delta: 0.5 });
 * optimizer.minimize(() => loss(ys, model.apply(xs) as tf.Tensor, { sampleWeight: w }));
 */
export function tfjsLoss(nameOrFn: string | LossFunction, options: LossOptions = {}): TfjsLoss {
  const loss = resolveLossArg(FN, nameOrFn);
  checkOptionNames(`${FN}(${loss.lossName})`, options, loss.optionNames);
  if (options.gradOut !== undefined) {
    throw new LosskitError(
      'INVALID_OPTION',
      FN,
      `option 'gradOut' is managed by tfjsLoss; received ${describe(options.gradOut)}`,
      'gradOut',
    );
  }
  const reduction = scalarReduction(FN, loss, options);
  const bound: LossOptions = { ...options };
  const acceptsGradOut = loss.optionNames.includes('gradOut');

  const call = (yTrue: TfTensor, yPred: TfTensor, callOptions?: LossOptions): Scalar => {
    let opts = bound;
    if (callOptions !== undefined) {
      checkOptionNames(`${FN}(${loss.lossName})`, callOptions, loss.optionNames);
      opts = { ...bound, ...callOptions };
      if (callOptions.reduction !== undefined) scalarReduction(FN, loss, opts);
    }
    asTfTensor(yTrue, 'yTrue');
    asTfTensor(yPred, 'yPred');
    const f = customGrad<Scalar>((a: TfTensor | GradSaveFunc, b: TfTensor | GradSaveFunc) => {
      const yt = asTfTensor(a, 'yTrue');
      const yp = asTfTensor(b, 'yPred');
      // The gradient in float32, tfjs's dtype, written by the loss (float64 accumulation, one
      // rounding): handed to tfjs as it is, no float64 buffer and no copy.
      const o = acceptsGradOut ? { ...opts, gradOut: new Float32Array(yp.size) } : opts;
      const ytData: Tensor = { data: toFloat(yt.dataSync()), shape: yt.shape };
      const ypData: Tensor = { data: toFloat(yp.dataSync()), shape: yp.shape };
      const r = loss.valueAndGrad(ytData, ypData, o);
      if (typeof r.value !== 'number') {
        throw new LosskitError(
          'INVALID_OPTION',
          FN,
          `the loss returned a tensor, not a number; 'reduction' must be scalar for training`,
          'reduction',
        );
      }
      state.lastValue = r.value;
      const g = r.grad.data instanceof Float32Array ? r.grad.data : Float32Array.from(r.grad.data);
      return {
        value: scalar(r.value, 'float32'),
        gradFunc: (dy: TfTensor) => [zeros(yt.shape, 'float32'), mul(dy, tfTensor(g, yp.shape, 'float32'))],
      };
    });
    return f(yTrue, yPred);
  };
  const state = Object.assign(call, { loss, options: Object.freeze(bound), reduction, lastValue: NaN });
  return state;
}

/** tfjs data as a float array losskit reads without a copy (float32), or converted once. */
function toFloat(d: ArrayLike<number> | string[] | Uint8Array): Float32Array | Float64Array {
  if (d instanceof Float32Array || d instanceof Float64Array) return d;
  const out = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  return out;
}

/** Whether `v` is a {@link tfjsLoss} (a callable with `loss` and `lastValue`). */
export function isTfjsLoss(v: unknown): v is TfjsLoss {
  return (
    typeof v === 'function' && 'loss' in v && 'lastValue' in v && typeof (v as { loss: unknown }).loss === 'function'
  );
}
