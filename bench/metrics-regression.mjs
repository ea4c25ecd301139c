// Streaming regression-metric throughput, Float32 inputs fed in batches.
//
//   npm run build && node bench/metrics-regression.mjs [totalSamples]
//
// A few distinct batches are generated once and cycled, so the timing is the metric's update.
// Reported: ns per sample for each metric and the ratio to a bare fused loop that reads both
// inputs once and accumulates Σ(ŷ − y)² (the unavoidable cost of touching every value).
// Speed is measured here, never in tests.
import { getMetric, metrics } from '../dist/esm/index.js';

const TOTAL = Number(process.argv[2] ?? 2e6);
const DISTINCT = 4;
const B = 1e4;

function makeBatches(d) {
  let s = 987654321;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const out = [];
  for (let b = 0; b < DISTINCT; b++) {
    const t = new Float32Array(B * d);
    const p = new Float32Array(B * d);
    const w = new Float32Array(B);
    for (let i = 0; i < B * d; i++) {
      t[i] = 1000 + rand() * 4;
      p[i] = t[i] + rand() - 0.5;
    }
    for (let i = 0; i < B; i++) w[i] = rand() * 2;
    const shape = d === 1 ? [B] : [B, d];
    out.push({ yTrue: { data: t, shape }, yPred: { data: p, shape }, w });
  }
  return out;
}

function baseline(batches, iters) {
  let acc = 0;
  for (let it = 0; it < iters; it++) {
    const { yTrue, yPred } = batches[it % DISTINCT];
    const t = yTrue.data;
    const p = yPred.data;
    for (let k = 0; k < t.length; k++) {
      const e = p[k] - t[k];
      acc += e * e;
    }
  }
  return acc;
}

function time(fn) {
  fn(); // warm-up
  const t0 = process.hrtime.bigint();
  const r = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, r };
}

const iters = Math.round(TOTAL / B);
console.log(
  `streaming regression metrics, ${TOTAL.toExponential(0)} samples in batches of ${B}, Float32 inputs, node ${process.version}`,
);
console.log('metric                     outputs  weights  ns/sample  ratio to bare Σ(ŷ−y)² loop');
const rows = [
  ['meanSquaredError', {}, 1],
  ['meanAbsoluteError', {}, 1],
  ['meanAbsolutePercentageError', {}, 1],
  ['r2Score', {}, 1],
  ['explainedVariance', {}, 1],
  ['pearsonCorrcoef', {}, 1],
  ['r2Score', {}, 4],
  ['pearsonCorrcoef', { multioutput: 'rawValues' }, 4],
  ['cosineSimilarity', {}, 8],
  ['loss', { loss: 'meanSquaredError' }, 1],
];
for (const weighted of [false, true]) {
  for (const [name, opts, d] of rows) {
    const batches = makeBatches(d);
    const base = time(() => baseline(batches, iters));
    const run = time(() => {
      const m = getMetric(name, opts);
      for (let it = 0; it < iters; it++) {
        const b = batches[it % DISTINCT];
        m.update(b.yTrue, b.yPred, weighted ? { sampleWeight: b.w } : {});
      }
      return m.compute();
    });
    const ns = (run.ms * 1e6) / TOTAL;
    console.log(
      `${name.padEnd(27)}${String(d).padStart(7)}  ${String(weighted).padEnd(7)}  ${ns.toFixed(1).padStart(9)}  ${(run.ms / base.ms).toFixed(2)}`,
    );
  }
}
// Spearman keeps the values: update is a copy, compute sorts.
{
  const n = Math.min(TOTAL, 1e6);
  const batches = makeBatches(1);
  const m = getMetric('spearmanCorrcoef');
  const tu = time(() => {
    m.reset();
    for (let it = 0; it < n / B; it++) m.update(batches[it % DISTINCT].yTrue, batches[it % DISTINCT].yPred);
  });
  const tc = time(() => m.compute());
  console.log(
    `spearmanCorrcoef, ${n.toExponential(0)} samples: update ${((tu.ms * 1e6) / n).toFixed(1)} ns/sample, compute ${tc.ms.toFixed(0)} ms (${((tc.ms * 1e6) / n).toFixed(0)} ns/sample, O(N log N))`,
  );
}
// One-shot vs streaming agreement (sanity).
const b = makeBatches(1)[0];
console.log(
  'one-shot r2 =',
  metrics.r2Score(b.yTrue, b.yPred),
  ' streaming r2 =',
  getMetric('r2Score').update(b.yTrue, b.yPred).compute(),
);
