/**
 * Property test of `restoreMetric` over the whole metric registry (`listMetrics()`): for every
 * metric (several option layouts each), a valid state is built from random data, serialised,
 * then tampered with — a field truncated, extended, retyped, made negative or NaN, given a huge
 * declared length, removed, or joined by an unknown field. Every tampered state must be refused
 * with `INVALID_INPUT` or `INCOMPATIBLE_STATE`: never a value, never another error, never a hang.
 * The untampered state must restore to the same value (so the checks are not just refusing all).
 *
 * Which tampers apply to a field comes from the metric's own declaration (`stateSchema()`): NaN is
 * only a tamper where the field's domain excludes NaN, a negative value where it excludes
 * negatives, a huge number where the field is a length (`size`), truncation / extension except
 * where the length is free data (`freeLength`: the per-output sums of MAE / MSE / RMSE / MSLE /
 * MAPE, whose number of outputs nothing else records).
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LosskitError, getMetric, listMetrics, restoreMetric, type MetricOptions } from '../../src/index.js';

type Layout = 'binary' | 'multiclass' | 'multilabel' | 'regression' | 'vectors' | 'sortedIds';

interface Case {
  options: MetricOptions;
  layout: Layout;
  nonNegative?: boolean;
}

const cls = (extra: MetricOptions = {}): Case[] => [
  { options: { ...extra }, layout: 'binary' },
  { options: { numClasses: 3, ...extra }, layout: 'multiclass' },
  { options: { task: 'multiclass', ...extra }, layout: 'multiclass' },
  { options: { numLabels: 3, ...extra }, layout: 'multilabel' },
  { options: { task: 'multilabel', ...extra }, layout: 'multilabel' },
];
const reg = (options: MetricOptions = {}, nonNegative = false): Case[] => [
  { options, layout: 'regression', nonNegative },
];

/** Option layouts per canonical metric name; the test fails if a registered metric is missing here. */
const CASES: Record<string, Case[]> = {
  accuracy: cls(),
  precision: [...cls(), { options: { task: 'multilabel', average: 'samples' }, layout: 'multilabel' }],
  recall: cls(),
  f1: cls(),
  fbeta: [...cls({ beta: 2 }), ...cls({ beta: Infinity })],
  support: cls(),
  topKAccuracy: [
    { options: { numClasses: 3, topK: 2 }, layout: 'multiclass' },
    { options: { topK: 2, fromSortedIds: true }, layout: 'sortedIds' },
    { options: { topK: 1 }, layout: 'multiclass' },
    { options: { task: 'binary', topK: 1 }, layout: 'binary' },
  ],
  confusionMatrix: [
    { options: { numClasses: 3 }, layout: 'multiclass' },
    { options: { task: 'multiclass' }, layout: 'multiclass' },
    { options: {}, layout: 'binary' },
  ],
  matthewsCorrcoef: [
    { options: { numClasses: 3 }, layout: 'multiclass' },
    { options: {}, layout: 'binary' },
  ],
  cohenKappa: [
    { options: { numClasses: 3, weights: 'quadratic' }, layout: 'multiclass' },
    { options: { task: 'multiclass', weights: 'linear' }, layout: 'multiclass' },
    { options: { task: 'multiclass' }, layout: 'multiclass' },
  ],
  auroc: [
    { options: {}, layout: 'binary' },
    { options: { numClasses: 3 }, layout: 'multiclass' },
    { options: { numClasses: 3, average: 'micro' }, layout: 'multiclass' },
    { options: { numClasses: 3, multiClass: 'ovo' }, layout: 'multiclass' },
    { options: { numLabels: 3, average: 'samples' }, layout: 'multilabel' },
    { options: { thresholds: 11 }, layout: 'binary' },
    { options: { numClasses: 3, thresholds: 7 }, layout: 'multiclass' },
  ],
  binnedAuc: [
    { options: {}, layout: 'binary' },
    { options: { thresholds: [0.3, 0.6], curve: 'PR' }, layout: 'binary' },
    { options: { multiLabel: true }, layout: 'multilabel' },
    { options: { multiLabel: true, numLabels: 3, labelWeights: [1, 2, 0.5] }, layout: 'multilabel' },
  ],
  brierScore: [{ options: {}, layout: 'binary' }],
  ...Object.fromEntries(
    [
      'truePositives',
      'falsePositives',
      'trueNegatives',
      'falseNegatives',
      'precisionAtThresholds',
      'recallAtThresholds',
    ].map((n): [string, Case[]] => [
      n,
      [
        { options: {}, layout: 'binary' },
        { options: { thresholds: [0.7, 0.2, 0.5] }, layout: 'binary' },
        { options: { thresholds: [0, 0.5, 1] }, layout: 'multilabel' },
        { options: { topK: 2, classId: 1 }, layout: 'multilabel' },
      ],
    ]),
  ),
  elementwiseAccuracy: [
    { options: {}, layout: 'binary' },
    { options: {}, layout: 'multilabel' },
  ],
  sensitivityAtSpecificity: [
    { options: { specificity: 0.5 }, layout: 'binary' },
    { options: { specificity: 0.8, thresholds: 7, classId: 2 }, layout: 'multilabel' },
  ],
  specificityAtSensitivity: [{ options: { sensitivity: 0.4, thresholds: 1 }, layout: 'binary' }],
  precisionAtRecall: [{ options: { recall: 0.6 }, layout: 'multilabel' }],
  recallAtPrecision: [{ options: { precision: 0.75, thresholds: 2 }, layout: 'binary' }],
  hingeLoss: [
    { options: {}, layout: 'binary' },
    { options: { labels: [0, 1, 2] }, layout: 'multiclass' },
  ],
  averagePrecision: [
    { options: {}, layout: 'binary' },
    { options: { numLabels: 3 }, layout: 'multilabel' },
    { options: { numLabels: 3, average: 'samples' }, layout: 'multilabel' },
  ],
  rocCurve: [
    { options: {}, layout: 'binary' },
    { options: { numClasses: 3 }, layout: 'multiclass' },
  ],
  precisionRecallCurve: [
    { options: {}, layout: 'binary' },
    { options: { numClasses: 3, thresholds: 5 }, layout: 'multiclass' },
  ],
  logLoss: [
    { options: {}, layout: 'binary' },
    { options: { numClasses: 3 }, layout: 'multiclass' },
  ],
  calibrationError: [
    { options: {}, layout: 'binary' },
    { options: { numClasses: 3, nBins: 5 }, layout: 'multiclass' },
  ],
  meanAbsoluteError: reg(),
  meanPinballLoss: reg({ alpha: 0.9 }),
  meanSquaredError: reg(),
  rootMeanSquaredError: reg({ multioutput: 'pooled' }),
  meanSquaredLogError: reg({}, true),
  meanAbsolutePercentageError: reg(),
  r2Score: reg(),
  explainedVariance: reg(),
  pearsonCorrcoef: reg(),
  spearmanCorrcoef: reg(),
  cosineSimilarity: [{ options: {}, layout: 'vectors' }],
  loss: [{ options: { loss: 'meanSquaredError' }, layout: 'regression' }],
};

const unit = fc.double({ min: 0, max: 1, noNaN: true });
const rows = (n: number, w: number, a: fc.Arbitrary<number>) =>
  fc.array(fc.array(a, { minLength: w, maxLength: w }), { minLength: n, maxLength: n });
const flat = (n: number, a: fc.Arbitrary<number>) => fc.array(a, { minLength: n, maxLength: n });

function dataArb(c: Case): fc.Arbitrary<{ yTrue: unknown; yPred: unknown; n: number }> {
  return fc.integer({ min: 4, max: 10 }).chain((n) => {
    const v = c.nonNegative
      ? fc.double({ min: 0, max: 100, noNaN: true })
      : fc.double({ min: -100, max: 100, noNaN: true });
    const pair = (t: fc.Arbitrary<unknown>, p: fc.Arbitrary<unknown>) =>
      fc.record({ yTrue: t, yPred: p, n: fc.constant(n) });
    switch (c.layout) {
      case 'binary':
        return pair(flat(n, fc.integer({ min: 0, max: 1 })), flat(n, unit));
      case 'multiclass':
        return pair(flat(n, fc.integer({ min: 0, max: 2 })), rows(n, 3, unit));
      case 'multilabel':
        return pair(rows(n, 3, fc.integer({ min: 0, max: 1 })), rows(n, 3, unit));
      case 'sortedIds':
        return pair(flat(n, fc.integer({ min: 0, max: 4 })), rows(n, 3, fc.integer({ min: 0, max: 4 })));
      case 'regression':
        return pair(flat(n, v), flat(n, v));
      case 'vectors':
        return pair(rows(n, 3, v), rows(n, 3, v));
    }
  });
}

type Tamper = 'missing' | 'extra' | 'retype' | 'truncate' | 'extend' | 'nan' | 'negative' | 'huge';
const TAMPERS: Tamper[] = ['missing', 'extra', 'retype', 'truncate', 'extend', 'nan', 'negative', 'huge'];
const NAN_ALLOWED = new Set(['any', 'nonnegOrNaN']);
const NEGATIVE_ALLOWED = new Set(['any', 'finite']);
const RETYPES: unknown[] = [
  'abc',
  null,
  true,
  {},
  [],
  [1],
  { f64: 'abc' },
  { f64: null },
  { list: 5 },
  { f64: [1], list: [1] },
  { f64: { length: 1e9 } },
];

type Json = { state: Record<string, unknown> } & Record<string, unknown>;
type Field = ReturnType<ReturnType<typeof getMetric>['stateSchema']>[number];

/** The tampered JSON, or null when the tamper does not apply to the field. */
function tamper(json: Json, f: Field, t: Tamper, pick: number): Json | null {
  const j: Json = JSON.parse(JSON.stringify(json));
  const st = j.state;
  const tag = f.kind === 'f64' ? 'f64' : 'list';
  const arr = f.kind === 'num' ? null : (st[f.key] as Record<string, unknown[]>)[tag];
  const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
  switch (t) {
    case 'missing':
      delete st[f.key];
      return j;
    case 'extra':
      st[`${f.key}_extra`] = 0;
      return j;
    case 'retype': {
      const other = f.kind === 'num' ? { f64: [1] } : f.kind === 'f64' ? { list: arr } : { f64: arr };
      const choices = [...RETYPES, other, f.kind === 'num' ? { list: [1] } : 1];
      st[f.key] = choices[pick % choices.length];
      return j;
    }
    case 'truncate':
      if (arr === null || f.freeLength || arr.length === 0) return null;
      arr.pop();
      return j;
    case 'extend':
      if (arr === null || f.freeLength) return null;
      arr.push(0);
      return j;
    case 'nan':
      if (NAN_ALLOWED.has(f.values)) return null;
      if (arr === null) st[f.key] = 'NaN';
      else if (arr.length === 0) return null;
      else arr[pick % arr.length] = 'NaN';
      return j;
    case 'negative': {
      if (NEGATIVE_ALLOWED.has(f.values)) return null;
      const neg = (v: unknown) => -1 - Math.abs(num(v));
      if (arr === null) st[f.key] = neg(st[f.key]);
      else if (arr.length === 0) return null;
      else arr[pick % arr.length] = neg(arr[pick % arr.length]);
      return j;
    }
    case 'huge':
      if (arr !== null) st[f.key] = { [tag]: { length: 1e9 } };
      else if (f.size) st[f.key] = 1e9;
      else return null;
      return j;
  }
}

const counts = new Map<string, number>();
const bump = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
afterAll(() => {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  console.log(`restore property test: ${total} tampered states refused`, Object.fromEntries(counts));
});

it('every registered metric has option layouts in this test', () => {
  expect(Object.keys(CASES).sort()).toEqual(
    listMetrics()
      .map((m) => m.name)
      .sort(),
  );
});

const RUNS = { numRuns: 40 };

describe.each(
  Object.entries(CASES).flatMap(([name, cs]) =>
    cs.map((c) => [`${name} ${JSON.stringify(c.options)}`, name, c] as const),
  ),
)('%s', (_label, name, c) => {
  it('a tampered state is INVALID_INPUT or INCOMPATIBLE_STATE; the untampered one restores exactly', () => {
    fc.assert(
      fc.property(dataArb(c), fc.nat(), fc.constantFrom(...TAMPERS), fc.nat(), (d, fieldPick, t, pick) => {
        const m = getMetric(name, c.options);
        // Two batches, so histograms may have a pending tail and inferred sizes may grow.
        const h = Math.floor(d.n / 2);
        const yt = d.yTrue as number[];
        const yp = d.yPred as number[];
        m.update(yt.slice(0, h), yp.slice(0, h));
        m.update(yt.slice(h), yp.slice(h));
        const json = m.toJSON() as unknown as Json;
        const back = restoreMetric(JSON.stringify(json));
        expect(JSON.stringify(back.toJSON())).toBe(JSON.stringify(json));
        expect(JSON.stringify(back.compute())).toBe(JSON.stringify(m.compute()));
        const schema = m.stateSchema();
        const f = schema[fieldPick % schema.length];
        const bad = tamper(json, f, t, pick);
        if (bad === null) return;
        let thrown: unknown = undefined;
        try {
          restoreMetric(JSON.stringify(bad)).compute();
        } catch (e) {
          thrown = e;
        }
        if (!(thrown instanceof LosskitError))
          expect.fail(
            `${name}: tamper '${t}' of field '${f.key}' (${f.kind}, ${f.values}) was ${thrown === undefined ? 'accepted' : `a ${String(thrown)}`}`,
          );
        expect(['INVALID_INPUT', 'INCOMPATIBLE_STATE'], `${t} of ${f.key}: ${thrown.message}`).toContain(thrown.code);
        bump(t);
      }),
      RUNS,
    );
  });
});

it('the tamper kinds were all exercised', () => {
  for (const t of TAMPERS) expect(counts.get(t) ?? 0, t).toBeGreaterThan(0);
});
