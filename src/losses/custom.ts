/**
 * Custom losses (the Keras "custom loss" story): a scalar formula becomes a full losskit loss —
 * every reduction, `sampleWeight`, Keras's `meanOverLastAxis`, `valueAndGrad`, a registry entry.
 */
import { LosskitError, describe } from '../errors.js';
import type { FloatArray } from '../tensor.js';
import { fmtIndex } from '../validate.js';
import type { LossFunction } from './core.js';
import type { ElementwiseKernel } from './define.js';
import { bindKernel, loss } from './define.js';
import { registerLoss } from './registry.js';
import type { Dialect } from './registry-types.js';

/** A scalar loss term `l(y, ŷ)` or its derivative `∂l/∂ŷ`. */
export type ScalarLossFn = (yTrue: number, yPred: number) => number;

export interface DefineLossSpec {
  /** Canonical name, used in error messages and the registry (must be new when registering). */
  name: string;
  /** The per-element loss `l(yTrue, yPred)`. */
  value: ScalarLossFn;
  /** Its derivative with respect to `yPred`. Omit it to differentiate numerically (see
   * {@link defineLoss}). */
  grad?: ScalarLossFn;
  /** One line for `listLosses()`. */
  description?: string;
  /** Add the loss to the registry, so `getLoss(name)` finds it (default true). */
  register?: boolean;
  /** Other registry names (e.g. the name your Keras model used), with a dialect. */
  aliases?: readonly { name: string; dialect: Dialect }[];
}

interface CustomParams {
  value: ScalarLossFn;
  grad: ScalarLossFn | null;
}

/** `cbrt(2⁻⁵²)`: the step minimising truncation (O(h²)) plus rounding (O(ε/h)) error. */
const H = Math.cbrt(Number.EPSILON);

/**
 * Central difference `(l(y, ŷ + h) − l(y, ŷ − h)) / 2h` with `h = cbrt(ε)·max(1, |ŷ|)`, the step
 * rounded so that `ŷ ± h` are exact (the difference quotient then uses the true step).
 */
export function numericDerivative(f: ScalarLossFn, y: number, x: number): number {
  const h0 = H * (x < 0 ? (x < -1 ? -x : 1) : x > 1 ? x : 1);
  const xp = x + h0;
  const xm = x - h0;
  return (f(y, xp) - f(y, xm)) / (xp - xm);
}

const customKernel: ElementwiseKernel<CustomParams> = ({
  n,
  yTrue,
  yPred,
  w,
  scale,
  out,
  grad,
  params: { value, grad: dfn },
}) => {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const y = yTrue[i];
    const x = yPred[i];
    const wi = w === null ? 1 : w[i];
    const l = wi * value(y, x);
    s += l;
    if (out !== null) out[i] = l;
    if (grad !== null) grad[i] = scale * wi * (dfn === null ? numericDerivative(value, y, x) : dfn(y, x));
  }
  return s;
};

/** After a non-finite result with finite inputs: the first element whose value (or gradient) is not finite. */
function blameUserFunction(
  name: string,
  p: CustomParams,
  yTrue: FloatArray,
  yPred: FloatArray,
  shape: readonly number[],
): void {
  for (let i = 0; i < yPred.length; i++) {
    const v = p.value(yTrue[i], yPred[i]);
    if (!Number.isFinite(v)) {
      throw new LosskitError(
        'NON_FINITE',
        name,
        `the 'value' function returned ${describe(v)} for yTrue = ${yTrue[i]}, yPred = ${yPred[i]} (element ${fmtIndex(i, shape)}); expected a finite number`,
        'value',
      );
    }
  }
}

/**
 * Builds an element-wise loss from a scalar formula: `lᵢ = value(yᵢ, ŷᵢ)`, with every reduction
 * (see `reduce.ts`), `sampleWeight`, `meanOverLastAxis` (Keras per-sample means), `valueAndGrad`
 * and `gradOut`, and (unless `register: false`) a registry entry for `getLoss(name)`.
 *
 * Gradient: `grad(yᵢ, ŷᵢ)` when given (exact). Without it the gradient is a central difference
 * with step `h = cbrt(2⁻⁵²)·max(1, |ŷ|) ≈ 6e-6·max(1, |ŷ|)`: two more calls of `value` per
 * element, accurate to about 1e-8 relative for smooth formulas (error `O(h²·l‴ + ε·l/h)`), but
 * wrong next to a kink (`|d|`, `max`) within `h` of it. Give `grad` when speed or exactness
 * matters.
 *
 * If the result is not finite while the inputs are, a `NON_FINITE` error names the element and
 * the values at which your `value` function returned it.
 *
 * - Shapes: `yTrue`, `yPred` of one shape (any rank); `'none'` returns it (`shape[:-1]` with
 *   `meanOverLastAxis`).
 * - Options of the built loss: `reduction` (default `'mean'`), `sampleWeight`,
 *   `meanOverLastAxis`, `gradOut`.
 * - Equivalents: a Keras custom loss `def loss(y_true, y_pred): return ops.mean(f(y_true,
 *   y_pred), axis=-1)` is `getLoss(name)` with `{ meanOverLastAxis: true, reduction:
 *   'sumOverBatchSize' }`; tfjs `model.compile({ loss: (yTrue, yPred) => ... })`.
 *
 * @throws LosskitError `INVALID_OPTION` for a bad spec, or a name already registered.
 * @example
 * const pseudoHuber = defineLoss({
 *   name: 'pseudoHuber',
 *   value: (y, p) => Math.sqrt(1 + (p - y) ** 2) - 1,
 *   grad: (y, p) => (p - y) / Math.sqrt(1 + (p - y) ** 2),
 * });
 * pseudoHuber([0, 0], [0, 1]); // (0 + √2 − 1)/2
 * getLoss('pseudoHuber').valueAndGrad([0], [1]).grad.data; // [1/√2]
 */
export function defineLoss(spec: DefineLossSpec): LossFunction {
  const fn = 'defineLoss';
  if (spec === null || typeof spec !== 'object') {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `'spec' must be an object { name, value, grad?, description?, register?, aliases? }; received ${describe(spec)}`,
      'spec',
    );
  }
  const { name, value, grad, description, register, aliases } = spec;
  if (typeof name !== 'string' || name.length === 0) {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `'name' must be a non-empty string; received ${describe(name)}`,
      'name',
    );
  }
  if (typeof value !== 'function') {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `'value' must be a function (yTrue: number, yPred: number) => number; received ${describe(value)}`,
      'value',
    );
  }
  if (grad !== undefined && typeof grad !== 'function') {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `'grad' must be a function (yTrue: number, yPred: number) => number, or omitted; received ${describe(grad)}`,
      'grad',
    );
  }
  if (register !== undefined && typeof register !== 'boolean') {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `'register' must be true or false; received ${describe(register)}`,
      'register',
    );
  }
  const params: CustomParams = { value, grad: grad ?? null };
  const built = loss({
    name,
    options: {},
    meta: { input: 'values', target: 'values', meanDenominator: 'count' },
    layout: { kind: 'elementwise', kernel: () => bindKernel(customKernel, params) },
    blame: ({ yTrue, yPred }) => blameUserFunction(name, params, yTrue.data, yPred.data, yPred.shape),
  });
  // The public type stays the loose LossFunction (options checked at run time), as before.
  const result: LossFunction = built;
  if (register ?? true) {
    registerLoss({
      name,
      fn: result,
      description: description ?? `Custom loss '${name}' (defineLoss${grad ? '' : ', numerical gradient'})`,
      aliases: (aliases ?? []).map((a) => ({ name: a.name, dialect: a.dialect })),
    });
  }
  return result;
}
