/**
 * tfjsLoss: losskit losses inside TensorFlow.js autodiff. References are tfjs 4.22's own losses
 * (`tf.losses.*`, run on the pure-JS cpu backend, gradients by tfjs autodiff) and losskit's
 * float64 `valueAndGrad`; tolerances are float32's (tfjs computes in float32).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { defineLoss, getLoss, LosskitError, type LossFunction, type LossOptions } from '../../src/index.js';
import { tfjsLoss } from '../../src/tfjs/index.js';
import { expectClose, randn, rng } from '../helpers.js';
import { tf, useCpu } from './setup.js';

beforeAll(async () => {
  await useCpu();
});

function has(name: string): boolean {
  try {
    getLoss(name);
    return true;
  } catch {
    return false;
  }
}

const r = rng(20261123);
const N = 6;
const C = 4;
const f32 = (n: number, scale = 1): Float32Array => Float32Array.from(randn(r, n), (v) => v * scale);

function softmaxRows(x: Float32Array, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i += c) {
    let m = -Infinity;
    for (let j = 0; j < c; j++) m = Math.max(m, x[i + j]);
    let s = 0;
    for (let j = 0; j < c; j++) s += Math.exp(x[i + j] - m);
    for (let j = 0; j < c; j++) out[i + j] = Math.exp(x[i + j] - m) / s;
  }
  return out;
}

interface Case {
  title: string;
  loss: string;
  options: LossOptions;
  yTrue: () => tf.Tensor;
  yPred: tf.Tensor;
  /** tfjs's own loss of the same thing, differentiated by tfjs autodiff. */
  reference: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;
}

const regT = f32(N * C);
const regP = f32(N * C);
const probs = softmaxRows(f32(N * C, 2), C);
const binT = Float32Array.from({ length: N * C }, () => (r() < 0.5 ? 0 : 1));
const sw = Float32Array.from({ length: N }, () => r() * 2);

const cases: Case[] = [
  {
    title: 'meanSquaredError = tf.losses.meanSquaredError',
    loss: 'meanSquaredError',
    options: {},
    yTrue: () => tf.tensor2d(regT, [N, C]),
    yPred: tf.tensor2d(regP, [N, C]),
    reference: (t, p) => tf.losses.meanSquaredError(t, p),
  },
  {
    title: 'meanSquaredError sum, sampleWeight [N,1] = tf.losses.meanSquaredError(weights, SUM)',
    loss: 'meanSquaredError',
    options: { reduction: 'sum', sampleWeight: tf.tensor2d(sw, [N, 1]) },
    yTrue: () => tf.tensor2d(regT, [N, C]),
    yPred: tf.tensor2d(regP, [N, C]),
    reference: (t, p) => tf.losses.meanSquaredError(t, p, tf.tensor2d(sw, [N, 1]), tf.Reduction.SUM),
  },
  {
    title: 'meanSquaredError weighted mean = tf.losses.meanSquaredError(weights, MEAN)',
    loss: 'meanSquaredError',
    options: { sampleWeight: tf.tensor2d(sw, [N, 1]) },
    yTrue: () => tf.tensor2d(regT, [N, C]),
    yPred: tf.tensor2d(regP, [N, C]),
    reference: (t, p) => tf.losses.meanSquaredError(t, p, tf.tensor2d(sw, [N, 1]), tf.Reduction.MEAN),
  },
  {
    title: 'meanAbsoluteError = tf.losses.absoluteDifference',
    loss: 'meanAbsoluteError',
    options: {},
    yTrue: () => tf.tensor2d(regT, [N, C]),
    yPred: tf.tensor2d(regP, [N, C]),
    reference: (t, p) => tf.losses.absoluteDifference(t, p),
  },
  {
    title: "tfjs alias 'absoluteDifference' = tf.losses.absoluteDifference",
    loss: 'absoluteDifference',
    options: {},
    yTrue: () => tf.tensor2d(regT, [N, C]),
    yPred: tf.tensor2d(regP, [N, C]),
    reference: (t, p) => tf.losses.absoluteDifference(t, p),
  },
  {
    title: 'huber delta 0.5 = tf.losses.huberLoss',
    loss: 'huber',
    options: { delta: 0.5 },
    yTrue: () => tf.tensor2d(regT, [N, C]),
    yPred: tf.tensor2d(regP, [N, C]),
    reference: (t, p) => tf.losses.huberLoss(t, p, undefined, 0.5),
  },
  {
    title: 'huber sum with sampleWeight = tf.losses.huberLoss(weights, SUM)',
    loss: 'huber',
    options: { reduction: 'sum', sampleWeight: tf.tensor2d(sw, [N, 1]) },
    yTrue: () => tf.tensor2d(regT, [N, C]),
    yPred: tf.tensor2d(regP, [N, C]),
    reference: (t, p) => tf.losses.huberLoss(t, p, tf.tensor2d(sw, [N, 1]), 1, tf.Reduction.SUM),
  },
  {
    title: 'binaryCrossEntropyWithLogits = tf.losses.sigmoidCrossEntropy',
    loss: 'binaryCrossEntropyWithLogits',
    options: {},
    yTrue: () => tf.tensor2d(binT, [N, C]),
    yPred: tf.tensor2d(f32(N * C, 3), [N, C]),
    reference: (t, p) => tf.losses.sigmoidCrossEntropy(t, p),
  },
  {
    title: 'crossEntropy (probability targets) = tf.losses.softmaxCrossEntropy',
    loss: 'crossEntropy',
    options: {},
    yTrue: () => tf.tensor2d(probs, [N, C]),
    yPred: tf.tensor2d(f32(N * C, 2), [N, C]),
    reference: (t, p) => tf.losses.softmaxCrossEntropy(t, p),
  },
  {
    title: 'crossEntropy labelSmoothing 0.2 = tf.losses.softmaxCrossEntropy(labelSmoothing)',
    loss: 'crossEntropy',
    options: { labelSmoothing: 0.2 },
    yTrue: () => tf.oneHot(tf.tensor1d([0, 3, 1, 2, 2, 0], 'int32'), C).toFloat(),
    yPred: tf.tensor2d(f32(N * C, 2), [N, C]),
    reference: (t, p) => tf.losses.softmaxCrossEntropy(t, p, undefined, 0.2),
  },
  {
    title: "tfjs alias 'softmaxCrossEntropy' = tf.losses.softmaxCrossEntropy",
    loss: 'softmaxCrossEntropy',
    options: {},
    yTrue: () => tf.tensor2d(probs, [N, C]),
    yPred: tf.tensor2d(f32(N * C, 2), [N, C]),
    reference: (t, p) => tf.losses.softmaxCrossEntropy(t, p),
  },
  {
    title: "tfjs alias 'sigmoidCrossEntropy' = tf.losses.sigmoidCrossEntropy",
    loss: 'sigmoidCrossEntropy',
    options: {},
    yTrue: () => tf.tensor2d(binT, [N, C]),
    yPred: tf.tensor2d(f32(N * C, 3), [N, C]),
    reference: (t, p) => tf.losses.sigmoidCrossEntropy(t, p),
  },
  {
    title: 'hinge (0/1 labels) = tf.losses.hingeLoss',
    loss: 'hinge',
    options: {},
    yTrue: () => tf.tensor2d(binT, [N, C]),
    yPred: tf.tensor2d(f32(N * C, 2), [N, C]),
    reference: (t, p) => tf.losses.hingeLoss(t, p),
  },
];

describe('tfjsLoss: value and gradient equal tfjs autodiff of its own losses', () => {
  for (const c of cases) {
    it.skipIf(!has(c.loss))(c.title, () => {
      const yTrue = c.yTrue();
      const ours = tf.valueAndGrad((p: tf.Tensor) => tfjsLoss(c.loss, c.options)(yTrue, p))(c.yPred);
      const ref = tf.valueAndGrad((p: tf.Tensor) => c.reference(yTrue, p) as tf.Scalar)(c.yPred);
      expect(ours.value.dtype).toBe('float32');
      expect(ours.value.shape).toEqual([]);
      expect(ours.grad.shape).toEqual(c.yPred.shape);
      expectClose(ours.value.dataSync(), ref.value.dataSync(), 2e-5, 1e-6, 'value');
      expectClose(ours.grad.dataSync(), ref.grad.dataSync(), 2e-5, 1e-6, 'grad');
      // ... and losskit's own float64 valueAndGrad, rounded once to float32.
      const direct = getLoss(c.loss).valueAndGrad(yTrue, c.yPred, c.options);
      expectClose(ours.value.dataSync(), Math.fround(direct.value as number), 1e-7, 0, 'value vs losskit');
      expectClose(ours.grad.dataSync(), Float32Array.from(direct.grad.data), 0, 0, 'grad vs losskit');
    });
  }
});

describe('tfjsLoss in training code', () => {
  it('gradient flows through the model to the weights (tf.variableGrads) and scales with dy', () => {
    const x = tf.tensor2d(f32(8 * 3), [8, 3]);
    const y = tf.tensor2d(f32(8 * 2), [8, 2]);
    const w = tf.variable(tf.tensor2d(f32(3 * 2), [3, 2]));
    const loss = tfjsLoss('meanSquaredError');
    const ours = tf.variableGrads(() => tf.mul(3, loss(y, tf.matMul(x, w))) as tf.Scalar, [w]);
    const ref = tf.variableGrads(() => tf.mul(3, tf.losses.meanSquaredError(y, tf.matMul(x, w))) as tf.Scalar, [w]);
    expectClose(ours.value.dataSync(), ref.value.dataSync(), 2e-6, 1e-7, 'value');
    expectClose(ours.grads[w.name].dataSync(), ref.grads[w.name].dataSync(), 2e-5, 1e-6, 'dL/dW');
    w.dispose();
  });

  it('yTrue gets a zero gradient', () => {
    const yTrue = tf.tensor1d([1, 2, 3]);
    const g = tf.grad((t: tf.Tensor) => tfjsLoss('meanSquaredError')(t, tf.tensor1d([0, 0, 0])))(yTrue);
    expect(Array.from(g.dataSync())).toEqual([0, 0, 0]);
  });

  it('per-call sampleWeight overrides the bound one; a zero weight removes a sample', () => {
    const yTrue = tf.tensor2d([
      [1, 1],
      [5, 5],
    ]);
    const yPred = tf.tensor2d([
      [0, 0],
      [0, 0],
    ]);
    // Per-sample weights of a [N, C] loss are [N, 1] (a [N] vector broadcasts along the last axis).
    const loss = tfjsLoss('meanSquaredError', { reduction: 'sum', sampleWeight: [[1], [1]] });
    expect(loss(yTrue, yPred).dataSync()[0]).toBeCloseTo(2 + 50, 5);
    expect(loss(yTrue, yPred, { sampleWeight: [[1], [0]] }).dataSync()[0]).toBeCloseTo(2, 6);
    expect(loss(yTrue, yPred, { sampleWeight: tf.tensor2d([[0], [2]]) }).dataSync()[0]).toBeCloseTo(100, 5);
    expect(loss.reduction).toBe('sum');
    expect(loss.loss.lossName).toBe('meanSquaredError');
  });

  it('Keras alias keeps its dialect defaults (mse: sumOverBatchSize after the mean over the last axis)', () => {
    const loss = tfjsLoss('mse');
    expect(loss.reduction).toBe('sumOverBatchSize');
    const v = loss(
      tf.tensor2d([
        [0, 1],
        [1, 1],
      ]),
      tf.tensor2d([
        [1, 1],
        [1, 0],
      ]),
      { sampleWeight: [1, 0] },
    );
    expect(v.dataSync()[0]).toBeCloseTo(0.25, 7);
  });

  it('accepts a losskit LossFunction as well as a name', () => {
    const fn: LossFunction = getLoss('meanAbsoluteError');
    expect(tfjsLoss(fn)(tf.tensor1d([1, 2]), tf.tensor1d([2, 4])).dataSync()[0]).toBeCloseTo(1.5, 7);
  });

  it('a defineLoss custom loss trains in tfjs with its analytic gradient (= tfjs autodiff of the same formula)', () => {
    const logCoshLoss = defineLoss({
      name: 'tfjsTestLogCosh',
      value: (t, p) => Math.log(Math.cosh(p - t)),
      grad: (t, p) => Math.tanh(p - t),
      register: false,
    });
    const yt = tf.tensor2d(regT, [N, C]);
    const ours = tf.valueAndGrad((p: tf.Tensor) =>
      tfjsLoss(logCoshLoss, { reduction: 'sum', sampleWeight: tf.tensor2d(sw, [N, 1]) })(yt, p),
    )(tf.tensor2d(regP, [N, C]));
    const ref = tf.valueAndGrad(
      (p: tf.Tensor) => tf.sum(tf.mul(tf.log(tf.cosh(tf.sub(p, yt))), tf.tensor2d(sw, [N, 1]))) as tf.Scalar,
    )(tf.tensor2d(regP, [N, C]));
    expectClose(ours.value.dataSync(), ref.value.dataSync(), 2e-5, 1e-6, 'value');
    expectClose(ours.grad.dataSync(), ref.grad.dataSync(), 2e-5, 1e-6, 'grad');
  });

  it('leaks no tensors over optimizer.minimize steps', () => {
    const x = tf.tensor2d(f32(16 * 3), [16, 3]);
    const y = tf.tensor2d(f32(16), [16, 1]);
    const w = tf.variable(tf.zeros([3, 1]));
    const opt = tf.train.sgd(0.1);
    const loss = tfjsLoss('meanSquaredError');
    const step = (): void => {
      const cost = opt.minimize(() => loss(y, tf.matMul(x, w)), true);
      cost?.dispose();
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });

  it('a model compiled with tfjsLoss(meanSquaredError) trains step for step like one compiled with tfjs MSE', async () => {
    const make = (): tf.Sequential => {
      const m = tf.sequential();
      m.add(
        tf.layers.dense({
          units: 8,
          inputShape: [3],
          activation: 'tanh',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        }),
      );
      m.add(tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
      return m;
    };
    const a = make();
    const b = make();
    b.setWeights(a.getWeights());
    const x = tf.tensor2d(f32(40 * 3), [40, 3]);
    const y = tf.tensor2d(f32(40 * 2), [40, 2]);
    a.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
    b.compile({ optimizer: tf.train.sgd(0.05), loss: tfjsLoss('meanSquaredError') });
    // The initial weights really differ from the trained ones (the comparison is not vacuous).
    const w0 = a.getWeights().map((t) => Array.from(t.dataSync()));
    const ha = await a.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
    const hb = await b.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
    expectClose(hb.history.loss as number[], ha.history.loss as number[], 1e-5, 1e-7, 'epoch losses');
    const wa = a.getWeights();
    const wb = b.getWeights();
    let moved = 0;
    for (let i = 0; i < wa.length; i++) {
      expectClose(wb[i].dataSync(), wa[i].dataSync(), 1e-4, 1e-6, `weight ${i}`);
      const d = wa[i].dataSync();
      for (let j = 0; j < d.length; j++) moved = Math.max(moved, Math.abs(d[j] - w0[i][j]));
    }
    expect(moved).toBeGreaterThan(1e-2);
  });
});

describe('tfjsLoss from logits stays exact where tfjs-layers clips', () => {
  it.skipIf(!has('crossEntropy'))(
    'a confident wrong prediction: losskit ≈ 30 with gradient [-1, 1]; tfjs-layers caps at -log(1e-7) with zero gradient',
    () => {
      const logits = tf.tensor2d([[0, 30]]);
      const target = tf.tensor2d([[1, 0]]);
      const ours = tf.valueAndGrad((z: tf.Tensor) => tfjsLoss('crossEntropy')(target, z))(logits);
      // Exact: logsumexp([0, 30]) - 0 = 30 + log1p(e^-30).
      expectClose(ours.value.dataSync(), 30 + Math.log1p(Math.exp(-30)), 1e-7, 0, 'value');
      expectClose(ours.grad.dataSync(), [-1, 1], 1e-6, 1e-7, 'grad');
      // tfjs-layers' categorical cross-entropy on the softmax output (what `loss: 'categoricalCrossentropy'` does).
      const theirs = tf.valueAndGrad(
        (z: tf.Tensor) => tf.mean(tf.metrics.categoricalCrossentropy(target, tf.softmax(z))) as tf.Scalar,
      )(logits);
      expect(theirs.value.dataSync()[0]).toBeCloseTo(-Math.log(1e-7), 4);
      expect(Array.from(theirs.grad.dataSync())).toEqual([0, 0]);
      // ... and its sparse variant (integer labels), same cap.
      // (tfjs exposes it only as a loss string: a softmax model whose output is softmax([0, 30]).)
      const m = tf.sequential();
      m.add(
        tf.layers.dense({
          units: 2,
          inputShape: [1],
          activation: 'softmax',
          kernelInitializer: 'zeros',
          biasInitializer: tf.initializers.constant({ value: 0 }),
        }),
      );
      m.setWeights([tf.zeros([1, 2]), tf.tensor1d([0, 30])]);
      m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
      const sparse = m.evaluate(tf.tensor2d([[0]]), tf.tensor1d([0])) as tf.Scalar;
      expect(sparse.dataSync()[0]).toBeCloseTo(-Math.log(1e-7), 4);
      // losskit with integer labels: same exact value as with the one-hot target.
      expectClose(
        tfjsLoss('crossEntropy')(tf.tensor1d([0], 'int32'), logits).dataSync(),
        ours.value.dataSync(),
        0,
        0,
        'sparse',
      );
    },
  );

  it.skipIf(!has('crossEntropy'))('sparse integer labels (int32 tensor) train from logits', () => {
    const logits = tf.tensor2d(f32(N * C, 2), [N, C]);
    const labels = tf.tensor1d([0, 3, 1, 2, 2, 0], 'int32');
    const ours = tf.valueAndGrad((z: tf.Tensor) => tfjsLoss('crossEntropy')(labels, z))(logits);
    const ref = tf.valueAndGrad((z: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, C).toFloat(), z))(
      logits,
    );
    expectClose(ours.value.dataSync(), ref.value.dataSync(), 2e-5, 1e-6, 'value');
    expectClose(ours.grad.dataSync(), ref.grad.dataSync(), 2e-5, 1e-6, 'grad');
  });
});

describe('tfjsLoss: bad inputs', () => {
  const err = (f: () => unknown): LosskitError => {
    try {
      f();
    } catch (e) {
      if (e instanceof LosskitError) return e;
      throw e;
    }
    throw new Error('expected a LosskitError');
  };

  it('unknown name → UNKNOWN_NAME naming tfjsLoss and the argument', () => {
    const e = err(() => tfjsLoss('meanSquaredEror'));
    expect(e.code).toBe('UNKNOWN_NAME');
    expect(e.message).toMatch(/^tfjsLoss: 'nameOrFn' must be a known loss name; received "meanSquaredEror"/);
    expect(e.message).toContain("did you mean 'meanSquaredError'");
  });

  it("reduction 'none' → INVALID_OPTION, at creation and per call", () => {
    const e = err(() => tfjsLoss('meanSquaredError', { reduction: 'none' }));
    expect(e.code).toBe('INVALID_OPTION');
    expect(e.message).toMatch(/^tfjsLoss: option 'reduction' must reduce to a scalar for training .*received 'none'/);
    const loss = tfjsLoss('meanSquaredError');
    const e2 = err(() => loss(tf.tensor1d([1]), tf.tensor1d([2]), { reduction: 'none' }));
    expect(e2.code).toBe('INVALID_OPTION');
  });

  it('sampleWeight of the wrong length → SHAPE_MISMATCH', () => {
    const loss = tfjsLoss('meanSquaredError', { sampleWeight: [1, 2, 3] });
    const e = err(() => loss(tf.tensor2d([[1], [2]]), tf.tensor2d([[0], [0]])));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toContain("'sampleWeight' has shape [3]");
    expect(e.message).toContain('[2,1]');
  });

  it('misspelt option → INVALID_OPTION at creation', () => {
    const e = err(() => tfjsLoss('meanSquaredError', { reductio: 'sum' } as LossOptions));
    expect(e.code).toBe('INVALID_OPTION');
    expect(e.message).toContain("unknown option 'reductio' (did you mean 'reduction'?)");
  });

  it('mismatched shapes → SHAPE_MISMATCH from the loss', () => {
    const e = err(() => tfjsLoss('meanSquaredError')(tf.tensor1d([1, 2]), tf.tensor1d([1, 2, 3])));
    expect(e.code).toBe('SHAPE_MISMATCH');
  });

  it('non-tensor inputs → INVALID_INPUT', () => {
    const loss = tfjsLoss('meanSquaredError');
    const e = err(() => loss(tf.tensor1d([1]), [1] as unknown as tf.Tensor));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toContain("'yPred' must be a tf.Tensor");
  });
});
