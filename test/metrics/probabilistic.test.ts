/**
 * logLoss and calibrationError.
 * Reference values: test/fixtures/metrics-curves-prob.json, made by scripts/fixtures/gen_metrics_curves.py
 * with scikit-learn 1.2.1 `log_loss` and torchmetrics' calibration-error algorithm run with torch 1.13's
 * `torch.bucketize` (torchmetrics itself is not installed).
 */
import { describe, expect, it } from 'vitest';
import { getMetric, metrics, type MetricOptions, type OneShotMetric } from '../../src/index.js';
import { expectClose, loadFixture, rng } from '../helpers.js';
import { runHarness } from './harness.js';
import { expectLosskitError as expectError } from '../helpers.js';

interface Case {
  metric: string;
  options: MetricOptions;
  yTrue: number[];
  yPred: number[] | number[][];
  sampleWeight?: number[];
  expected: number;
  note: string;
}

const fx = loadFixture<Case>('metrics-curves-prob');
const oneShots: Record<string, OneShotMetric> = {
  logLoss: metrics.logLoss,
  calibrationError: metrics.calibrationError,
};

describe('logLoss / calibrationError vs scikit-learn 1.2 / torchmetrics algorithm (streaming harness)', () => {
  it('fixture versions', () => {
    expect(fx.versions.sklearn).toMatch(/^1\.2/);
    expect(fx.versions.torch).toBeDefined();
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

describe('properties', () => {
  it('integer sample weights equal repeating the samples (calibrationError, logLoss)', () => {
    const r = rng(7);
    const n = 200;
    const y: number[] = [];
    const p: number[][] = [];
    const w: number[] = [];
    const yr: number[] = [];
    const pr: number[][] = [];
    for (let i = 0; i < n; i++) {
      const a = r();
      const b = r() * (1 - a);
      const row = [a, b, 1 - a - b];
      const yi = Math.floor(r() * 3);
      const wi = Math.floor(r() * 4);
      y.push(yi);
      p.push(row);
      w.push(wi);
      for (let k = 0; k < wi; k++) {
        yr.push(yi);
        pr.push(row);
      }
    }
    for (const norm of ['l1', 'l2', 'max'] as const) {
      expectClose(
        metrics.calibrationError(y, p, { numClasses: 3, norm, sampleWeight: w }),
        metrics.calibrationError(yr, pr, { numClasses: 3, norm }),
        1e-12,
        1e-15,
        norm,
      );
    }
    expectClose(
      metrics.logLoss(y, p, { numClasses: 3, sampleWeight: w }),
      metrics.logLoss(yr, pr, { numClasses: 3 }),
      1e-12,
      0,
    );
  });
  it('bin boundaries are torch.linspace(0, 1, n + 1) in float64: a confidence on an edge goes to the upper bin', () => {
    // 0.2 sits exactly on the edge between bins 2 and 3 of 10 (torch: 0.2 → bin [0.2, 0.3)).
    const a = metrics.calibrationError([1], [0.2], { nBins: 10, norm: 'max' });
    expectClose(a, 0.8, 1e-15, 0);
    const m = getMetric('calibrationError', { nBins: 10 }).update([1, 0], [0.2, 0.25]);
    const state = m.toJSON().state.count as { f64: number[] };
    expect(state.f64[2]).toBe(2);
  });
});

describe('documented edge cases', () => {
  it('nothing seen or zero total weight: NaN', () => {
    expect(getMetric('logLoss').compute()).toBeNaN();
    expect(getMetric('calibrationError').compute()).toBeNaN();
    expect(metrics.logLoss([0, 1], [0.2, 0.7], { sampleWeight: [0, 0] })).toBeNaN();
  });
  it('probability 0 or 1 on the wrong class stays finite (clipped at eps)', () => {
    expectClose(metrics.logLoss([1], [0]), -Math.log(Number.EPSILON), 1e-12, 0);
    expectClose(metrics.logLoss([1], [0], { eps: 1e-7 }), -Math.log(1e-7), 1e-12, 0);
  });
  it('calibration of a perfectly calibrated bin is 0; l2 of zero gap is 0', () => {
    expect(metrics.calibrationError([1, 0], [0.5, 0.5], { norm: 'l2' })).toBe(0);
  });
});

describe('bad inputs', () => {
  it('logLoss', () => {
    expectError(
      () => metrics.logLoss([0, 1], [0.2, 1.2]),
      'OUT_OF_RANGE',
      /^logLoss: 'yPred' must hold probabilities in \[0, 1\]; received 1.2 at index \[1\]/,
    );
    expectError(
      () => metrics.logLoss([0, 2], [0.2, 0.3]),
      'INVALID_LABEL',
      /'yTrue' must hold labels from \[0, 1\]; received 2 at index \[1\]/,
    );
    expectError(
      () =>
        metrics.logLoss(
          [0, 1],
          [
            [0.2, 0.3, 0.5],
            [0.1, 0.1, 0.8],
          ],
          { numClasses: 4 },
        ),
      'SHAPE_MISMATCH',
      /'yPred' must have shape \[N,4\] \(one probability per label\); received \[2,3\]/,
    );
    expectError(
      () => metrics.logLoss([0, 1, 1], [0.2, 0.3]),
      'SHAPE_MISMATCH',
      /'yTrue' has shape \[3\] but 'yPred' has shape \[2\]/,
    );
    expectError(
      () => metrics.logLoss([0], [0.5], { labels: [1, 1] }),
      'INVALID_OPTION',
      /'labels' must not repeat a label/,
    );
    expectError(
      () => metrics.logLoss([0], [0.5], { eps: 0 }),
      'INVALID_OPTION',
      /option 'eps' must be a finite number > 0 <= 0.5; received 0/,
    );
    expectError(
      () => metrics.logLoss([0], [0.5], { task: 'multiclass' }),
      'INVALID_OPTION',
      /'numClasses' \(or 'labels'\) is required/,
    );
    expectError(
      () => metrics.logLoss([0], [0.5], { numClasses: 3, labels: [0, 1] }),
      'INVALID_OPTION',
      /'numClasses' is 3 but 'labels' has 2 labels/,
    );
  });
  it('calibrationError', () => {
    expectError(
      () => metrics.calibrationError([0, 1], [0.2, -3]),
      'OUT_OF_RANGE',
      /'yPred' must hold probabilities \(or set fromLogits: true\) in \[0, 1\]; received -3 at index \[1\]/,
    );
    expectError(
      () =>
        metrics.calibrationError(
          [0, 3],
          [
            [0.5, 0.5],
            [0.4, 0.6],
          ],
          { numClasses: 2 },
        ),
      'INVALID_LABEL',
      /integer class indices in \[0, 1\]; received 3/,
    );
    expectError(
      () => metrics.calibrationError([0, 1], [0.2, 0.3], { norm: 'l3' as 'l1' }),
      'INVALID_OPTION',
      /option 'norm' must be one of 'l1', 'l2', 'max'; received "l3"/,
    );
    expectError(
      () => metrics.calibrationError([0, 1], [0.2, 0.3], { nBins: 0 }),
      'INVALID_OPTION',
      /'nBins' must be an integer >= 1/,
    );
    expectError(
      () =>
        metrics.calibrationError(
          [0, 1],
          [
            [0.2, 0.8],
            [0.3, 0.7],
          ],
        ),
      'SHAPE_MISMATCH',
      /'yPred' must have shape \[N\] \(probability of the positive class\); received \[2,2\]/,
    );
    expectError(
      () => getMetric('calibrationError').merge(getMetric('calibrationError', { nBins: 10 })),
      'INCOMPATIBLE_STATE',
      /cannot merge/,
    );
  });
});
