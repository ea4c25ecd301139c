/**
 * Regression metrics against scikit-learn 1.2 / SciPy 1.10 reference values
 * (test/fixtures/metrics-regression.json, made by scripts/fixtures/gen_metrics_regression.py),
 * each case run through the streaming harness (one-shot, batches, shards → JSON → merge, reset).
 */
import { describe, expect, it } from 'vitest';
import {
  LosskitError,
  getMetric,
  metrics,
  type MetricOptions,
  type MetricValue,
  type OneShotMetric,
} from '../../src/index.js';
import { expectClose, loadFixture, rng, randn } from '../helpers.js';
import { runHarness } from './harness.js';

interface Case {
  metric: string;
  options: MetricOptions;
  yTrue: number[] | number[][];
  yPred: number[] | number[][];
  sampleWeight?: number[];
  expected: MetricValue;
  note: string;
}

const fixture = loadFixture<Case>('metrics-regression');
const oneShots = metrics as unknown as Record<string, OneShotMetric | undefined>;

describe('regression metrics vs scikit-learn / SciPy fixtures', () => {
  it('records the reference versions', () => {
    expect(fixture.versions.sklearn).toMatch(/^1\.2/);
    expect(fixture.cases.length).toBeGreaterThan(250);
  });
  const byMetric = new Map<string, Case[]>();
  for (const c of fixture.cases) byMetric.set(c.metric, [...(byMetric.get(c.metric) ?? []), c]);
  for (const [metric, cases] of byMetric) {
    it(`${metric}: ${cases.length} cases (rtol 1e-9)`, () => {
      for (const c of cases) {
        const canonical = oneShots[c.metric];
        try {
          runHarness(
            {
              metric: c.metric,
              options: c.options,
              yTrue: c.yTrue,
              yPred: c.yPred,
              sampleWeight: c.sampleWeight,
              expected: c.expected,
              rtol: 1e-9,
              atol: 1e-12,
            },
            typeof canonical === 'function' ? canonical : undefined,
          );
        } catch (e) {
          throw new Error(`${c.metric} ${JSON.stringify(c.options)} [${c.note}]: ${(e as Error).message}`, {
            cause: e,
          });
        }
      }
    });
  }
});

describe('regression metrics: documented examples and edge cases', () => {
  const yt = [3, -0.5, 2, 7];
  const yp = [2.5, 0, 2, 8];
  it('doc examples', () => {
    expectClose(metrics.meanSquaredError(yt, yp), 0.375, 1e-15);
    expectClose(metrics.meanAbsoluteError(yt, yp), 0.5, 1e-15);
    expectClose(metrics.rootMeanSquaredError(yt, yp), 0.6123724356957945, 1e-15);
    expectClose(metrics.meanAbsolutePercentageError(yt, yp), 0.3273809523809524, 1e-15);
    expectClose(metrics.r2Score(yt, yp), 0.9486081370449679, 1e-15);
    expectClose(metrics.explainedVariance(yt, yp), 0.9571734475374732, 1e-15);
    expectClose(metrics.spearmanCorrcoef([1, 2, 3, 4], [1, 3, 2, 4]), 0.8, 1e-15);
    // scikit-learn 1.2 / SciPy 1.10 printed values (docs examples):
    expectClose(metrics.meanSquaredLogError([3, 5, 2.5, 7], [2.5, 5, 4, 8]), 0.03973012298459376, 1e-12);
    expectClose(metrics.pearsonCorrcoef(yt, yp), 0.98486961844827, 1e-12);
    expectClose(
      metrics.cosineSimilarity(
        [
          [0, 1],
          [1, 1],
        ],
        [
          [0, 1],
          [0, 1],
        ],
      ),
      0.8535533905932737,
      1e-15,
    );
  });

  it('no data, or only zero weights, computes NaN (scikit-learn raises)', () => {
    for (const name of [
      'meanAbsoluteError',
      'meanSquaredError',
      'rootMeanSquaredError',
      'meanSquaredLogError',
      'meanAbsolutePercentageError',
      'r2Score',
      'explainedVariance',
      'pearsonCorrcoef',
      'spearmanCorrcoef',
      'cosineSimilarity',
    ]) {
      expect(getMetric(name).compute(), name).toBeNaN();
      const m = getMetric(name);
      m.update(
        [
          [1, 2],
          [3, 4],
          [5, 7],
        ],
        [
          [1, 2.5],
          [3.5, 4],
          [5, 6],
        ],
        { sampleWeight: [0, 0, 0] },
      );
      expect(m.compute(), name).toBeNaN();
    }
    expect(
      getMetric('r2Score', { multioutput: 'rawValues' })
        .update(
          [
            [1, 2],
            [3, 4],
          ],
          [
            [1, 2],
            [3, 4],
          ],
          { sampleWeight: [0, 0] },
        )
        .compute(),
    ).toEqual([NaN, NaN]);
  });

  it('constant targets: r2 / explained variance follow force_finite; correlations are NaN', () => {
    expect(metrics.r2Score([0.1, 0.1, 0.1], [0.1, 0.1, 0.1])).toBe(1);
    expect(metrics.r2Score([0.1, 0.1, 0.1], [0.1, 0.2, 0.1])).toBe(0);
    expect(metrics.explainedVariance([0.1, 0.1, 0.1], [0.3, 0.3, 0.3])).toBe(1); // a constant bias is explained
    expect(metrics.pearsonCorrcoef([2, 2, 2], [1, 2, 3])).toBeNaN();
    expect(metrics.spearmanCorrcoef([1, 2, 3], [4, 4, 4])).toBeNaN();
    // Exact even when the constant arrives in many batches offset by 1e9.
    const m = getMetric('r2Score');
    for (let b = 0; b < 5; b++) m.update([1e9 + 0.1, 1e9 + 0.1], [1e9 + 0.1, 1e9 + 0.1]);
    expect(m.compute()).toBe(1);
  });

  it('Pearson stays exact for a stream offset by 1e9 (Chan merge of per-batch moments)', () => {
    const r = rng(7);
    const n = 2000;
    const x = randn(r, n);
    const noise = randn(r, n);
    const t = new Float64Array(n);
    const p = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      t[i] = x[i];
      p[i] = x[i] + 0.5 * noise[i];
    }
    const base = metrics.pearsonCorrcoef(t, p) as number;
    const shifted = getMetric('pearsonCorrcoef');
    const tt = t.map((v) => v + 1e9);
    const pp = p.map((v) => v - 1e9);
    for (let lo = 0; lo < n; lo += 37)
      shifted.update(tt.subarray(lo, Math.min(n, lo + 37)), pp.subarray(lo, Math.min(n, lo + 37)));
    // The shifted data are the original rounded to ~1.2e-7, so agreement is to ~1e-7·/σ; a naive Σxy − ΣxΣy/n would give garbage.
    expectClose(shifted.compute(), base, 1e-6);
  });

  it('Spearman with integer weights equals repeating rows', () => {
    const t = [1, 5, 2, 2, 9, 4];
    const p = [2, 3, 3, 1, 8, 5];
    const w = [2, 0, 1, 3, 1, 2];
    const rt: number[] = [];
    const rp: number[] = [];
    t.forEach((v, i) => {
      for (let k = 0; k < w[i]; k++) {
        rt.push(v);
        rp.push(p[i]);
      }
    });
    expectClose(metrics.spearmanCorrcoef(t, p, { sampleWeight: w }), metrics.spearmanCorrcoef(rt, rp), 1e-12);
  });

  it('MAPE percent option and Keras alias scale', () => {
    expectClose(metrics.meanAbsolutePercentageError(yt, yp, { percent: true }), 32.73809523809524, 1e-14);
    expectClose(getMetric('mape').update(yt, yp).compute(), 32.73809523809524, 1e-14);
  });
});

describe('Keras aliases reproduce the Keras documentation examples (float32 values, rtol 1e-6)', () => {
  // keras.metrics.* docstrings (Keras 2.13 / 3): m.update_state(yTrue, yPred[, sample_weight]); m.result().
  const yt = [
    [0, 1],
    [0, 0],
  ];
  const yp = [
    [1, 1],
    [0, 0],
  ];
  const keras = (name: string, t: number[][], p: number[][], w?: number[]): MetricValue =>
    getMetric(name)
      .update(t, p, w ? { sampleWeight: w } : {})
      .compute();
  it('RootMeanSquaredError pools every element (0.5; weighted 0.70710677)', () => {
    expectClose(keras('RootMeanSquaredError', yt, yp), 0.5, 1e-6);
    expectClose(keras('RootMeanSquaredError', yt, yp, [1, 0]), 0.70710677, 1e-6);
    // scikit-learn's per-output root differs on the same data: (√0.5 + 0) / 2
    expectClose(metrics.rootMeanSquaredError(yt, yp), Math.SQRT1_2 / 2, 1e-15);
  });
  it('msle / MeanSquaredLogarithmicError (0.12011322; weighted 0.24022643)', () => {
    expectClose(keras('MeanSquaredLogarithmicError', yt, yp), 0.12011322, 1e-6);
    expectClose(keras('msle', yt, yp, [1, 0]), 0.24022643, 1e-6);
  });
  it('mape is a percentage with eps 1e-7 (250000000; weighted 500000000)', () => {
    expectClose(keras('mape', yt, yp), 250000000, 1e-6);
    expectClose(keras('mape', yt, yp, [1, 0]), 500000000, 1e-6);
  });
  it('cosine_similarity (0.49999997; weighted [0.3, 0.7] 0.6999999)', () => {
    expectClose(
      keras(
        'cosine_similarity',
        [
          [0, 1],
          [1, 1],
        ],
        [
          [1, 0],
          [1, 1],
        ],
      ),
      0.49999997,
      1e-6,
    );
    expectClose(
      keras(
        'cosine_similarity',
        [
          [0, 1],
          [1, 1],
        ],
        [
          [1, 0],
          [1, 1],
        ],
        [0.3, 0.7],
      ),
      0.6999999,
      1e-6,
    );
  });
  it('R2Score (0.57142854)', () => {
    expectClose(keras('R2Score', [[1], [4], [3]], [[2], [4], [4]]), 0.57142854, 1e-6);
  });
});

describe('regression metrics: bad input', () => {
  const err = (f: () => unknown): LosskitError => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(LosskitError);
      return e as LosskitError;
    }
    throw new Error('expected a LosskitError');
  };
  it('shape mismatch, rank, outputs changing between batches', () => {
    let e = err(() => metrics.r2Score([1, 2, 3], [1, 2]));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toMatch(/r2Score: 'yTrue' has shape \[3\] but 'yPred' has shape \[2\]/);
    e = err(() => metrics.meanAbsoluteError([[[1]]], [[[1]]]));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toContain('[N] or [N, outputs]');
    const m = getMetric('pearsonCorrcoef').update(
      [
        [1, 2],
        [2, 3],
      ],
      [
        [1, 2],
        [2, 4],
      ],
    );
    e = err(() => m.update([1, 2], [1, 2]));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toContain('1 outputs per sample but earlier batches had 2');
    e = err(() => metrics.cosineSimilarity([1, 2], [1, 2]));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toContain('[N, ..., D]');
  });
  it('merging states with different output counts is refused before anything changes', () => {
    for (const name of ['r2Score', 'explainedVariance', 'pearsonCorrcoef', 'spearmanCorrcoef', 'meanSquaredError']) {
      const a = getMetric(name).update(
        [
          [1, 2],
          [2, 3],
          [3, 5],
        ],
        [
          [1, 2],
          [2, 4],
          [3, 3],
        ],
      );
      const before = JSON.stringify(a.toJSON());
      const b = getMetric(name).update([1, 2, 3], [1, 3, 2]);
      const e = err(() => a.merge(b));
      expect(e.code, name).toBe('INCOMPATIBLE_STATE');
      expect(e.message, name).toMatch(/outputs|entries/);
      expect(JSON.stringify(a.toJSON()), name).toBe(before);
    }
  });
  it('empty, non-finite, negative MSLE inputs, bad options', () => {
    let e = err(() => metrics.meanSquaredError([], []));
    expect(e.code).toBe('EMPTY_INPUT');
    e = err(() => metrics.r2Score([1, NaN], [1, 2]));
    expect(e.code).toBe('NON_FINITE');
    expect(e.message).toContain("'yTrue' must contain only finite numbers; received NaN at index [1]");
    e = err(() => metrics.meanSquaredLogError([1, -2], [1, 2]));
    expect(e.code).toBe('OUT_OF_RANGE');
    expect(e.message).toMatch(
      /meanSquaredLogError: 'yTrue' must hold non-negative values .* received -2 at index \[1\]/,
    );
    expect(metrics.meanSquaredLogError([1, -2], [1, 2], { eps: 1e-7 })).toBeGreaterThan(0); // Keras clipping mode
    e = err(() => metrics.r2Score([1, 2], [1, 2], { multioutput: 'raw_values' as never }));
    expect(e.code).toBe('INVALID_OPTION');
    expect(e.message).toContain("'uniformAverage', 'rawValues', 'varianceWeighted'");
    e = err(() => metrics.pearsonCorrcoef([1, 2], [1, 2], { multioutput: 'varianceWeighted' }));
    expect(e.code).toBe('INVALID_OPTION');
    e = err(() => metrics.meanAbsolutePercentageError([1, 2], [1, 2], { eps: 0 }));
    expect(e.code).toBe('INVALID_OPTION');
    expect(e.message).toContain("option 'eps' must be a finite number > 0; received 0");
    e = err(() => metrics.r2Score([1, 2], [1, 2], { average: 'macro' }));
    expect(e.code).toBe('INVALID_OPTION');
    expect(e.message).toContain("unknown option 'average'");
    e = err(() => metrics.r2Score([1, 2], [1, 2], { sampleWeight: [1, -1] }));
    expect(e.code).toBe('OUT_OF_RANGE');
    e = err(() => metrics.cosineSimilarity([[1, 2]], [[1, 2]], { reduction: 'none' as never }));
    expect(e.code).toBe('INVALID_OPTION');
  });
});
