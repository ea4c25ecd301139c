import { describe, expect, it } from 'vitest';
import { LosskitError, tensor, toNested } from '../../src/index.js';
import { broadcastTo, sumToShape } from '../../src/tensor.js';

describe('tensor()', () => {
  it('infers shapes from nested arrays', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(t.data).toBeInstanceOf(Float64Array);
    expect(tensor([[[1], [2]]]).shape).toEqual([1, 2, 1]);
    expect(tensor([]).shape).toEqual([0]);
  });
  it('scalars have shape []', () => {
    const t = tensor(3.5);
    expect(t.shape).toEqual([]);
    expect(t.data[0]).toBe(3.5);
  });
  it('keeps float32 / float64 arrays without copying; converts integer arrays to float64', () => {
    const f32 = new Float32Array([1, 2, 3, 4]);
    expect(tensor(f32).data).toBe(f32);
    expect(tensor(f32, [2, 2]).shape).toEqual([2, 2]);
    const f64 = new Float64Array(6);
    expect(tensor(f64, [3, 2]).data).toBe(f64);
    const labels = tensor(new Int32Array([0, 2, 1]));
    expect(labels.data).toBeInstanceOf(Float64Array);
    expect(Array.from(labels.data)).toEqual([0, 2, 1]);
    expect(Array.from(tensor(new Uint8Array([1, 0])).data)).toEqual([1, 0]);
  });
  it('reads {data, shape}, ONNX {data, dims} and tfjs-like {dataSync, shape}', () => {
    expect(tensor({ data: new Float32Array(6), shape: [2, 3] }).shape).toEqual([2, 3]);
    expect(tensor({ data: new Float32Array(4), dims: [4, 1] }).shape).toEqual([4, 1]);
    const tfLike = { shape: [2], dataSync: () => new Float32Array([7, 8]) };
    expect(Array.from(tensor(tfLike).data)).toEqual([7, 8]);
  });
  it('rejects ragged arrays with INVALID_INPUT naming the position', () => {
    try {
      tensor([[1, 2], [3]], undefined, 'meanSquaredError', 'yPred');
      expect.fail('no throw');
    } catch (e) {
      expect(e).toBeInstanceOf(LosskitError);
      expect((e as LosskitError).code).toBe('INVALID_INPUT');
      expect((e as LosskitError).message).toBe(
        "meanSquaredError: 'yPred' is a ragged nested array: expected shape [2,2], so yPred[1] should be an array of length 2; received length 1",
      );
    }
  });
  it('rejects non-numbers and wrong explicit shapes', () => {
    expect(() => tensor([1, 'a' as unknown as number])).toThrow(
      /must contain only numbers; received "a" at values\[1\]/,
    );
    expect(() => tensor(new Float32Array(5), [2, 3])).toThrow(LosskitError);
    expect(() => tensor(new Float32Array(6), [2, -3])).toThrow(/non-negative integers/);
    expect(() => tensor('abc' as unknown as number)).toThrow(/must be a number, a \(nested\) numeric array/);
  });
  it('toNested inverts nested input', () => {
    const v = [
      [1, 2],
      [3, 4],
      [5, 6],
    ];
    expect(toNested(tensor(v))).toEqual(v);
    expect(toNested(tensor(2))).toBe(2);
  });
  it('broadcastTo / sumToShape are adjoint (NumPy rules)', () => {
    const src = new Float64Array([1, 2, 3]);
    const full = broadcastTo(src, [3, 1], [3, 4]);
    expect(Array.from(full)).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
    expect(Array.from(broadcastTo(src, [3], [2, 3]))).toEqual([1, 2, 3, 1, 2, 3]);
    expect(Array.from(sumToShape(full, [3, 4], [3, 1]))).toEqual([4, 8, 12]);
    expect(Array.from(sumToShape(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3], [3]))).toEqual([5, 7, 9]);
  });
});
