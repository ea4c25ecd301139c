/**
 * The tfjs-core aliases (`tf.losses.*`, `computeWeightedLoss`) against TensorFlow.js 4.22 itself
 * (cpu backend) over every reduction, with fractional and zero weights of every shape tfjs
 * broadcasts (scalar, per sample, per column, per element): issue 12's "SUM_BY_NONZERO_WEIGHTS
 * reproduced exactly, fractional weights included", "weights that broadcast as tfjs broadcasts
 * them", "cosineDistance without normalising" and "computeWeightedLoss". tfjs computes in
 * float32: float32 inputs, float32 tolerance.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getLoss } from '../../src/index.js';
import { useCpu, tf } from '../tfjs/setup.js';
import { randn, rng } from '../helpers.js';

const r = rng(1212);
const N = 5;
const C = 3;
const f32 = (a: ArrayLike<number>): Float32Array => Float32Array.from(a);
const probs = f32(Array.from({ length: N * C }, () => 0.05 + 0.9 * r()));
const labels01 = f32(Array.from({ length: N * C }, () => (r() < 0.5 ? 0 : 1)));
const reals = f32(randn(r, N * C));
const reals2 = f32(randn(r, N * C));
const onehot = f32(Array.from({ length: N * C }, (_, k) => (k % C === Math.floor(k / C) % C ? 1 : 0)));

beforeAll(async () => {
  await useCpu();
});

type Red = 'NONE' | 'SUM' | 'MEAN' | 'SUM_BY_NONZERO_WEIGHTS' | null;
const REDUCTIONS: Red[] = [null, 'NONE', 'SUM', 'MEAN', 'SUM_BY_NONZERO_WEIGHTS'];
const LOSSKIT_RED = { NONE: 'none', SUM: 'sum', MEAN: 'mean', SUM_BY_NONZERO_WEIGHTS: 'sumByNonzeroWeights' } as const;

interface W {
  name: string;
  data: Float32Array;
  shape: number[];
}
/** Weights of each shape tfjs broadcasts against a loss of `lossShape`, fractional with zeros. */
function weightsFor(lossShape: number[]): (W | null)[] {
  const [n, c] = lossShape;
  const out: (W | null)[] = [null, { name: 'scalar 0.5', data: f32([0.5]), shape: [] }];
  out.push({
    name: `[${n}] / [${n},1]`,
    data: f32([0.5, 0, 2, 0.25, 1].slice(0, n)),
    shape: c === undefined ? [n] : [n, 1],
  });
  if (c !== undefined && c > 1) {
    out.push({ name: `[1,${c}]`, data: f32([0.3, 0, 1.5].slice(0, c)), shape: [1, c] });
    out.push({
      name: `[${n},${c}]`,
      data: f32(Array.from({ length: n * c }, (_, k) => (k % 4 === 1 ? 0 : 0.1 + (k % 5) * 0.35))),
      shape: [n, c],
    });
  }
  return out;
}

interface Fn {
  name: string;
  labels: Float32Array;
  preds: Float32Array;
  lossShape: number[];
  tfCall: (y: tf.Tensor, p: tf.Tensor, w: tf.Tensor | undefined, red: tf.Reduction | undefined) => tf.Tensor;
  options?: Record<string, unknown>;
}
const L = tf.losses;
const FNS: Fn[] = [
  {
    name: 'absoluteDifference',
    labels: reals,
    preds: reals2,
    lossShape: [N, C],
    tfCall: (y, p, w, red) => L.absoluteDifference(y, p, w, red),
  },
  {
    name: 'meanSquaredError',
    labels: reals,
    preds: reals2,
    lossShape: [N, C],
    tfCall: (y, p, w, red) => L.meanSquaredError(y, p, w, red),
  },
  {
    name: 'hingeLoss',
    labels: labels01,
    preds: reals,
    lossShape: [N, C],
    tfCall: (y, p, w, red) => L.hingeLoss(y, p, w, red),
  },
  {
    name: 'huberLoss',
    labels: reals,
    preds: reals2,
    lossShape: [N, C],
    tfCall: (y, p, w, red) => L.huberLoss(y, p, w, 0.7, red),
    options: { delta: 0.7 },
  },
  {
    name: 'logLoss',
    labels: labels01,
    preds: probs,
    lossShape: [N, C],
    tfCall: (y, p, w, red) => L.logLoss(y, p, w, undefined, red),
  },
  {
    name: 'sigmoidCrossEntropy',
    labels: labels01,
    preds: reals,
    lossShape: [N, C],
    tfCall: (y, p, w, red) => L.sigmoidCrossEntropy(y, p, w, 0.1, red),
    options: { labelSmoothing: 0.1 },
  },
  {
    name: 'softmaxCrossEntropy',
    labels: onehot,
    preds: reals,
    lossShape: [N],
    tfCall: (y, p, w, red) => L.softmaxCrossEntropy(y, p, w, 0.2, red),
    options: { labelSmoothing: 0.2 },
  },
  {
    // not normalised: 1 − Σ y·ŷ along the axis, the axis kept
    name: 'cosineDistance',
    labels: reals,
    preds: reals2,
    lossShape: [N, 1],
    tfCall: (y, p, w, red) => L.cosineDistance(y, p, 1, w, red),
    options: { axis: 1 },
  },
];

function close(a: ArrayLike<number>, e: ArrayLike<number>): void {
  expect(a.length).toBe(e.length);
  for (let i = 0; i < e.length; i++)
    expect(Math.abs(a[i] - e[i])).toBeLessThanOrEqual(2e-5 * Math.max(1, Math.abs(e[i])));
}

const arr = (v: number | { data: ArrayLike<number> }): number[] => (typeof v === 'number' ? [v] : Array.from(v.data));

describe('tf.losses.* against TensorFlow.js, every reduction and weight shape', () => {
  for (const f of FNS) {
    for (const w of weightsFor(f.lossShape)) {
      for (const red of REDUCTIONS) {
        // tfjs returns the broadcast shape for NONE; weights never enlarge the loss here
        it(`${f.name}, weights ${w === null ? 'none' : w.name}, reduction ${red ?? 'default'}`, () => {
          const y = tf.tensor2d(f.labels, [N, C]);
          const p = tf.tensor2d(f.preds, [N, C]);
          const wt = w === null ? undefined : tf.tensor(w.data, w.shape);
          const out = f.tfCall(y, p, wt, red === null ? undefined : tf.Reduction[red]);
          const expected = out.dataSync();
          tf.dispose([y, p, out, ...(wt === undefined ? [] : [wt])]);
          const opts: Record<string, unknown> = { ...f.options };
          if (w !== null) opts.sampleWeight = { data: w.data, shape: w.shape };
          if (red !== null) opts.reduction = LOSSKIT_RED[red];
          const got = getLoss(`tf.losses.${f.name}`)(
            { data: f.labels, shape: [N, C] },
            { data: f.preds, shape: [N, C] },
            opts,
          );
          close(arr(got), expected);
        });
      }
    }
  }
});

describe('tf.losses.computeWeightedLoss against TensorFlow.js', () => {
  const losses = f32(Array.from({ length: N * C }, () => 3 * r()));
  for (const w of weightsFor([N, C])) {
    for (const red of REDUCTIONS) {
      it(`weights ${w === null ? 'none' : w.name}, reduction ${red ?? 'default'}`, () => {
        const l = tf.tensor2d(losses, [N, C]);
        const wt = w === null ? undefined : tf.tensor(w.data, w.shape);
        const out = L.computeWeightedLoss(l, wt, red === null ? undefined : tf.Reduction[red]);
        const expected = out.dataSync();
        tf.dispose([l, out, ...(wt === undefined ? [] : [wt])]);
        const opts: Record<string, unknown> = {};
        if (w !== null) opts.sampleWeight = { data: w.data, shape: w.shape };
        if (red !== null) opts.reduction = LOSSKIT_RED[red];
        close(arr(getLoss('tf.losses.computeWeightedLoss')(null, { data: losses, shape: [N, C] }, opts)), expected);
      });
    }
  }
});
