/**
 * Demo 1 — the seed's time-series story: a SimpleRNN learns to map windows of sin(t) to
 * cos(t) at the window's end, trained with losskit's MSE (`tfjsLoss('meanSquaredError')`,
 * exact analytic gradient) under plain SGD whose learning rate comes from an LR range test.
 * Every batch and epoch is recorded in a `LossHistory` (streamed crash-safely to disk).
 */
import type { LayersModel, Optimizer, Scalar, Sequential, Tensor, Tensor2D, Tensor3D } from '@tensorflow/tfjs';
import { LosskitError } from '../../errors.js';
import { LossHistory } from '../../history.js';
import { lrRangeTest, type LrRangeTestResult } from '../../lr-finder.js';
import { meanSquaredError } from '../../losses/regression.js';
import { formatTick } from '../../plot/svg.js';
import { seededRandom } from '../../random.js';
import { TrainingProgress, type ProgressStream } from '../progress.js';
import type { Tf } from './tf.js';

export interface SinCosConfig {
  /** Training epochs (default 24; quick: 3). */
  epochs: number;
  quick: boolean;
  seed: number;
  stream: ProgressStream;
  /** Progress display: undefined = auto (TTY or not). */
  tty?: boolean;
  /** Called with the history before training starts (the CLI attaches the file writer). */
  onHistory?: (history: LossHistory) => void;
}

export interface SinCosResult {
  history: LossHistory;
  lr: LrRangeTestResult;
  /** The learning rate used for training (the suggestion, or a fallback; see `lrNote`). */
  trainLr: number;
  lrNote: string;
  /** Float64 MSE of the trained model on the validation windows. */
  valMse: number;
  /** MSE of the best constant predictor (the variance of the targets): the baseline. */
  baselineMse: number;
  /** Quality bar: valMse must be below this. */
  threshold: number;
  passed: boolean;
  curve: { t: number[]; yTrue: number[]; yPred: number[] };
  /** Short runs from the same initial weights at multiples of the chosen learning rate. */
  lrComparison: { factor: number; lr: number; history: LossHistory; finalLoss: number; diverged: boolean }[];
  window: number;
  trainSize: number;
  valSize: number;
  batchSize: number;
  seconds: number;
}

/** Window length, sampling step and the quality bar (documented in docs/training.md). */
export const SIN_COS = { window: 16, dt: 0.15, threshold: 0.01, quickThreshold: 0.1 } as const;

/** `n` windows sin(t₀ + k·dt), k < window, with target cos(t₀ + (window−1)·dt); small input noise. */
function windows(n: number, rand: () => number, noise: number): { x: Float32Array; y: Float32Array } {
  const { window: T, dt } = SIN_COS;
  const x = new Float32Array(n * T);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = rand() * 8 * Math.PI;
    for (let k = 0; k < T; k++) x[i * T + k] = Math.sin(t0 + k * dt) + noise * (rand() + rand() + rand() - 1.5);
    y[i] = Math.cos(t0 + (T - 1) * dt);
  }
  return { x, y };
}

function buildModel(tf: Tf, seed: number): Sequential {
  return tf.sequential({
    layers: [
      tf.layers.simpleRNN({
        units: 16,
        inputShape: [SIN_COS.window, 1],
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
        recurrentInitializer: tf.initializers.orthogonal({ seed: seed + 1, gain: 1 }),
      }),
      tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }),
    ],
  });
}

/**
 * One optimiser step; returns the batch loss, or NaN when the weights have diverged (losskit's
 * MSE refuses non-finite predictions with a NON_FINITE error rather than returning NaN).
 */
function sgdStep(lossFn: () => Scalar, opt: Optimizer): number {
  try {
    const l = opt.minimize(lossFn, true);
    const v = l ? l.dataSync()[0] : NaN;
    l?.dispose();
    return v;
  } catch (e) {
    if (e instanceof LosskitError && e.code === 'NON_FINITE') return NaN;
    throw e;
  }
}

/** Runs the sin → cos demo; see the module comment. */
export async function runSinCos(tf: Tf, cfg: SinCosConfig): Promise<SinCosResult> {
  const started = Date.now();
  const { tfjsLoss } = await import('../../tfjs/index.js');
  const mse = tfjsLoss('meanSquaredError');
  const rand = seededRandom(cfg.seed);
  const trainSize = cfg.quick ? 256 : 1024;
  const valSize = cfg.quick ? 128 : 256;
  const batchSize = 32;
  const noise = 0.02;
  const train = windows(trainSize, rand, noise);
  const val = windows(valSize, rand, noise);
  const T = SIN_COS.window;
  const xTrain = tf.tensor3d(train.x, [trainSize, T, 1]);
  const yTrain = tf.tensor2d(train.y, [trainSize, 1]);
  const xVal = tf.tensor3d(val.x, [valSize, T, 1]);
  const yVal = tf.tensor2d(val.y, [valSize, 1]);
  const batches = Math.ceil(trainSize / batchSize);
  const batch = (b: number): [Tensor3D, Tensor2D] => {
    const start = (b % batches) * batchSize;
    const size = Math.min(batchSize, trainSize - start);
    return [xTrain.slice([start, 0, 0], [size, T, 1]), yTrain.slice([start, 0], [size, 1])];
  };

  // 1. LR range test on a throwaway copy of the model (same initial weights as the real run).
  const probe = buildModel(tf, cfg.seed);
  const sgdProbe = tf.train.sgd(1e-4);
  const lrSteps = cfg.quick ? 40 : 80;
  cfg.stream.write(`sin→cos: LR range test (${lrSteps} SGD steps, lr 1e-4 → 10)\n`);
  const lr = await lrRangeTest(
    (rate, i) => {
      sgdProbe.setLearningRate(rate);
      const [xb, yb] = batch(i);
      try {
        return sgdStep(() => mse(yb, probe.apply(xb) as Tensor), sgdProbe);
      } finally {
        tf.dispose([xb, yb]);
      }
    },
    { minLr: 1e-4, maxLr: 10, numSteps: lrSteps, skipBegin: cfg.quick ? 5 : 10 },
  );
  probe.dispose();
  sgdProbe.dispose();
  // Lightning's suggestion is the steepest point; fall back to bestLr/10 (fastai's rule) without one.
  let trainLr: number;
  let lrNote: string;
  if (lr.suggestion !== null) {
    trainLr = lr.suggestion;
    lrNote = `steepest descent of the smoothed loss at lr = ${formatTick(trainLr)}`;
  } else {
    trainLr = lr.bestLr / 10;
    lrNote = `no suggestion (too few points); using bestLr/10 = ${formatTick(trainLr)}`;
  }
  cfg.stream.write(
    `sin→cos: ${lr.stoppedEarly ? `stopped at lr ${formatTick(lr.lrs[lr.lrs.length - 1])} (${lr.stopReason})` : 'sweep completed'}; ${lrNote}\n`,
  );

  // 2. Train with model.fit, losskit's MSE as the compiled loss, plain SGD at the chosen rate.
  const model: LayersModel = buildModel(tf, cfg.seed);
  model.compile({ optimizer: tf.train.sgd(trainLr), loss: mse });
  const history = new LossHistory();
  cfg.onHistory?.(history);
  const progress = new TrainingProgress({
    epochs: cfg.epochs,
    batchesPerEpoch: batches,
    stream: cfg.stream,
    tty: cfg.tty,
    label: 'sin→cos',
  });
  let epochNow = 0;
  await model.fit(xTrain, yTrain, {
    epochs: cfg.epochs,
    batchSize,
    shuffle: false, // the windows are already in random order; keeps runs reproducible
    validationData: [xVal, yVal],
    verbose: 0,
    callbacks: {
      onEpochBegin: async (epoch: number) => {
        epochNow = epoch;
      },
      onBatchEnd: async (b: number, logs?: Record<string, number>) => {
        const loss = logs?.loss ?? NaN;
        history.logBatch({ epoch: epochNow, batch: b, loss, lr: trainLr });
        progress.batch(epochNow, b, loss);
      },
      onEpochEnd: async (epoch: number, logs?: Record<string, number>) => {
        const rec = { epoch, loss: logs?.loss ?? NaN, valLoss: logs?.val_loss ?? NaN, lr: trainLr };
        history.logEpoch(rec);
        progress.epoch(epoch, rec);
      },
    },
  });
  progress.stop();

  // 3. How the learning rate shapes the loss under SGD: short runs from the same initial weights.
  const lrComparison: SinCosResult['lrComparison'] = [];
  const cmpEpochs = cfg.quick ? 1 : 4;
  const cmpBatches = cfg.quick ? 4 : 16;
  for (const factor of [0.1, 1, 3, 10]) {
    const rate = trainLr * factor;
    const m = buildModel(tf, cfg.seed);
    const opt = tf.train.sgd(rate);
    const h = new LossHistory();
    for (let e = 0; e < cmpEpochs; e++) {
      let sum = 0;
      for (let b = 0; b < cmpBatches; b++) {
        const [xb, yb] = batch(b);
        const v = sgdStep(() => mse(yb, m.apply(xb) as Tensor), opt);
        tf.dispose([xb, yb]);
        h.logBatch({ epoch: e, batch: b, loss: v, lr: rate });
        sum += v;
        if (!Number.isFinite(v)) break; // diverged: the weights are NaN from here on
      }
      h.logEpoch({ epoch: e, loss: sum / cmpBatches, lr: rate });
      if (!Number.isFinite(sum)) break;
    }
    m.dispose();
    opt.dispose();
    const sm = h.summary();
    lrComparison.push({
      factor,
      lr: rate,
      history: h,
      finalLoss: h.batches[h.batches.length - 1].loss,
      diverged: sm.diverged,
    });
  }
  cfg.stream.write(
    `sin→cos: SGD from the same start at ${lrComparison.map((c) => `${c.factor}×lr: final batch loss ${c.finalLoss.toPrecision(3)}${c.diverged ? ' (diverged)' : ''}`).join('; ')}\n`,
  );

  // 4. Quality: float64 MSE on the validation set (losskit's meanSquaredError on the outputs).
  const predVal = model.predict(xVal) as Tensor;
  const valMse = meanSquaredError(val.y, predVal.dataSync() as Float32Array) as number;
  let mean = 0;
  for (const v of val.y) mean += v / valSize;
  let baselineMse = 0;
  for (const v of val.y) baselineMse += (v - mean) ** 2 / valSize;

  // 5. A continuous stretch for the chart: t from 0 to 4π, one window ending at each t.
  const nCurve = cfg.quick ? 120 : 240;
  const cx = new Float32Array(nCurve * T);
  const t: number[] = [];
  const yTrue: number[] = [];
  for (let i = 0; i < nCurve; i++) {
    const tEnd = (i / (nCurve - 1)) * 4 * Math.PI;
    t.push(tEnd);
    yTrue.push(Math.cos(tEnd));
    for (let k = 0; k < T; k++) cx[i * T + k] = Math.sin(tEnd - (T - 1 - k) * SIN_COS.dt);
  }
  const xc = tf.tensor3d(cx, [nCurve, T, 1]);
  const pc = model.predict(xc) as Tensor;
  const yPred = Array.from(pc.dataSync());
  tf.dispose([xTrain, yTrain, xVal, yVal, predVal, xc, pc]);
  model.dispose();
  const threshold = cfg.quick ? SIN_COS.quickThreshold : SIN_COS.threshold;
  return {
    history,
    lr,
    trainLr,
    lrNote,
    valMse,
    baselineMse,
    threshold,
    passed: valMse < threshold,
    curve: { t, yTrue, yPred },
    lrComparison,
    window: T,
    trainSize,
    valSize,
    batchSize,
    seconds: (Date.now() - started) / 1000,
  };
}
