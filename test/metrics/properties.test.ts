/**
 * Property tests (fast-check) of the regression metrics and loss metrics: merging is associative
 * and commutative, any split of the data equals the whole, row order does not matter, zero-weight
 * samples contribute nothing, and toJSON / restoreMetric is bit-exact (NaN and ±Infinity fields
 * included).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getMetric, restoreMetric, type Metric, type MetricOptions, type MetricValue } from '../../src/index.js';
import { expectClose } from '../helpers.js';

interface Data {
  yTrue: number[][];
  yPred: number[][];
  w: number[];
}

interface Subject {
  metric: string;
  options?: MetricOptions;
  /** Non-negative values only (MSLE). */
  nonNegative?: boolean;
  /** Outputs per row (cosine: the vector length). */
  d: number;
}

const SUBJECTS: Subject[] = [
  { metric: 'meanAbsoluteError', d: 2 },
  { metric: 'meanSquaredError', d: 1 },
  { metric: 'rootMeanSquaredError', options: { multioutput: 'rawValues' }, d: 2 },
  { metric: 'RootMeanSquaredError', d: 2 },
  { metric: 'meanSquaredLogError', nonNegative: true, d: 2 },
  { metric: 'meanAbsolutePercentageError', d: 1 },
  { metric: 'r2Score', d: 1 },
  { metric: 'r2Score', options: { multioutput: 'varianceWeighted' }, d: 3 },
  { metric: 'explainedVariance', options: { multioutput: 'rawValues' }, d: 2 },
  { metric: 'pearsonCorrcoef', d: 1 },
  { metric: 'pearsonCorrcoef', options: { multioutput: 'rawValues' }, d: 2 },
  { metric: 'spearmanCorrcoef', options: { multioutput: 'rawValues' }, d: 2 },
  { metric: 'cosineSimilarity', d: 3 },
  { metric: 'CosineSimilarity', d: 3 },
  { metric: 'loss', options: { loss: 'meanSquaredError' }, d: 2 },
  { metric: 'loss', options: { loss: 'huber', lossOptions: { delta: 0.5 } }, d: 1 },
];

// Values on a 0.01 grid (ties happen, exact zeros happen); weights in [0, 4] with many zeros.
const value = (nonNeg: boolean): fc.Arbitrary<number> =>
  fc.integer({ min: nonNeg ? 0 : -2000, max: 2000 }).map((v) => v / 100);
const weight = fc.oneof(
  fc.constant(0),
  fc.constant(1),
  fc.integer({ min: 1, max: 400 }).map((v) => v / 100),
);

function dataArb(s: Subject, minRows = 2, maxRows = 24): fc.Arbitrary<Data> {
  return fc.integer({ min: minRows, max: maxRows }).chain((n) => {
    const row = fc.array(value(s.nonNegative ?? false), { minLength: s.d, maxLength: s.d });
    return fc.record({
      yTrue: fc.array(row, { minLength: n, maxLength: n }),
      yPred: fc.array(row, { minLength: n, maxLength: n }),
      w: fc.array(weight, { minLength: n, maxLength: n }),
    });
  });
}

function fresh(s: Subject): Metric<object> {
  return getMetric(s.metric, s.options ?? {});
}

function feed(m: Metric<object>, d: Data, lo = 0, hi = d.w.length): Metric<object> {
  if (hi > lo) m.update(d.yTrue.slice(lo, hi), d.yPred.slice(lo, hi), { sampleWeight: d.w.slice(lo, hi) });
  return m;
}

function close(a: MetricValue, b: MetricValue, label: string): void {
  expectClose(a as number | number[], b as number | number[], 1e-8, 1e-10, label);
}

const RUNS = { numRuns: 60 };

describe.each(SUBJECTS.map((s) => [`${s.metric} ${JSON.stringify(s.options ?? {})}`, s] as const))(
  '%s',
  (_label, s) => {
    it('any split equals the whole (streaming and merged)', () => {
      fc.assert(
        fc.property(dataArb(s), fc.nat(), (d, k) => {
          const cut = k % (d.w.length + 1);
          const whole = feed(fresh(s), d).compute();
          close(feed(feed(fresh(s), d, 0, cut), d, cut).compute(), whole, 'streamed');
          close(
            feed(fresh(s), d, 0, cut)
              .merge(feed(fresh(s), d, cut))
              .compute(),
            whole,
            'merged',
          );
        }),
        RUNS,
      );
    });

    it('merge is associative and commutative', () => {
      fc.assert(
        fc.property(dataArb(s, 3), fc.nat(), fc.nat(), (d, i, j) => {
          const n = d.w.length;
          const [a, b] = [i % (n + 1), j % (n + 1)].sort((x, y) => x - y);
          const A = (): Metric<object> => feed(fresh(s), d, 0, a);
          const B = (): Metric<object> => feed(fresh(s), d, a, b);
          const C = (): Metric<object> => feed(fresh(s), d, b, n);
          const left = A().merge(B()).merge(C()).compute();
          close(left, feed(fresh(s), d).compute(), '(A+B)+C vs whole');
          close(A().merge(B().merge(C())).compute(), left, 'A+(B+C)');
          close(C().merge(A()).merge(B()).compute(), left, '(C+A)+B');
          close(B().merge(C()).merge(A()).compute(), left, '(B+C)+A');
        }),
        RUNS,
      );
    });

    it('row order does not matter', () => {
      fc.assert(
        fc.property(
          dataArb(s).chain((d) =>
            fc.tuple(
              fc.constant(d),
              fc.shuffledSubarray([...d.w.keys()], { minLength: d.w.length, maxLength: d.w.length }),
            ),
          ),
          ([d, perm]) => {
            const p: Data = {
              yTrue: perm.map((i) => d.yTrue[i]),
              yPred: perm.map((i) => d.yPred[i]),
              w: perm.map((i) => d.w[i]),
            };
            close(feed(fresh(s), p).compute(), feed(fresh(s), d).compute(), 'permuted');
          },
        ),
        RUNS,
      );
    });

    it('zero-weight samples contribute nothing', () => {
      fc.assert(
        fc.property(dataArb(s), dataArb(s, 1, 8), fc.nat(), (d, extra, k) => {
          const at = k % (d.w.length + 1);
          const z: Data = {
            yTrue: [...d.yTrue.slice(0, at), ...extra.yTrue, ...d.yTrue.slice(at)],
            yPred: [...d.yPred.slice(0, at), ...extra.yPred, ...d.yPred.slice(at)],
            w: [...d.w.slice(0, at), ...extra.w.map(() => 0), ...d.w.slice(at)],
          };
          close(feed(fresh(s), z).compute(), feed(fresh(s), d).compute(), 'with zero-weight rows');
        }),
        RUNS,
      );
    });

    it('toJSON / restoreMetric is bit-exact, also with NaN and ±Infinity in the state', () => {
      const huge = (v: number): number => v * 1e306; // squares and moments overflow to Infinity, then NaN
      fc.assert(
        fc.property(dataArb(s), fc.boolean(), (d, overflow) => {
          const data =
            overflow && !s.metric.startsWith('loss')
              ? { ...d, yTrue: d.yTrue.map((r) => r.map(huge)), yPred: d.yPred.map((r) => r.map(huge)) }
              : d;
          let m: Metric<object>;
          try {
            m = feed(fresh(s), data);
          } catch {
            return; // e.g. a non-finite loss input rejected by validation
          }
          const json = JSON.stringify(m.toJSON());
          const back = restoreMetric(json);
          expect(JSON.stringify(back.toJSON())).toBe(json);
          const [x, y] = [m.compute(), back.compute()];
          expect(Object.is(x, y) || JSON.stringify(x) === JSON.stringify(y)).toBe(true);
        }),
        RUNS,
      );
    });
  },
);

it('the overflow case really puts non-finite numbers in the JSON state', () => {
  const m = getMetric('r2Score').update([1e306, -1e306, 3e306], [2e306, 0, 1e306]);
  const json = JSON.stringify(m.toJSON());
  expect(json).toMatch(/"Infinity"|"NaN"/);
  expect(JSON.stringify(restoreMetric(json).toJSON())).toBe(json);
});

it('spearman: a constant column is NaN in every row order (the seed 232826531 counterexample)', () => {
  // fast-check seed 232826531 shrank "row order does not matter" to this: yPred's first column is
  // constant, so SciPy's spearmanr gives NaN (ConstantInputWarning; test/fixtures/metrics-regression.json
  // has the integer-weight cases from SciPy). The weighted mean of the tied ranks used to round to
  // a value a few ulps off the ranks, giving 1 in this order and NaN in the other.
  const yTrue = [
    [0.09, 0],
    [0, 0],
    [0.09, 0],
    [0.09, 0],
  ];
  const yPred = [
    [0, 0],
    [0, 0],
    [0, 0],
    [0, 0],
  ];
  const w = [0.36, 0, 0.67, 1.4];
  for (const order of [
    [0, 1, 2, 3],
    [0, 1, 3, 2],
    [3, 2, 1, 0],
  ]) {
    const r = getMetric('spearmanCorrcoef', { multioutput: 'rawValues' })
      .update(
        order.map((i) => yTrue[i]),
        order.map((i) => yPred[i]),
        { sampleWeight: order.map((i) => w[i]) },
      )
      .compute();
    expect(r, `order ${order.join(',')}`).toEqual([NaN, NaN]);
  }
});
