/**
 * The Keras confusion metrics (src/metrics/keras-confusion.ts) and Keras accuracy variants
 * (src/metrics/keras-accuracy.ts) beyond the ported test suites: the literal examples of Keras's
 * own docstrings, streaming (two batches, merge, JSON round trip give the one-batch value),
 * Keras's rules that the ported tests do not reach (clipping with evenly spaced thresholds, top-k
 * ties, class_id after top_k, per-element weights), typed results, and bad input.
 */
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { getMetric, restoreMetric } from '../../src/index.js';
import { expectLosskitError as expectError } from '../helpers.js';

type In = number[] | number[][];
function run(name: string, options: Record<string, unknown>, yTrue: In, yPred: In, sampleWeight?: In): unknown {
  const m = getMetric(name, options);
  m.update(yTrue, yPred, sampleWeight === undefined ? {} : { sampleWeight });
  return m.compute();
}

// keras-team/keras 0f78f8e, keras/src/metrics/confusion_metrics.py and accuracy_metrics.py: the
// `Example:` blocks of each class docstring (inputs, sample weights and printed result literally).
const DOCSTRINGS: [string, Record<string, unknown>, In, In, In | undefined, number][] = [
  ['FalsePositives', {}, [0, 1, 0, 0], [0, 0, 1, 1], undefined, 2],
  ['FalsePositives', {}, [0, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 0], 1],
  ['FalseNegatives', {}, [0, 1, 1, 1], [0, 1, 0, 0], undefined, 2],
  ['FalseNegatives', {}, [0, 1, 1, 1], [0, 1, 0, 0], [0, 0, 1, 0], 1],
  ['TrueNegatives', {}, [0, 1, 0, 0], [1, 1, 0, 0], undefined, 2],
  ['TrueNegatives', {}, [0, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], 1],
  ['TruePositives', {}, [0, 1, 1, 1], [1, 0, 1, 1], undefined, 2],
  ['TruePositives', {}, [0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0], 1],
  ['precisionAtThresholds', {}, [0, 1, 1, 1], [1, 0, 1, 1], undefined, 0.6666667],
  ['precisionAtThresholds', {}, [0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0], 1],
  ['precisionAtThresholds', { topK: 2 }, [0, 0, 1, 1], [1, 1, 1, 1], undefined, 0],
  ['precisionAtThresholds', { topK: 4 }, [0, 0, 1, 1], [1, 1, 1, 1], undefined, 0.5],
  ['recallAtThresholds', {}, [0, 1, 1, 1], [1, 0, 1, 1], undefined, 0.6666667],
  ['recallAtThresholds', {}, [0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0], 1],
  ['SensitivityAtSpecificity', { specificity: 0.5 }, [0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8], undefined, 0.5],
  [
    'SensitivityAtSpecificity',
    { specificity: 0.5 },
    [0, 0, 0, 1, 1],
    [0, 0.3, 0.8, 0.3, 0.8],
    [1, 1, 2, 2, 1],
    0.333333,
  ],
  ['SpecificityAtSensitivity', { sensitivity: 0.5 }, [0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8], undefined, 0.66666667],
  ['SpecificityAtSensitivity', { sensitivity: 0.5 }, [0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8], [1, 1, 2, 2, 2], 0.5],
  ['PrecisionAtRecall', { recall: 0.5 }, [0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8], undefined, 0.5],
  ['PrecisionAtRecall', { recall: 0.5 }, [0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8], [2, 2, 2, 1, 1], 0.33333333],
  ['RecallAtPrecision', { precision: 0.8 }, [0, 0, 1, 1], [0, 0.5, 0.3, 0.9], undefined, 0.5],
  ['RecallAtPrecision', { precision: 0.8 }, [0, 0, 1, 1], [0, 0.5, 0.3, 0.9], [1, 0, 0, 1], 1],
  ['elementwiseAccuracy', {}, [[1], [2], [3], [4]], [[0], [2], [3], [1]], undefined, 0.5],
  ['elementwiseAccuracy', {}, [[1], [2], [3], [4]], [[0], [2], [3], [1]], [1, 1, 0, 0], 0.5],
];

describe("Keras's docstring examples", () => {
  it.each(DOCSTRINGS.map((d, i) => [`${d[0]} ${JSON.stringify(d[1])} #${i}`, d] as const))('%s', (_l, d) => {
    const [name, options, yTrue, yPred, w, expected] = d;
    expect(run(name, options, yTrue, yPred, w)).toBeCloseTo(expected, 6);
  });
});

const yTrue = [
  [0, 1, 1, 0],
  [1, 0, 0, 0],
  [0, 0, 0, 0],
  [1, 1, 1, 1],
];
const yPred = [
  [0.9, 0.2, 0.8, 0.1],
  [0.2, 0.9, 0.7, 0.6],
  [0.1, 0.2, 0.4, 0.3],
  [0, 1, 0.7, 0.3],
];
const perElement = [
  [1, 2, 3, 5],
  [7, 11, 13, 17],
  [19, 23, 29, 31],
  [5, 15, 10, 0],
];

describe('streaming', () => {
  const configs: [string, Record<string, unknown>][] = [
    ['truePositives', { thresholds: [0.85, 0.15, 0.5] }],
    ['trueNegatives', { thresholds: [0, 0.5, 1] }],
    ['precisionAtThresholds', { topK: 2, threshold: 0.3 }],
    ['recallAtThresholds', { classId: 2 }],
    ['sensitivityAtSpecificity', { specificity: 0.6, thresholds: 11 }],
    ['recallAtPrecision', { precision: 0.5, classId: 1 }],
    ['elementwiseAccuracy', {}],
  ];
  it.each(configs)('%s %j: two batches = merged halves = restored state = one batch', (name, options) => {
    const yp = name === 'elementwiseAccuracy' ? yPred.map((r) => r.map((v) => Math.round(v))) : yPred;
    const one = getMetric(name, options).update(yTrue, yp, { sampleWeight: perElement });
    const a = getMetric(name, options).update(yTrue.slice(0, 2), yp.slice(0, 2), {
      sampleWeight: perElement.slice(0, 2),
    });
    const b = getMetric(name, options).update(yTrue.slice(2), yp.slice(2), { sampleWeight: perElement.slice(2) });
    const streamed = getMetric(name, options)
      .update(yTrue.slice(0, 2), yp.slice(0, 2), { sampleWeight: perElement.slice(0, 2) })
      .update(yTrue.slice(2), yp.slice(2), { sampleWeight: perElement.slice(2) });
    const merged = a.clone().merge(b);
    const restored = restoreMetric(JSON.stringify(merged.toJSON()));
    for (const m of [streamed, merged, restored]) expect(m.compute()).toEqual(one.compute());
  });
});

describe("Keras's rules", () => {
  it('thresholds: one result per threshold, in the order given; score > t (a score equal to t is negative)', () => {
    expect(run('truePositives', { thresholds: [0.85, 0.15, 0.5] }, yTrue, yPred)).toEqual([1, 6, 3]);
    expect(run('truePositives', { threshold: 0.7 }, [1, 1], [0.7, 0.71])).toBe(1);
    expect(run('truePositives', { thresholds: [0.7] }, [1, 1], [0.7, 0.71])).toEqual([1]);
  });

  it('evenly spaced thresholds clip scores to [0, 1] first (Keras bucketed update); other lists do not', () => {
    // 1.5 is above 1 only without the clip; -0.5 is below 0 either way
    expect(run('truePositives', { thresholds: [0, 0.5, 1] }, [1, 1, 1], [1.5, 0.7, -0.5])).toEqual([2, 2, 0]);
    expect(run('truePositives', { thresholds: [0.5, 1] }, [1, 1, 1], [1.5, 0.7, -0.5])).toEqual([2, 1]);
    // logits with threshold 0 (Keras's advice for from_logits models): no clip with one threshold
    expect(run('falsePositives', { threshold: 0 }, [0, 0, 1], [2.5, -1, 3])).toBe(1);
  });

  it('topK keeps the k largest per row (ties: lower index first), then classId picks a column', () => {
    // row maxima: [0.5, 0.5] tie at columns 1 and 2 — top-1 keeps column 1 only
    expect(run('truePositives', { topK: 1 }, [[0, 0, 1]], [[0.1, 0.5, 0.5]])).toBe(0);
    expect(run('falsePositives', { topK: 1 }, [[0, 0, 1]], [[0.1, 0.5, 0.5]])).toBe(1);
    expect(run('truePositives', { topK: 2 }, [[0, 0, 1]], [[0.1, 0.5, 0.5]])).toBe(1);
    // classId after topK: column 2 is never among the top 1 here, always among the top 2
    expect(run('precisionAtThresholds', { topK: 1, classId: 2 }, yTrue, yPred)).toBe(0);
    // without a threshold every kept score is positive (Keras: NEG_INF), 0.4 of row 2 included
    expect(run('precisionAtThresholds', { topK: 2, classId: 2 }, yTrue, yPred)).toBe(0.5);
    expect(run('precisionAtThresholds', { topK: 2, classId: 2, threshold: 0.5 }, yTrue, yPred)).toBeCloseTo(2 / 3, 15);
    expect(run('precisionAtThresholds', { classId: 2 }, yTrue, yPred)).toBeCloseTo(2 / 3, 15);
  });

  it('weights: per sample [N] = [N, 1]; per element [N, C] and [1, C] broadcast; a number', () => {
    const w = [1, 2, 3, 4];
    const a = run('falseNegatives', { thresholds: [0.5] }, yTrue, yPred, w);
    expect(
      run(
        'falseNegatives',
        { thresholds: [0.5] },
        yTrue,
        yPred,
        w.map((v) => [v]),
      ),
    ).toEqual(a);
    expect(
      run('falseNegatives', { thresholds: [0.5] }, yTrue, yPred, [
        [1, 1, 1, 1],
        [2, 2, 2, 2],
        [3, 3, 3, 3],
        [4, 4, 4, 4],
      ]),
    ).toEqual(a);
    expect(run('trueNegatives', { thresholds: [0.15, 0.5, 0.85] }, yTrue, yPred, [[0, 2, 3, 5]])).toEqual([5, 15, 23]);
    const m = getMetric('truePositives', { thresholds: [0.15, 0.5, 0.85] });
    m.update(yTrue, yPred, { sampleWeight: 37 });
    expect(m.compute()).toEqual([222, 111, 37]);
  });

  it('no data: rates and counts are 0 (Keras divide_no_nan)', () => {
    expect(getMetric('precisionAtThresholds').compute()).toBe(0);
    expect(getMetric('truePositives', { thresholds: [0.2, 0.4] }).compute()).toEqual([0, 0]);
    expect(getMetric('recallAtPrecision', { precision: 0.9 }).compute()).toBe(0);
    expect(getMetric('elementwiseAccuracy').compute()).toBe(0);
  });

  it('elementwiseAccuracy compares [N, k] label tensors element by element (canonical accuracy does not)', () => {
    const t = [
      [1, 2],
      [3, 4],
    ];
    const p = [
      [0, 2],
      [3, 4],
    ];
    expect(run('elementwiseAccuracy', {}, t, p)).toBe(0.75);
    expect(
      run('elementwiseAccuracy', {}, t, p, [
        [1, 0],
        [0, 1],
      ]),
    ).toBe(0.5);
    expect(run('elementwiseAccuracy', {}, t, p, [[1, 0]])).toBe(0.5);
    expectError(() => run('accuracy', { task: 'multiclass' }, t, p), 'INVALID_LABEL');
  });

  it("topKAccuracy fromSortedIds: yPred holds each row's class ids, best first", () => {
    const ids = [
      [1, 0, 3],
      [1, 2, 3],
    ];
    expect(run('SparseTopKCategoricalAccuracy', { topK: 1, fromSortedIds: true }, [2, 1], ids)).toBe(0.5);
    expect(run('topKAccuracy', { topK: 2, fromSortedIds: true }, [2, 1], ids, [0.7, 0.3])).toBeCloseTo(0.3, 12);
    expect(run('topKAccuracy', { topK: 3, fromSortedIds: true }, [[3], [0]], ids)).toBe(0.5);
    // k larger than the ids given: all of them
    expect(run('topKAccuracy', { topK: 9, fromSortedIds: true }, [0, 0], ids)).toBe(0.5);
    // the plain metric's state fingerprint does not change
    expect(getMetric('topKAccuracy').fingerprint).not.toMatch(/fromSortedIds/);
  });
});

describe('typed results', () => {
  it('a number by default or with threshold, number[] with a thresholds list', () => {
    expectTypeOf(getMetric('truePositives').compute()).toEqualTypeOf<number>();
    expectTypeOf(getMetric('TruePositives', { threshold: 0.3 }).compute()).toEqualTypeOf<number>();
    expectTypeOf(getMetric('precisionAtThresholds', { thresholds: [0.3, 0.6] }).compute()).toEqualTypeOf<number[]>();
    expectTypeOf(getMetric('RecallAtPrecision', { precision: 0.8 }).compute()).toEqualTypeOf<number>();
    expectTypeOf(getMetric('elementwiseAccuracy').compute()).toEqualTypeOf<number>();
  });
});

describe('bad input', () => {
  it('options', () => {
    expectError(
      () => getMetric('truePositives', { thresholds: 0.5 as never }),
      'INVALID_OPTION',
      "'thresholds'",
      "'threshold'",
    );
    expectError(() => getMetric('truePositives', { thresholds: [] }), 'INVALID_OPTION', 'non-empty');
    expectError(() => getMetric('truePositives', { thresholds: [0.5, 1.2] }), 'INVALID_OPTION', '[0, 1]', '1.2');
    expectError(() => getMetric('truePositives', { threshold: 0.5, thresholds: [0.5] }), 'INVALID_OPTION', 'exclude');
    expectError(() => getMetric('precisionAtThresholds', { topK: 0 }), 'INVALID_OPTION', "'topK'");
    expectError(() => getMetric('recallAtThresholds', { classId: -1 }), 'INVALID_OPTION', "'classId'");
    expectError(() => getMetric('SensitivityAtSpecificity'), 'INVALID_OPTION', "'specificity'", 'required');
    expectError(() => getMetric('PrecisionAtRecall', { recall: 1.5 }), 'INVALID_OPTION', "'recall'");
    expectError(
      () => getMetric('RecallAtPrecision', { precision: 0.5, thresholds: 0 }),
      'INVALID_OPTION',
      "'thresholds'",
    );
    expectError(() => getMetric('RecallAtPrecision', { precision: 0.5, thresholds: 1e12 }), 'OUT_OF_RANGE', 'limit');
    expectError(
      () => getMetric('topKAccuracy', { fromSortedIds: true, numClasses: 3 }),
      'INVALID_OPTION',
      'numClasses',
    );
    expectError(() => getMetric('topKAccuracy', { fromSortedIds: 'yes' as never }), 'INVALID_OPTION', 'fromSortedIds');
    expectError(() => getMetric('topKAccuracy', { fromSortedIds: true, task: 'binary' }), 'INVALID_OPTION', "'binary'");
  });

  it('data', () => {
    expectError(() => run('truePositives', {}, [0, 2], [0.1, 0.9]), 'INVALID_LABEL', '0/1', 'flat index 1');
    expectError(() => run('truePositives', {}, [0, 1], [0.1, NaN]), 'NON_FINITE', 'yPred');
    expectError(() => run('truePositives', {}, [0, 1, 1], [0.1, 0.2]), 'SHAPE_MISMATCH');
    expectError(() => run('recallAtThresholds', { classId: 0 }, [0, 1], [0.1, 0.2]), 'SHAPE_MISMATCH', "'classId'");
    expectError(() => run('recallAtThresholds', { classId: 4 }, yTrue, yPred), 'INVALID_OPTION', 'classId < 4');
    expectError(() => run('precisionAtThresholds', { topK: 5 }, yTrue, yPred), 'SHAPE_MISMATCH', 'topK <= 4');
    expectError(() => run('elementwiseAccuracy', {}, [1, 2], [1, Infinity]), 'NON_FINITE', 'yPred');
    expectError(
      () =>
        run(
          'topKAccuracy',
          { fromSortedIds: true },
          [1, 0],
          [
            [0.5, 1],
            [1, 0],
          ],
        ),
      'INVALID_LABEL',
      'class ids',
    );
    expectError(
      () =>
        run(
          'topKAccuracy',
          { fromSortedIds: true },
          [1, 0, 1],
          [
            [0, 1],
            [1, 0],
          ],
        ),
      'SHAPE_MISMATCH',
    );
  });
});

describe('layouts', () => {
  it('[N] against [N, 1] is [N, 1], as Keras expands the rank-1 side (rows of one score for topK)', () => {
    const t = [0, 1, 1];
    const p = [0.2, 0.9, 0.4];
    const col = (v: number[]) => v.map((x) => [x]);
    // the plain [N] layout: one row, top 1 = 0.9 only
    expect(run('truePositives', { topK: 1 }, t, p)).toBe(1);
    // [N, 1] on either side: every row's only score is its top 1
    expect(run('truePositives', { topK: 1 }, col(t), p)).toBe(2);
    expect(run('truePositives', { topK: 1 }, t, col(p))).toBe(2);
    expect(run('truePositives', { topK: 1 }, col(t), col(p))).toBe(2);
    expect(run('recallAtThresholds', { classId: 0 }, t, col(p))).toBe(0.5);
    expectError(() => run('recallAtThresholds', { classId: 0 }, t, p), 'SHAPE_MISMATCH', "'classId'");
  });
});

it('a restored state whose counts do not describe one data set is refused (INVALID_INPUT)', () => {
  const m = getMetric('precisionAtThresholds', { thresholds: [0.2, 0.6] }).update([0, 1, 1], [0.3, 0.5, 0.9]);
  const j = JSON.parse(JSON.stringify(m.toJSON())) as { state: { fn: { f64: number[] } } };
  j.state.fn.f64[1] += 1;
  expectError(() => restoreMetric(JSON.stringify(j)), 'INVALID_INPUT', "'tp' + 'fn'");
  expect(restoreMetric(JSON.stringify(m.toJSON())).compute()).toEqual(m.compute());
});

it('topK against its definition: kept iff fewer than k scores rank before it (larger, or equal at a lower index)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }).chain((C) =>
        fc.record({
          k: fc.integer({ min: 1, max: C }),
          rows: fc.array(fc.array(fc.constantFrom(0, 0.25, 0.5, 0.75, 1), { minLength: C, maxLength: C }), {
            minLength: 1,
            maxLength: 5,
          }),
        }),
      ),
      ({ k, rows }) => {
        // with every label 1 and no threshold, truePositives counts exactly the kept scores
        let kept = 0;
        for (const r of rows)
          r.forEach((v, j) => {
            const before = r.filter((u, q) => u > v || (u === v && q < j)).length;
            if (before < k) kept++;
          });
        const ones = rows.map((r) => r.map(() => 1));
        expect(run('truePositives', { topK: k }, ones, rows)).toBe(kept);
        // and column by column
        for (let j = 0; j < rows[0].length; j++) {
          const col = rows.filter((r) => r.filter((u, q) => u > r[j] || (u === r[j] && q < j)).length < k).length;
          expect(run('truePositives', { topK: k, classId: j }, ones, rows)).toBe(col);
        }
      },
    ),
    { numRuns: 200 },
  );
});
