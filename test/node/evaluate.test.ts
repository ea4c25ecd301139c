import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LosskitError, metrics } from '../../src/index.js';
import { diagnosePredictions, evaluatePredictions, inferTask, readPredictions } from '../../src/node/evaluate.js';

const data = (f: string): string => join(__dirname, '..', '..', 'examples', 'data', f);
const tmp = mkdtempSync(join(tmpdir(), 'losskit-eval-'));

describe('readPredictions', () => {
  it('reads a binary CSV with a weight column', () => {
    const p = readPredictions(data('predictions-binary.csv'));
    expect(p.source).toEqual({
      file: data('predictions-binary.csv'),
      target: 'y_true',
      predictions: ['prob'],
      weight: 'sample_weight',
    });
    expect(p.yTrue.length).toBe(200);
    expect(inferTask(p)).toBe('binary');
  });
  it('reads a multiclass CSV with p_0..p_2 columns (numerically ordered)', () => {
    const f = join(tmp, 'mc.csv');
    writeFileSync(
      f,
      'p_10,label,p_2,p_1,p_0,p_3,p_4,p_5,p_6,p_7,p_8,p_9\n0.5,0,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05\n',
    );
    const p = readPredictions(f);
    expect(p.source.predictions).toEqual([
      'p_0',
      'p_1',
      'p_2',
      'p_3',
      'p_4',
      'p_5',
      'p_6',
      'p_7',
      'p_8',
      'p_9',
      'p_10',
    ]);
    expect(inferTask(p)).toBe('multiclass');
  });
  it('reads JSON', () => {
    const f = join(tmp, 'p.json');
    writeFileSync(f, JSON.stringify({ yTrue: [1.5, 2], yPred: [1, 2.5] }));
    expect(inferTask(readPredictions(f))).toBe('regression');
  });
  it('bad files are LosskitErrors naming the file, row and column', () => {
    const f = join(tmp, 'bad.csv');
    writeFileSync(f, 'y_true,prob\n1,0.3\n0,abc\n');
    expect(() => readPredictions(f)).toThrow(/row 3 column 'prob' must be a number; received "abc"/);
    const g = join(tmp, 'nocol.csv');
    writeFileSync(g, 'a,b\n1,2\n');
    expect(() => readPredictions(g)).toThrow(/has no target column; expected one of y_true/);
    expect(() => readPredictions(join(tmp, 'missing.csv'))).toThrow(LosskitError);
  });
});

describe('evaluatePredictions', () => {
  it('binary: equals the one-shot metrics with the file weights', () => {
    const p = readPredictions(data('predictions-binary.csv'));
    const ev = evaluatePredictions(p);
    const get = (m: string): unknown => ev.results.find((r) => r.metric === m)?.value;
    const sw = p.sampleWeight;
    expect(get('f1')).toBe(metrics.f1(p.yTrue, p.yPred, { task: 'binary', sampleWeight: sw }));
    expect(get('auroc')).toBe(metrics.auroc(p.yTrue, p.yPred, { task: 'binary', sampleWeight: sw }));
    expect(get('logLoss')).toBe(metrics.logLoss(p.yTrue, p.yPred, { sampleWeight: sw }));
    expect(ev.results.every((r) => r.error === undefined)).toBe(true);
  });
  it('multiclass: macro f1 and ovr auroc', () => {
    const p = readPredictions(data('predictions-multiclass.csv'));
    const ev = evaluatePredictions(p, { average: 'macro' });
    expect(ev.task).toBe('multiclass');
    const f1 = ev.results.find((r) => r.metric === 'f1')?.value;
    expect(f1).toBe(metrics.f1(p.yTrue, p.yPred, { task: 'multiclass', numClasses: 3, average: 'macro' }));
    expect(ev.results.every((r) => r.error === undefined)).toBe(true);
  });
  it('diagnoses probabilities passed to crossEntropy', () => {
    const p = readPredictions(data('predictions-multiclass.csv'));
    expect(diagnosePredictions(p, 'crossEntropy').findings.map((f) => f.code)).toContain('PROBABILITIES_AS_LOGITS');
  });
});
