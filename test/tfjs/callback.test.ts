/**
 * streamingMetricsCallback: exact metrics on validation data inside tfjs 4.22's `model.fit`
 * (cpu backend). References: losskit's one-shot metrics on the model's predictions for the
 * whole validation set (the one-shot metrics are themselves checked against scikit-learn).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getLoss, getMetric, LosskitError, metrics as oneShot } from '../../src/index.js';
import { streamingMetricsCallback, train } from '../../src/tfjs/index.js';
import { expectClose, randn, rng } from '../helpers.js';
import { tf, useCpu } from './setup.js';

beforeAll(async () => {
  await useCpu();
});

function hasMetric(name: string): boolean {
  try {
    getMetric(name, { task: 'binary' });
    return true;
  } catch {
    return false;
  }
}

const r = rng(77);
const f32 = (n: number): Float32Array => Float32Array.from(randn(r, n));

function regressor(): tf.Sequential {
  const m = tf.sequential();
  m.add(
    tf.layers.dense({
      units: 5,
      inputShape: [3],
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
    }),
  );
  m.add(tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }));
  return m;
}

describe('streamingMetricsCallback in model.fit', () => {
  const x = tf.tensor2d(f32(60 * 3), [60, 3]);
  const y = tf.tensor2d(f32(60 * 2), [60, 2]);
  const xv = tf.tensor2d(f32(25 * 3), [25, 3]);
  const yv = tf.tensor2d(f32(25 * 2), [25, 2]);
  const wv = Array.from({ length: 25 }, (_, i) => 1 + (i % 3));

  it('every epoch: logs (and fit history) hold the one-shot metrics of the whole validation set', async () => {
    const model = regressor();
    model.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
    const expected: { mse: number; mae: number; loss: number }[] = [];
    const cb = streamingMetricsCallback({
      validationData: [xv, yv, wv],
      metrics: { mse: 'meanSquaredError', mae: getMetric('meanAbsoluteError') },
      loss: 'huber',
      batchSize: 7,
      onResult: () => {
        // The model as it is at this epoch's end, predicted in one go.
        const p = model.predict(xv) as tf.Tensor;
        expected.push({
          mse: oneShot.meanSquaredError(yv, p, { sampleWeight: wv }) as number,
          mae: oneShot.meanAbsoluteError(yv, p, { sampleWeight: wv }) as number,
          loss: getLoss('huber')(yv, p, { sampleWeight: wv.map((w) => [w]) }),
        });
      },
    });
    const h = await model.fit(x, y, { epochs: 3, batchSize: 16, shuffle: false, verbose: 0, callbacks: [cb] });
    expect(expected).toHaveLength(3);
    expectClose(
      h.history.val_mse as number[],
      expected.map((e) => e.mse),
      1e-6,
      1e-9,
      'val_mse',
    );
    expectClose(
      h.history.val_mae as number[],
      expected.map((e) => e.mae),
      1e-6,
      1e-9,
      'val_mae',
    );
    expectClose(
      h.history.val_loss as number[],
      expected.map((e) => e.loss),
      1e-6,
      1e-9,
      'val_loss (huber)',
    );
    expect(cb.results).toHaveLength(3);
    expect(cb.results[2].val_mse).toBe((h.history.val_mse as number[])[2]);
    // Metrics differ between epochs (the model trained): the per-epoch check is not vacuous.
    expect(new Set(h.history.val_mse).size).toBe(3);
  });

  it('works with losskit train() too (setModel is called)', async () => {
    const cb = streamingMetricsCallback({
      validationData: { x: xv, y: yv },
      metrics: ['meanSquaredError'],
      prefix: 'exact_val_',
    });
    const model = regressor();
    const h = await train(model, [x, y], {
      loss: 'meanSquaredError',
      optimizer: 'sgd',
      epochs: 2,
      seed: 1,
      callbacks: cb,
    });
    expect(h.history.exact_val_meanSquaredError).toHaveLength(2);
    expectClose(
      h.history.exact_val_meanSquaredError[1],
      oneShot.meanSquaredError(yv, model.predict(xv) as tf.Tensor),
      1e-6,
      1e-9,
    );
  });

  it.skipIf(!hasMetric('precision'))("exact precision differs from tfjs's batch-averaged val_precision", async () => {
    const N = 200;
    const xb = tf.tensor2d(f32(N * 4), [N, 4]);
    const yb = tf.tensor2d(
      Float32Array.from({ length: N }, () => (r() < 0.4 ? 1 : 0)),
      [N, 1],
    );
    const xvb = tf.tensor2d(f32(90 * 4), [90, 4]);
    const yvb = tf.tensor2d(
      Float32Array.from({ length: 90 }, () => (r() < 0.4 ? 1 : 0)),
      [90, 1],
    );
    const model = tf.sequential();
    model.add(
      tf.layers.dense({
        units: 1,
        inputShape: [4],
        activation: 'sigmoid',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }),
      }),
    );
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'binaryCrossentropy', metrics: ['precision'] });
    const cb = streamingMetricsCallback({
      validationData: [xvb, yvb],
      metrics: { precision: getMetric('precision', { task: 'binary' }) },
      prefix: 'exact_val_',
    });
    // tfjs evaluates validation metrics per batch of 10 and averages them (weighted by batch size).
    const h = await model.fit(xb, yb, {
      epochs: 2,
      batchSize: 10,
      shuffle: false,
      verbose: 0,
      validationData: [xvb, yvb],
      callbacks: [cb],
    });
    const p = model.predict(xvb) as tf.Tensor;
    const exact = oneShot.precision(yvb, p, { task: 'binary' }) as number;
    expectClose((h.history.exact_val_precision as number[])[1], exact, 1e-12, 0, 'exact precision');
    // Precision from the confusion counts, by hand, as a second reference.
    const pd = p.dataSync();
    const yd = yvb.dataSync();
    let tp = 0;
    let fp = 0;
    for (let i = 0; i < pd.length; i++) {
      if (pd[i] >= 0.5) {
        if (yd[i] === 1) tp++;
        else fp++;
      }
    }
    expectClose(exact, tp / (tp + fp), 1e-12, 0, 'tp / (tp + fp)');
    const tfjsValue = (h.history.val_precision as number[])[1];
    expect(Math.abs(tfjsValue - exact)).toBeGreaterThan(1e-3);
  });
});

describe('streamingMetricsCallback: bad inputs', () => {
  const x = tf.tensor2d(f32(10 * 3), [10, 3]);
  const y = tf.tensor2d(f32(10 * 2), [10, 2]);
  const code = (f: () => unknown): LosskitError => {
    try {
      f();
    } catch (e) {
      if (e instanceof LosskitError) return e;
      throw e;
    }
    throw new Error('expected a LosskitError');
  };
  it('validation sampleWeight of the wrong length → SHAPE_MISMATCH', () => {
    const e = code(() => streamingMetricsCallback({ validationData: [x, y, [1, 2]], metrics: ['meanSquaredError'] }));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toBe(
      "streamingMetricsCallback: 'validationData.sampleWeight' has shape [2]; expected [10] (one weight per sample)",
    );
  });
  it('unknown metric → UNKNOWN_NAME', () => {
    expect(code(() => streamingMetricsCallback({ validationData: [x, y], metrics: ['meanSqueredError'] })).code).toBe(
      'UNKNOWN_NAME',
    );
  });
  it('evaluate() without a model → INVALID_INPUT', () => {
    const cb = streamingMetricsCallback({ validationData: [x, y], metrics: ['meanSquaredError'] });
    const e = code(() => cb.evaluate());
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toContain('no model');
  });
});
