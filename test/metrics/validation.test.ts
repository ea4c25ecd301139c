/**
 * Metric input rules, each checked over the whole registry (`listMetrics()`) where it is a rule:
 * options go through the losses' option check (`'options' must be an object`, null = none), every
 * option with an invalid value is refused, state sizes are bounded (OUT_OF_RANGE naming the limit
 * and the memory), an empty update is a no-op, and restored states are validated (the issue's
 * own examples; `restore.property.test.ts` tampers every field of every metric).
 */
import { describe, expect, it } from 'vitest';
import {
  LosskitError,
  getMetric,
  listMetrics,
  metrics,
  restoreMetric,
  type MetricOptions,
  type MetricValue,
} from '../../src/index.js';
import { expectLosskitError as expectError } from '../helpers.js';

/** A minimal valid configuration and batch per canonical metric (the test fails if one is missing). */
const BASE: Record<string, { options: MetricOptions; yTrue: unknown; yPred: unknown }> = {};
const bin = { yTrue: [0, 1, 1, 0, 1], yPred: [0.2, 0.8, 0.4, 0.3, 0.9] };
const mc = {
  yTrue: [0, 2, 1, 2],
  yPred: [
    [0.7, 0.2, 0.1],
    [0.1, 0.3, 0.6],
    [0.2, 0.5, 0.3],
    [0.3, 0.3, 0.4],
  ],
};
const regr = { yTrue: [3, -0.5, 2, 7], yPred: [2.5, 0, 2, 8] };
for (const n of [
  'accuracy',
  'precision',
  'recall',
  'f1',
  'fbeta',
  'support',
  'matthewsCorrcoef',
  'averagePrecision',
  'rocCurve',
])
  BASE[n] = { options: {}, ...bin };
for (const n of ['auroc', 'precisionRecallCurve', 'logLoss', 'calibrationError']) BASE[n] = { options: {}, ...bin };
for (const n of ['topKAccuracy', 'confusionMatrix', 'cohenKappa']) BASE[n] = { options: { numClasses: 3 }, ...mc };
for (const n of [
  'meanAbsoluteError',
  'meanPinballLoss',
  'meanSquaredError',
  'rootMeanSquaredError',
  'meanAbsolutePercentageError',
  'r2Score',
  'explainedVariance',
  'pearsonCorrcoef',
  'spearmanCorrcoef',
])
  BASE[n] = { options: {}, ...regr };
BASE.meanSquaredLogError = { options: {}, yTrue: [3, 5, 2.5, 7], yPred: [2.5, 5, 4, 8] };
BASE.cosineSimilarity = {
  options: {},
  yTrue: [
    [0, 1],
    [1, 1],
  ],
  yPred: [
    [0, 1],
    [0, 1],
  ],
};
BASE.loss = { options: { loss: 'meanSquaredError' }, ...regr };
for (const n of ['binnedAuc', 'brierScore', 'hingeLoss']) BASE[n] = { options: {}, ...bin };
for (const n of [
  'truePositives',
  'falsePositives',
  'trueNegatives',
  'falseNegatives',
  'precisionAtThresholds',
  'recallAtThresholds',
])
  BASE[n] = { options: {}, ...bin };
BASE.elementwiseAccuracy = { options: {}, yTrue: [1, 2, 3, 4], yPred: [0, 2, 3, 4] };
BASE.sensitivityAtSpecificity = { options: { specificity: 0.5 }, ...bin };
BASE.specificityAtSensitivity = { options: { sensitivity: 0.5 }, ...bin };
BASE.precisionAtRecall = { options: { recall: 0.5 }, ...bin };
BASE.recallAtPrecision = { options: { precision: 0.5 }, ...bin };

const NAMES = listMetrics().map((m) => m.name);
const ALL_NAMES = listMetrics().flatMap((m) => [m.name, ...m.aliases.map((a) => a.name)]);
const oneShots = metrics as unknown as Record<
  string,
  ((yt: unknown, yp: unknown, o?: unknown) => MetricValue) | undefined
>;

function outcome(f: () => unknown): string {
  try {
    return `value ${JSON.stringify(f())}`;
  } catch (e) {
    return e instanceof LosskitError ? `LosskitError ${e.code}` : `other error ${String(e)}`;
  }
}

it('every registered metric has a base case here', () => {
  expect(Object.keys(BASE).sort()).toEqual([...NAMES].sort());
});

describe('options: the same check as the losses', () => {
  it("a non-object is refused by every metric name and alias: 'options' must be an object", () => {
    for (const name of ALL_NAMES) {
      for (const bad of ['macro', 5, true]) {
        expectError(() => getMetric(name, bad as never), 'INVALID_OPTION', "'options' must be an object");
      }
    }
    expectError(() => getMetric('accuracy', 'macro' as never), 'INVALID_OPTION', 'received "macro"');
    expectError(() => getMetric('accuracy', 5 as never), 'INVALID_OPTION', 'received 5');
  });

  it('null options are no options, for getMetric and for every one-shot function (never a TypeError)', () => {
    let checked = 0;
    for (const name of NAMES) {
      const b = BASE[name];
      if (Object.keys(b.options).length === 0) {
        expect(getMetric(name, null).toJSON(), name).toEqual(getMetric(name).toJSON());
        const f = oneShots[name];
        if (f === undefined) continue;
        const withNull = outcome(() => f(b.yTrue, b.yPred, null));
        expect(withNull, name).toBe(outcome(() => f(b.yTrue, b.yPred, {})));
        expect(withNull, name).toBe(outcome(() => f(b.yTrue, b.yPred)));
        expect(withNull, name).toMatch(/^value /);
        expectError(() => f(b.yTrue, b.yPred, 'macro'), 'INVALID_OPTION', "'options' must be an object");
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(15);
  });

  it('every option of every metric, given a value of the wrong kind, is INVALID_OPTION (never ignored)', () => {
    let checked = 0;
    for (const info of listMetrics()) {
      for (const opt of info.options) {
        const base = info.name === 'loss' && opt !== 'loss' ? { loss: 'meanSquaredError' } : {};
        for (const bad of [{ bogus: true }, 'bogus-value', -12345.5]) {
          if (opt === 'eps' && bad === 'bogus-value') continue; // 'auto' is a string value of eps; any other string is checked below
          let thrown: unknown;
          try {
            getMetric(info.name, { ...base, [opt]: bad } as MetricOptions);
          } catch (e) {
            thrown = e;
          }
          if (bad === -12345.5 && thrown === undefined) continue; // a number may be valid (ignoreIndex, posLabel, ...)
          expect(thrown, `${info.name}.${opt} = ${JSON.stringify(bad)}`).toBeInstanceOf(LosskitError);
          expect(['INVALID_OPTION', 'OUT_OF_RANGE', 'UNKNOWN_NAME'], `${info.name}.${opt}`).toContain(
            (thrown as LosskitError).code,
          );
          checked++;
        }
      }
    }
    expectError(() => getMetric('logLoss', { eps: 'often' as never }), 'INVALID_OPTION', 'eps');
    expect(checked).toBeGreaterThan(100);
  });

  it('options that do not apply to the task are refused, not ignored', () => {
    for (const n of ['auroc', 'averagePrecision', 'rocCurve', 'precisionRecallCurve']) {
      expectError(() => getMetric(n, { task: 'binary', numLabels: 'x' as never }), 'INVALID_OPTION', 'numLabels');
      expectError(
        () => getMetric(n, { task: 'binary', numLabels: 3 }),
        'INVALID_OPTION',
        "only applies to task 'multilabel'",
      );
      expectError(() => getMetric(n, { numClasses: 3, numLabels: 3 }), 'INVALID_OPTION', 'numLabels');
      expectError(
        () => getMetric(n, { task: 'multilabel', numLabels: 2, numClasses: 3 }),
        'INVALID_OPTION',
        'numClasses',
      );
    }
    expectError(() => getMetric('calibrationError', { task: 'binary', numClasses: 5 }), 'INVALID_OPTION', 'numClasses');
  });
});

describe('bounded sizes', () => {
  it('every metric taking numClasses / numLabels refuses a size whose state would not fit, naming the limit and the memory', () => {
    let checked = 0;
    for (const info of listMetrics()) {
      for (const opt of ['numClasses', 'numLabels'] as const) {
        if (!info.options.includes(opt)) continue;
        for (const v of [2 ** 31, 1e15]) {
          let e: unknown;
          try {
            const m = getMetric(info.name, { [opt]: v });
            // Accepted only when the size does not size the state (calibrationError keeps bins).
            const entries = m.stateSchema().reduce((a, f) => a + (f.length ?? 1), 0);
            expect(entries, `${info.name}.${opt}`).toBeLessThan(1000);
            continue;
          } catch (x) {
            e = x;
          }
          expect(e, `${info.name}.${opt}`).toBeInstanceOf(LosskitError);
          const err = e as LosskitError;
          // Either too large, or (numLabels of a metric without a multilabel task) an option that does not apply.
          if (err.code === 'INVALID_OPTION') expect(err.message).toMatch(/only applies to task 'multilabel'/);
          else {
            expect(err.code, err.message).toBe('OUT_OF_RANGE');
            expect(err.message).toMatch(/limit/);
            expect(err.message).toMatch(/[KMGTPE]iB/);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(20);
  });

  it('the issue examples: a 1e5-class confusion matrix, thresholds 1e12, nBins 1e12, one-vs-one over 2000 classes', () => {
    expectError(() => getMetric('confusionMatrix', { numClasses: 1e5 }), 'OUT_OF_RANGE', '100000 × 100000', '74.5 GiB');
    expectError(() => metrics.confusionMatrix([0], [0], { numClasses: 1e5 }), 'OUT_OF_RANGE', 'confusion matrix');
    expectError(() => getMetric('auroc', { thresholds: 1e12 }), 'OUT_OF_RANGE', "'thresholds'", 'TiB');
    expectError(() => getMetric('calibrationError', { nBins: 1e12 }), 'OUT_OF_RANGE', "'nBins'");
    expectError(
      () => getMetric('auroc', { numClasses: 2000, multiClass: 'ovo' }),
      'OUT_OF_RANGE',
      '4000000 score histograms',
      'numClasses <= 1024',
    );
    // Within the limits everything is built (a 16,000-class exact AUROC, one-vs-one over 60 classes).
    expect(getMetric('auroc', { numClasses: 16000 }).stateSchema()).toHaveLength(64000);
    expect(getMetric('auroc', { numClasses: 60, multiClass: 'ovo' }).stateSchema()).toHaveLength(4 * 3600);
  });

  it('60,000 labels are validated and used (distinctness checked with a set)', () => {
    const labels = Array.from({ length: 60000 }, (_, i) => 10 * i);
    expect(metrics.f1([0, 10, 20], [0, 10, 10], { task: 'multiclass', labels, average: 'micro' })).toBeCloseTo(
      2 / 3,
      12,
    );
    expectError(
      () => getMetric('f1', { task: 'multiclass', labels: [...labels, 0] }),
      'INVALID_OPTION',
      '0 appears twice',
    );
  });
});

describe('silent NaN', () => {
  it('posLabel that is not one of the labels is INVALID_LABEL (rocCurve, auroc, averagePrecision, precisionRecallCurve)', () => {
    for (const n of ['rocCurve', 'auroc', 'averagePrecision', 'precisionRecallCurve']) {
      expectError(
        () => getMetric(n, { posLabel: 2 }).update([0, 1, 1, 0], [0.1, 0.9, 0.7, 0.2]),
        'INVALID_LABEL',
        'posLabel 2',
      );
    }
    // posLabel among the labels: the usual result.
    expect(metrics.auroc([-1, 1, 1, -1], [0.1, 0.9, 0.7, 0.2], { posLabel: 1 })).toBe(1);
    expect(metrics.auroc([5, 7, 7, 5], [0.1, 0.9, 0.7, 0.2], { posLabel: 5 })).toBe(0);
  });

  it('weights whose sum overflows are refused for every metric (Inf/Inf would be NaN)', () => {
    for (const name of NAMES) {
      const b = BASE[name];
      const n = (b.yTrue as unknown[]).length;
      expectError(
        () =>
          getMetric(name, b.options).update(b.yTrue as never, b.yPred as never, {
            sampleWeight: new Array(n).fill(1e308),
          }),
        'OUT_OF_RANGE',
        "'sampleWeight' must have a finite sum",
      );
    }
    expect(metrics.meanSquaredError([1, 2], [2, 4], { sampleWeight: [1e300, 1e300] })).toBeCloseTo(2.5, 12);
  });
});

describe('empty batches', () => {
  it('update([], []) is a no-op for every metric, before and after data; compute of an unused metric is unchanged', () => {
    for (const name of NAMES) {
      const b = BASE[name];
      const fresh = getMetric(name, b.options);
      const m = getMetric(name, b.options).update([], []);
      expect(JSON.stringify(m.toJSON()), name).toBe(JSON.stringify(fresh.toJSON()));
      expect(
        outcome(() => m.compute()),
        name,
      ).toBe(outcome(() => fresh.compute()));
      m.update(b.yTrue as never, b.yPred as never);
      const before = JSON.stringify(m.toJSON());
      m.update([], []).update([], [], { sampleWeight: [] });
      expect(JSON.stringify(m.toJSON()), name).toBe(before);
      expect(
        outcome(() => m.compute()),
        name,
      ).toBe(
        outcome(() =>
          getMetric(name, b.options)
            .update(b.yTrue as never, b.yPred as never)
            .compute(),
        ),
      );
    }
  });

  it('a one-shot call with no data is still EMPTY_INPUT (there is nothing to compute)', () => {
    expectError(() => metrics.f1([], []), 'EMPTY_INPUT');
    expectError(() => metrics.meanSquaredError([], []), 'EMPTY_INPUT');
  });
});

describe('restoreMetric validates what it restores (the examples of the issue)', () => {
  const f1State = () =>
    getMetric('f1', { task: 'multiclass', numClasses: 3, average: 'macro' })
      .update([0, 1, 2, 1], [0, 2, 2, 1])
      .toJSON();

  it('a field of the wrong length, type or content is INVALID_INPUT naming the field', () => {
    const j = f1State();
    expect(restoreMetric(j).compute()).toBeCloseTo(0.7777777777777777, 15);
    (j.state.trueSum as { f64: number[] }).f64.pop();
    expectError(() => restoreMetric(j), 'INVALID_INPUT', "'json.state.trueSum.f64' must have 3 entries", 'received 2');
    const k = f1State();
    k.state.trueSum = { f64: 'abc' } as never;
    expectError(() => restoreMetric(k), 'INVALID_INPUT', 'json.state.trueSum.f64');
    const mse = getMetric('meanSquaredError').update([1, 2], [1, 3]).toJSON();
    mse.state.sumW = 'abc' as never;
    expectError(() => restoreMetric(mse), 'INVALID_INPUT', "'json.state.sumW' must hold finite numbers >= 0", '"abc"');
  });

  it('non-JSON text, null options or state, null / non-array / array-like fields', () => {
    expectError(() => restoreMetric('{"losskitMetric": 1, '), 'INVALID_INPUT', 'not JSON');
    for (const [key, value, where] of [
      ['options', null, 'json.options'],
      ['state', null, 'json.state'],
      ['fingerprint', 5, 'json.fingerprint'],
      ['metric', null, 'json.metric'],
    ] as const) {
      const j = { ...f1State(), [key]: value };
      expectError(() => restoreMetric(j as never), 'INVALID_INPUT', `'${where}'`);
    }
    for (const v of [{ f64: null }, { list: 5 }, { f64: { length: 1e9 } }, null, 7]) {
      const j = f1State();
      j.state.tp = v as never;
      expectError(() => restoreMetric(j), 'INVALID_INPUT', 'json.state.tp');
    }
  });

  it('options that do not give the fingerprint are INCOMPATIBLE_STATE; invalid options INVALID_INPUT', () => {
    const j = f1State();
    expectError(
      () => restoreMetric({ ...j, options: { ...j.options, numClasses: 4 } }),
      'INCOMPATIBLE_STATE',
      'fingerprint',
    );
    expectError(
      () => restoreMetric({ ...j, options: { ...j.options, numClasses: -1 } }),
      'INVALID_INPUT',
      'json.options',
    );
    expectError(
      () => restoreMetric({ ...j, options: { ...j.options, numClasses: 1e15 } }),
      'INVALID_INPUT',
      'json.options',
      'limit',
    );
  });

  it('spearmanCorrcoef with lists of unequal length is refused (it used to hang in compute)', () => {
    const j = getMetric('spearmanCorrcoef').update([1, 2, 3], [1, 3, 2]).toJSON();
    (j.state.yTrue as { list: number[] }).list.push(4);
    expectError(() => restoreMetric(j), 'INVALID_INPUT', "'yTrue' has 4 values but 'yPred' has 3");
  });

  it('a missing or unknown field', () => {
    const j = f1State();
    delete (j.state as Record<string, unknown>).present;
    expectError(() => restoreMetric(j), 'INVALID_INPUT', "lacks the field 'present'");
    const k = f1State();
    (k.state as Record<string, unknown>).__proto__bogus = 0;
    expectError(() => restoreMetric(k), 'INVALID_INPUT', 'unknown field');
  });
});
