/**
 * `train`: a `model.fit`-like loop for TensorFlow.js layers models, with what `fit` lacks —
 * sample weights with any losskit loss, class weights, exact streaming metrics, float64 losses.
 */
import type { Optimizer, Tensor as TfTensor } from '@tensorflow/tfjs-core';
import {
  add,
  gather,
  nextFrame,
  tensor1d,
  tidy,
  train as tfTrain,
  Tensor as TfTensorClass,
  Variable,
} from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { LosskitError, describe } from '../errors.js';
import type { LossHistory } from '../history.js';
import type { LossFunction, LossOptions } from '../losses/core.js';
import type { Metric, MetricValue } from '../metrics/core.js';
import type { Tensor, TensorInput } from '../tensor.js';
import { tensor } from '../tensor.js';
import { checkBooleanOption, checkNumberOption, checkOptionNames } from '../validate.js';
import type { TfjsLoss } from './loss.js';
import { tfjsLoss } from './loss.js';
import { resolveMetrics, type MetricsArg, scalarLogs } from './metrics.js';

const FN = 'train';

/** Inputs and targets: `[x, y]` or `{ x, y }`; `x` may be an array of tensors (multi-input models). */
export type TrainData = readonly [TfTensor | TfTensor[], TfTensor] | { x: TfTensor | TfTensor[]; y: TfTensor };
/** Validation data: `[x, y]` or `[x, y, sampleWeight]`, or the object form. */
export type ValidationData =
  | readonly [TfTensor | TfTensor[], TfTensor]
  | readonly [TfTensor | TfTensor[], TfTensor, TensorInput]
  | { x: TfTensor | TfTensor[]; y: TfTensor; sampleWeight?: TensorInput };

/** Numeric logs, as tfjs's `Logs`. */
export type Logs = Record<string, number>;

/**
 * Callback objects (a subset of tfjs's callback protocol: `tf.CustomCallback` args, or
 * objects with these methods). `setModel` / `setParams` are called when present, so
 * `tf.callbacks.earlyStopping()` works (it stops via `model.stopTraining`).
 */
export interface TrainCallback {
  setModel?(model: LayersModel): void;
  setParams?(params: Record<string, unknown>): void;
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
}

export type OptimizerName = 'sgd' | 'adam' | 'rmsprop' | 'adagrad' | 'adadelta' | 'adamax';

export interface TrainOptions {
  /** A loss name (any dialect), a losskit `LossFunction`, or a {@link tfjsLoss}. */
  loss: string | LossFunction | TfjsLoss;
  /** Options of the loss (when `loss` is a name or a `LossFunction`); `reduction` must be scalar. */
  lossOptions?: LossOptions;
  /** An optimizer, a name (tfjs-layers' defaults: sgd 0.01, adam 0.001, …), or omitted to use the compiled model's. */
  optimizer?: Optimizer | OptimizerName;
  /** Passes over the data (default 1). */
  epochs?: number;
  /** Samples per step (default 32; the last batch may be smaller). */
  batchSize?: number;
  /** Per-sample weights `[N]` (number array, typed array or tf.Tensor), ≥ 0. */
  sampleWeight?: TensorInput;
  /**
   * Per-class weights, `{ [classIndex]: weight }` or an array indexed by class. The class of a
   * sample is `y` itself for `y` of shape `[N]` / `[N, 1]` (integer labels) and `argmax(y)` for
   * one-hot `[N, C]` (Keras's rule). Multiplies `sampleWeight`. Every class present must have a weight.
   */
  classWeight?: Record<number, number> | readonly number[];
  /** Evaluated after every epoch: `val_loss` (float64, whole set at once) and `val_<metric>`. */
  validationData?: ValidationData;
  /** Exact streaming metrics (losskit `Metric`s or `getMetric` names), on training batches and validation data. */
  metrics?: MetricsArg;
  callbacks?: TrainCallback | TrainCallback[];
  /** Shuffle the samples every epoch (default true), deterministically from `seed`. */
  shuffle?: boolean;
  /** Seed of the shuffle (default: random; the seed used is returned in the history). */
  seed?: number;
  /** Called after every step; returning `false` stops the training. */
  onBatchEnd?: (batch: number, logs: Logs) => void | boolean | Promise<void | boolean>;
  /** Called after every epoch (`logs`: loss, metrics, val_*); returning `false` stops the training. */
  onEpochEnd?: (epoch: number, logs: Logs) => void | boolean | Promise<void | boolean>;
  /** A {@link LossHistory} to log every batch and epoch into. */
  history?: LossHistory;
  /** Learning rate of each epoch, from the epoch index and the current rate (Keras's
   * `LearningRateScheduler`); set with {@link setLearningRate} before the epoch starts. */
  lrSchedule?: (epoch: number, lr: number) => number;
  /** Await a frame after every epoch (`'epoch'`, default), batch, or never: keeps a browser page responsive. */
  yieldEvery?: 'epoch' | 'batch' | 'never';
}

/** What {@link train} returns: tfjs `History`-style per-epoch arrays, plus more. */
export interface TrainHistory {
  /** Epoch indices. */
  epoch: number[];
  /** Per-epoch scalars: `loss`, `val_loss`, each metric and `val_<metric>` (scalar metrics only). */
  history: Record<string, number[]>;
  /** Per-epoch metric values as computed (including non-scalar ones: per-class arrays, curves). */
  metricValues: Record<string, MetricValue[]>;
  /** Loss of every batch (float64 loss + regularisation), in order. */
  batchLoss: number[];
  /** Learning rate at each epoch's end (NaN when the optimizer does not expose one). */
  lr: number[];
  /** Wall time of each epoch (training + validation), milliseconds. */
  timeMs: number[];
  /** The shuffle seed used. */
  seed: number;
  /** Whether the training stopped before `epochs` (see `stopReason`). */
  stoppedEarly: boolean;
  /** `'completed'`; `'stopped'`: `onBatchEnd` / `onEpochEnd` returned `false` or a callback set
   * `model.stopTraining = true` (tfjs allows it only on compiled models); `'non-finite'`: a batch
   * loss was NaN/±Infinity (diverged: training stops, as Keras's `TerminateOnNaN`; the epoch is
   * still recorded, with its non-finite loss). */
  stopReason: 'completed' | 'stopped' | 'non-finite';
}

/** mulberry32: a small, fast, seedable PRNG (deterministic shuffles). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates in place. */
export function shuffleInPlace(a: Int32Array, rand: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

export function splitData(data: TrainData, arg: string, fn = FN): { x: TfTensor[]; y: TfTensor } {
  let x: TfTensor | TfTensor[];
  let y: TfTensor;
  if (Array.isArray(data)) {
    if (data.length < 2)
      throw new LosskitError(
        'INVALID_INPUT',
        fn,
        `'${arg}' must be [x, y]; received an array of length ${data.length}`,
        arg,
      );
    x = data[0];
    y = data[1];
  } else if (data !== null && typeof data === 'object' && 'x' in data && 'y' in data) {
    x = data.x;
    y = data.y;
  } else {
    throw new LosskitError(
      'INVALID_INPUT',
      fn,
      `'${arg}' must be [x, y] or { x, y } with tf.Tensors; received ${describe(data)}`,
      arg,
    );
  }
  const xs = Array.isArray(x) ? x : [x];
  xs.forEach((t, i) => {
    if (!(t instanceof TfTensorClass))
      throw new LosskitError(
        'INVALID_INPUT',
        fn,
        `'${arg}' x${xs.length > 1 ? `[${i}]` : ''} must be a tf.Tensor; received ${describe(t)}`,
        arg,
      );
  });
  if (!(y instanceof TfTensorClass))
    throw new LosskitError('INVALID_INPUT', fn, `'${arg}' y must be a tf.Tensor; received ${describe(y)}`, arg);
  const n = y.shape[0];
  if (y.rank === 0)
    throw new LosskitError('SHAPE_MISMATCH', fn, `'${arg}' y must have a batch dimension; received a scalar`, arg);
  for (const t of xs) {
    if (t.rank === 0 || t.shape[0] !== n) {
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'${arg}': x has ${t.rank === 0 ? 'no batch dimension' : `${t.shape[0]} samples`} but y has ${n}; expected the same number of samples (first dimension)`,
        arg,
      );
    }
  }
  return { x: xs, y };
}

/** The validation triple `[x, y, sampleWeight?]` in any accepted form, checked. */
export function validationParts(
  vd: ValidationData,
  fn: string,
): { x: TfTensor[]; y: TfTensor; w: Float64Array | null } {
  if (vd === null || typeof vd !== 'object') {
    throw new LosskitError(
      'INVALID_INPUT',
      fn,
      `'validationData' must be [x, y], [x, y, sampleWeight] or { x, y, sampleWeight }; received ${describe(vd)}`,
      'validationData',
    );
  }
  const sw: TensorInput | undefined = Array.isArray(vd) ? vd[2] : 'sampleWeight' in vd ? vd.sampleWeight : undefined;
  const parts = splitData(
    Array.isArray(vd) ? [vd[0], vd[1]] : (vd as { x: TfTensor | TfTensor[]; y: TfTensor }),
    'validationData',
    fn,
  );
  return {
    ...parts,
    w: sw === undefined ? null : perSampleWeights('validationData.sampleWeight', sw, parts.y.shape[0], fn),
  };
}

/** Per-sample weights `[N]` from an option (checked: finite, ≥ 0, one per sample). */
export function perSampleWeights(arg: string, value: TensorInput, n: number, fn = FN): Float64Array {
  const t = tensor(value, undefined, fn, arg);
  const ok =
    (t.shape.length === 1 && t.shape[0] === n) || (t.shape.length === 2 && t.shape[0] === n && t.shape[1] === 1);
  if (!ok) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'${arg}' has shape [${t.shape.join(',')}]; expected [${n}] (one weight per sample)`,
      arg,
    );
  }
  const w = Float64Array.from(t.data);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(w[i]) || w[i] < 0)
      throw new LosskitError(
        'OUT_OF_RANGE',
        fn,
        `'${arg}' must hold finite numbers >= 0; received ${w[i]} at index [${i}]`,
        arg,
      );
  }
  return w;
}

/** The class of each sample for `classWeight` (Keras's rule), from `y`'s values. */
function sampleClasses(y: TfTensor): Int32Array {
  const n = y.shape[0];
  const d = y.dataSync();
  const k = y.rank === 1 ? 1 : y.size / n;
  if (y.rank > 2) {
    throw new LosskitError(
      'INVALID_OPTION',
      FN,
      `option 'classWeight' needs y of shape [N], [N, 1] or one-hot [N, C]; received y of shape [${y.shape.join(',')}]`,
      'classWeight',
    );
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (k === 1) {
      const v = Number(d[i]);
      if (!Number.isInteger(v) || v < 0) {
        throw new LosskitError(
          'INVALID_LABEL',
          FN,
          `option 'classWeight' needs integer class labels in y; received ${v} at index [${i}]`,
          'classWeight',
        );
      }
      out[i] = v;
    } else {
      let best = 0;
      for (let j = 1; j < k; j++) if (Number(d[i * k + j]) > Number(d[i * k + best])) best = j;
      out[i] = best;
    }
  }
  return out;
}

function classWeightsPerSample(classWeight: Record<number, number> | readonly number[], y: TfTensor): Float64Array {
  if (classWeight === null || typeof classWeight !== 'object') {
    throw new LosskitError(
      'INVALID_OPTION',
      FN,
      `option 'classWeight' must be an object { classIndex: weight } or an array; received ${describe(classWeight)}`,
      'classWeight',
    );
  }
  const cls = sampleClasses(y);
  const table = new Map<number, number>();
  for (const [k, v] of Object.entries(classWeight)) {
    const c = Number(k);
    if (!Number.isInteger(c) || c < 0)
      throw new LosskitError(
        'INVALID_OPTION',
        FN,
        `option 'classWeight' keys must be class indices >= 0; received ${describe(k)}`,
        'classWeight',
      );
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new LosskitError(
        'INVALID_OPTION',
        FN,
        `option 'classWeight' values must be finite numbers >= 0; received ${describe(v)} for class ${c}`,
        'classWeight',
      );
    }
    table.set(c, v);
  }
  const w = new Float64Array(cls.length);
  for (let i = 0; i < cls.length; i++) {
    const v = table.get(cls[i]);
    if (v === undefined) {
      throw new LosskitError(
        'INVALID_OPTION',
        FN,
        `option 'classWeight' has no weight for class ${cls[i]} (sample [${i}]); expected a weight for every class in y (classes given: ${[...table.keys()].join(', ')})`,
        'classWeight',
      );
    }
    w[i] = v;
  }
  return w;
}

export function resolveOptimizer(model: LayersModel, optimizer: TrainOptions['optimizer'], fn = FN): Optimizer {
  if (optimizer === undefined) {
    const compiled: unknown = model.optimizer;
    if (compiled === undefined || compiled === null || typeof compiled !== 'object') {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'optimizer' is required when the model is not compiled; received undefined (pass an optimizer such as tf.train.sgd(0.01), or 'adam')`,
        'optimizer',
      );
    }
    return model.optimizer;
  }
  if (typeof optimizer === 'string') {
    // tfjs-layers' defaults for optimizer names (engine/optimizers.ts).
    switch (optimizer) {
      case 'sgd':
        return tfTrain.sgd(0.01);
      case 'adam':
        return tfTrain.adam(0.001, 0.9, 0.999, 1e-7);
      case 'rmsprop':
        return tfTrain.rmsprop(0.001, 0.9, 0, 1e-7);
      case 'adagrad':
        return tfTrain.adagrad(0.01);
      case 'adadelta':
        return tfTrain.adadelta(1, 0.95, 1e-7);
      case 'adamax':
        return tfTrain.adamax(0.002, 0.9, 0.999, 1e-7, 0);
      default:
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `option 'optimizer' must be an Optimizer or one of 'sgd', 'adam', 'rmsprop', 'adagrad', 'adadelta', 'adamax'; received ${describe(optimizer)}`,
          'optimizer',
        );
    }
  }
  if (optimizer === null || typeof optimizer !== 'object' || typeof optimizer.minimize !== 'function') {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'optimizer' must be a tf.Optimizer or a name; received ${describe(optimizer)}`,
      'optimizer',
    );
  }
  return optimizer;
}

/** The optimizer's current learning rate, when it exposes one (NaN otherwise). */
export function learningRateOf(optimizer: Optimizer): number {
  const lr: unknown = Reflect.get(optimizer, 'learningRate');
  return typeof lr === 'number' ? lr : NaN;
}

/**
 * Sets an optimizer's learning rate: `setLearningRate` where the optimizer has it (SGD,
 * momentum), else its `learningRate` field, which tfjs's Adam, Adamax, RMSProp, Adagrad and
 * Adadelta read at every step. Throws `INVALID_OPTION` for an optimizer with neither.
 */
export function setLearningRate(optimizer: Optimizer, lr: number, fn = 'setLearningRate'): void {
  const set: unknown = Reflect.get(optimizer, 'setLearningRate');
  if (typeof set === 'function') {
    Reflect.apply(set, optimizer, [lr]);
    return;
  }
  if (typeof Reflect.get(optimizer, 'learningRate') !== 'number') {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `the optimizer has no learning rate to set (no setLearningRate method, no numeric learningRate field); received ${optimizer.getClassName?.() ?? describe(optimizer)}`,
      'optimizer',
    );
  }
  Reflect.set(optimizer, 'learningRate', lr);
}

export function trainableVariables(model: LayersModel): Variable[] {
  return model.trainableWeights.map((w) => {
    const v = w.read();
    if (!(v instanceof Variable)) throw new Error(`losskit internal: trainable weight ${w.name} is not a tf.Variable`);
    return v;
  });
}

/** A per-sample weight vector as a losskit tensor of shape `[n, 1, …, 1]` (rank `rank`), so
 * that it applies per sample whatever the loss's element shape (see `reduce.ts`). */
function weightTensor(w: Float64Array, rank: number): Tensor {
  const shape = [w.length];
  for (let i = 1; i < rank; i++) shape.push(1);
  return { data: w, shape };
}

/** Model output as one tensor (single-output models). */
function single(out: TfTensor | TfTensor[] | unknown, what: string): TfTensor {
  if (out instanceof TfTensorClass) return out;
  if (Array.isArray(out) && out.length === 1 && out[0] instanceof TfTensorClass) return out[0];
  throw new LosskitError(
    'INVALID_INPUT',
    FN,
    `'model' must have exactly one output for ${what}; received ${Array.isArray(out) ? `${out.length} outputs` : describe(out)}`,
    'model',
  );
}

/** `model.stopTraining`, read safely (tfjs's Sequential throws before `compile`). */
function stopRequested(model: LayersModel): boolean {
  try {
    return model.stopTraining === true;
  } catch {
    return false;
  }
}

function clearStop(model: LayersModel): void {
  try {
    model.stopTraining = false;
  } catch {
    // An uncompiled Sequential has no stopTraining flag: nothing to clear.
  }
}

async function callAll(
  cbs: TrainCallback[],
  f: (cb: TrainCallback) => void | Promise<void> | undefined,
): Promise<void> {
  for (const cb of cbs) await f(cb);
}

/**
 * Trains a tfjs `LayersModel` like `model.fit`, with losskit's losses and metrics:
 *
 * - **Sample and class weights** (tfjs's `fit` rejects sample weights): each batch's loss is
 *   `loss(yBatch, model(xBatch), { sampleWeight: sampleWeight[batch] × classWeight[class] })`
 *   reduced by losskit's one reducer (`reduce.ts`) and differentiated exactly ({@link tfjsLoss}).
 *   The reduction is the loss's own (set `lossOptions.reduction` to change it): canonical names
 *   default to `'mean'`, which with weights is the **weighted mean** `Σ wᵢlᵢ / Σ wᵢ` (the same
 *   training as repeating sample i wᵢ times); Keras aliases (`'mse'`, `'categorical_crossentropy'`…)
 *   default to Keras's `'sumOverBatchSize'`, `Σ wᵢlᵢ / n` (as Keras's `fit`).
 * - **Exact metrics**: losskit streaming metrics accumulate every training batch (with the
 *   weights) and report the exact epoch value (not a mean of batch values); validation metrics
 *   and `val_loss` are computed on the whole validation set in float64.
 * - The epoch `loss` is the batch-size-weighted mean of the batch losses (Keras's convention),
 *   each including the model's regulariser penalties.
 * - Deterministic: with `seed`, the shuffles (and so the whole run on the cpu backend) repeat.
 * - Progress: `onBatchEnd` / `onEpochEnd` / `callbacks` (tfjs's callback protocol, incl.
 *   `model.stopTraining`) and an optional {@link LossHistory}.
 *
 * Shapes: `x` `[N, …]` (or an array for multi-input models), `y` `[N, …]` as the loss
 * documents; single-output models.
 *
 * Equivalents: tfjs `model.fit(x, y, { epochs, batchSize, classWeight, validationData })`;
 * Keras `model.fit(..., sample_weight=, class_weight=)`.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import { getMetric } from 'losskit';
 * import { train } from 'losskit/tfjs';
 * const h = await train(model, [x, y], {
 *   loss: 'crossEntropy', optimizer: tf.train.adam(1e-3), epochs: 10, batchSize: 32,
 *   sampleWeight: w, classWeight: { 0: 1, 1: 5 }, validationData: [xVal, yVal],
 *   metrics: { f1: getMetric('f1', { task: 'multiclass', numClasses: 3, average: 'macro' }) }, seed: 42,
 * });
 * h.history.val_f1; // exact macro-F1 per epoch
 */
export async function train(model: LayersModel, data: TrainData, options: TrainOptions): Promise<TrainHistory> {
  checkOptionNames(FN, options, [
    'loss',
    'lossOptions',
    'optimizer',
    'epochs',
    'batchSize',
    'sampleWeight',
    'classWeight',
    'validationData',
    'metrics',
    'callbacks',
    'shuffle',
    'seed',
    'onBatchEnd',
    'onEpochEnd',
    'history',
    'yieldEvery',
    'lrSchedule',
  ]);
  if (
    model === null ||
    typeof model !== 'object' ||
    typeof model.apply !== 'function' ||
    !Array.isArray(model.trainableWeights)
  ) {
    throw new LosskitError(
      'INVALID_INPUT',
      FN,
      `'model' must be a tfjs LayersModel (tf.sequential() / tf.model()); received ${describe(model)}`,
      'model',
    );
  }
  if (options === undefined || options.loss === undefined) {
    throw new LosskitError(
      'INVALID_OPTION',
      FN,
      `option 'loss' is required (a loss name, a losskit LossFunction or a tfjsLoss); received undefined`,
      'loss',
    );
  }
  const loss = isTfjsLoss(options.loss) ? options.loss : tfjsLoss(options.loss, options.lossOptions ?? {});
  if (isTfjsLoss(options.loss) && options.lossOptions !== undefined) {
    throw new LosskitError(
      'INVALID_OPTION',
      FN,
      `option 'lossOptions' cannot be combined with a tfjsLoss (bind the options in tfjsLoss(name, options))`,
      'lossOptions',
    );
  }
  if (loss.options.sampleWeight !== undefined) {
    throw new LosskitError(
      'INVALID_OPTION',
      FN,
      `the loss has a bound 'sampleWeight'; pass per-sample weights to train's 'sampleWeight' option instead (they are split into batches)`,
      'loss',
    );
  }
  const epochs =
    options.epochs === undefined ? 1 : checkNumberOption(FN, 'epochs', options.epochs, { integer: true, min: 0 });
  const batchSize =
    options.batchSize === undefined
      ? 32
      : checkNumberOption(FN, 'batchSize', options.batchSize, { integer: true, min: 1 });
  const shuffle = options.shuffle === undefined ? true : checkBooleanOption(FN, 'shuffle', options.shuffle);
  const seed =
    options.seed === undefined
      ? Math.floor(Math.random() * 2 ** 32)
      : checkNumberOption(FN, 'seed', options.seed, { integer: true });
  const yieldEvery = options.yieldEvery ?? 'epoch';
  if (yieldEvery !== 'epoch' && yieldEvery !== 'batch' && yieldEvery !== 'never') {
    throw new LosskitError(
      'INVALID_OPTION',
      FN,
      `option 'yieldEvery' must be one of 'epoch', 'batch', 'never'; received ${describe(yieldEvery)}`,
      'yieldEvery',
    );
  }
  const { x, y } = splitData(data, 'data');
  const n = y.shape[0];
  if (n === 0) throw new LosskitError('EMPTY_INPUT', FN, `'data' has no samples; expected at least one`, 'data');
  let weights: Float64Array | null =
    options.sampleWeight === undefined ? null : perSampleWeights('sampleWeight', options.sampleWeight, n);
  if (options.classWeight !== undefined) {
    const cw = classWeightsPerSample(options.classWeight, y);
    if (weights === null) weights = cw;
    else for (let i = 0; i < n; i++) weights[i] *= cw[i];
  }
  const optimizer = resolveOptimizer(model, options.optimizer);
  const ownedOptimizer = typeof options.optimizer === 'string';
  const metrics = resolveMetrics(FN, options.metrics);
  const valMetrics = metrics.map(([k, m]): [string, Metric] => [k, m.clone().reset()]);
  const val = options.validationData === undefined ? null : validationParts(options.validationData, FN);
  const callbacks =
    options.callbacks === undefined ? [] : Array.isArray(options.callbacks) ? options.callbacks : [options.callbacks];
  for (const cb of callbacks) {
    cb.setModel?.(model);
    cb.setParams?.({
      epochs,
      initialEpoch: 0,
      samples: n,
      steps: Math.ceil(n / batchSize),
      batchSize,
      verbose: 0,
      doValidation: val !== null,
      metrics: ['loss', ...(val ? ['val_loss'] : [])],
    });
  }
  const history = options.history;
  const vars = trainableVariables(model);
  const rand = seededRandom(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const yHost = metrics.length > 0 ? { data: y.dataSync(), shape: y.shape } : null;

  const result: TrainHistory = {
    epoch: [],
    history: {},
    metricValues: {},
    batchLoss: [],
    lr: [],
    timeMs: [],
    seed,
    stoppedEarly: false,
    stopReason: 'completed',
  };
  const push = (key: string, v: number): void => {
    (result.history[key] ??= []).push(v);
  };
  clearStop(model);
  let stop = false;
  let stopReason: TrainHistory['stopReason'] = 'completed';
  await callAll(callbacks, (cb) => cb.onTrainBegin?.({}));
  for (let epoch = 0; epoch < epochs; epoch++) {
    const t0 = performance.now();
    for (const [, m] of metrics) m.reset();
    if (options.lrSchedule !== undefined) {
      const lr = options.lrSchedule(epoch, learningRateOf(optimizer));
      if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
        throw new LosskitError(
          'INVALID_OPTION',
          FN,
          `option 'lrSchedule' must return a finite learning rate >= 0; received ${describe(lr)} for epoch ${epoch}`,
          'lrSchedule',
        );
      }
      setLearningRate(optimizer, lr, FN);
    }
    await callAll(callbacks, (cb) => cb.onEpochBegin?.(epoch, {}));
    if (shuffle) shuffleInPlace(order, rand);
    let lossSum = 0;
    let seen = 0;
    const steps = Math.ceil(n / batchSize);
    for (let b = 0; b < steps; b++) {
      const start = b * batchSize;
      const idx = order.subarray(start, Math.min(n, start + batchSize));
      const size = idx.length;
      await callAll(callbacks, (cb) => cb.onBatchBegin?.(b, { batch: b, size }));
      let wb: Float64Array | null = null;
      if (weights !== null) {
        wb = new Float64Array(size);
        for (let i = 0; i < size; i++) wb[i] = weights[idx[i]];
      }
      const { loss: batchLoss, preds } = trainStep(model, optimizer, vars, loss, x, y, idx, wb, metrics.length > 0);
      if (yHost !== null && preds !== null) {
        const yt = gatherRows(yHost.data, yHost.shape, idx);
        for (const [, m] of metrics) m.update(yt, preds, wb === null ? {} : { sampleWeight: wb });
      }
      if (!Number.isFinite(batchLoss)) stopReason = 'non-finite';
      lossSum += batchLoss * size;
      seen += size;
      result.batchLoss.push(batchLoss);
      const lr = learningRateOf(optimizer);
      history?.logBatch(
        Number.isNaN(lr) ? { epoch, batch: b, loss: batchLoss } : { epoch, batch: b, loss: batchLoss, lr },
      );
      const blogs: Logs = { batch: b, size, loss: batchLoss };
      await callAll(callbacks, (cb) => cb.onBatchEnd?.(b, blogs));
      if ((await options.onBatchEnd?.(b, blogs)) === false) stop = true;
      if (yieldEvery === 'batch') await nextFrame();
      if (stop || stopReason === 'non-finite' || stopRequested(model)) break;
    }
    const logs: Logs = { loss: lossSum / seen };
    const trainValues: Record<string, MetricValue> = {};
    for (const [k, m] of metrics) {
      trainValues[k] = m.compute();
      (result.metricValues[k] ??= []).push(trainValues[k]);
    }
    Object.assign(logs, scalarLogs(trainValues, ''));
    if (val !== null) {
      const vr = evaluateOn(model, val, loss, batchSize, valMetrics);
      logs.val_loss = vr.loss;
      for (const [k, v] of Object.entries(vr.values)) (result.metricValues[`val_${k}`] ??= []).push(v);
      Object.assign(logs, scalarLogs(vr.values, 'val_'));
    }
    // Callbacks first: they may add entries to the logs (as tfjs's History callback runs last).
    await callAll(callbacks, (cb) => cb.onEpochEnd?.(epoch, logs));
    const lr = learningRateOf(optimizer);
    result.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) push(k, v);
    result.lr.push(lr);
    if (history !== undefined) {
      const mv: Logs = {};
      for (const [k, v] of Object.entries(logs)) if (k !== 'loss' && k !== 'val_loss') mv[k] = v;
      history.logEpoch({
        epoch,
        loss: logs.loss,
        ...(logs.val_loss !== undefined ? { valLoss: logs.val_loss } : {}),
        ...(Number.isNaN(lr) ? {} : { lr }),
        ...(Object.keys(mv).length > 0 ? { metrics: mv } : {}),
      });
    }
    if ((await options.onEpochEnd?.(epoch, logs)) === false) stop = true;
    result.timeMs.push(performance.now() - t0);
    if (yieldEvery !== 'never') await nextFrame();
    if (stopReason === 'non-finite' || stop || stopRequested(model)) {
      if (stopReason !== 'non-finite') stopReason = 'stopped';
      break;
    }
  }
  result.stopReason = stopReason;
  result.stoppedEarly = stopReason !== 'completed';
  await callAll(callbacks, (cb) => cb.onTrainEnd?.({}));
  if (ownedOptimizer) optimizer.dispose();
  return result;
}

/**
 * One optimiser step on the rows `idx`: forward (training mode), losskit loss with the rows'
 * weights + the model's regulariser penalties, exact gradient, update. Returns the batch loss
 * (float64 when there are no regularisers) and, when asked, the predictions made.
 */
export function trainStep(
  model: LayersModel,
  optimizer: Optimizer,
  vars: Variable[],
  loss: TfjsLoss,
  x: TfTensor[],
  y: TfTensor,
  idx: Int32Array,
  wb: Float64Array | null,
  wantPreds: boolean,
): { loss: number; preds: Tensor | null } {
  let preds: Tensor | null = null;
  let regularised = false;
  let value: number;
  try {
    value = step();
  } catch (e) {
    // Diverged weights make non-finite predictions: report a NaN loss (no update is applied),
    // as the LR range test and LossHistory expect, rather than failing. Bad data still throws.
    if (e instanceof LosskitError && e.code === 'NON_FINITE' && e.argument === 'yPred')
      return { loss: NaN, preds: null };
    throw e;
  }
  return { loss: value, preds };

  function step(): number {
    return tidy(() => {
      const it = tensor1d(idx, 'int32');
      const xb = x.map((t) => gather(t, it));
      const yb = gather(y, it);
      const cost = optimizer.minimize(
        () => {
          const out = single(model.apply(xb.length === 1 ? xb[0] : xb, { training: true }), 'train');
          if (wantPreds) preds = { data: Float32Array.from(out.dataSync()), shape: out.shape };
          let total = loss(yb, out, wb === null ? undefined : { sampleWeight: weightTensor(wb, out.rank) });
          const regs = model.calculateLosses();
          regularised = regs.length > 0;
          for (const r of regs) total = add(total, r);
          return total;
        },
        true,
        vars,
      );
      const v = cost === null ? NaN : cost.dataSync()[0];
      return regularised ? v : loss.lastValue;
    });
  }
}

export function isTfjsLoss(v: unknown): v is TfjsLoss {
  return (
    typeof v === 'function' && 'loss' in v && 'lastValue' in v && typeof (v as { loss: unknown }).loss === 'function'
  );
}

/** Rows `idx` of a host array with leading dimension N. */
function gatherRows(
  data: ArrayLike<number> | Int32Array | Uint8Array | string[],
  shape: readonly number[],
  idx: Int32Array,
): Tensor {
  const k = shape.length <= 1 ? 1 : shape.slice(1).reduce((a, b) => a * b, 1);
  const out = new Float64Array(idx.length * k);
  for (let i = 0; i < idx.length; i++) {
    const src = idx[i] * k;
    for (let j = 0; j < k; j++) out[i * k + j] = Number(data[src + j]);
  }
  return { data: out, shape: [idx.length, ...shape.slice(1)] };
}

/**
 * Loss and metrics of `model` on a whole data set: predictions in batches of `batchSize`, the
 * loss in float64 over everything at once (plus the model's regulariser penalties), each metric
 * updated once with everything.
 */
export function evaluateOn(
  model: LayersModel,
  data: { x: TfTensor[]; y: TfTensor; w: Float64Array | null },
  loss: TfjsLoss | null,
  batchSize: number,
  metrics: [string, Metric][],
): { loss: number; values: Record<string, MetricValue> } {
  const pred = tidy(() => single(model.predict(data.x.length === 1 ? data.x[0] : data.x, { batchSize }), 'validation'));
  const yp: Tensor = { data: Float32Array.from(pred.dataSync()), shape: pred.shape };
  const rank = pred.rank;
  pred.dispose();
  const yt: Tensor = { data: toF64(data.y.dataSync()), shape: data.y.shape };
  let value = NaN;
  if (loss !== null) {
    const opts: LossOptions = {
      ...loss.options,
      sampleWeight: data.w === null ? undefined : weightTensor(data.w, rank),
    };
    const v = loss.loss(yt, yp, opts);
    value = typeof v === 'number' ? v : NaN;
    value += tidy(() => {
      let s = 0;
      for (const r of model.calculateLosses()) s += r.dataSync()[0];
      return s;
    });
  }
  const values: Record<string, MetricValue> = {};
  for (const [k, m] of metrics) {
    m.reset();
    m.update(yt, yp, data.w === null ? {} : { sampleWeight: data.w });
    values[k] = m.compute();
  }
  return { loss: value, values };
}

function toF64(d: ArrayLike<number> | string[]): Float32Array | Float64Array {
  if (d instanceof Float32Array || d instanceof Float64Array) return d;
  const out = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  return out;
}
