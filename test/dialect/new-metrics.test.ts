/**
 * The metrics added for dialect fidelity (binnedAuc = Keras AUC, brierScore, hingeLoss) stream
 * exactly: two halves merged, or a JSON round trip, give the one-batch value.
 */
import { describe, expect, it } from 'vitest';
import { LosskitError, getMetric, restoreMetric } from '../../src/index.js';

const cases: {
  name: string;
  options: Record<string, unknown>;
  yTrue: number[] | number[][];
  yPred: number[] | number[][];
}[] = [
  { name: 'AUC', options: { curve: 'PR' }, yTrue: [0, 1, 1, 0, 1, 0], yPred: [0.1, 0.9, 0.4, 0.35, 0.8, 0.2] },
  {
    name: 'AUC',
    options: { multiLabel: true, labelWeights: [1, 2] },
    yTrue: [
      [0, 1],
      [1, 0],
      [1, 1],
      [0, 0],
    ],
    yPred: [
      [0.2, 0.7],
      [0.6, 0.4],
      [0.9, 0.8],
      [0.1, 0.3],
    ],
  },
  { name: 'brier_score_loss', options: {}, yTrue: [-1, 1, 1, -1, 1, 1], yPred: [0.1, 0.8, 0.9, 0.3, 1, 0.95] },
  { name: 'hinge_loss', options: {}, yTrue: [3, 7, 7, 3], yPred: [-1.2, 0.4, 2, 0.3] },
  {
    name: 'hinge_loss',
    options: { labels: [0, 1, 2] },
    yTrue: [0, 2, 2, 0],
    yPred: [
      [0.36, -0.17, -0.58],
      [-0.15, -0.58, -0.48],
      [-1.45, -0.58, -0.38],
      [-0.55, -0.78, -0.42],
    ],
  },
];

describe('new metrics stream exactly', () => {
  for (const c of cases) {
    it(`${c.name} ${JSON.stringify(c.options)}`, () => {
      const whole = getMetric(c.name, c.options).update(c.yTrue, c.yPred).compute();
      const a = getMetric(c.name, c.options).update(c.yTrue.slice(0, 2), c.yPred.slice(0, 2));
      const b = getMetric(c.name, c.options).update(c.yTrue.slice(2), c.yPred.slice(2));
      expect(a.clone().merge(b).compute()).toBeCloseTo(whole as number, 12);
      expect(restoreMetric(JSON.stringify(a.toJSON())).merge(b).compute()).toBeCloseTo(whole as number, 12);
    });
  }
  it('a third label is refused by the two-label scores', () => {
    expect(() => getMetric('brier_score_loss').update([0, 1, 2], [0.1, 0.2, 0.3])).toThrow(LosskitError);
    const m = getMetric('hinge_loss').update([0, 1], [0.5, -0.5]);
    expect(() => m.merge(getMetric('hinge_loss').update([2], [0.1]))).toThrow(/at most 2/);
  });
});
