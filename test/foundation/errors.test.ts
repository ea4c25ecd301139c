/** One test per error code: the code, and a message naming function, argument, expectation and what was received. */
import { describe, expect, it } from 'vitest';
import {
  getLoss,
  getMetric,
  LosskitError,
  meanAbsoluteError,
  meanSquaredError,
  restoreMetric,
  tensor,
} from '../../src/index.js';

function thrown(f: () => unknown): LosskitError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LosskitError);
    expect(e).toBeInstanceOf(Error);
    return e as LosskitError;
  }
  throw new Error('expected a LosskitError');
}

describe('LosskitError codes', () => {
  it('SHAPE_MISMATCH', () => {
    const e = thrown(() =>
      meanSquaredError(
        [1, 2, 3, 4],
        [
          [1, 2],
          [3, 4],
        ],
      ),
    );
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.fn).toBe('meanSquaredError');
    expect(e.argument).toBe('yTrue');
    expect(e.message).toBe(
      "meanSquaredError: 'yTrue' has shape [4] but 'yPred' has shape [2,2]; expected [2,2] (the same shape)",
    );
  });
  it('SHAPE_MISMATCH for sampleWeight that does not broadcast', () => {
    const e = thrown(() =>
      meanSquaredError(
        [
          [1, 2],
          [3, 4],
        ],
        [
          [1, 2],
          [3, 4],
        ],
        { sampleWeight: [1, 2, 3] },
      ),
    );
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toMatch(
      /^meanSquaredError: 'sampleWeight' has shape \[3\], which does not broadcast to the per-element losses of shape \[2,2\]; expected/,
    );
  });
  it('NON_FINITE names the argument and index', () => {
    const e = thrown(() =>
      meanSquaredError(
        [
          [1, 2],
          [3, 4],
        ],
        [
          [1, 2],
          [NaN, 4],
        ],
      ),
    );
    expect(e.code).toBe('NON_FINITE');
    expect(e.message).toBe("meanSquaredError: 'yPred' must contain only finite numbers; received NaN at index [1,0]");
    const e2 = thrown(() => meanAbsoluteError([Infinity, 1], [0, 1]));
    expect(e2.code).toBe('NON_FINITE');
    expect(e2.message).toBe(
      "meanAbsoluteError: 'yTrue' must contain only finite numbers; received Infinity at index [0]",
    );
    const e3 = thrown(() => meanSquaredError([1], [1], { sampleWeight: [NaN] }));
    expect(e3.code).toBe('NON_FINITE');
    expect(e3.argument).toBe('sampleWeight');
  });
  it('INVALID_OPTION: unknown option names list the valid ones and suggest the closest', () => {
    const e = thrown(() => meanSquaredError([1], [1], { reduciton: 'sum' } as never));
    expect(e.code).toBe('INVALID_OPTION');
    expect(e.message).toBe(
      "meanSquaredError: unknown option 'reduciton' (did you mean 'reduction'?); valid options are 'reduction', 'sampleWeight', 'weightsBroadcast', 'meanOverLastAxis', 'gradOut'",
    );
  });
  it('INVALID_OPTION: wrong option values list the choices', () => {
    const e = thrown(() => meanSquaredError([1], [1], { reduction: 'avg' as never }));
    expect(e.code).toBe('INVALID_OPTION');
    expect(e.message).toBe(
      "meanSquaredError: option 'reduction' must be one of 'none', 'mean', 'sum', 'batchmean', 'sumOverBatchSize', 'sumByNonzeroWeights'; received \"avg\"",
    );
    const e2 = thrown(() => meanSquaredError([1], [1], { meanOverLastAxis: 1 as never }));
    expect(e2.message).toBe("meanSquaredError: option 'meanOverLastAxis' must be true or false; received 1");
    const e3 = thrown(() => meanSquaredError.valueAndGrad([1, 2], [1, 2], { gradOut: new Float64Array(3) }));
    expect(e3.code).toBe('INVALID_OPTION');
    expect(e3.message).toMatch(/option 'gradOut' must be a Float32Array or Float64Array of length 2/);
  });
  it('EMPTY_INPUT', () => {
    const e = thrown(() => meanSquaredError([], []));
    expect(e.code).toBe('EMPTY_INPUT');
    expect(e.message).toBe("meanSquaredError: 'yPred' is empty (shape [0]); expected at least one element");
  });
  it('INVALID_INPUT: ragged arrays, missing targets', () => {
    const e = thrown(() =>
      meanSquaredError(
        [[1, 2], [3]],
        [
          [1, 2],
          [3, 4],
        ],
      ),
    );
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toMatch(/^meanSquaredError: 'yTrue' is a ragged nested array/);
    const e2 = thrown(() => meanSquaredError(null, [1]));
    expect(e2.code).toBe('INVALID_INPUT');
    expect(e2.message).toBe("meanSquaredError: 'yTrue' is required; received null");
    expect(thrown(() => tensor({} as never)).code).toBe('INVALID_INPUT');
  });
  it('UNKNOWN_NAME suggests the closest loss or metric name', () => {
    const e = thrown(() => getLoss('meanSquaredErorr'));
    expect(e.code).toBe('UNKNOWN_NAME');
    expect(e.message).toMatch(
      /^getLoss: 'name' must be a known loss name; received "meanSquaredErorr" \(did you mean 'meanSquaredError'\?\)/,
    );
    const e2 = thrown(() => getMetric('mean_squared_eror'));
    expect(e2.code).toBe('UNKNOWN_NAME');
    expect(e2.message).toMatch(/did you mean 'mean_squared_error'/);
  });
  it('INCOMPATIBLE_STATE: metrics with different options refuse to merge', () => {
    const a = getMetric('meanSquaredError');
    const b = getMetric('meanSquaredError', { multioutput: 'rawValues' });
    const e = thrown(() => a.merge(b));
    expect(e.code).toBe('INCOMPATIBLE_STATE');
    expect(e.message).toMatch(/^meanSquaredError: cannot merge: 'other' must be the same metric with the same options/);
    const j = b.toJSON();
    const e2 = thrown(() => restoreMetric({ ...j, fingerprint: a.fingerprint }));
    expect(e2.code).toBe('INCOMPATIBLE_STATE');
  });
  it('OUT_OF_RANGE: negative metric sample weights', () => {
    const e = thrown(() => getMetric('meanSquaredError').update([1, 2], [1, 2], { sampleWeight: [1, -1] }));
    expect(e.code).toBe('OUT_OF_RANGE');
    expect(e.message).toBe("meanSquaredError: 'sampleWeight' must be >= 0; received -1 at index [1]");
  });
});

describe('shared validators used by the label and probability losses', () => {
  it('INVALID_LABEL names index, range and why', async () => {
    const { checkClassLabels } = await import('../../src/validate.js');
    const e = thrown(() => checkClassLabels('crossEntropy', 'yTrue', tensor([0, 3, 1]), 3, -100));
    expect(e.code).toBe('INVALID_LABEL');
    expect(e.message).toBe(
      "crossEntropy: 'yTrue' must hold integer class indices in [0, 2] or ignoreIndex -100; received 3 at index [1] (is out of range)",
    );
    const e2 = thrown(() => checkClassLabels('nllLoss', 'yTrue', tensor([[0, 1.5]]), 3));
    expect(e2.message).toBe(
      "nllLoss: 'yTrue' must hold integer class indices in [0, 2]; received 1.5 at index [0,1] (is not an integer)",
    );
    expect(() => checkClassLabels('crossEntropy', 'yTrue', tensor([0, -100, 2]), 3, -100)).not.toThrow();
  });
  it('OUT_OF_RANGE names the domain', async () => {
    const { checkRange } = await import('../../src/validate.js');
    const e = thrown(() => checkRange('binaryCrossEntropy', 'yPred', tensor([0.2, 1.5]), 0, 1, 'probabilities'));
    expect(e.code).toBe('OUT_OF_RANGE');
    expect(e.message).toBe("binaryCrossEntropy: 'yPred' must hold probabilities in [0, 1]; received 1.5 at index [1]");
    const e2 = thrown(() => checkRange('binaryCrossEntropy', 'yPred', tensor([NaN]), 0, 1, 'probabilities'));
    expect(e2.code).toBe('NON_FINITE');
  });
});
