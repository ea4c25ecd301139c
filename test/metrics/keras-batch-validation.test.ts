/**
 * The Keras binary metrics (binnedAuc = Keras AUC, the thresholded confusion metrics) validate a
 * batch through one helper (src/validate.ts checkBinaryBatch): 0/1 labels, then the scores each
 * metric accepts. These pin the codes and the whole messages, element by element in the same
 * order (a bad label is reported before a bad score of a later element, and a bad score before a
 * bad label of a later element), so that every metric keeps the same contract.
 */
import { describe, expect, it } from 'vitest';
import { LosskitError, getMetric } from '../../src/index.js';

function error(name: string, options: Record<string, unknown>, yTrue: number[], yPred: number[]): LosskitError {
  try {
    getMetric(name, options).update(yTrue, yPred);
  } catch (e) {
    if (e instanceof LosskitError) return e;
    throw e;
  }
  throw new Error(`${name}: nothing was thrown`);
}

const CASES: [string, Record<string, unknown>][] = [
  ['truePositives', {}],
  ['precisionAtThresholds', { thresholds: [0.2, 0.7] }],
  ['recallAtThresholds', {}],
  ['sensitivityAtSpecificity', { specificity: 0.5 }],
];

describe('Keras confusion metrics', () => {
  it.each(CASES)('%s: labels 0/1, scores finite, first bad element wins', (name, options) => {
    let e = error(name, options, [0, 2], [0.1, 0.9]);
    expect([e.code, e.argument, e.message]).toEqual([
      'INVALID_LABEL',
      'yTrue',
      `${name}: 'yTrue' must hold 0/1 labels; received 2 at flat index 1`,
    ]);
    for (const bad of [NaN, Infinity, -Infinity]) {
      e = error(name, options, [0, 1, 1], [0.1, bad, 0.3]);
      expect([e.code, e.argument, e.message]).toEqual([
        'NON_FINITE',
        'yPred',
        `${name}: 'yPred' must hold finite scores; received ${String(bad)} at flat index 1`,
      ]);
    }
    expect(error(name, options, [0, 1, 3], [0.1, NaN, 0.3]).code).toBe('NON_FINITE');
    expect(error(name, options, [0, 3, 1], [0.1, 0.2, NaN]).code).toBe('INVALID_LABEL');
    // scores outside [0, 1] are accepted (Keras clips or compares them)
    expect(() => getMetric(name, options).update([0, 1], [-3, 7])).not.toThrow();
  });
});

describe('binnedAuc (Keras AUC)', () => {
  it('probabilities: labels 0/1, scores in [0, 1], NaN is NON_FINITE, first bad element wins', () => {
    let e = error('binnedAuc', {}, [0, 0.5], [0.1, 0.9]);
    expect([e.code, e.argument, e.message]).toEqual([
      'INVALID_LABEL',
      'yTrue',
      `binnedAuc: 'yTrue' must hold 0/1 labels; received 0.5 at flat index 1`,
    ]);
    e = error('binnedAuc', {}, [0, 1], [0.1, NaN]);
    expect([e.code, e.argument, e.message]).toEqual([
      'NON_FINITE',
      'yPred',
      `binnedAuc: 'yPred' must hold probabilities in [0, 1] (or pass fromLogits: true); received NaN at flat index 1`,
    ]);
    for (const bad of [1.5, -0.1, Infinity, -Infinity]) {
      e = error('binnedAuc', {}, [0, 1], [0.1, bad]);
      expect([e.code, e.argument, e.message]).toEqual([
        'OUT_OF_RANGE',
        'yPred',
        `binnedAuc: 'yPred' must hold probabilities in [0, 1] (or pass fromLogits: true); received ${String(bad)} at flat index 1`,
      ]);
    }
    expect(error('binnedAuc', {}, [0, 1, 3], [0.1, 2, 0.3]).code).toBe('OUT_OF_RANGE');
    expect(error('binnedAuc', {}, [0, 3, 1], [0.1, 0.2, 2]).code).toBe('INVALID_LABEL');
  });

  it('fromLogits: any logit but NaN, ±Infinity included (a sigmoid of 0 or 1)', () => {
    const e = error('binnedAuc', { fromLogits: true }, [0, 1], [0.1, NaN]);
    expect([e.code, e.argument, e.message]).toEqual([
      'NON_FINITE',
      'yPred',
      `binnedAuc: 'yPred' must hold finite logits; received NaN at flat index 1`,
    ]);
    const m = getMetric('binnedAuc', { fromLogits: true }).update([0, 1, 0, 1], [-Infinity, Infinity, -5, 40]);
    expect(m.compute()).toBeCloseTo(1, 12);
  });
});
