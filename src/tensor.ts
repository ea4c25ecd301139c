/**
 * Tensors: a flat row-major typed array plus a shape.
 *
 * ## Dtype rule
 * - `Float32Array` and `Float64Array` data are used **as they are, without copying** (a view
 *   is kept, so do not mutate the array while a call that received it is running).
 * - Every other input (nested arrays, plain numbers, integer typed arrays such as `Int32Array`
 *   class labels, `Uint8Array` masks) is converted once to a `Float64Array`.
 * - int64 labels (`BigInt64Array` / `BigUint64Array`, e.g. ONNX Runtime int64 tensors, PyTorch
 *   `long` exported through NumPy) are converted once to a `Float64Array`; a value beyond
 *   ±2^53 (not exactly representable) is an `INVALID_INPUT` error naming its index.
 * - All math is done in float64 (JavaScript numbers) and every sum is accumulated in float64,
 *   whatever the input dtype. `reduction: 'none'` values are `Float64Array`; gradients have the
 *   dtype of the input they differentiate (`Float32Array` for float32 data, else `Float64Array`;
 *   `gradOut`'s when given), rounded once from float64 — see `gradientBuffer` in
 *   `src/losses/define.ts`.
 *
 * Tensor-like objects from other libraries are accepted too: `{ data, shape }`,
 * ONNX Runtime's `{ data, dims }`, and TensorFlow.js tensors (`{ dataSync(), shape }`).
 */
import { LosskitError, describe, fmtShape } from './errors.js';

export type Shape = readonly number[];
export type FloatArray = Float32Array | Float64Array;
export type NumericTypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

/** 64-bit integer arrays (int64 labels), converted exactly when |value| <= 2^53. */
export type Int64Array = BigInt64Array | BigUint64Array;

/**
 * A dense row-major tensor. `data.length` equals the product of `shape` (1 for a scalar `[]`).
 * `D` narrows the data's type where it is known (a loss's gradient: `Tensor<Float32Array>`).
 */
export interface Tensor<D extends FloatArray = FloatArray> {
  readonly data: D;
  readonly shape: Shape;
}

/** Arbitrarily nested arrays of numbers, e.g. `[[1, 2], [3, 4]]`. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- a recursive type needs the interface form
export interface NestedNumberArray extends ReadonlyArray<number | NestedNumberArray> {}

/** Objects from other tensor libraries that losskit reads without a copy when it can. */
export type TensorLike =
  | { readonly data: NumericTypedArray | Int64Array | readonly number[]; readonly shape: Shape }
  | { readonly data: NumericTypedArray | Int64Array | readonly number[]; readonly dims: Shape }
  | { dataSync(): NumericTypedArray; readonly shape: Shape };

/** Anything losskit accepts where a tensor is expected. */
export type TensorInput = Tensor | TensorLike | number | NestedNumberArray | NumericTypedArray | Int64Array;

/** Number of elements of a shape (1 for the scalar shape `[]`). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isTypedNumeric(v: unknown): v is NumericTypedArray {
  return (
    ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array)
  );
}

function isInt64(v: unknown): v is Int64Array {
  return v instanceof BigInt64Array || v instanceof BigUint64Array;
}

/** int64 → float64, exactly (|v| <= 2^53), else an error naming the index. */
function fromInt64(data: Int64Array, fn: string, arg: string): Float64Array {
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v > 9007199254740992n || v < -9007199254740992n) {
      throw new LosskitError(
        'INVALID_INPUT',
        fn,
        `'${arg}' int64 values must lie within ±2^53 to be represented exactly; received ${v} at index [${i}]`,
        arg,
      );
    }
    out[i] = Number(v);
  }
  return out;
}

function toFloat(data: NumericTypedArray | readonly number[]): FloatArray {
  if (data instanceof Float64Array || data instanceof Float32Array) return data;
  return Float64Array.from(data as ArrayLike<number>);
}

function checkShape(shape: unknown, fn: string, arg: string): Shape {
  if (!Array.isArray(shape) && !isTypedNumeric(shape)) {
    throw new LosskitError(
      'INVALID_INPUT',
      fn,
      `'${arg}' shape must be an array of non-negative integers; received ${describe(shape)}`,
      arg,
    );
  }
  const s = Array.from(shape as ArrayLike<number>);
  for (const d of s) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new LosskitError(
        'INVALID_INPUT',
        fn,
        `'${arg}' shape must be an array of non-negative integers; received [${s.join(',')}]`,
        arg,
      );
    }
  }
  return s;
}

/** Deepest nesting of arrays read as a tensor (NumPy's limit is 64 too). */
export const MAX_RANK = 64;

function fromNested(values: NestedNumberArray, fn: string, arg: string): Tensor {
  // Infer the shape from the first element at each depth, then flatten while checking
  // that every sub-array has exactly that shape (ragged arrays are an error).
  const shape: number[] = [];
  let probe: unknown = values;
  while (Array.isArray(probe)) {
    // The flattening below recurses once per dimension: bound the depth before it can overflow the stack.
    if (shape.length === MAX_RANK) {
      throw new LosskitError(
        'INVALID_INPUT',
        fn,
        `'${arg}' is nested more than ${MAX_RANK} levels deep; expected a tensor of rank <= ${MAX_RANK}`,
        arg,
      );
    }
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
  }
  const data = new Float64Array(sizeOf(shape));
  let k = 0;
  const walk = (v: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number') {
        throw new LosskitError(
          'INVALID_INPUT',
          fn,
          `'${arg}' must contain only numbers; received ${describe(v)} at ${arg}${path}`,
          arg,
        );
      }
      data[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      const got = Array.isArray(v) ? `length ${v.length}` : describe(v);
      throw new LosskitError(
        'INVALID_INPUT',
        fn,
        `'${arg}' is a ragged nested array: expected shape ${fmtShape(shape)}, so ${arg}${path} should be an array of length ${shape[depth]}; received ${got}`,
        arg,
      );
    }
    for (let i = 0; i < v.length; i++) walk(v[i], depth + 1, `${path}[${i}]`);
  };
  walk(values, 0, '');
  return { data, shape };
}

/**
 * Builds a {@link Tensor} from any {@link TensorInput}.
 *
 * - nested arrays: shape inferred (ragged → `INVALID_INPUT`);
 * - flat typed arrays: 1-D unless `shape` is given (float32/float64 are not copied);
 * - numbers: a scalar of shape `[]`;
 * - `{ data, shape }`, `{ data, dims }`, `{ dataSync(), shape }`: read as they are.
 *
 * When `shape` is given, its size must equal the number of values.
 *
 * @example tensor([[1, 2], [3, 4]]).shape // [2, 2]
 * @example tensor(new Float32Array(6), [2, 3])
 */
export function tensor(values: TensorInput, shape?: Shape, fn = 'tensor', arg = 'values'): Tensor {
  let t: Tensor;
  if (typeof values === 'number') {
    t = { data: Float64Array.of(values), shape: [] };
  } else if (isInt64(values)) {
    t = { data: fromInt64(values, fn, arg), shape: [values.length] };
  } else if (isTypedNumeric(values)) {
    t = { data: toFloat(values), shape: [values.length] };
  } else if (Array.isArray(values)) {
    t = fromNested(values as NestedNumberArray, fn, arg);
  } else if (values !== null && typeof values === 'object') {
    const o = values as Partial<{ data: unknown; shape: unknown; dims: unknown; dataSync: unknown }>;
    let data: unknown;
    if (typeof o.dataSync === 'function') data = (o.dataSync as () => unknown).call(values);
    else data = o.data;
    const s = o.shape !== undefined ? o.shape : o.dims;
    if (isInt64(data)) data = fromInt64(data, fn, arg);
    if (!(isTypedNumeric(data) || Array.isArray(data)) || s === undefined) {
      throw new LosskitError(
        'INVALID_INPUT',
        fn,
        `'${arg}' must be a number, a (nested) numeric array, a typed array or a tensor {data, shape}; received ${describe(values)}`,
        arg,
      );
    }
    if (Array.isArray(data) && data.some((x) => typeof x !== 'number')) {
      throw new LosskitError('INVALID_INPUT', fn, `'${arg}'.data must contain only numbers`, arg);
    }
    const sh = checkShape(s, fn, arg);
    const d = toFloat(data as NumericTypedArray | number[]);
    if (d.length !== sizeOf(sh)) {
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'${arg}' has ${d.length} values but shape ${fmtShape(sh)} needs ${sizeOf(sh)}`,
        arg,
      );
    }
    t = { data: d, shape: sh };
  } else {
    throw new LosskitError(
      'INVALID_INPUT',
      fn,
      `'${arg}' must be a number, a (nested) numeric array, a typed array or a tensor {data, shape}; received ${describe(values)}`,
      arg,
    );
  }
  if (shape !== undefined) {
    const sh = checkShape(shape, fn, 'shape');
    if (sizeOf(sh) !== t.data.length) {
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'${arg}' has ${t.data.length} values, which cannot take shape ${fmtShape(sh)} (${sizeOf(sh)} values)`,
        arg,
      );
    }
    t = { data: t.data, shape: sh };
  }
  return t;
}

/** Converts a tensor to nested arrays (for printing, JSON and tests). */
export function toNested(t: Tensor): number | NestedNumberArray {
  const shape = (t as Partial<Tensor> | null)?.shape;
  const data = (t as Partial<Tensor> | null)?.data;
  if (
    !Array.isArray(shape) ||
    !shape.every((d) => Number.isInteger(d) && d >= 0) ||
    !ArrayBuffer.isView(data) ||
    (data as FloatArray).length !== shape.reduce((a, b) => a * b, 1)
  )
    throw new LosskitError(
      'INVALID_INPUT',
      'toNested',
      `'t' must be a tensor { data, shape } (tensor()'s result) with data.length the product of shape; received ${describe(t)}`,
      't',
    );
  if (t.shape.length === 0) return t.data[0];
  let k = 0;
  const build = (depth: number): NestedNumberArray => {
    const n = t.shape[depth];
    const out: (number | NestedNumberArray)[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = depth === t.shape.length - 1 ? t.data[k++] : build(depth + 1);
    return out;
  };
  return build(0);
}

/**
 * NumPy broadcasting of two shapes; `null` when they do not broadcast.
 */
export function broadcastShapes(a: Shape, b: Shape): number[] | null {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else return null;
  }
  return out;
}

/**
 * Materialises `src` (of a shape that broadcasts to `target`, NumPy rules) as a Float64Array of
 * `sizeOf(target)` values. The caller has checked that the shapes broadcast.
 */
export function broadcastTo(src: FloatArray, srcShape: Shape, target: Shape): Float64Array {
  const n = sizeOf(target);
  const out = new Float64Array(n);
  if (src.length === 1) return out.fill(src[0]);
  if (src.length === n) {
    out.set(src);
    return out;
  }
  const r = target.length;
  // Strides of src aligned to target's dimensions (0 where src is broadcast).
  const strides = new Array<number>(r).fill(0);
  let st = 1;
  for (let i = srcShape.length - 1; i >= 0; i--) {
    const ti = i + (r - srcShape.length);
    strides[ti] = srcShape[i] === 1 ? 0 : st;
    st *= srcShape[i];
  }
  const idx = new Array<number>(r).fill(0);
  let off = 0;
  for (let k = 0; k < n; k++) {
    out[k] = src[off];
    for (let d = r - 1; d >= 0; d--) {
      idx[d]++;
      off += strides[d];
      if (idx[d] < target[d]) break;
      off -= strides[d] * idx[d];
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Sums `full` (of shape `target`) down to `srcShape`, the inverse of {@link broadcastTo}: the
 * gradient of a broadcast input.
 */
export function sumToShape(full: ArrayLike<number>, target: Shape, srcShape: Shape): Float64Array {
  const m = sizeOf(srcShape);
  const out = new Float64Array(m);
  const n = sizeOf(target);
  if (m === n) {
    for (let k = 0; k < n; k++) out[k] = full[k];
    return out;
  }
  if (m === 1) {
    let s = 0;
    for (let k = 0; k < n; k++) s += full[k];
    out[0] = s;
    return out;
  }
  const r = target.length;
  const strides = new Array<number>(r).fill(0);
  let st = 1;
  for (let i = srcShape.length - 1; i >= 0; i--) {
    const ti = i + (r - srcShape.length);
    strides[ti] = srcShape[i] === 1 ? 0 : st;
    st *= srcShape[i];
  }
  const idx = new Array<number>(r).fill(0);
  let off = 0;
  for (let k = 0; k < n; k++) {
    out[off] += full[k];
    for (let d = r - 1; d >= 0; d--) {
      idx[d]++;
      off += strides[d];
      if (idx[d] < target[d]) break;
      off -= strides[d] * idx[d];
      idx[d] = 0;
    }
  }
  return out;
}
