import { describe, it } from 'vitest';
import { metrics } from '../../src/index.js';
import { runHarness } from './harness.js';

describe('meanSquaredError metric (streaming harness)', () => {
  it('1-D with and without weights', () => {
    const yTrue = [3, -0.5, 2, 7, 1.5];
    const yPred = [2.5, 0.0, 2, 8, 1];
    // Hand check: errors² = .25 .25 0 1 .25 → mean 0.35; weighted with [1,2,0,1,1]: (0.25+0.5+0+1+0.25)/5 = 0.4
    runHarness({ metric: 'mean_squared_error', yTrue, yPred, expected: 0.35 }, metrics.meanSquaredError);
    runHarness({ metric: 'MeanSquaredError', yTrue, yPred, sampleWeight: [1, 2, 0, 1, 1], expected: 0.4 }, metrics.meanSquaredError);
  });
  it('multi-output rawValues', () => {
    runHarness({ metric: 'meanSquaredError', options: { multioutput: 'rawValues' }, yTrue: [[0.5, 1], [-1, 1], [7, -6]], yPred: [[0, 2], [-1, 2], [8, -5]], expected: [0.41666666666666669, 1.0] });
  });
});
