/**
 * The workload that test/browser/browser.test.ts runs twice — bundled by esbuild into a page in
 * headless Chromium, and directly in Node — and whose results must agree.
 *
 * It imports the core only through its public entry (`src/index.ts`, what `import … from
 * 'losskit'` resolves to), uses no Node built-ins and no DOM, and returns plain numbers: every
 * loss value, every gradient element, every metric value. Inputs come from a seeded PRNG, so the
 * two runs see identical inputs.
 *
 * Two input precisions: float64 inputs always take the JS kernels (same code in both runtimes,
 * so the results must be bit-identical); float32 inputs take the WASM SIMD kernels where the
 * core has them and they are loaded (`results32`).
 */
import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  confusionMatrix,
  crossEntropy,
  ctc,
  dice,
  f1,
  getLoss,
  getMetric,
  huber,
  klDivergence,
  meanSquaredError,
  metrics,
  r2Score,
  restoreMetric,
  sigmoidFocal,
  auroc,
  averagePrecision,
  createWasmArena,
  getBackend,
  initWasm,
  setBackend,
  type LossResult,
  type Tensor,
} from '../../src/index.js';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each entry: a flat list of numbers (a loss's value then its whole gradient, or a metric). */
export type Results = Record<string, number[]>;

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

function flat(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.flatMap((x) => flat(x));
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (typeof v === 'object' && v !== null && 'data' in v) return flat((v as Tensor).data);
  throw new Error(`unexpected result ${String(v)}`);
}

function lossEntry(r: LossResult): number[] {
  return [...flat(r.value), ...flat(r.grad)];
}

/** Losses (value + full gradient) on inputs of the given float type. */
export function losses(F: Ctor): Results {
  const r = mulberry32(F === Float32Array ? 32 : 64);
  const out: Results = {};
  const gen = (len: number, f: (i: number) => number): Float32Array | Float64Array => {
    const a = new F(len);
    for (let i = 0; i < len; i++) a[i] = f(i);
    return a;
  };
  const n = 1031; // not a multiple of the SIMD width: the tail loop runs too
  const y = gen(n, () => (r() < 0.4 ? 1 : 0));
  const logits = gen(n, () => (r() - 0.5) * 12);
  const probs = gen(n, () => 0.001 + 0.998 * r());
  const target = gen(n, () => (r() - 0.5) * 4);

  out.mse = lossEntry(meanSquaredError.valueAndGrad(target, logits));
  out.mseSum = lossEntry(meanSquaredError.valueAndGrad(target, logits, { reduction: 'sum' }));
  out.huber = lossEntry(huber.valueAndGrad(target, logits, { delta: 0.7 }));
  out.bce = lossEntry(binaryCrossEntropy.valueAndGrad(y, probs));
  out.bceLogits = lossEntry(binaryCrossEntropyWithLogits.valueAndGrad(y, logits));
  out.bceLogitsPosWeight = lossEntry(binaryCrossEntropyWithLogits.valueAndGrad(y, logits, { posWeight: 2.5 }));
  out.sigmoidFocal = lossEntry(sigmoidFocal.valueAndGrad(y, logits));
  out.sigmoidFocalOpts = lossEntry(sigmoidFocal.valueAndGrad(y, logits, { alpha: 0.4, gamma: 1.5 }));
  // KL(target ‖ input) with log-probability input (PyTorch kl_div), batchmean.
  const logq = gen(n, (i) => Math.log(probs[i]));
  out.klDivergence = lossEntry(klDivergence.valueAndGrad(probs, logq, { reduction: 'batchmean' }));

  // crossEntropy: logits [N, C], index targets with class weights, ignoreIndex and label smoothing.
  const N = 157;
  const C = 11;
  const z: Tensor = { data: gen(N * C, () => (r() - 0.5) * 8), shape: [N, C] };
  const labels = Array.from({ length: N }, (_, i) => (i % 13 === 5 ? -100 : Math.floor(r() * C)));
  const weight = Array.from({ length: C }, () => 0.5 + r());
  out.crossEntropy = lossEntry(crossEntropy.valueAndGrad(labels, z));
  out.crossEntropyWeighted = lossEntry(
    crossEntropy.valueAndGrad(labels, z, { weight, ignoreIndex: -100, labelSmoothing: 0.1 }),
  );
  const labels2 = labels.map((l) => (l === -100 ? 3 : l));
  out.crossEntropyIgnore3 = lossEntry(crossEntropy.valueAndGrad(labels2, z, { ignoreIndex: 3, labelSmoothing: 0.2 }));
  // Probability targets.
  const pt = gen(N * C, () => r());
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += pt[i * C + c];
    for (let c = 0; c < C; c++) pt[i * C + c] /= s;
  }
  out.crossEntropyProbTargets = lossEntry(crossEntropy.valueAndGrad({ data: pt, shape: [N, C] }, z));

  // A Keras alias through getLoss: probabilities in, Keras defaults (clip 1e-7, sumOverBatchSize).
  const probsNC = new F(N * C);
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += probsNC[i * C + c] = 0.05 + r();
    for (let c = 0; c < C; c++) probsNC[i * C + c] /= s;
  }
  const oneHot = gen(N * C, (k) => (labels2[Math.floor(k / C)] === k % C ? 1 : 0));
  out.kerasCategoricalCrossentropy = lossEntry(
    getLoss('categorical_crossentropy').valueAndGrad({ data: oneHot, shape: [N, C] }, { data: probsNC, shape: [N, C] }),
  );
  out.kerasSparseCategorical = lossEntry(
    getLoss('sparse_categorical_crossentropy').valueAndGrad(labels2, { data: probsNC, shape: [N, C] }),
  );
  out.pytorchBCEWithLogitsLoss = lossEntry(getLoss('BCEWithLogitsLoss').valueAndGrad(y, logits));

  // CTC: log-probabilities (T, N, C) after a log-softmax.
  const T = 40;
  const B = 3;
  const K = 6;
  const lp = gen(T * B * K, () => (r() - 0.5) * 4);
  for (let t = 0; t < T * B; t++) {
    let m = -Infinity;
    for (let c = 0; c < K; c++) m = Math.max(m, lp[t * K + c]);
    let s = 0;
    for (let c = 0; c < K; c++) s += Math.exp(lp[t * K + c] - m);
    const lse = m + Math.log(s);
    for (let c = 0; c < K; c++) lp[t * K + c] -= lse;
  }
  const targets = [
    [1, 2, 2, 3, 5],
    [4, 1, 0, 0, 0],
    [2, 3, 4, 5, 1],
  ];
  out.ctc = lossEntry(
    ctc.valueAndGrad(targets, { data: lp, shape: [T, B, K] }, { inputLengths: [40, 31, 25], targetLengths: [5, 2, 5] }),
  );

  // Dice on a soft segmentation mask.
  const seg = gen(4 * 64, () => (r() < 0.3 ? 1 : 0));
  const segP = gen(4 * 64, () => r());
  out.dice = lossEntry(dice.valueAndGrad({ data: seg, shape: [4, 64] }, { data: segP, shape: [4, 64] }));
  return out;
}

/** Metrics: one-shot and streaming (updated in batches, serialized, restored). */
export function metricResults(): Results {
  const r = mulberry32(99);
  const out: Results = {};
  const n = 2000;
  const C = 5;
  const yc = Array.from({ length: n }, () => Math.floor(r() * C));
  const scores = Float64Array.from({ length: n * C }, () => r());
  const sc: Tensor = { data: scores, shape: [n, C] };
  const yb = Array.from({ length: n }, () => (r() < 0.35 ? 1 : 0));
  // Scores with ties (rounded to 2 decimals) correlated with the label.
  const pb = yb.map((t) => Math.round(100 * Math.min(1, Math.max(0, 0.3 * t + 0.7 * r()))) / 100);
  const yr = Array.from({ length: n }, () => (r() - 0.5) * 10);
  const pr = yr.map((v) => v + (r() - 0.5) * 3);

  out.f1Macro = flat(f1(yc, sc, { task: 'multiclass', numClasses: C, average: 'macro' }));
  out.f1None = flat(f1(yc, sc, { task: 'multiclass', numClasses: C, average: 'none' }));
  out.auroc = flat(auroc(yb, pb));
  out.aurocMulticlassOvr = flat(auroc(yc, sc, { task: 'multiclass', numClasses: C, average: 'macro' }));
  out.averagePrecision = flat(averagePrecision(yb, pb));
  out.confusionMatrix = flat(confusionMatrix(yc, sc, { task: 'multiclass', numClasses: C }));
  out.r2Score = flat(r2Score(yr, pr));
  out.accuracy = flat(metrics.accuracy(yc, sc, { task: 'multiclass', numClasses: C }));
  out.meanSquaredErrorMetric = flat(metrics.meanSquaredError(yr, pr));

  // Streaming: updated in uneven batches, then JSON round trip and restore; must equal one-shot.
  const f1m = getMetric('f1', { task: 'multiclass', numClasses: C, average: 'macro' });
  const aur = getMetric('auroc');
  const r2m = getMetric('r2Score');
  const cuts = [0, 1, 17, 400, 401, 1333, n];
  for (let k = 0; k + 1 < cuts.length; k++) {
    const a = cuts[k];
    const b = cuts[k + 1];
    f1m.update(yc.slice(a, b), { data: scores.slice(a * C, b * C), shape: [b - a, C] });
    aur.update(yb.slice(a, b), pb.slice(a, b));
    r2m.update(yr.slice(a, b), pr.slice(a, b));
  }
  out.streamF1Macro = flat(f1m.compute());
  out.streamAuroc = flat(aur.compute());
  out.streamR2 = flat(r2m.compute());
  const restored = restoreMetric(JSON.stringify(aur.toJSON()));
  out.restoredAuroc = flat(restored.compute());
  // A restored metric keeps streaming: merge a second half into it.
  const half = getMetric('f1', { task: 'multiclass', numClasses: C, average: 'macro' });
  half.update(yc.slice(0, 1000), { data: scores.slice(0, 1000 * C), shape: [1000, C] });
  const other = getMetric('f1', { task: 'multiclass', numClasses: C, average: 'macro' });
  other.update(yc.slice(1000), { data: scores.slice(1000 * C), shape: [n - 1000, C] });
  out.mergedRestoredF1 = flat(
    restoreMetric(JSON.stringify(half.toJSON())).merge(restoreMetric(other.toJSON())).compute(),
  );
  return out;
}

/**
 * The arena path (MSE / Huber take the WASM kernels only for inputs already in wasm memory): the
 * same float32 inputs in a {@link createWasmArena} arena and in ordinary arrays. Empty when the
 * kernels are not loaded (createWasmArena returns null).
 */
export function arenaResults(): Results {
  const r = mulberry32(5);
  const n = 4097;
  const out: Results = {};
  const a = createWasmArena(3 * 4 * (n + 64));
  if (a === null) return out;
  const yt = a.float32(n);
  const yp = a.float32(n);
  for (let i = 0; i < n; i++) {
    yt[i] = (r() - 0.5) * 4;
    yp[i] = (r() - 0.5) * 6;
  }
  out.mseArena = lossEntry(meanSquaredError.valueAndGrad(yt, yp));
  out.huberArena = lossEntry(huber.valueAndGrad(yt, yp, { delta: 0.7 }));
  out.mseHeap = lossEntry(meanSquaredError.valueAndGrad(Float32Array.from(yt), Float32Array.from(yp)));
  out.huberHeap = lossEntry(huber.valueAndGrad(Float32Array.from(yt), Float32Array.from(yp), { delta: 0.7 }));
  out.arenaValid = [a.valid(yt) && a.valid(yp) ? 1 : 0];
  return out;
}

export { getBackend, initWasm, setBackend };

/** Everything the page computes, in one object. */
export function computeAll(): { results64: Results; results32: Results; metrics: Results; arena: Results } {
  return {
    results64: losses(Float64Array),
    results32: losses(Float32Array),
    metrics: metricResults(),
    arena: arenaResults(),
  };
}
