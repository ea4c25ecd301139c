/**
 * The tfjs aliases against TensorFlow.js 4.22 itself (`@tensorflow/tfjs`, cpu backend), values
 * and `tf.grad` gradients. tfjs computes in float32, so the inputs are float32 values and the
 * tolerance is float32's (rtol 2e-5).
 */
import * as tf from '@tensorflow/tfjs';
import { lossesMap } from '@tensorflow/tfjs-layers/dist/losses.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { getLoss, type LossOptions } from '../../src/index.js';
import { expectClose, randn, rng } from '../helpers.js';

const r = rng(21);
const N = 6;
const C = 4;
const f32 = (a: ArrayLike<number>): Float32Array => Float32Array.from(a);
const logits = f32(randn(r, N * C).map((v) => 3 * v));
const probs = f32(Array.from({ length: N * C }, () => 0.02 + 0.96 * r()));
const labels01 = f32(Array.from({ length: N * C }, () => (r() < 0.5 ? 0 : 1)));
const labelsPm = labels01.map((v) => 2 * v - 1);
const reals = f32(randn(r, N * C));
const reals2 = f32(randn(r, N * C));
const pos = f32(Array.from({ length: N * C }, () => 0.1 + 4 * r()));
const pos2 = f32(Array.from({ length: N * C }, () => 0.1 + 4 * r()));

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** tfjs value and gradient w.r.t. the predictions of `f(labels, predictions)` (a scalar). */
function tfValueAndGrad(
  f: (y: tf.Tensor, p: tf.Tensor) => tf.Tensor,
  y: Float32Array,
  p: Float32Array,
): { value: number; grad: Float32Array } {
  const yt = tf.tensor2d(y, [N, C]);
  const pt = tf.tensor2d(p, [N, C]);
  const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => f(yt, x) as tf.Scalar)(pt);
  const out = { value: value.dataSync()[0], grad: grad.dataSync() as Float32Array };
  tf.dispose([yt, pt, value, grad]);
  return out;
}

function compare(
  name: string,
  options: LossOptions,
  f: (y: tf.Tensor, p: tf.Tensor) => tf.Tensor,
  y: Float32Array,
  p: Float32Array,
): void {
  const ref = tfValueAndGrad(f, y, p);
  const ours = getLoss(name).valueAndGrad({ data: y, shape: [N, C] }, { data: p, shape: [N, C] }, options);
  expectClose(ours.value, ref.value, 2e-5, 1e-6, `${name} value`);
  expectClose(ours.grad, ref.grad, 2e-4, 1e-6, `${name} grad`);
}

describe('tfjs aliases match TensorFlow.js 4.22 (cpu backend, float32)', () => {
  it('tf.losses.sigmoidCrossEntropy (label smoothing 0 and 0.2)', () => {
    compare('tf.losses.sigmoidCrossEntropy', {}, (y, p) => tf.losses.sigmoidCrossEntropy(y, p), labels01, logits);
    compare(
      'sigmoidCrossEntropy',
      { labelSmoothing: 0.2 },
      (y, p) => tf.losses.sigmoidCrossEntropy(y, p, undefined, 0.2),
      labels01,
      logits,
    );
  });
  it('tf.losses.huberLoss (delta 1 and 0.5)', () => {
    compare('tf.losses.huberLoss', {}, (y, p) => tf.losses.huberLoss(y, p), reals, reals2);
    compare('huberLoss', { delta: 0.5 }, (y, p) => tf.losses.huberLoss(y, p, undefined, 0.5), reals, reals2);
  });
  it('tf.losses.logLoss (additive epsilon)', () => {
    compare('tf.losses.logLoss', {}, (y, p) => tf.losses.logLoss(y, p), labels01, probs);
  });
  it('tf.losses.hingeLoss with 0/1 labels', () => {
    compare('tf.losses.hingeLoss', {}, (y, p) => tf.losses.hingeLoss(y, p), labels01, reals);
  });
  it('tfjs-layers loss strings (mean over the last axis, then the mean)', () => {
    const layer = (key: string) => (y: tf.Tensor, p: tf.Tensor) => tf.mean(lossesMap[key](y, p));
    compare('binaryCrossentropy', {}, layer('binaryCrossentropy'), labels01, probs);
    compare('logcosh', {}, layer('logcosh'), reals, reals2);
    compare('meanSquaredLogarithmicError', {}, layer('meanSquaredLogarithmicError'), pos, pos2);
    compare(
      'meanAbsolutePercentageError',
      { meanOverLastAxis: true },
      layer('meanAbsolutePercentageError'),
      reals,
      reals2,
    );
    // tfjs-layers' hinge does not convert labels: equal for ±1 labels.
    compare('hinge', {}, layer('hinge'), labelsPm, reals);
    compare('squaredHinge', {}, layer('squaredHinge'), labelsPm, reals);
  });
  it('documents the known difference: tfjs hingeLoss breaks ±1 labels, losskit does not', () => {
    const y = tf.tensor1d([1, -1]);
    const p = tf.tensor1d([0.5, -0.5]);
    const tfv = tf.losses.hingeLoss(y, p).dataSync()[0];
    expect(tfv).toBeCloseTo(0.25, 6); // labels become [1, −3]: relu([0.5, −0.5]) averaged
    expect(getLoss('tf.losses.hingeLoss')([1, -1], [0.5, -0.5])).toBeCloseTo(0.5, 12);
    tf.dispose([y, p]);
  });
});
