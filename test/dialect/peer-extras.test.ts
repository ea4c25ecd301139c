/**
 * Dialect rules added for issue 12 beyond the ported cases' values: the Keras CTC mask rule and
 * Circle's reference set keep exact gradients, and the canonical names keep their own rules.
 * (The values themselves are checked against Keras's literals in keras.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { LosskitError, checkGradient, getLoss, getMetric, restoreMetric } from '../../src/index.js';

// Keras losses_test.py CTCTest::test_correctness input (logits (N, T, C) = (2, 4, 3)).
const logits = {
  data: Array.from({ length: 24 }, (_, i) => (i - 12) / 100),
  shape: [2, 4, 3],
};

describe('Keras CTC: 0 is the mask index (blankInTarget: emit)', () => {
  const yTrue = [
    [1, 2, 1, 0],
    [1, 2, 0, 2],
  ];
  it('the alias scores a 0 inside the target length; the canonical name refuses it', () => {
    expect(getLoss('CTC')(yTrue, logits)).toBeCloseTo(2.448645, 5); // Keras's literal (its tolerance 1e-6)
    const canonical = { timeMajor: false, fromLogits: true, reduction: 'sumOverBatchSize' } as const;
    expect(() => getLoss('ctc')(yTrue, logits, canonical)).toThrow(LosskitError);
    expect(getLoss('ctc')(yTrue, logits, { ...canonical, blankInTarget: 'emit' })).toBe(getLoss('CTC')(yTrue, logits));
  });
  it('targets without an inner blank give the same value and gradient under both rules', () => {
    const y = [
      [1, 2, 1, 0],
      [2, 1, 0, 0],
    ];
    const a = getLoss('CTC').valueAndGrad(y, logits);
    const b = getLoss('CTC').valueAndGrad(y, logits, { blankInTarget: 'error' });
    expect(a.value).toBe(b.value);
    expect(Array.from(a.grad.data)).toEqual(Array.from(b.grad.data));
  });
  it('the gradient of the mask rule is exact', () => {
    const r = checkGradient(getLoss('CTC'), yTrue, logits);
    expect(r.maxRelError).toBeLessThan(1e-6);
  });
});

describe('Keras Circle with ref_labels / ref_embeddings', () => {
  const y = [1, 1, 2, 2, 3];
  const e = [
    [0.70014004, -0.42008403, 0.14002801, 0.56011203],
    [0.17609018, 0.70436073, -0.52827054, 0.44022545],
    [-0.34050261, 0.25537696, -0.68100522, 0.59587957],
    [0.32163376, -0.75047877, 0.53605627, -0.21442251],
    [0.51261459, -0.34174306, 0.17087153, 0.76892189],
  ];
  const refLabels = [1, 1, 2, 2, 3, 4];
  const refEmbeddings = [
    [0.40824829, -0.54433105, 0.27216553, 0.68041382],
    [0.76376261, 0.10910895, -0.54554473, 0.32732684],
    [-0.74420841, 0.24806947, 0.49613894, -0.3721042],
    [0.52981294, -0.13245324, 0.79471941, -0.26490647],
    [0.54554473, -0.32732684, 0.10910895, 0.76376261],
    [-0.27216553, 0.68041382, 0.40824829, -0.54433105],
  ];
  it('the batch as its own reference set is the default', () => {
    const opts = { gamma: 4, margin: 0.25 };
    expect(getLoss('Circle')(y, e, { ...opts, refLabels: y, refEmbeddings: e })).toBeCloseTo(
      getLoss('Circle')(y, e, opts) as number,
      12,
    );
  });
  it('the gradient w.r.t. yPred is exact (references are constants)', () => {
    const r = checkGradient(getLoss('circle'), y, e, { gamma: 4, margin: 0.25, refLabels, refEmbeddings });
    expect(r.maxRelError).toBeLessThan(1e-6);
  });
  it('a reference set of the wrong shape is refused', () => {
    expect(() => getLoss('circle')(y, e, { refLabels: [1, 2], refEmbeddings })).toThrow(/refLabels/);
    expect(() => getLoss('circle')(y, e, { refLabels, refEmbeddings: [[1, 0]] })).toThrow(/refEmbeddings/);
    expect(() => getLoss('circle')(y, e, { refLabels: [1, 1, 2, 2, 3, 4.5], refEmbeddings })).toThrow(LosskitError);
  });
});

describe('Keras categorical_accuracy: one-hot targets, classes along the last axis (oneHot)', () => {
  const yt = [
    [0, 0, 1],
    [0, 1, 0],
    [1, 0, 0],
    [0, 1, 0],
  ];
  const yp = [
    [0.1, 0.2, 0.7],
    [0.5, 0.3, 0.2],
    [0.6, 0.3, 0.1],
    [0.2, 0.1, 0.7],
  ];
  it('[N, T, C] is [N·T, C] (Keras argmaxes the last axis, not axis 1)', () => {
    const flat2 = getMetric('categorical_accuracy').update(yt, yp).compute();
    const as3 = getMetric('categorical_accuracy')
      .update({ data: yt.flat(), shape: [2, 2, 3] }, { data: yp.flat(), shape: [2, 2, 3] })
      .compute();
    expect(flat2).toBe(0.5);
    expect(as3).toBe(flat2);
  });
  it('a 1-D pair is one unbatched sample; a label layout is refused, never read as one-hot', () => {
    expect(getMetric('CategoricalAccuracy').update([0, 0, 1], [0.1, 0.2, 0.7]).compute()).toBe(1);
    expect(() =>
      getMetric('categorical_accuracy').update(
        [[2], [1]],
        [
          [0.1, 0.2, 0.7],
          [0.5, 0.3, 0.2],
        ],
      ),
    ).toThrow(LosskitError);
    expect(() => getMetric('accuracy', { task: 'binary', oneHot: true })).toThrow(LosskitError);
  });
  it('streams exactly: halves merged and a JSON round trip give the one-batch value', () => {
    const whole = getMetric('categorical_accuracy').update(yt, yp).compute();
    const a = getMetric('categorical_accuracy').update(yt.slice(0, 1), yp.slice(0, 1));
    const b = getMetric('categorical_accuracy').update(yt.slice(1), yp.slice(1));
    expect(restoreMetric(JSON.stringify(a.toJSON())).merge(b).compute()).toBe(whole);
    // the option is part of the state's fingerprint: a plain multiclass accuracy does not merge in
    expect(() => a.clone().merge(getMetric('accuracy', { task: 'multiclass' }).update([1], [[0.2, 0.7, 0.1]]))).toThrow(
      LosskitError,
    );
  });
});
