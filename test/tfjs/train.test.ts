/**
 * train(): the sample-weighted training loop. References: tfjs 4.22's own `model.fit` (cpu
 * backend), training on data with rows repeated by integer weights, and losskit's one-shot
 * losses / metrics on the model's predictions.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getLoss, getMetric, LossHistory, LosskitError, metrics as oneShot } from '../../src/index.js';
import { train, tfjsLoss, type TrainCallback, type TrainOptions } from '../../src/tfjs/index.js';
import { expectClose, randn, rng } from '../helpers.js';
import { tf, useCpu } from './setup.js';

beforeAll(async () => {
  await useCpu();
});

const r = rng(6);
const f32 = (n: number): Float32Array => Float32Array.from(randn(r, n));

function mlp(inputs: number, outputs: number, opts: { l2?: number } = {}): tf.Sequential {
  const m = tf.sequential();
  m.add(
    tf.layers.dense({
      units: 6,
      inputShape: [inputs],
      activation: 'tanh',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 11 }),
      ...(opts.l2 ? { kernelRegularizer: tf.regularizers.l2({ l2: opts.l2 }) } : {}),
    }),
  );
  m.add(tf.layers.dense({ units: outputs, kernelInitializer: tf.initializers.glorotUniform({ seed: 12 }) }));
  return m;
}

function twin(m: tf.Sequential, inputs: number, outputs: number, opts: { l2?: number } = {}): tf.Sequential {
  const t = mlp(inputs, outputs, opts);
  t.setWeights(m.getWeights());
  return t;
}

const weightsOf = (m: tf.LayersModel): number[] => m.getWeights().flatMap((w) => Array.from(w.dataSync()));

function maxAbsDiff(a: number[], b: number[]): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Rows of `x` repeated `w[i]` times (integer weights). */
function repeatRows(x: tf.Tensor, w: number[]): tf.Tensor {
  const idx: number[] = [];
  w.forEach((k, i) => {
    for (let j = 0; j < k; j++) idx.push(i);
  });
  return tf.gather(x, tf.tensor1d(idx, 'int32'));
}

describe('train: sample weights equal repeating rows', () => {
  const N = 12;
  const x = tf.tensor2d(f32(N * 3), [N, 3]);
  const y = tf.tensor2d(f32(N * 2), [N, 2]);
  // Integer weights with zeros (rows dropped) and repeats; Σw = 17 ≠ N, so 'sumOverBatchSize' would differ.
  const w = [1, 0, 2, 3, 1, 1, 0, 2, 1, 3, 2, 1];
  const total = w.reduce((a, b) => a + b, 0);
  const xRep = repeatRows(x, w);
  const yRep = repeatRows(y, w);

  for (const reduction of ['mean', 'sum'] as const) {
    it(`full-batch SGD, reduction '${reduction}': same weights, losses and metrics after 6 steps`, async () => {
      const a = mlp(3, 2);
      const b = twin(a, 3, 2);
      const c = twin(a, 3, 2);
      const w0 = weightsOf(a);
      const common: Omit<TrainOptions, 'optimizer' | 'batchSize'> = {
        loss: 'meanSquaredError',
        lossOptions: { reduction },
        epochs: 6,
        shuffle: false,
        metrics: ['meanSquaredError'],
      };
      const ha = await train(a, [x, y], { ...common, optimizer: tf.train.sgd(0.05), batchSize: N, sampleWeight: w });
      const hb = await train(b, [xRep, yRep], { ...common, optimizer: tf.train.sgd(0.05), batchSize: total });
      await train(c, [x, y], { ...common, optimizer: tf.train.sgd(0.05), batchSize: N }); // unweighted
      expectClose(weightsOf(a), weightsOf(b), 1e-5, 1e-6, 'weights');
      expectClose(ha.history.loss, hb.history.loss, 1e-6, 1e-9, 'epoch loss');
      expectClose(ha.history.meanSquaredError, hb.history.meanSquaredError, 1e-6, 1e-9, 'weighted MSE metric');
      // Not vacuous: training moved the weights, and the weights changed the result.
      expect(maxAbsDiff(weightsOf(a), w0)).toBeGreaterThan(1e-2);
      expect(maxAbsDiff(weightsOf(a), weightsOf(c))).toBeGreaterThan(1e-3);
      // Full batch: the epoch-e metric is the weighted MSE of the predictions before step e = the 'mean' loss.
      if (reduction === 'mean') expectClose(ha.history.meanSquaredError, ha.history.loss, 1e-12, 0, 'metric = loss');
      else
        expectClose(
          ha.history.loss.map((v) => v / (2 * total)),
          ha.history.meanSquaredError,
          1e-12,
          0,
          'sum / (2Σw) = metric',
        );
    });
  }

  it('sequence outputs [N, T, 1]: one weight per sequence (Keras mse and canonical mean)', async () => {
    const T = 5;
    const xs = tf.tensor3d(f32(N * T * 2), [N, T, 2]);
    const ys = tf.tensor3d(f32(N * T), [N, T, 1]);
    const seqModel = (): tf.Sequential => {
      const m = tf.sequential();
      m.add(
        tf.layers.timeDistributed({
          inputShape: [T, 2],
          layer: tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }),
        }),
      );
      return m;
    };
    for (const loss of ['meanSquaredError', 'mse']) {
      const a = seqModel();
      const b = seqModel();
      const ha = await train(a, [xs, ys], {
        loss,
        lossOptions: { reduction: 'sum' },
        optimizer: tf.train.sgd(0.002),
        batchSize: N,
        shuffle: false,
        epochs: 3,
        sampleWeight: w,
      });
      const hb = await train(b, [repeatRows(xs, w), repeatRows(ys, w)], {
        loss,
        lossOptions: { reduction: 'sum' },
        optimizer: tf.train.sgd(0.002),
        batchSize: total,
        shuffle: false,
        epochs: 3,
      });
      expectClose(weightsOf(a), weightsOf(b), 1e-5, 1e-6, `${loss} weights`);
      expectClose(ha.history.loss, hb.history.loss, 1e-6, 1e-9, `${loss} loss`);
    }
  });

  it("Keras 'sumOverBatchSize' with weights is NOT the repeated-rows mean (it divides by n, not Σw)", async () => {
    const a = mlp(3, 2);
    const b = twin(a, 3, 2);
    const ha = await train(a, [x, y], {
      loss: 'mse',
      optimizer: tf.train.sgd(0.05),
      batchSize: N,
      shuffle: false,
      sampleWeight: w,
    });
    const hb = await train(b, [xRep, yRep], {
      loss: 'mse',
      optimizer: tf.train.sgd(0.05),
      batchSize: total,
      shuffle: false,
    });
    expectClose(ha.history.loss[0] * N, hb.history.loss[0] * total, 1e-6, 0, 'same weighted sum');
    expect(Math.abs(ha.history.loss[0] - hb.history.loss[0])).toBeGreaterThan(1e-3);
  });
});

describe('train: class weights', () => {
  const N = 30;
  const C = 3;
  const x = tf.tensor2d(f32(N * 4), [N, 4]);
  const labels = Array.from({ length: N }, (_, i) => (i * 7) % C);
  const y = tf.tensor1d(labels);
  const yOneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), C).toFloat();
  const cw = { 0: 1, 1: 3, 2: 0.5 };

  it('classWeight = sampleWeight of each label; one-hot y (argmax) = integer labels; minibatches with one seed', async () => {
    const a = mlp(4, C);
    const b = twin(a, 4, C);
    const c = twin(a, 4, C);
    const opts = { loss: 'crossEntropy', epochs: 3, batchSize: 8, seed: 5, metrics: ['meanSquaredError'] } as const;
    const ha = await train(a, [x, y], { ...opts, metrics: [], optimizer: tf.train.sgd(0.2), classWeight: cw });
    const hb = await train(b, [x, y], {
      ...opts,
      metrics: [],
      optimizer: tf.train.sgd(0.2),
      sampleWeight: labels.map((l) => cw[l as 0 | 1 | 2]),
    });
    const hc = await train(
      c,
      { x, y: yOneHot },
      { ...opts, metrics: [], optimizer: tf.train.sgd(0.2), classWeight: [1, 3, 0.5] },
    );
    expect(weightsOf(a)).toEqual(weightsOf(b));
    expect(ha.batchLoss).toEqual(hb.batchLoss);
    expectClose(weightsOf(c), weightsOf(a), 1e-5, 1e-6, 'one-hot targets');
    expectClose(hc.history.loss, ha.history.loss, 1e-6, 1e-9, 'one-hot targets loss');
  });

  it('a class without a weight → INVALID_OPTION naming the class', async () => {
    const e = await train(mlp(4, C), [x, y], {
      loss: 'crossEntropy',
      optimizer: 'sgd',
      classWeight: { 0: 1, 1: 2 },
    }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(LosskitError);
    expect((e as LosskitError).code).toBe('INVALID_OPTION');
    expect((e as LosskitError).message).toMatch(/^train: option 'classWeight' has no weight for class 2/);
  });
});

describe('train: like model.fit where fit can do it', () => {
  it('no weights, minibatches, L2 regulariser: same weights and epoch losses as model.fit with tfjs MSE', async () => {
    const N = 40;
    const x = tf.tensor2d(f32(N * 3), [N, 3]);
    const y = tf.tensor2d(f32(N * 2), [N, 2]);
    const a = mlp(3, 2, { l2: 0.01 });
    const b = twin(a, 3, 2, { l2: 0.01 });
    a.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
    const fit = await a.fit(x, y, { epochs: 3, batchSize: 16, shuffle: false, verbose: 0 });
    const ours = await train(b, [x, y], {
      loss: 'meanSquaredError',
      optimizer: tf.train.sgd(0.05),
      epochs: 3,
      batchSize: 16,
      shuffle: false,
    });
    expectClose(weightsOf(b), weightsOf(a), 1e-5, 1e-6, 'weights');
    expectClose(ours.history.loss, fit.history.loss as number[], 1e-5, 1e-7, 'epoch loss (incl. L2 penalty)');
    expect(ours.batchLoss).toHaveLength(9);
  });
});

/** A callback in tfjs's protocol: gets the model through setModel, stops it via model.stopTraining. */
class StopAfter implements TrainCallback {
  model: tf.LayersModel | null = null;
  constructor(private readonly lastEpoch: number) {}
  setModel(model: tf.LayersModel): void {
    this.model = model;
  }
  onEpochEnd(epoch: number): void {
    if (epoch === this.lastEpoch && this.model !== null) this.model.stopTraining = true;
  }
}

describe('train: validation, metrics, history, callbacks', () => {
  const N = 50;
  const x = tf.tensor2d(f32(N * 3), [N, 3]);
  const y = tf.tensor2d(f32(N * 2), [N, 2]);
  const xv = tf.tensor2d(f32(20 * 3), [20, 3]);
  const yv = tf.tensor2d(f32(20 * 2), [20, 2]);
  const wv = Array.from({ length: 20 }, (_, i) => (i % 4) + 0.5);

  it('val_loss and val metrics are the one-shot loss / metric of the final predictions (float64, weighted)', async () => {
    const m = mlp(3, 2);
    const h = await train(m, [x, y], {
      loss: 'huber',
      lossOptions: { delta: 0.5 },
      optimizer: 'adam',
      epochs: 3,
      batchSize: 16,
      seed: 1,
      validationData: [xv, yv, wv],
      metrics: { mae: getMetric('meanAbsoluteError'), mse: 'meanSquaredError' },
    });
    const pred = m.predict(xv) as tf.Tensor;
    const last = h.epoch.length - 1;
    expectClose(
      h.history.val_loss[last],
      getLoss('huber')(yv, pred, { delta: 0.5, sampleWeight: wv.map((v) => [v]) }),
      1e-6,
      1e-9,
      'val_loss',
    );
    expectClose(
      h.history.val_mse[last],
      oneShot.meanSquaredError(yv, pred, { sampleWeight: wv }),
      1e-6,
      1e-9,
      'val_mse',
    );
    expectClose(
      h.history.val_mae[last],
      oneShot.meanAbsoluteError(yv, pred, { sampleWeight: wv }),
      1e-6,
      1e-9,
      'val_mae',
    );
    expect(Object.keys(h.history).sort()).toEqual(['loss', 'mae', 'mse', 'val_loss', 'val_mae', 'val_mse']);
    expect(h.lr).toEqual([0.001, 0.001, 0.001]);
    expect(h.timeMs.every((t) => t >= 0)).toBe(true);
  });

  it('a seed makes the run repeat exactly; another seed shuffles differently', async () => {
    const run = async (seed: number): Promise<number[]> =>
      (await train(mlp(3, 2), [x, y], { loss: 'meanSquaredError', optimizer: 'sgd', epochs: 2, batchSize: 8, seed }))
        .batchLoss;
    const a = await run(3);
    expect(await run(3)).toEqual(a);
    expect(await run(4)).not.toEqual(a);
  });

  it('logs into a LossHistory; callbacks and onBatchEnd/onEpochEnd fire; model.stopTraining stops', async () => {
    const history = new LossHistory();
    const seen: string[] = [];
    const model = mlp(3, 2);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' }); // tfjs: a Sequential has stopTraining only once compiled
    const h = await train(model, [x, y], {
      loss: tfjsLoss('meanSquaredError'),
      optimizer: tf.train.sgd(0.01),
      epochs: 5,
      batchSize: 20,
      history,
      validationData: { x: xv, y: yv },
      metrics: ['meanSquaredError'],
      onBatchEnd: (b) => void seen.push(`b${b}`),
      onEpochEnd: (e, logs) => void seen.push(`e${e}:${Object.keys(logs).join(',')}`),
      callbacks: [new StopAfter(1)],
    });
    expect(h.stoppedEarly).toBe(true);
    expect(h.epoch).toEqual([0, 1]);
    expect(seen).toEqual([
      'b0',
      'b1',
      'b2',
      'e0:loss,meanSquaredError,val_loss,val_meanSquaredError',
      'b0',
      'b1',
      'b2',
      'e1:loss,meanSquaredError,val_loss,val_meanSquaredError',
    ]);
    expect(history.epochs.map((e) => e.loss)).toEqual(h.history.loss);
    expect(history.epochs.map((e) => e.valLoss)).toEqual(h.history.val_loss);
    expect(history.batches.map((b) => b.loss)).toEqual(h.batchLoss);
    expect(history.epochs[1].metrics).toEqual({
      meanSquaredError: h.history.meanSquaredError[1],
      val_meanSquaredError: h.history.val_meanSquaredError[1],
    });
    expect(history.batches[0].lr).toBe(0.01);
  });

  it('divergence (non-finite predictions) stops training with stopReason non-finite instead of throwing', async () => {
    const history = new LossHistory();
    const h = await train(mlp(3, 2), [x, y], {
      loss: 'meanSquaredError',
      optimizer: tf.train.sgd(1e6),
      epochs: 50,
      batchSize: 10,
      seed: 1,
      history,
    });
    expect(h.stopReason).toBe('non-finite');
    expect(h.stoppedEarly).toBe(true);
    expect(Number.isFinite(h.batchLoss[h.batchLoss.length - 1])).toBe(false);
    expect(h.epoch.length).toBeLessThan(50);
    expect(history.summary().diverged).toBe(true);
  });

  it('onEpochEnd returning false stops (uncompiled model)', async () => {
    const h = await train(mlp(3, 2), [x, y], {
      loss: 'meanSquaredError',
      optimizer: 'sgd',
      epochs: 5,
      onEpochEnd: (e) => e < 2,
    });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(h.stoppedEarly).toBe(true);
    expect(h.stopReason).toBe('stopped');
  });

  it('works with tf.callbacks.earlyStopping (compiled model)', async () => {
    const model = mlp(3, 2);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const h = await train(model, [x, y], {
      loss: 'meanSquaredError',
      optimizer: tf.train.sgd(5), // diverges: val_loss stops improving at once
      epochs: 20,
      batchSize: 50,
      validationData: [xv, yv],
      callbacks: [tf.callbacks.earlyStopping({ monitor: 'val_loss', patience: 1 })],
    });
    expect(h.stoppedEarly).toBe(true);
    expect(h.epoch.length).toBeLessThan(20);
  });
});

describe('train: memory', () => {
  it('leaks no tensors across runs (metrics, validation, weights, regulariser)', async () => {
    const N = 30;
    const x = tf.tensor2d(f32(N * 3), [N, 3]);
    const y = tf.tensor2d(f32(N * 2), [N, 2]);
    const model = mlp(3, 2, { l2: 0.01 });
    const opt = tf.train.adam(0.01);
    const run = (): Promise<unknown> =>
      train(model, [x, y], {
        loss: 'meanSquaredError',
        optimizer: opt,
        epochs: 2,
        batchSize: 8,
        sampleWeight: Array(N).fill(2),
        validationData: [x, y],
        metrics: ['meanSquaredError'],
        seed: 1,
      });
    await run(); // creates the optimizer's slot variables
    const before = tf.memory().numTensors;
    await run();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('train: bad inputs', () => {
  const x = tf.tensor2d(f32(10 * 3), [10, 3]);
  const y = tf.tensor2d(f32(10 * 2), [10, 2]);
  const fail = async (p: Promise<unknown>): Promise<LosskitError> => {
    const e = await p.then(
      () => null,
      (err: unknown) => err,
    );
    if (!(e instanceof LosskitError)) throw new Error(`expected a LosskitError, got ${String(e)}`);
    return e;
  };

  it('sampleWeight of the wrong length → SHAPE_MISMATCH', async () => {
    const e = await fail(
      train(mlp(3, 2), [x, y], { loss: 'meanSquaredError', optimizer: 'sgd', sampleWeight: [1, 2, 3] }),
    );
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toBe("train: 'sampleWeight' has shape [3]; expected [10] (one weight per sample)");
  });
  it('negative sampleWeight → OUT_OF_RANGE', async () => {
    const e = await fail(
      train(mlp(3, 2), [x, y], {
        loss: 'meanSquaredError',
        optimizer: 'sgd',
        sampleWeight: Array.from({ length: 10 }, (_, i) => (i === 4 ? -1 : 1)),
      }),
    );
    expect(e.code).toBe('OUT_OF_RANGE');
    expect(e.message).toContain('received -1 at index [4]');
  });
  it("reduction 'none' → INVALID_OPTION", async () => {
    const e = await fail(
      train(mlp(3, 2), [x, y], { loss: 'meanSquaredError', lossOptions: { reduction: 'none' }, optimizer: 'sgd' }),
    );
    expect(e.code).toBe('INVALID_OPTION');
    expect(e.argument).toBe('reduction');
  });
  it('x and y with different sample counts → SHAPE_MISMATCH', async () => {
    const e = await fail(train(mlp(3, 2), [x, y.slice(0, 9)], { loss: 'meanSquaredError', optimizer: 'sgd' }));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toContain('x has 10 samples but y has 9');
  });
  it('no optimizer on an uncompiled model → INVALID_OPTION', async () => {
    const e = await fail(train(mlp(3, 2), [x, y], { loss: 'meanSquaredError' }));
    expect(e.code).toBe('INVALID_OPTION');
    expect(e.message).toContain("option 'optimizer' is required");
  });
  it('misspelt option → INVALID_OPTION with a suggestion', async () => {
    const e = await fail(
      train(mlp(3, 2), [x, y], { loss: 'meanSquaredError', optimizer: 'sgd', batchsize: 4 } as TrainOptions),
    );
    expect(e.code).toBe('INVALID_OPTION');
    expect(e.message).toContain("unknown option 'batchsize' (did you mean 'batchSize'?)");
  });
  it('a tfjsLoss with a bound sampleWeight → INVALID_OPTION (weights go to train)', async () => {
    const e = await fail(
      train(mlp(3, 2), [x, y], { loss: tfjsLoss('meanSquaredError', { sampleWeight: [[1], [2]] }), optimizer: 'sgd' }),
    );
    expect(e.code).toBe('INVALID_OPTION');
    expect(e.message).toContain("bound 'sampleWeight'");
  });
  it('classWeight with non-integer labels → INVALID_LABEL', async () => {
    const e = await fail(
      train(mlp(3, 1), [x, tf.tensor1d(Array.from({ length: 10 }, (_, i) => i / 3))], {
        loss: 'meanSquaredError',
        optimizer: 'sgd',
        classWeight: [1, 1],
      }),
    );
    expect(e.code).toBe('INVALID_LABEL');
    expect(e.message).toContain('received 0.3333');
  });
  it('unknown loss → UNKNOWN_NAME', async () => {
    const e = await fail(train(mlp(3, 2), [x, y], { loss: 'meanSquareError', optimizer: 'sgd' }));
    expect(e.code).toBe('UNKNOWN_NAME');
  });
  it('a reserved metric log name → INVALID_OPTION', async () => {
    const e = await fail(
      train(mlp(3, 2), [x, y], { loss: 'meanSquaredError', optimizer: 'sgd', metrics: { loss: 'meanSquaredError' } }),
    );
    expect(e.code).toBe('INVALID_OPTION');
    expect(e.message).toContain('reserved');
  });
});

describe('train: sequences and schedules', () => {
  it('an RNN learns sin → cos (loss falls); lrSchedule sets each epoch’s rate', async () => {
    const T = 12;
    const N = 48;
    const xs = new Float32Array(N * T);
    const ys = new Float32Array(N * T);
    for (let i = 0; i < N; i++) {
      const phase = (2 * Math.PI * i) / N;
      for (let t = 0; t < T; t++) {
        xs[i * T + t] = Math.sin(phase + 0.3 * t);
        ys[i * T + t] = Math.cos(phase + 0.3 * t);
      }
    }
    const x = tf.tensor3d(xs, [N, T, 1]);
    const y = tf.tensor3d(ys, [N, T, 1]);
    const model = tf.sequential();
    model.add(
      tf.layers.simpleRNN({
        units: 8,
        inputShape: [T, 1],
        returnSequences: true,
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        recurrentInitializer: tf.initializers.orthogonal({ seed: 2 }),
      }),
    );
    model.add(
      tf.layers.timeDistributed({
        layer: tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
      }),
    );
    const h = await train(model, [x, y], {
      loss: 'mse', // Keras dialect: per-step mean over the last axis, sumOverBatchSize
      optimizer: tf.train.adam(0.02),
      epochs: 8,
      batchSize: 16,
      seed: 7,
      // Per-sample weights on a [N, T, 1] output: one weight per sequence.
      sampleWeight: Array.from({ length: N }, (_, i) => (i % 2 === 0 ? 1 : 2)),
      lrSchedule: (epoch) => 0.02 * 0.9 ** epoch,
    });
    expect(h.lr.map((v) => Math.fround(v))).toEqual(Array.from({ length: 8 }, (_, e) => Math.fround(0.02 * 0.9 ** e)));
    expect(h.history.loss[7]).toBeLessThan(h.history.loss[0] * 0.5);
  });
});
