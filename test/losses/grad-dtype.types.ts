/**
 * Type test (compiled by `npm run typecheck`, strict; not run): `valueAndGrad`'s gradient is
 * typed with the dtype the loss returns at run time (test/losses/grad-dtype.property.test.ts checks the
 * run time side over every loss): `Float32Array` for float32 `yPred`, `Float64Array` for
 * numbers, arrays and other typed arrays, `gradOut`'s type when given, `FloatArray` when the
 * input's type does not say. `Equal` checks a type exactly; each `@ts-expect-error` line proves
 * that a wrong use does not compile (tsc reports an unused directive).
 */
import {
  crossEntropy,
  getLoss,
  meanSquaredError,
  type FloatArray,
  type LossResult,
  type Tensor,
  type TensorInput,
} from '../../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T>(value: T): T {
  return value;
}

const t = [1, 2];
const f32 = new Float32Array([0.5, 1.5]);
const f64 = new Float64Array([0.5, 1.5]);

// float32 yPred → Float32Array gradient (plain typed array, a tensor, a tensor-like)
const a = meanSquaredError.valueAndGrad(t, f32);
expectType<Equal<typeof a, LossResult<number, Float32Array>>>(true);
const _fromTensor = meanSquaredError.valueAndGrad(t, { data: f32, shape: [2] });
expectType<Equal<typeof _fromTensor.grad.data, Float32Array>>(true);
const _fromDims = meanSquaredError.valueAndGrad(t, { data: f32, dims: [2] });
expectType<Equal<typeof _fromDims.grad.data, Float32Array>>(true);
const _fromDataSync = meanSquaredError.valueAndGrad(t, { dataSync: () => f32, shape: [2] });
expectType<Equal<typeof _fromDataSync.grad.data, Float32Array>>(true);
const g32: Float32Array = a.grad.data;
void g32;

// everything else → Float64Array
const b = meanSquaredError.valueAndGrad(t, f64);
expectType<Equal<typeof b.grad.data, Float64Array>>(true);
const _c = meanSquaredError.valueAndGrad(t, [0.5, 1.5]);
expectType<Equal<typeof _c.grad.data, Float64Array>>(true);
const _d = meanSquaredError.valueAndGrad([1], 0.5);
expectType<Equal<typeof _d.grad.data, Float64Array>>(true);
const _e = meanSquaredError.valueAndGrad(t, new Int32Array([1, 2]));
expectType<Equal<typeof _e.grad.data, Float64Array>>(true);
const _ce = crossEntropy.valueAndGrad(
  [1],
  [
    [0.2, 0.8],
    [0.1, 0.9],
  ],
);
expectType<Equal<typeof _ce.grad.data, Float64Array>>(true);
// @ts-expect-error a float64 gradient is not a Float32Array
const wrong: Float32Array = b.grad.data;
void wrong;

// gradOut's type wins
const _h = meanSquaredError.valueAndGrad(t, f32, { gradOut: new Float64Array(2) });
expectType<Equal<typeof _h.grad.data, Float64Array>>(true);
const _i = meanSquaredError.valueAndGrad(t, [0.5, 1.5], { gradOut: new Float32Array(2) });
expectType<Equal<typeof _i.grad.data, Float32Array>>(true);
const maybeOut: Float32Array | undefined = undefined as Float32Array | undefined;
const _j = meanSquaredError.valueAndGrad(t, [0.5, 1.5], { gradOut: maybeOut });
expectType<Equal<typeof _j.grad.data, FloatArray>>(true); // Float64Array without it, Float32Array with

// reduction: 'none' still gives a tensor value, and the same gradient rule
const _k = meanSquaredError.valueAndGrad(t, f32, { reduction: 'none' });
expectType<Equal<typeof _k, LossResult<Tensor, Float32Array>>>(true);
const _l = meanSquaredError.valueAndGrad(t, f32, { reduction: 'sum' });
expectType<Equal<typeof _l.value, number>>(true);

// losses looked up by name follow the same rule
const _m = getLoss('mse').valueAndGrad(t, f32);
expectType<Equal<typeof _m.grad.data, Float32Array>>(true);

// an input typed only as TensorInput: either dtype
const anyInput: TensorInput = f32 as TensorInput;
const _n = meanSquaredError.valueAndGrad(t, anyInput);
expectType<Equal<typeof _n.grad.data, FloatArray>>(true);

// option names are still checked
// @ts-expect-error misspelt option
meanSquaredError.valueAndGrad(t, f32, { redution: 'sum' });
