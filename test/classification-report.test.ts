/**
 * classificationReport against scikit-learn 1.2 `classification_report` (fixtures from
 * scripts/fixtures/gen_classification_report.py: output_dict=True compared to 1e-9, and the text
 * table compared character for character), including the done-when case of issue 14: the digits
 * data with a LogisticRegression, predictions in examples/data/digits-predictions.csv.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LosskitError,
  classificationReport,
  classificationReportDict,
  f1,
  formatClassificationReport,
  precision,
  recall,
  type ClassificationReportOptions,
} from '../src/index.js';
import { pyFixed, pyFloat } from '../src/metrics/report.js';
import { expectLosskitError } from './helpers.js';

const root = join(__dirname, '..');
interface Case {
  name: string;
  yTrue?: (number | string)[];
  yPred?: (number | string)[];
  csv?: string;
  options: ClassificationReportOptions;
  dict: Record<string, Record<string, number> | number>;
  text: string;
  text4?: string;
}
const fixture = JSON.parse(readFileSync(join(root, 'test/fixtures/classification-report.json'), 'utf8')) as {
  versions: { sklearn: string };
  cases: Case[];
};

function readCsv(file: string): { yTrue: number[]; yPred: number[][] } {
  const lines = readFileSync(join(root, file), 'utf8').trim().split('\n').slice(1);
  const rows = lines.map((l) => l.split(',').map(Number));
  return { yTrue: rows.map((r) => r[0]), yPred: rows.map((r) => r.slice(1)) };
}

function expectDictClose(got: Record<string, unknown>, want: Record<string, unknown>): void {
  expect(Object.keys(got)).toEqual(Object.keys(want));
  for (const [k, w] of Object.entries(want)) {
    const g = got[k];
    if (typeof w === 'number') {
      expect(typeof g).toBe('number');
      expect(Math.abs((g as number) - w), k).toBeLessThanOrEqual(1e-9);
    } else {
      const gr = g as Record<string, number>;
      const wr = w as Record<string, number>;
      expect(Object.keys(gr)).toEqual(Object.keys(wr));
      for (const f of Object.keys(wr)) expect(Math.abs(gr[f] - wr[f]), `${k}.${f}`).toBeLessThanOrEqual(1e-9);
    }
  }
}

describe('classificationReport = scikit-learn classification_report', () => {
  it('fixture made with scikit-learn 1.2', () => {
    expect(fixture.versions.sklearn.startsWith('1.2')).toBe(true);
    expect(fixture.cases.length).toBeGreaterThanOrEqual(10);
  });
  for (const c of fixture.cases) {
    it(c.name, () => {
      const { yTrue, yPred } = c.csv
        ? readCsv(c.csv)
        : { yTrue: c.yTrue as (number | string)[], yPred: c.yPred as (number | string)[] };
      const r = classificationReport(yTrue as number[], yPred as number[], c.options);
      expectDictClose(classificationReportDict(r), c.dict);
      expect(formatClassificationReport(r, 'table')).toBe(c.text);
      if (c.text4) expect(formatClassificationReport(r, 'table', { digits: 4 })).toBe(c.text4);
      expectDictClose(JSON.parse(formatClassificationReport(r, 'json')) as Record<string, unknown>, c.dict);
    });
  }
  it('digits: the done-when case has 450 test samples, 10 classes', () => {
    const c = fixture.cases[0];
    expect(c.csv).toBe('examples/data/digits-predictions.csv');
    const { yTrue, yPred } = readCsv(c.csv as string);
    expect(yTrue.length).toBe(450);
    expect(yPred[0].length).toBe(10);
    expect((c.dict['weighted avg'] as Record<string, number>).support).toBe(450);
  });
});

describe('classificationReport agrees with the metrics it is built from', () => {
  const yt = [0, 1, 2, 2, 1, 0, 2, 1, 1, 0];
  const yp = [0, 2, 2, 2, 1, 1, 0, 1, 1, 0];
  const w = [1, 2, 0.5, 1, 3, 1, 1, 0.25, 1, 2];
  it('per class and averaged, weighted', () => {
    const r = classificationReport(yt, yp, { sampleWeight: w });
    const o = { task: 'multiclass' as const, sampleWeight: w };
    expect(r.classes.map((x) => x.precision)).toEqual(precision(yt, yp, { ...o, average: 'none' }));
    expect(r.classes.map((x) => x.recall)).toEqual(recall(yt, yp, { ...o, average: 'none' }));
    expect(r.classes.map((x) => x.f1)).toEqual(f1(yt, yp, { ...o, average: 'none' }));
    expect(r.macroAvg.f1).toBeCloseTo(f1(yt, yp, { ...o, average: 'macro' }) as number, 14);
    expect(r.weightedAvg.recall).toBeCloseTo(recall(yt, yp, { ...o, average: 'weighted' }) as number, 14);
  });
});

describe('printed forms', () => {
  const r = classificationReport(['cat', 'dog', 'dog', 'bird'], ['cat', 'dog', 'cat', 'bird']);
  it('csv', () => {
    expect(formatClassificationReport(r, 'csv').split('\n').slice(0, 2)).toEqual([
      'class,precision,recall,f1-score,support',
      'bird,1,1,1,1',
    ]);
    expect(formatClassificationReport(r, 'csv')).toContain('\naccuracy,,,0.75,4\n');
  });
  it('markdown', () => {
    const md = formatClassificationReport(r, 'markdown').split('\n');
    expect(md[0]).toBe('| class | precision | recall | f1-score | support |');
    expect(md[3]).toBe('| cat | 0.50 | 1.00 | 0.67 | 1 |');
    expect(md).toContain('| accuracy |  |  | 0.75 | 4 |');
  });
  it('Python number formatting', () => {
    expect(pyFixed(0.125, 2)).toBe('0.12');
    expect(pyFixed(0.375, 2)).toBe('0.38');
    expect(pyFixed(2 / 3, 2)).toBe('0.67');
    expect(pyFixed(0.5, 0)).toBe('0');
    expect(pyFixed(NaN, 2)).toBe('nan');
    expect(pyFloat(30)).toBe('30.0');
    expect(pyFloat(21.185000000000002)).toBe('21.185000000000002');
    expect(pyFloat(1.5e-5)).toBe('1.5e-05');
  });
});

describe('bad input', () => {
  it('names the argument', () => {
    expectLosskitError(() => classificationReport([0, 1], [0]), 'SHAPE_MISMATCH', "'yPred'", '2 samples');
    expectLosskitError(() => classificationReport(['a', 'b'], [0, 1]), 'INVALID_LABEL', "'yTrue' holds strings");
    expectLosskitError(
      () =>
        classificationReport(
          [0, 3],
          [
            [0.1, 0.9],
            [0.5, 0.5],
          ],
        ),
      'INVALID_LABEL',
      '[0, 1]',
    );
    expectLosskitError(
      () => classificationReport([0, 1], [0, 1], { targetNames: ['a'] }),
      'INVALID_OPTION',
      'targetNames',
    );
    expectLosskitError(() => classificationReport([0, 1], [0, 1], { labels: [0, 0] }), 'INVALID_OPTION', 'twice');
    expectLosskitError(() => classificationReport([0, 2], [0.2, 1.5]), 'OUT_OF_RANGE', 'probabilities');
    expectLosskitError(() => classificationReport([], []), 'EMPTY_INPUT', 'empty');
    expect(() => classificationReport([0, 1], [0, 1], { digts: 3 } as ClassificationReportOptions)).toThrow(
      LosskitError,
    );
  });
});
