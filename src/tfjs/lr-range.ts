/**
 * `lrRangeTestTfjs`: the learning-rate range test (see `lr-finder.ts`) on a tfjs layers model,
 * with losskit's loss, restoring the model's weights afterwards.
 */
import type { Optimizer, Tensor as TfTensor } from '@tensorflow/tfjs-core';
import { train as tfTrain } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { LosskitError, describe } from '../errors.js';
import type { LossFunction, LossOptions } from '../losses/core.js';
import type { LrRangeTestOptions, LrRangeTestResult } from '../lr-finder.js';
import { lrRangeTest } from '../lr-finder.js';
import type { TensorInput } from '../tensor.js';
import { checkBooleanOption, checkNumberOption, checkOptionNames } from '../validate.js';
import type { TfjsLoss } from './loss.js';
import { tfjsLoss } from './loss.js';
import { randomSeed, seededRandom, shuffleInPlace } from '../random.js';
import { perSampleWeights, splitData, type TrainData } from './data.js';
import { isTfjsLoss } from './loss.js';
import { trainableVariables } from './model.js';
import { learningRateOf, setLearningRate } from './optimizer.js';
import { trainStep } from './step.js';

const FN = 'lrRangeTestTfjs';

export interface LrRangeTestTfjsOptions extends LrRangeTestOptions {
  /** A loss name (any dialect), a losskit `LossFunction`, or a {@link tfjsLoss}. */
  loss: string | LossFunction | TfjsLoss;
  lossOptions?: LossOptions;
  /** Makes the optimizer, given the first learning rate (default `lr => tf.train.sgd(lr)`).
   * Preferred over `optimizer`: a fresh optimizer leaves no state behind. */
  optimizerFactory?: (lr: number) => Optimizer;
  /** An existing optimizer (its learning rate is restored afterwards, its slots are not). */
  optimizer?: Optimizer;
  /** Samples per step (default 32); the data is cycled (reshuffled each pass) for as many steps as needed. */
  batchSize?: number;
  sampleWeight?: TensorInput;
  /** Shuffle the data (default true), deterministically from `seed`. */
  shuffle?: boolean;
  seed?: number;
  /** Put the weights back as they were before the test (default true). */
  restoreWeights?: boolean;
}

const OWN = [
  'loss',
  'lossOptions',
  'optimizerFactory',
  'optimizer',
  'batchSize',
  'sampleWeight',
  'shuffle',
  'seed',
  'restoreWeights',
] as const;
const CORE = ['minLr', 'maxLr', 'numSteps', 'mode', 'beta', 'divergeFactor', 'skipBegin', 'skipEnd', 'onStep'] as const;

/**
 * The learning-rate range test on a tfjs `LayersModel`: one optimiser step per learning rate
 * of an exponential (or linear) sweep from `minLr` to `maxLr`, each on the next batch of
 * `data`, the batch loss computed by losskit (exact gradient, {@link tfjsLoss}); then the
 * core `lrRangeTest` smooths the curve, stops on divergence and suggests the learning rate of
 * the steepest descent. The model's weights are snapshotted before and restored after (also
 * when a step throws), so the model is ready for the real training.
 *
 * - Defaults: those of `lrRangeTest` (`minLr` 1e-7, `maxLr` 10, `numSteps` 100, smoothing 0.98,
 *   stop at 4× the best loss), SGD, `batchSize` 32.
 * - The learning rate is set with `optimizer.setLearningRate` (SGD, momentum) or the optimizer's
 *   `learningRate` field (Adam, RMSProp, Adagrad, Adadelta, Adamax read it at each step).
 *
 * Equivalents: PyTorch Lightning `Tuner.lr_find`; fastai `lr_find`; `torch-lr-finder`.
 *
 * @example
 * const r = await lrRangeTestTfjs(model, [x, y], { loss: 'crossEntropy', minLr: 1e-5, maxLr: 1, numSteps: 80,
 *   optimizerFactory: (lr) => tf.train.momentum(lr, 0.9) });
 * r.suggestion; // then: await train(model, [x, y], { loss: 'crossEntropy', optimizer: tf.train.momentum(r.suggestion!, 0.9), … })
 */
export async function lrRangeTestTfjs(
  model: LayersModel,
  data: TrainData,
  options: LrRangeTestTfjsOptions,
): Promise<LrRangeTestResult> {
  checkOptionNames(FN, options, [...OWN, ...CORE]);
  if (
    model === null ||
    typeof model !== 'object' ||
    typeof model.apply !== 'function' ||
    !Array.isArray(model.trainableWeights)
  ) {
    throw new LosskitError(
      'INVALID_INPUT',
      FN,
      `'model' must be a tfjs LayersModel; received ${describe(model)}`,
      'model',
    );
  }
  if (options.loss === undefined)
    throw new LosskitError('INVALID_OPTION', FN, `option 'loss' is required; received undefined`, 'loss');
  const loss = isTfjsLoss(options.loss) ? options.loss : tfjsLoss(options.loss, options.lossOptions ?? {});
  if (options.optimizer !== undefined && options.optimizerFactory !== undefined) {
    throw new LosskitError(
      'INVALID_OPTION',
      FN,
      `give either 'optimizer' or 'optimizerFactory', not both`,
      'optimizer',
    );
  }
  const batchSize =
    options.batchSize === undefined
      ? 32
      : checkNumberOption(FN, 'batchSize', options.batchSize, { integer: true, min: 1 });
  const shuffle = options.shuffle === undefined ? true : checkBooleanOption(FN, 'shuffle', options.shuffle);
  const seed =
    options.seed === undefined ? randomSeed() : checkNumberOption(FN, 'seed', options.seed, { integer: true });
  const restore =
    options.restoreWeights === undefined ? true : checkBooleanOption(FN, 'restoreWeights', options.restoreWeights);
  const { x, y } = splitData(data, 'data', FN);
  const n = y.shape[0];
  if (n === 0) throw new LosskitError('EMPTY_INPUT', FN, `'data' has no samples; expected at least one`, 'data');
  const weights =
    options.sampleWeight === undefined ? null : perSampleWeights('sampleWeight', options.sampleWeight, n, FN);
  const core: LrRangeTestOptions = {};
  for (const k of CORE) if (options[k] !== undefined) Object.assign(core, { [k]: options[k] });
  const firstLr = core.minLr ?? 1e-7;

  let optimizer: Optimizer;
  let owned = false;
  let previousLr = NaN;
  if (options.optimizer !== undefined) {
    optimizer = options.optimizer;
    previousLr = learningRateOf(optimizer);
  } else {
    const factory = options.optimizerFactory ?? ((lr: number) => tfTrain.sgd(lr));
    if (typeof factory !== 'function')
      throw new LosskitError(
        'INVALID_OPTION',
        FN,
        `option 'optimizerFactory' must be a function (lr) => Optimizer; received ${describe(factory)}`,
        'optimizerFactory',
      );
    optimizer = factory(firstLr);
    owned = true;
  }
  if (optimizer === null || typeof optimizer !== 'object' || typeof optimizer.minimize !== 'function') {
    throw new LosskitError(
      'INVALID_OPTION',
      FN,
      `the optimizer must be a tf.Optimizer; received ${describe(optimizer)}`,
      'optimizer',
    );
  }
  setLearningRate(optimizer, firstLr, FN); // fails early for an optimizer without a learning rate

  const vars = trainableVariables(model);
  const snapshot: TfTensor[] | null = restore ? model.getWeights().map((w) => w.clone()) : null;
  const rand = seededRandom(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  if (shuffle) shuffleInPlace(order, rand);
  let pos = 0;
  const nextBatch = (): Int32Array => {
    if (pos >= n) {
      pos = 0;
      if (shuffle) shuffleInPlace(order, rand);
    }
    const idx = order.slice(pos, Math.min(n, pos + batchSize));
    pos += idx.length;
    return idx;
  };
  try {
    return await lrRangeTest((lr) => {
      setLearningRate(optimizer, lr, FN);
      const idx = nextBatch();
      let wb: Float64Array | null = null;
      if (weights !== null) {
        wb = new Float64Array(idx.length);
        for (let i = 0; i < idx.length; i++) wb[i] = weights[idx[i]];
      }
      return trainStep({ model, optimizer, vars, loss, x, y, idx, weights: wb, wantPreds: false }).loss;
    }, core);
  } finally {
    if (snapshot !== null) {
      model.setWeights(snapshot);
      for (const t of snapshot) t.dispose();
    }
    if (owned) optimizer.dispose();
    else if (!Number.isNaN(previousLr)) setLearningRate(optimizer, previousLr, FN);
  }
}
