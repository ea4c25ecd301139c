// losskit/tfjs benchmarks: the cost of routing a tfjs loss through losskit (tfjsLoss: dataSync,
// float64 kernel, gradient tensor) against tfjs's own tf.losses.* under tf.valueAndGrad, and a
// training step of train() against model.fit's, on the pure-JS cpu backend.
//
//   npm run build && node bench/tfjs.mjs          # after a build (reads dist/)
//   node bench/tfjs.mjs --quick                   # smaller sizes, fewer runs
//   LOSSKIT_DIST=/path/to/esm node bench/tfjs.mjs # another build
//
// Each timing is the median of several runs after warm-up, in milliseconds, of the value and
// the gradient w.r.t. the predictions (read back with dataSync inside the timing).
import * as tf from '@tensorflow/tfjs';

const dist = process.env.LOSSKIT_DIST ?? new URL('../dist/esm/', import.meta.url).href;
const base = dist.endsWith('/') ? dist : `${dist}/`;
const lk = await import(`${base}index.js`);
const lkt = await import(`${base}tfjs/index.js`);
const QUICK = process.argv.includes('--quick');
await tf.setBackend('cpu');

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const r = mulberry32(1);
const randn = (n, s = 1) => Float32Array.from({ length: n }, () => (r() * 2 - 1 + (r() * 2 - 1) + (r() * 2 - 1)) * s);

async function time(fn, runs) {
  for (let i = 0; i < 2; i++) fn();
  const ts = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

function valueAndGrad(lossFn, yTrue, yPred) {
  return () =>
    tf.tidy(() => {
      const { value, grad } = tf.valueAndGrad((p) => lossFn(yTrue, p))(yPred);
      value.dataSync();
      grad.dataSync();
    });
}

const sizes = QUICK
  ? [[1024, 32]]
  : [
      [1024, 32],
      [16384, 64],
      [4096, 1000],
    ];
const rows = [];
for (const [n, c] of sizes) {
  const runs = QUICK ? 5 : n * c > 1e6 ? 7 : 15;
  const yReg = tf.tensor2d(randn(n * c), [n, c]);
  const pReg = tf.tensor2d(randn(n * c), [n, c]);
  const yBin = tf.tensor2d(
    Float32Array.from({ length: n * c }, () => (r() < 0.5 ? 0 : 1)),
    [n, c],
  );
  const logits = tf.tensor2d(randn(n * c, 2), [n, c]);
  const oneHot = tf
    .oneHot(
      tf.tensor1d(
        Int32Array.from({ length: n }, () => Math.floor(r() * c)),
        'int32',
      ),
      c,
    )
    .toFloat();
  const cases = [
    ['MSE', 'meanSquaredError', (t, p) => tf.losses.meanSquaredError(t, p), yReg, pReg],
    ['Huber', 'huber', (t, p) => tf.losses.huberLoss(t, p), yReg, pReg],
    ['sigmoid CE', 'binaryCrossEntropyWithLogits', (t, p) => tf.losses.sigmoidCrossEntropy(t, p), yBin, logits],
    ['softmax CE', 'crossEntropy', (t, p) => tf.losses.softmaxCrossEntropy(t, p), oneHot, logits],
  ];
  for (const [label, name, tfFn, yt, yp] of cases) {
    const ours = await time(valueAndGrad(lkt.tfjsLoss(name), yt, yp), runs);
    const theirs = await time(valueAndGrad(tfFn, yt, yp), runs);
    rows.push({
      case: `${label} ${n}×${c}`,
      'tfjsLoss ms': ours.toFixed(2),
      'tf.losses ms': theirs.toFixed(2),
      ratio: (ours / theirs).toFixed(2),
    });
  }
}
console.log(
  `value + gradient under tf.valueAndGrad, tfjs ${tf.version.tfjs} cpu backend, losskit ${lk.listLosses().length} losses`,
);
console.table(rows);

// One epoch of a small MLP: model.fit (tfjs MSE) vs train() (losskit MSE), same batches.
const N = QUICK ? 512 : 4096;
const x = tf.tensor2d(randn(N * 16), [N, 16]);
const y = tf.tensor2d(randn(N * 4), [N, 4]);
const make = () => {
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: 64, inputShape: [16], activation: 'relu' }));
  m.add(tf.layers.dense({ units: 4 }));
  return m;
};
const a = make();
a.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
const b = make();
const epochRuns = QUICK ? 3 : 5;
const fitMs = [];
const trainMs = [];
for (let i = 0; i < epochRuns + 1; i++) {
  let t0 = performance.now();
  await a.fit(x, y, { epochs: 1, batchSize: 64, shuffle: false, verbose: 0 });
  const tf1 = performance.now() - t0;
  t0 = performance.now();
  await lkt.train(b, [x, y], {
    loss: 'meanSquaredError',
    optimizer: tf.train.sgd(0.01),
    epochs: 1,
    batchSize: 64,
    shuffle: false,
    yieldEvery: 'never',
  });
  const tr1 = performance.now() - t0;
  if (i > 0) {
    fitMs.push(tf1);
    trainMs.push(tr1);
  }
}
const med = (v) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)];
console.table([
  {
    case: `MLP 16→64→4, ${N} samples, batch 64, one epoch`,
    'model.fit ms': med(fitMs).toFixed(1),
    'train() ms': med(trainMs).toFixed(1),
    ratio: (med(trainMs) / med(fitMs)).toFixed(2),
  },
]);
