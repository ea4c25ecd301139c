/**
 * lrRangeTestTfjs: the LR range test on a tfjs model. References: a hand-written replay of the
 * same steps with tfjs's own SGD and `tf.losses.meanSquaredError` (tfjs 4.22, cpu backend), and
 * the core `lrSchedule`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { LosskitError, lrSchedule } from '../../src/index.js';
import { learningRateOf, lrRangeTestTfjs, setLearningRate } from '../../src/tfjs/index.js';
import { expectClose, randn, rng } from '../helpers.js';
import { tf, useCpu } from './setup.js';

beforeAll(async () => {
  await useCpu();
});

const r = rng(99);
const f32 = (n: number): Float32Array => Float32Array.from(randn(r, n));
const N = 48;
const x = tf.tensor2d(f32(N * 3), [N, 3]);
const y = tf.tensor2d(f32(N * 2), [N, 2]);

function mlp(): tf.Sequential {
  const m = tf.sequential();
  m.add(
    tf.layers.dense({
      units: 8,
      inputShape: [3],
      activation: 'tanh',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 21 }),
    }),
  );
  m.add(tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 22 }) }));
  return m;
}
const weightsOf = (m: tf.LayersModel): number[] => m.getWeights().flatMap((w) => Array.from(w.dataSync()));

describe('lrRangeTestTfjs', () => {
  it('losses equal a replay with tfjs SGD + tfjs MSE; weights restored; stops when the loss blows up', async () => {
    const model = mlp();
    const before = weightsOf(model);
    const opts = { minLr: 1e-4, maxLr: 50, numSteps: 40, batchSize: 16, shuffle: false } as const;
    const res = await lrRangeTestTfjs(model, [x, y], { loss: 'meanSquaredError', ...opts });
    expect(weightsOf(model)).toEqual(before);
    expect(res.stoppedEarly).toBe(true);
    expect(res.stopReason === 'diverged' || res.stopReason === 'non-finite').toBe(true);
    expect(res.lrs).toEqual(lrSchedule(1e-4, 50, 40).slice(0, res.lrs.length));
    expect(res.suggestion).not.toBeNull();
    expect(res.suggestion!).toBeGreaterThanOrEqual(1e-4);
    expect(res.suggestion!).toBeLessThan(res.lrs[res.lrs.length - 1]);

    // Replay: same start, batches cycling in order, one SGD step per learning rate.
    const replay = mlp();
    replay.setWeights(model.getWeights());
    const sgd = tf.train.sgd(1);
    const losses: number[] = [];
    for (let i = 0; i < res.lrs.length; i++) {
      sgd.setLearningRate(res.lrs[i]);
      const start = (i * 16) % N;
      const xb = x.slice(start, 16);
      const yb = y.slice(start, 16);
      const cost = sgd.minimize(() => tf.losses.meanSquaredError(yb, replay.apply(xb) as tf.Tensor) as tf.Scalar, true);
      losses.push(cost!.dataSync()[0]);
    }
    const finite = res.losses.filter((v) => Number.isFinite(v)).length;
    expect(finite).toBeGreaterThan(15);
    expect(Math.max(...res.losses.slice(0, finite)) / Math.min(...res.losses.slice(0, finite))).toBeGreaterThan(2);
    expectClose(res.losses.slice(0, Math.min(finite, 30)), losses.slice(0, Math.min(finite, 30)), 1e-4, 1e-6, 'losses');
  });

  it('a sweep into divergence ends with stopReason non-finite (NaN predictions do not throw), weights restored', async () => {
    const model = mlp();
    const before = weightsOf(model);
    const res = await lrRangeTestTfjs(model, [x, y], {
      loss: 'meanSquaredError',
      minLr: 1e-2,
      maxLr: 1e12,
      numSteps: 60,
      divergeFactor: Infinity,
      seed: 3,
    });
    expect(res.stopReason).toBe('non-finite');
    expect(res.lrs.length).toBeLessThan(60);
    expect(weightsOf(model)).toEqual(before);
  });

  it('restoreWeights: false keeps the trained weights; an existing optimizer gets its learning rate back', async () => {
    const model = mlp();
    const before = weightsOf(model);
    const opt = tf.train.sgd(0.123);
    await lrRangeTestTfjs(model, [x, y], {
      loss: 'meanSquaredError',
      optimizer: opt,
      minLr: 1e-3,
      maxLr: 1e-2,
      numSteps: 5,
      restoreWeights: false,
      seed: 1,
    });
    expect(weightsOf(model)).not.toEqual(before);
    expect(learningRateOf(opt)).toBe(0.123);
  });

  it('optimizerFactory with Adam: the learning rate is set each step (first Adam step moves every weight by ≈ lr)', async () => {
    const adam = tf.train.adam(0.5);
    setLearningRate(adam, 0.01);
    expect(learningRateOf(adam)).toBe(0.01);
    const model = mlp();
    const before = weightsOf(model);
    await lrRangeTestTfjs(model, [x, y], {
      loss: 'meanSquaredError',
      optimizerFactory: (lr) => tf.train.adam(lr),
      minLr: 0.01,
      maxLr: 0.05,
      numSteps: 2,
      restoreWeights: false,
      batchSize: N,
      shuffle: false,
      skipBegin: 0,
      skipEnd: 0,
    });
    // Step 1 at lr 0.01: Adam's bias-corrected first step is lr·g/|g|; step 2 at 0.05 adds up to ≈ 0.05
    // (had the rate stayed at 0.01, no weight could move more than ≈ 0.02).
    const after = weightsOf(model);
    const moves = after.map((v, i) => Math.abs(v - before[i]));
    expect(Math.max(...moves)).toBeLessThan(0.0601);
    expect(Math.max(...moves)).toBeGreaterThan(0.04);
  });

  it('bad inputs', async () => {
    const fail = async (p: Promise<unknown>): Promise<LosskitError> => {
      const e = await p.then(
        () => null,
        (err: unknown) => err,
      );
      if (!(e instanceof LosskitError)) throw new Error(`expected a LosskitError, got ${String(e)}`);
      return e;
    };
    const e1 = await fail(lrRangeTestTfjs(mlp(), [x, y], { loss: 'meanSquaredError', minLr: 1, maxLr: 0.1 }));
    expect(e1.code).toBe('INVALID_OPTION');
    expect(e1.argument).toBe('maxLr');
    const e2 = await fail(lrRangeTestTfjs(mlp(), [x, y], { loss: 'meanSquaredError', numStep: 5 } as never));
    expect(e2.code).toBe('INVALID_OPTION');
    expect(e2.message).toContain("unknown option 'numStep' (did you mean 'numSteps'?)");
    const e3 = await fail(
      lrRangeTestTfjs(mlp(), [x, y], { loss: 'meanSquaredError', lossOptions: { reduction: 'none' } }),
    );
    expect(e3.code).toBe('INVALID_OPTION');
    const e4 = await fail(lrRangeTestTfjs(mlp(), [x, y], { loss: 'meanSquaredError', sampleWeight: [1, 2] }));
    expect(e4.code).toBe('SHAPE_MISMATCH');
    expect(e4.message).toMatch(/^lrRangeTestTfjs: 'sampleWeight' has shape \[2\]; expected \[48\]/);
  });
});
