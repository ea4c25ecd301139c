/** int64 labels (BigInt64Array, ONNX Runtime int64 tensors) in the library: exact conversion, ±2^53 limit. */
import { describe, expect, it } from 'vitest';
import { getMetric } from '../../src/metrics/registry.js';
import { tensor } from '../../src/tensor.js';
import { expectLosskitError } from '../helpers.js';

describe('int64 inputs', () => {
  it('BigInt64Array / BigUint64Array become float64 exactly', () => {
    const t = tensor(BigInt64Array.from([0n, 2n, -3n, 9007199254740992n]));
    expect(Array.from(t.data)).toEqual([0, 2, -3, 2 ** 53]);
    expect(t.shape).toEqual([4]);
    expect(Array.from(tensor(BigUint64Array.from([1n, 5n])).data)).toEqual([1, 5]);
  });
  it('ONNX Runtime style { data: BigInt64Array, dims }', () => {
    const t = tensor({ data: BigInt64Array.from([1n, 0n, 2n, 1n]), dims: [2, 2] });
    expect(t.shape).toEqual([2, 2]);
    expect(Array.from(t.data)).toEqual([1, 0, 2, 1]);
  });
  it('metrics take int64 class labels: same value as with numbers', () => {
    const yPred = [
      [0.7, 0.2, 0.1],
      [0.1, 0.8, 0.1],
      [0.2, 0.2, 0.6],
      [0.5, 0.4, 0.1],
    ];
    const a = getMetric('f1', { task: 'multiclass', numClasses: 3, average: 'macro' })
      .update(BigInt64Array.from([0n, 1n, 2n, 1n]), yPred)
      .compute();
    const b = getMetric('f1', { task: 'multiclass', numClasses: 3, average: 'macro' })
      .update([0, 1, 2, 1], yPred)
      .compute();
    expect(a).toBe(b);
  });
  it('a value beyond 2^53 is an error naming its index', () => {
    expectLosskitError(
      () => tensor(BigInt64Array.from([1n, 9007199254740993n]), undefined, 'f1', 'yTrue'),
      'INVALID_INPUT',
      'f1',
      "'yTrue'",
      '9007199254740993',
      'index [1]',
    );
  });
});
