/**
 * `train`: a `model.fit`-like loop for TensorFlow.js layers models, with what `fit` lacks —
 * sample weights with any losskit loss, class weights, exact streaming metrics, float64 losses.
 *
 * This module is the loop and its options; the parts live by concern: `data.ts` (inputs,
 * validation data, sample weights), `class-weights.ts`, `optimizer.ts` (factory, learning
 * rate), `model.ts`, `step.ts` (one optimiser step, whole-set evaluation), and the seeded
 * shuffle in `../random.ts`.
 */
import type { Optimizer } from '@tensorflow/tfjs-core';
import { nextFrame } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { LosskitError, describe } from '../errors.js';
import type { LossHistory } from '../history.js';
import type { LossFunction, LossOptions } from '../losses/core.js';
import type { Metric, MetricValue } from '../metrics/core.js';
import { randomSeed, seededRandom, shuffleInPlace } from '../random.js';
import type { TensorInput } from '../tensor.js';
import { checkBooleanOption, checkNumberOption, checkOptionNames } from '../validate.js';
import { classWeightsPerSample } from './class-weights.js';
import {
  gatherRows,
  perSampleWeights,
  splitData,
  validationParts,
  type TrainData,
  type ValidationData,
} from './data.js';
import type { TfjsLoss } from './loss.js';
import { isTfjsLoss, tfjsLoss } from './loss.js';
import { resolveMetrics, type MetricsArg, scalarLogs } from './metrics.js';
import { clearStop, stopRequested, trainableVariables } from './model.js';
import { learningRateOf, resolveOptimizer, setLearningRate, type OptimizerName } from './optimizer.js';
import { evaluateOn, trainStep } from './step.js';

export type { TrainData, ValidationData } from './data.js';
export type { OptimizerName } from './optimizer.js';

const FN = 'train';

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
    options.seed === undefined ? randomSeed() : checkNumberOption(FN, 'seed', options.seed, { integer: true });
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
      const { loss: batchLoss, preds } = trainStep({
        model,
        optimizer,
        vars,
        loss,
        x,
        y,
        idx,
        weights: wb,
        wantPreds: metrics.length > 0,
      });
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
