/**
 * auroc, averagePrecision, rocCurve, precisionRecallCurve.
 * Reference values: test/fixtures/metrics-curves.json, made by scripts/fixtures/gen_metrics_curves.py
 * with scikit-learn 1.2.1 (exact mode) and Keras 3's AUC algorithm written in numpy (binned mode).
 */
import { describe, expect, it } from 'vitest';
import {
  getMetric,
  metrics,
  restoreMetric,
  type MetricOptions,
  type MetricValue,
  type OneShotMetric,
} from '../../src/index.js';
import { expectClose, loadFixture, rng } from '../helpers.js';
import { runHarness } from './harness.js';
import { sortScores } from '../../src/metrics/score-histogram.js';
import { expectLosskitError as expectError } from '../helpers.js';

interface Case {
  metric: string;
  options: MetricOptions;
  yTrue: number[] | number[][];
  yPred: number[] | number[][];
  sampleWeight?: number[];
  expected: MetricValue;
  note: string;
}

const fx = loadFixture<Case>('metrics-curves');
const oneShots: Record<string, OneShotMetric> = {
  auroc: metrics.auroc,
  averagePrecision: metrics.averagePrecision,
  rocCurve: metrics.rocCurve,
  precisionRecallCurve: metrics.precisionRecallCurve,
};

describe('ranking metrics vs scikit-learn 1.2 / Keras AUC (streaming harness)', () => {
  it('fixture was made with scikit-learn 1.2', () => {
    expect(fx.versions.sklearn).toMatch(/^1\.2/);
    expect(fx.cases.length).toBeGreaterThan(100);
  });
  for (const [i, c] of fx.cases.entries()) {
    it(`#${i} ${c.metric} ${JSON.stringify(c.options)} — ${c.note}${c.sampleWeight ? ' (weighted)' : ''}`, () => {
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
        oneShots[c.metric],
      );
    });
  }
});

/** Random binary data with `distinct` possible score values (0 = continuous). */
function data(n: number, distinct: number, seed: number): { y: Float64Array; s: Float64Array; w: Float64Array } {
  const r = rng(seed);
  const y = new Float64Array(n);
  const s = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = r() < 0.3 ? 1 : 0;
    const u = r() * 0.8 + y[i] * 0.2;
    s[i] = distinct > 0 ? Math.floor(u * distinct) / distinct : u;
    w[i] = Math.floor(r() * 4);
  }
  return { y, s, w };
}

/** O(P·N) definition of AUROC: P(score⁺ > score⁻) + ½ P(tie), weighted. */
function bruteAuroc(y: ArrayLike<number>, s: ArrayLike<number>, w?: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] !== 0) continue;
      const ww = (w ? w[i] : 1) * (w ? w[j] : 1);
      den += ww;
      num += ww * (s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0);
    }
  }
  return num / den;
}

describe('exact state: many batches, compaction and merging', () => {
  it('AUROC equals the pairwise (Mann–Whitney) definition, weighted and with ties', () => {
    for (const distinct of [0, 7, 100]) {
      const { y, s, w } = data(600, distinct, 11 + distinct);
      expectClose(metrics.auroc(y, s), bruteAuroc(y, s), 1e-12, 0, `distinct ${distinct}`);
      expectClose(
        metrics.auroc(y, s, { sampleWeight: w }),
        bruteAuroc(y, s, w),
        1e-12,
        0,
        `weighted, distinct ${distinct}`,
      );
    }
  });

  it('streams of uneven batches (tail compaction) equal the one-shot value, for every batch pattern', () => {
    const { y, s, w } = data(20000, 0, 3);
    const whole = metrics.averagePrecision(y, s, { sampleWeight: w }) as number;
    const wholeRoc = metrics.rocCurve(y, s, { sampleWeight: w });
    for (const pattern of [[1, 3, 10], [1000, 1, 1], [7000, 5000, 50, 1], [1]]) {
      const m = getMetric('averagePrecision');
      const c = getMetric('rocCurve');
      let lo = 0;
      for (let b = 0; lo < y.length; b++) {
        const hi = Math.min(y.length, lo + pattern[b % pattern.length] * (b < 3 ? 1 : 13));
        m.update(y.subarray(lo, hi), s.subarray(lo, hi), { sampleWeight: w.subarray(lo, hi) });
        c.update(y.subarray(lo, hi), s.subarray(lo, hi), { sampleWeight: w.subarray(lo, hi) });
        lo = hi;
      }
      expectClose(m.compute(), whole, 1e-12, 0, `AP pattern ${pattern}`);
      const got = c.compute() as Record<string, number[]>;
      for (const k of ['fpr', 'tpr', 'thresholds'] as const)
        expectClose(got[k], (wholeRoc as Record<string, number[]>)[k], 1e-12, 0, `roc ${k} pattern ${pattern}`);
    }
  });

  it('state size is the number of distinct scores, not of samples; JSON round trip is exact', () => {
    const m = getMetric('auroc');
    for (let b = 0; b < 20; b++) {
      const { y, s } = data(5000, 50, 100 + b);
      m.update(y, s);
    }
    m.compute(); // compacts
    const json = m.toJSON();
    const keys = json.state.h0k as { list: number[] };
    expect(keys.list.length).toBeLessThanOrEqual(51);
    const r = restoreMetric(JSON.parse(JSON.stringify(json)));
    expect(r.compute()).toBe(m.compute());
  });

  it('merge is order-independent and equals a single stream', () => {
    const { y, s } = data(3000, 40, 9);
    const parts = [0, 100, 101, 1700, 3000];
    const shards = parts
      .slice(0, -1)
      .map((lo, k) => getMetric('auroc').update(y.subarray(lo, parts[k + 1]), s.subarray(lo, parts[k + 1])));
    const a = getMetric('auroc');
    for (const sh of shards) a.merge(sh);
    const b = getMetric('auroc');
    for (const sh of [...shards].reverse()) b.merge(sh.clone());
    expectClose(a.compute(), metrics.auroc(y, s), 1e-13, 0, 'forward');
    expectClose(b.compute(), metrics.auroc(y, s), 1e-13, 0, 'reverse');
  });

  it('Float32Array scores are used as given (no copy, float32 values exact)', () => {
    const { y, s } = data(1000, 0, 5);
    const f = Float32Array.from(s);
    expectClose(metrics.auroc(y, f), bruteAuroc(y, f), 1e-12, 0);
  });
});

describe('radix sort of large score arrays', () => {
  it('orders like Float64Array.prototype.sort (negatives, ±0, ±Infinity, ties, tiny and huge values)', () => {
    const r = rng(21);
    for (const kind of ['uniform', 'mixed', 'quantised']) {
      const n = 70000;
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const u = r();
        a[i] =
          kind === 'uniform'
            ? u
            : kind === 'quantised'
              ? Math.floor(u * 50) / 50
              : (u - 0.5) * 10 ** Math.floor(r() * 40 - 20);
      }
      a.set([-0, 0, Infinity, -Infinity, Number.MIN_VALUE, -Number.MAX_VALUE], 0);
      const ref = a.slice().sort();
      const got = a.slice();
      sortScores(got);
      for (let i = 0; i < n; i++)
        if (!Object.is(got[i], ref[i])) expect.fail(`${kind}: index ${i}: ${got[i]} vs ${ref[i]}`);
    }
  });
  it('a large one-shot batch (radix path) equals the same data streamed in small batches (native-sort path)', () => {
    const { y, s, w } = data(150000, 0, 77);
    const m = getMetric('averagePrecision');
    const a = getMetric('auroc');
    for (let lo = 0; lo < y.length; lo += 5000) {
      m.update(y.subarray(lo, lo + 5000), s.subarray(lo, lo + 5000), { sampleWeight: w.subarray(lo, lo + 5000) });
      a.update(y.subarray(lo, lo + 5000), s.subarray(lo, lo + 5000));
    }
    expectClose(metrics.averagePrecision(y, s, { sampleWeight: w }), m.compute(), 1e-12, 0, 'AP');
    expectClose(metrics.auroc(y, s), a.compute(), 1e-12, 0, 'AUROC');
  });
});

describe('documented edge cases', () => {
  it('single-class data: AUROC is NaN (scikit-learn raises); AP is 0 without positives', () => {
    expect(metrics.auroc([0, 0, 0], [0.1, 0.2, 0.3])).toBeNaN();
    expect(metrics.auroc([1, 1], [0.1, 0.2])).toBeNaN();
    expect(metrics.averagePrecision([0, 0, 0], [0.1, 0.2, 0.3])).toBe(0);
    expect(metrics.averagePrecision([1, 1], [0.1, 0.2])).toBe(1);
  });
  it('nothing seen, or all weights zero: NaN values and empty curves', () => {
    expect(getMetric('auroc').compute()).toBeNaN();
    expect(getMetric('averagePrecision').compute()).toBeNaN();
    expect(getMetric('rocCurve').compute()).toEqual({ fpr: [], tpr: [], thresholds: [] });
    expect(metrics.auroc([0, 1], [0.3, 0.7], { sampleWeight: [0, 0] })).toBeNaN();
    expect(metrics.precisionRecallCurve([0, 1], [0.3, 0.7], { sampleWeight: [0, 0] })).toEqual({
      precision: [],
      recall: [],
      thresholds: [],
    });
  });
  it('zero-weight samples create no threshold (as scikit-learn filters them)', () => {
    const r = metrics.rocCurve([0, 1, 1, 0], [0.1, 0.9, 0.5, 0.7], {
      sampleWeight: [1, 1, 0, 1],
      dropIntermediate: false,
    }) as Record<string, number[]>;
    expect(r.thresholds).toEqual([1.9, 0.9, 0.7, 0.1]);
  });
  it('multiclass: a class never present gives NaN for that class and for the macro average', () => {
    const yT = [0, 1, 0, 1];
    const yP = [
      [0.6, 0.3, 0.1],
      [0.2, 0.7, 0.1],
      [0.5, 0.2, 0.3],
      [0.1, 0.5, 0.4],
    ];
    const none = metrics.auroc(yT, yP, { numClasses: 3, average: 'none' }) as number[];
    expect(none[0]).toBe(1);
    expect(none[2]).toBeNaN();
    expect(metrics.auroc(yT, yP, { numClasses: 3 })).toBeNaN();
  });
  it("multilabel 'samples': a zero-weight row whose AUROC is undefined does not poison the average", () => {
    const yT = [
      [1, 0, 1],
      [1, 1, 1],
      [0, 1, 0],
    ];
    const yP = [
      [0.9, 0.1, 0.4],
      [0.5, 0.5, 0.5],
      [0.2, 0.3, 0.1],
    ];
    // rows 0 and 2 have AUROC 1; row 1 (single class) is NaN but weighs 0 — scikit-learn's averaging
    // rule (zero-weight scores forced to 0), though scikit-learn itself raises on the single-class row.
    expect(metrics.auroc(yT, yP, { numLabels: 3, average: 'samples', sampleWeight: [1, 0, 2] })).toBe(1);
    expect(metrics.auroc(yT, yP, { numLabels: 3, average: 'samples' })).toBeNaN();
  });
  it('maxFpr = 1 is the full AUC', () => {
    const { y, s } = data(200, 0, 1);
    expect(metrics.auroc(y, s, { maxFpr: 1 })).toBe(metrics.auroc(y, s));
  });
  it('Keras alias binds 200 thresholds (binned): Keras AUC (binnedAuc), which takes Keras options only', () => {
    const m = getMetric('AUC');
    expect(m.options.thresholds).toBe(200);
    expect(m.name).toBe('binnedAuc');
    expect(() => getMetric('auc', { task: 'multilabel', numLabels: 2, average: 'samples' })).toThrow(
      /unknown option 'task'/,
    );
  });
});

describe('bad inputs', () => {
  it('labels, shapes and values', () => {
    expectError(
      () => metrics.auroc([0, 2, 1], [0.1, 0.2, 0.3]),
      'INVALID_LABEL',
      /^auroc: 'yTrue' must hold binary labels 0 or 1/,
      /received 2 at index \[1\]/,
    );
    expectError(
      () => metrics.auroc([0, 1], [0.1, 0.2, 0.3]),
      'SHAPE_MISMATCH',
      /'yTrue' has shape \[2\].*expected \[3\]/,
    );
    expectError(
      () => metrics.auroc([0, 1], [0.1, NaN]),
      'NON_FINITE',
      /'yPred' must contain only finite numbers; received NaN at index \[1\]/,
    );
    expectError(() => metrics.auroc([], []), 'EMPTY_INPUT', /'yPred' is empty/);
    expectError(
      () =>
        metrics.averagePrecision(
          [0, 3],
          [
            [0.5, 0.5],
            [0.2, 0.8],
          ],
          { numClasses: 2 },
        ),
      'INVALID_LABEL',
      /integer class indices in \[0, 1\]; received 3/,
    );
    expectError(
      () =>
        metrics.auroc(
          [0, 1],
          [
            [0.5, 0.5],
            [0.2, 0.8],
          ],
          { numClasses: 3 },
        ),
      'SHAPE_MISMATCH',
      /'yPred' must have shape \[N,3\] \(one score per class, numClasses 3\); received \[2,2\]/,
    );
    expectError(
      () => metrics.auroc([[0, 2]], [[0.5, 0.5]], { numLabels: 2 }),
      'INVALID_LABEL',
      /label indicators 0 or 1; received 2 at index \[0,1\]/,
    );
    expectError(
      () => metrics.auroc([0, 1], [0.5, 1.5], { thresholds: 10 }),
      'OUT_OF_RANGE',
      /'yPred' must hold probabilities \(binned mode: thresholds\) in \[0, 1\]; received 1.5 at index \[1\]/,
    );
  });
  it('options', () => {
    expectError(
      () => metrics.auroc([0, 1], [0.1, 0.2], { numClasses: 2, average: 'samples' }),
      'INVALID_OPTION',
      /option 'average' must be one of 'macro', 'weighted', 'micro', 'none'; received "samples"/,
    );
    expectError(
      () =>
        metrics.rocCurve(
          [0, 1],
          [
            [0.1, 0.9],
            [0.2, 0.8],
          ],
          { numClasses: 2, average: 'macro' },
        ),
      'INVALID_OPTION',
      /'average' must be one of 'none', 'micro'/,
    );
    expectError(
      () => metrics.auroc([0, 1], [0.1, 0.2], { maxFpr: 0 }),
      'INVALID_OPTION',
      /option 'maxFpr' must be a finite number > 0 <= 1; received 0/,
    );
    expectError(
      () => metrics.auroc([0, 1], [0.1, 0.2], { thresholds: 1 }),
      'INVALID_OPTION',
      /'thresholds' must be an integer >= 2/,
    );
    expectError(
      () => metrics.auroc([0, 1], [0.1, 0.2], { task: 'multiclass' }),
      'INVALID_OPTION',
      /'numClasses' is required/,
    );
    expectError(
      () => metrics.averagePrecision([0, 1], [0.1, 0.2], { maxFpr: 0.5 } as MetricOptions),
      'INVALID_OPTION',
      /unknown option 'maxFpr'/,
    );
    expectError(
      () => getMetric('auroc').merge(getMetric('auroc', { thresholds: 10 })),
      'INCOMPATIBLE_STATE',
      /cannot merge/,
    );
    expectError(
      () => metrics.auroc([0, 1], [0.1, 0.2], { multiClass: 'ovo' }),
      'INVALID_OPTION',
      /multiClass 'ovo' needs task 'multiclass' in exact mode; received task 'binary'/,
    );
    expectError(
      () =>
        metrics.auroc(
          [0, 1],
          [
            [0.1, 0.9],
            [0.2, 0.8],
          ],
          { numClasses: 2, multiClass: 'ovo', average: 'none' },
        ),
      'INVALID_OPTION',
      /'average' must be 'macro' or 'weighted' with multiClass 'ovo'/,
    );
    expectError(
      () =>
        metrics.auroc(
          [0, 1],
          [
            [0.1, 0.9],
            [0.2, 0.8],
          ],
          { numClasses: 2, multiClass: 'ovo', sampleWeight: [1, 2] },
        ),
      'INVALID_OPTION',
      /'sampleWeight' is not supported with multiClass 'ovo'/,
    );
  });
});
