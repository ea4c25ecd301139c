/**
 * Classification metrics against scikit-learn 1.2 (fixtures from
 * scripts/fixtures/gen_metrics_classification.py), through the streaming harness (one-shot =
 * update + compute, batches, serialised + merged shards, reset / clone), plus edge cases and
 * bad inputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  getMetric,
  listMetrics,
  metrics,
  restoreMetric,
  type MetricOptions,
  type MetricValue,
  type OneShotMetric,
} from '../../src/index.js';
import { expectClose, loadFixture, rng } from '../helpers.js';
import { runHarness } from './harness.js';
import { expectLosskitError as expectError } from '../helpers.js';

interface Dataset {
  task: string;
  yTrue: number[] | number[][];
  yPred: number[] | number[][];
  sampleWeight: number[];
}
interface Case {
  metric: string;
  data: string;
  weighted: boolean;
  options: MetricOptions;
  expected: MetricValue;
}

const fx = loadFixture<Case>('metrics-classification') as ReturnType<typeof loadFixture<Case>> & {
  datasets: Record<string, Dataset>;
};
const datasets = fx.datasets;

const ONE_SHOT: Record<string, OneShotMetric> = {
  accuracy: metrics.accuracy,
  topKAccuracy: metrics.topKAccuracy,
  precision: metrics.precision,
  recall: metrics.recall,
  f1: metrics.f1,
  fbeta: metrics.fbeta,
  confusionMatrix: metrics.confusionMatrix,
  matthewsCorrcoef: metrics.matthewsCorrcoef,
  cohenKappa: metrics.cohenKappa,
};

function label(c: Case): string {
  return `${c.metric} ${c.data} ${JSON.stringify(c.options)}${c.weighted ? ' weighted' : ''}`;
}

describe('classification metrics vs scikit-learn 1.2 (streaming harness)', () => {
  it('fixture provenance', () => {
    expect(fx.versions.sklearn).toBe('1.2.1');
    expect(fx.cases.length).toBeGreaterThan(1000);
  });
  const byMetric = new Map<string, Case[]>();
  for (const c of fx.cases) {
    const k = `${c.metric} / ${datasets[c.data].task}`;
    if (!byMetric.has(k)) byMetric.set(k, []);
    byMetric.get(k)!.push(c);
  }
  for (const [k, cs] of byMetric) {
    it(`${k} (${cs.length} cases)`, () => {
      for (const c of cs) {
        const d = datasets[c.data];
        try {
          runHarness(
            {
              metric: c.metric,
              options: c.options,
              yTrue: d.yTrue,
              yPred: d.yPred,
              sampleWeight: c.weighted ? d.sampleWeight : undefined,
              expected: c.expected,
              rtol: 1e-9,
              atol: 1e-12,
            },
            ONE_SHOT[c.metric],
          );
        } catch (e) {
          throw new Error(`${label(c)}: ${(e as Error).message}`, { cause: e });
        }
      }
    });
  }
  it('multiclass without numClasses (inferred from score width / labels, growing across batches) gives the same values', () => {
    let n = 0;
    for (const c of fx.cases) {
      const d = datasets[c.data];
      if (d.task !== 'multiclass' || c.metric === 'topKAccuracy') continue;
      // 'none' and the confusion matrix have one entry per class: only when every class occurs.
      const avg = c.options.average;
      if ((avg === 'none' || c.metric === 'confusionMatrix' || c.metric === 'cohenKappa') && c.data === 'mc_absent')
        continue;
      const { numClasses: _drop, ...options } = c.options;
      runHarness(
        {
          metric: c.metric,
          options,
          yTrue: d.yTrue,
          yPred: d.yPred,
          sampleWeight: c.weighted ? d.sampleWeight : undefined,
          expected: c.expected,
        },
        ONE_SHOT[c.metric],
      );
      n++;
    }
    expect(n).toBeGreaterThan(100);
  });
});

describe('doc-comment examples', () => {
  it('match scikit-learn 1.2.1 (values printed by scikit-learn on the same inputs, argmax / threshold applied)', () => {
    expect(
      metrics.accuracy(
        [0, 1, 2, 2],
        [
          [0.9, 0.1, 0],
          [0.2, 0.7, 0.1],
          [0.1, 0.8, 0.1],
          [0, 0, 1],
        ],
        { task: 'multiclass' },
      ),
    ).toBe(0.75);
    expect(metrics.precision([0, 1, 1, 0], [0.2, 0.8, 0.4, 0.6])).toBe(0.5);
    expect(metrics.recall([0, 1, 1, 0], [0.2, 0.8, 0.4, 0.6])).toBe(0.5);
    expectClose(
      metrics.f1([0, 1, 2, 2], [0, 2, 2, 2], { task: 'multiclass', numClasses: 3, average: 'macro' }),
      0.6,
      1e-15,
    );
    expectClose(metrics.fbeta([0, 1, 1, 0], [0.2, 0.8, 0.4, 0.6], { beta: 2 }), 0.5, 1e-15);
    expect(metrics.confusionMatrix([0, 1, 2, 2], [0, 2, 2, 1], { numClasses: 3 })).toEqual([
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 1],
    ]);
    expectClose(metrics.matthewsCorrcoef([1, 1, 1, 0], [1, 0, 1, 1]), -0.3333333333333333, 1e-15);
    expectClose(metrics.cohenKappa([0, 1, 2, 2], [0, 2, 2, 1], { numClasses: 3 }), 0.19999999999999996, 1e-14);
    expectClose(
      metrics.topKAccuracy(
        [0, 1, 2],
        [
          [0.5, 0.3, 0.2],
          [0.5, 0.3, 0.2],
          [0.5, 0.3, 0.2],
        ],
        { topK: 2 },
      ),
      0.6666666666666666,
      1e-15,
    );
  });
});

describe('input layouts', () => {
  const r = rng(7);
  const N = 12,
    C = 3,
    D = 4;
  const scores3 = Array.from({ length: N }, () =>
    Array.from({ length: C }, () => Array.from({ length: D }, () => r())),
  );
  const labels2 = Array.from({ length: N }, () => Array.from({ length: D }, () => Math.floor(r() * C)));
  const w = Array.from({ length: N }, () => r());
  it('[N, C, d] scores with [N, d] targets equal the flattened [N·d, C] problem with repeated weights', () => {
    const flatScores = scores3.flatMap((s) => Array.from({ length: D }, (_, k) => s.map((row) => row[k])));
    const flatLabels = labels2.flat();
    const flatW = w.flatMap((x) => [x, x, x, x]);
    for (const m of ['f1', 'accuracy', 'confusionMatrix', 'matthewsCorrcoef'] as const) {
      const o = { task: 'multiclass' as const, numClasses: C };
      expectClose(
        ONE_SHOT[m](labels2, scores3, { ...o, sampleWeight: w }),
        ONE_SHOT[m](flatLabels, flatScores, { ...o, sampleWeight: flatW }),
        1e-12,
        1e-14,
        m,
      );
    }
  });
  it('one-hot targets, [N, 1] labels and [N] labels agree; binary [N, 1] equals [N]', () => {
    const s = scores3.map((x) => x.map((row) => row[0]));
    const y = labels2.map((x) => x[0]);
    const oneHot = y.map((k) => [0, 1, 2].map((j) => (j === k ? 1 : 0)));
    const a = metrics.accuracy(y, s, { task: 'multiclass' });
    expect(metrics.accuracy(oneHot, s, { task: 'multiclass' })).toBe(a);
    expect(
      metrics.accuracy(
        y.map((k) => [k]),
        s,
        { task: 'multiclass' },
      ),
    ).toBe(a);
    expect(getMetric('categorical_accuracy').update(oneHot, s).compute()).toBe(a);
    expect(metrics.topKAccuracy(oneHot, s, { topK: 2 })).toBe(metrics.topKAccuracy(y, s, { topK: 2 }));
    const yb = [0, 1, 1, 0, 1];
    const pb = [0.2, 0.7, 0.4, 0.9, 0.51];
    expect(
      metrics.f1(
        yb.map((v) => [v]),
        pb,
      ),
    ).toBe(metrics.f1(yb, pb));
    expect(
      metrics.f1(
        yb,
        pb.map((v) => [v]),
      ),
    ).toBe(metrics.f1(yb, pb));
  });
  it('Float32Array / Int32Array / tensor-like inputs', () => {
    const y = Int32Array.from([0, 1, 2, 2]);
    const p = { data: Float32Array.from([0.9, 0.1, 0, 0.2, 0.7, 0.1, 0.1, 0.8, 0.1, 0, 0, 1]), shape: [4, 3] };
    expect(metrics.accuracy(y, p, { task: 'multiclass' })).toBe(0.75);
  });
  it('threshold is strict (p > threshold), as torchmetrics and Keras', () => {
    expect(metrics.accuracy([1, 0], [0.5, 0.5])).toBe(0.5);
    expect(metrics.accuracy([1, 1], [0.5, 0.51], { threshold: 0.5 })).toBe(0.5);
    // logits compare against logit(threshold)
    expect(metrics.recall([1, 1, 1], [-0.1, 0.1, 2], { fromLogits: true })).toBeCloseTo(2 / 3, 15);
    expect(metrics.recall([1, 1, 1], [-1.2, -0.8, 2], { fromLogits: true, threshold: 0.25 })).toBeCloseTo(2 / 3, 15); // logit(0.25) = -1.0986
  });
});

describe('edge cases (documented results)', () => {
  it('no data or all-zero weights: 0/0 gives zeroDivision; MCC 0; kappa NaN; topK NaN', () => {
    for (const m of ['accuracy', 'precision', 'recall', 'f1'] as const) {
      expect(getMetric(m, { task: 'multiclass', numClasses: 3 }).compute()).toBe(0);
      expect(getMetric(m, { task: 'multiclass', numClasses: 3, zeroDivision: 1 }).compute()).toBe(1);
      expect(ONE_SHOT[m]([0, 1, 1], [0.1, 0.9, 0.2], { sampleWeight: [0, 0, 0], zeroDivision: 1 })).toBe(1);
      expect(
        Number.isNaN(ONE_SHOT[m]([0, 1, 1], [0.1, 0.9, 0.2], { sampleWeight: [0, 0, 0], zeroDivision: NaN }) as number),
      ).toBe(true);
    }
    expect(metrics.matthewsCorrcoef([0, 1], [0.1, 0.9], { sampleWeight: [0, 0] })).toBe(0);
    expect(Number.isNaN(metrics.cohenKappa([0, 1], [0.1, 0.9], { sampleWeight: [0, 0] }) as number)).toBe(true);
    expect(
      Number.isNaN(
        metrics.topKAccuracy(
          [0, 1],
          [
            [1, 0, 0],
            [0, 1, 0],
          ],
          { sampleWeight: [0, 0] },
        ) as number,
      ),
    ).toBe(true);
    expect(getMetric('confusionMatrix', { numClasses: 2 }).compute()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(getMetric('confusionMatrix', { task: 'multiclass' }).compute()).toEqual([]);
    expect(getMetric('f1', { task: 'multiclass' }).compute()).toBe(0);
  });
  it('single class everywhere', () => {
    // Only class 0 occurs: macro over the present class only (as scikit-learn), 'none' lists every class.
    expect(metrics.precision([0, 0, 0], [0, 0, 0], { task: 'multiclass', numClasses: 3 })).toBe(1);
    expect(metrics.f1([0, 0, 0], [0, 0, 0], { task: 'multiclass', numClasses: 3, average: 'none' })).toEqual([1, 0, 0]);
    expect(metrics.f1([1, 1], [0.9, 0.8])).toBe(1);
    expect(metrics.matthewsCorrcoef([1, 1], [0.9, 0.8])).toBe(0); // scikit-learn: 0 (undefined)
  });
  it('zeroDivision NaN: undefined per-class values are left out of averages (scikit-learn >= 1.3)', () => {
    // classes: 0 (tp 1), 1 (true once, never predicted → precision NaN), 2 (predicted once, never true → recall NaN)
    const yt = [0, 1, 0];
    const yp = [0, 2, 2];
    const o = { task: 'multiclass' as const, numClasses: 3, zeroDivision: NaN };
    expectClose(metrics.precision(yt, yp, { ...o, average: 'none' }), [1, NaN, 0]);
    expect(metrics.precision(yt, yp, { ...o, average: 'macro' })).toBe(0.5);
    expect(metrics.recall(yt, yp, { ...o, average: 'macro' })).toBe(0.25);
    // F: class 0 = 2/3; class 1 and 2 have one of P, R undefined and tp = 0 → 0.
    expectClose(metrics.f1(yt, yp, { ...o, average: 'none' }), [2 / 3, 0, 0], 1e-15);
    // NaN option survives JSON (null) and restores.
    const m = getMetric('precision', { ...o, average: 'macro' }).update(yt, yp);
    expect(restoreMetric(JSON.stringify(m.toJSON())).compute()).toBe(0.5);
  });
  it("multilabel 'samples' average: a sample with nothing true nor predicted scores zeroDivision (NaN: left out)", () => {
    const yt = [
      [1, 0],
      [0, 0],
    ];
    const yp = [
      [0.9, 0.1],
      [0.2, 0.3],
    ];
    const o = { task: 'multilabel' as const, average: 'samples' as const };
    expect(metrics.f1(yt, yp, o)).toBe(0.5);
    expect(metrics.f1(yt, yp, { ...o, zeroDivision: 1 })).toBe(1);
    expect(metrics.precision(yt, yp, { ...o, zeroDivision: NaN })).toBe(1);
    expect(metrics.f1(yt, yp, { ...o, zeroDivision: NaN, sampleWeight: [0, 1] })).toBeNaN();
  });
  it('ignoreIndex may be a valid class index (that class is then dropped)', () => {
    expect(
      metrics.accuracy(
        [0, 1, 2, 0],
        [
          [1, 0, 0],
          [0, 0, 1],
          [0, 0, 1],
          [0, 1, 0],
        ],
        { task: 'multiclass', ignoreIndex: 0 },
      ),
    ).toBe(0.5);
    expect(metrics.accuracy([0, 1, 2, 0], [0, 2, 2, 1], { task: 'multiclass', numClasses: 3, ignoreIndex: 0 })).toBe(
      0.5,
    );
  });
  it('ignoreIndex in multilabel drops single labels', () => {
    const yt = [
      [1, -1, 0],
      [0, 1, -1],
    ];
    const yp = [
      [0.9, 0.9, 0.1],
      [0.2, 0.1, 0.9],
    ];
    // Kept pairs: (1,1) (0,0) | (0,0) (1,0) → subset: sample 0 right, sample 1 wrong.
    expect(metrics.accuracy(yt, yp, { task: 'multilabel', ignoreIndex: -1 })).toBe(0.5);
    expect(metrics.accuracy(yt, yp, { task: 'multilabel', ignoreIndex: -1, average: 'micro' })).toBe(0.75);
    expect(metrics.recall(yt, yp, { task: 'multilabel', ignoreIndex: -1, average: 'micro' })).toBe(0.5);
  });
  it('merging a state that inferred fewer classes pads it', () => {
    const a = getMetric('confusionMatrix', { task: 'multiclass' }).update([0, 1], [1, 1]);
    const b = getMetric('confusionMatrix', { task: 'multiclass' }).update([3, 2], [3, 0]);
    expect(a.merge(restoreMetric(b.toJSON())).compute()).toEqual([
      [0, 1, 0, 0],
      [0, 1, 0, 0],
      [1, 0, 0, 0],
      [0, 0, 0, 1],
    ]);
  });
});

describe('bad inputs', () => {
  it('labels', () => {
    expectError(
      () => metrics.f1([0, 3, 1], [0, 1, 1], { task: 'multiclass', numClasses: 3 }),
      'INVALID_LABEL',
      'f1',
      "'yTrue'",
      '[0, 2]',
      'received 3',
      'index [1]',
    );
    expectError(
      () => metrics.f1([0, 1.5], [0, 1], { task: 'multiclass', numClasses: 3 }),
      'INVALID_LABEL',
      'not an integer',
    );
    expectError(
      () => metrics.f1([0, 1], [0, 7], { task: 'multiclass', numClasses: 3 }),
      'INVALID_LABEL',
      "'yPred'",
      'received 7',
    );
    expectError(() => metrics.precision([0, 2], [0.1, 0.9]), 'INVALID_LABEL', 'binary targets 0 or 1', 'received 2');
    expectError(
      () => metrics.recall([[0, 2]], [[0.1, 0.9]], { task: 'multilabel' }),
      'INVALID_LABEL',
      'multilabel targets 0 or 1',
    );
    expectError(
      () =>
        metrics.accuracy(
          [0, 3],
          [
            [0.1, 0.9, 0],
            [1, 0, 0],
          ],
          { task: 'multiclass' },
        ),
      'INVALID_LABEL',
      'yPred has 3 class scores',
    );
    expectError(
      () =>
        metrics.topKAccuracy(
          [0, 5],
          [
            [0.1, 0.9, 0],
            [1, 0, 0],
          ],
        ),
      'INVALID_LABEL',
      'received 5',
    );
    expectError(
      () => metrics.f1([-100, 1], [0, 1], { task: 'multiclass', numClasses: 3 }),
      'INVALID_LABEL',
      'received -100',
    );
  });
  it('probabilities, NaN, shapes, empty', () => {
    expectError(
      () => metrics.precision([0, 1], [0.1, 1.5]),
      'OUT_OF_RANGE',
      "'yPred'",
      'probabilities in [0, 1]',
      'fromLogits',
      'received 1.5',
    );
    expectError(() => metrics.precision([0, 1], [0.1, NaN]), 'NON_FINITE', "'yPred'", 'NaN', 'index [1]');
    expectError(
      () =>
        metrics.accuracy(
          [0, 1],
          [
            [0.1, 0.2],
            [NaN, 0.3],
          ],
          { task: 'multiclass' },
        ),
      'NON_FINITE',
      'index [1,0]',
    );
    expectError(
      () =>
        metrics.accuracy(
          [0, 1],
          [
            [0.1, 0.2],
            [0.4, NaN],
          ],
          { task: 'multiclass' },
        ),
      'NON_FINITE',
      'index [1,1]',
    );
    expectError(
      () => metrics.accuracy([0, 1, 1], [0.1, 0.2]),
      'SHAPE_MISMATCH',
      "'yPred' has shape [2]",
      "'yTrue' has shape [3]",
    );
    expectError(
      () => metrics.accuracy([0, 1, 1], [[0.1, 0.2]], { task: 'multiclass' }),
      'SHAPE_MISMATCH',
      'expected yTrue [N]',
    );
    expectError(
      () =>
        metrics.accuracy(
          [0, 1],
          [
            [0.1, 0.2, 0.7],
            [1, 0, 0],
          ],
          { task: 'multiclass', numClasses: 4 },
        ),
      'SHAPE_MISMATCH',
      '3 class scores',
      'numClasses is 4',
    );
    expectError(
      () =>
        getMetric('f1', { task: 'multilabel' })
          .update([[0, 1]], [[0.1, 0.2]])
          .update([[0, 1, 1]], [[0.1, 0.2, 0.3]]),
      'SHAPE_MISMATCH',
      'earlier batches had 2',
    );
    expectError(() => metrics.f1([], []), 'EMPTY_INPUT', "'yTrue' is empty");
    expectError(() => metrics.topKAccuracy([0, 1], [0, 1]), 'SHAPE_MISMATCH', 'class scores of shape [N, C]');
    expectError(() => metrics.f1([0, 1], [0.1, 0.9], { sampleWeight: [1, -1] }), 'OUT_OF_RANGE', 'sampleWeight');
  });
  it('options', () => {
    expectError(
      () => metrics.f1([0, 1], [0, 1], { task: 'multiclass', average: 'binary' }),
      'INVALID_OPTION',
      "'average'",
      "'micro'",
      'received "binary"',
    );
    expectError(
      () => metrics.f1([0, 1], [0, 1], { task: 'multiclass', average: 'samples' }),
      'INVALID_OPTION',
      "'average'",
    );
    expectError(() => metrics.accuracy([1], [1], { average: 'macro' }), 'INVALID_OPTION', "'average'");
    expectError(() => metrics.f1([0, 1], [0, 1], { task: 'multilabel', numClasses: 3 }), 'INVALID_OPTION', 'numLabels');
    expectError(() => metrics.f1([0, 1], [0, 1], { task: 'binary', numClasses: 3 }), 'INVALID_OPTION', 'must be 2');
    expectError(() => metrics.f1([0, 1], [0, 1], { zeroDivision: 2 }), 'INVALID_OPTION', 'zeroDivision');
    expectError(() => metrics.f1([0, 1], [0, 1], { threshold: 1.5 }), 'INVALID_OPTION', 'threshold');
    expectError(() => metrics.fbeta([0, 1], [0, 1], { beta: -1 }), 'INVALID_OPTION', 'beta');
    expectError(() => metrics.f1([0, 1], [0, 1], { beta: 2 }), 'INVALID_OPTION', "unknown option 'beta'");
    expectError(() => metrics.matthewsCorrcoef([[0, 1]], [[0, 1]], { task: 'multilabel' }), 'INVALID_OPTION', "'task'");
    expectError(
      () => metrics.cohenKappa([0, 1], [0, 1], { weights: 'cubic' as never }),
      'INVALID_OPTION',
      "'weights'",
      "'quadratic'",
    );
    expectError(
      () =>
        metrics.topKAccuracy(
          [0, 1],
          [
            [1, 0],
            [0, 1],
          ],
          { topK: 0 },
        ),
      'INVALID_OPTION',
      'topK',
    );
    expectError(
      () => metrics.f1([10, 20, 25], [10, 20, 20], { task: 'multiclass', labels: [10, 20, 30] }),
      'INVALID_LABEL',
      "'yTrue'",
      "'labels' [10, 20, 30]",
      'received 25',
      'index [2]',
    );
    expectError(
      () => metrics.f1([10, 20], [10, 21], { task: 'multiclass', labels: [10, 20] }),
      'INVALID_LABEL',
      "'yPred'",
      'received 21',
    );
    expectError(
      () => metrics.f1([1, 2], [1, 2], { task: 'multiclass', labels: [1, 2, 1] }),
      'INVALID_OPTION',
      "'labels'",
      '1 appears twice',
    );
    expectError(
      () => metrics.f1([1, 2], [0.1, 0.2], { task: 'binary', labels: [1, 2, 3] }),
      'INVALID_OPTION',
      'length 2',
    );
    expectError(
      () => metrics.f1([1, 2], [1, 2], { task: 'multiclass', numClasses: 3, labels: [1, 2] }),
      'INVALID_OPTION',
      "'numClasses' (3)",
      "'labels' (2)",
    );
    expectError(
      () => getMetric('f1', { average: 'macro' }).merge(getMetric('f1', { average: 'micro' })),
      'INCOMPATIBLE_STATE',
    );
    expectError(
      () =>
        getMetric('f1', { task: 'multilabel' })
          .update([[0, 1]], [[0, 1]])
          .merge(getMetric('f1', { task: 'multilabel' }).update([[0, 1, 1]], [[0, 1, 1]])),
      'INCOMPATIBLE_STATE',
      '2 labels',
      '3',
    );
  });
});

describe('registry', () => {
  it('aliases resolve to the canonical metrics with their dialect defaults', () => {
    const names = new Map(listMetrics().map((m) => [m.name, m.aliases.map((a) => a.name)]));
    expect(names.get('f1')).toEqual(expect.arrayContaining(['f1_score', 'F1Score']));
    expect(names.get('accuracy')).toEqual(
      expect.arrayContaining([
        'accuracy_score',
        'Accuracy',
        'binary_accuracy',
        'categorical_accuracy',
        'sparse_categorical_accuracy',
      ]),
    );
    expect(names.get('topKAccuracy')).toEqual(
      expect.arrayContaining([
        'top_k_accuracy_score',
        'top_k_categorical_accuracy',
        'sparse_top_k_categorical_accuracy',
      ]),
    );
    for (const n of [
      'precision_score',
      'Precision',
      'recall_score',
      'Recall',
      'fbeta_score',
      'FBetaScore',
      'confusion_matrix',
      'ConfusionMatrix',
      'matthews_corrcoef',
      'MatthewsCorrCoef',
      'cohen_kappa_score',
      'CohenKappa',
    ]) {
      expect(getMetric(n).name).not.toBe(n);
    }
    expect((getMetric('top_k_categorical_accuracy').config as { topK: number }).topK).toBe(5);
    expect((getMetric('top_k_accuracy_score').config as { topK: number }).topK).toBe(2);
    expect((getMetric('binary_accuracy').config as { task: string }).task).toBe('binary');
    expect((getMetric('top_k_categorical_accuracy', { topK: 3 }).config as { topK: number }).topK).toBe(3);
  });
});

describe('properties (fast-check)', () => {
  const C = 4;
  const L = 3;
  const row = fc.record({
    y: fc.integer({ min: 0, max: C - 1 }),
    s: fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: C, maxLength: C }),
    w: fc.integer({ min: 1, max: 3 }),
  });
  const mlRow = fc.record({
    y: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: L, maxLength: L }),
    p: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: L, maxLength: L }),
    w: fc.integer({ min: 1, max: 3 }),
  });
  const MC: [string, MetricOptions][] = [
    ['accuracy', {}],
    ['accuracy', { average: 'macro' }],
    ['precision', { average: 'macro' }],
    ['recall', { average: 'weighted' }],
    ['f1', { average: 'none' }],
    ['fbeta', { average: 'micro', beta: 0.5 }],
    ['confusionMatrix', { normalize: 'true' }],
    ['matthewsCorrcoef', {}],
    ['cohenKappa', { weights: 'quadratic' }],
    ['topKAccuracy', { topK: 2 }],
  ];
  const ML: [string, MetricOptions][] = [
    ['accuracy', {}],
    ['accuracy', { average: 'micro' }],
    ['precision', { average: 'samples' }],
    ['f1', { average: 'samples', zeroDivision: 1 }],
    ['recall', { average: 'macro' }],
    ['fbeta', { average: 'weighted', beta: 2 }],
  ];
  it('an integer sample weight k equals repeating the sample k times; row order does not matter (multiclass)', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 25 }), fc.integer(), (rows, seed) => {
        const rep = rows.flatMap((r) => Array.from({ length: r.w }, () => r));
        const perm = [...rows].sort((a, b) => ((a.y * 31 + seed) % 7) - ((b.y * 31 + seed) % 7));
        for (const [m, o] of MC) {
          const opts = { ...o, task: 'multiclass' as const, numClasses: C };
          const weighted = ONE_SHOT[m](
            rows.map((r) => r.y),
            rows.map((r) => r.s),
            { ...opts, sampleWeight: rows.map((r) => r.w) },
          );
          const repeated = ONE_SHOT[m](
            rep.map((r) => r.y),
            rep.map((r) => r.s),
            opts,
          );
          const permuted = ONE_SHOT[m](
            perm.map((r) => r.y),
            perm.map((r) => r.s),
            { ...opts, sampleWeight: perm.map((r) => r.w) },
          );
          expectClose(weighted, repeated, 1e-12, 1e-12, `${m} weights vs repeats`);
          expectClose(permuted, repeated, 1e-12, 1e-12, `${m} permutation`);
        }
      }),
      { numRuns: 60 },
    );
  });
  it('an integer sample weight k equals repeating the sample k times (multilabel)', () => {
    fc.assert(
      fc.property(fc.array(mlRow, { minLength: 1, maxLength: 20 }), (rows) => {
        const rep = rows.flatMap((r) => Array.from({ length: r.w }, () => r));
        for (const [m, o] of ML) {
          const opts = { ...o, task: 'multilabel' as const, numLabels: L };
          const weighted = ONE_SHOT[m](
            rows.map((r) => r.y),
            rows.map((r) => r.p),
            { ...opts, sampleWeight: rows.map((r) => r.w) },
          );
          const repeated = ONE_SHOT[m](
            rep.map((r) => r.y),
            rep.map((r) => r.p),
            opts,
          );
          expectClose(weighted, repeated, 1e-12, 1e-12, `${m} weights vs repeats`);
        }
      }),
      { numRuns: 60 },
    );
  });
  it('binary [N, L] inputs equal the flattened [N·L] problem (Keras Precision / binary_accuracy over every element)', () => {
    fc.assert(
      fc.property(fc.array(mlRow, { minLength: 1, maxLength: 20 }), (rows) => {
        for (const m of ['accuracy', 'precision', 'recall', 'f1', 'matthewsCorrcoef'] as const) {
          const a = ONE_SHOT[m](
            rows.map((r) => r.y),
            rows.map((r) => r.p),
            { sampleWeight: rows.map((r) => r.w) },
          );
          const b = ONE_SHOT[m](
            rows.flatMap((r) => r.y),
            rows.flatMap((r) => r.p),
            { sampleWeight: rows.flatMap((r) => [r.w, r.w, r.w]) },
          );
          expectClose(a, b, 1e-12, 1e-12, m);
        }
      }),
      { numRuns: 40 },
    );
  });
});
