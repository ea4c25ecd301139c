/**
 * losskit/tfjs on the wasm backend (tfjs-backend-wasm 4.22, SIMD build, in Node): tfjsLoss's
 * value and gradient are losskit's (bit for bit after the float32 rounding), and train() runs.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { getLoss } from '../../src/index.js';
import { tfjsLoss, train } from '../../src/tfjs/index.js';
import { expectClose, randn, rng } from '../helpers.js';
import { tf } from './setup.js';

beforeAll(async () => {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  wasm.setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + '/');
  await tf.setBackend('wasm');
  await tf.ready();
});

const r = rng(404);
const f32 = (n: number): Float32Array => Float32Array.from(randn(r, n));

describe('wasm backend', () => {
  it('runs on wasm', () => {
    expect(tf.getBackend()).toBe('wasm');
  });

  it('tfjsLoss(crossEntropy) value and gradient = losskit float64, rounded to float32', () => {
    const logits = tf.tensor2d(f32(32 * 5), [32, 5]);
    const labels = tf.tensor1d(
      Int32Array.from({ length: 32 }, (_, i) => i % 5),
      'int32',
    );
    const ours = tf.valueAndGrad((z: tf.Tensor) => tfjsLoss('crossEntropy')(labels, z))(logits);
    const direct = getLoss('crossEntropy').valueAndGrad(labels, logits);
    expect(ours.value.dataSync()[0]).toBe(Math.fround(direct.value));
    expect(Array.from(ours.grad.dataSync())).toEqual(Array.from(Float32Array.from(direct.grad.data)));
    // and tfjs's own softmax cross-entropy on wasm agrees within float32 rounding
    const ref = tf.valueAndGrad((z: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 5).toFloat(), z))(
      logits,
    );
    expectClose(ours.grad.dataSync(), ref.grad.dataSync(), 1e-4, 1e-6, 'grad vs tfjs');
  });

  it('train() with sample weights runs and the loss falls', async () => {
    const x = tf.tensor2d(f32(64 * 4), [64, 4]);
    const y = tf.tensor2d(f32(64 * 1), [64, 1]);
    const m = tf.sequential();
    m.add(
      tf.layers.dense({ units: 1, inputShape: [4], kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
    );
    const h = await train(m, [x, y], {
      loss: 'meanSquaredError',
      optimizer: tf.train.sgd(0.05),
      epochs: 6,
      batchSize: 16,
      seed: 2,
      sampleWeight: Array.from({ length: 64 }, (_, i) => 1 + (i % 3)),
    });
    expect(h.history.loss[5]).toBeLessThan(h.history.loss[0]);
  });
});
