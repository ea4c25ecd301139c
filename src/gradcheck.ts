/**
 * `checkGradient`: compares a loss's analytic gradient with float64 central differences.
 */
import type { LossFunction, LossOptions } from './losses/core.js';
import type { Tensor, TensorInput } from './tensor.js';
import { tensor } from './tensor.js';
import { checkOptionNames, checkShapeOf } from './validate.js';

export interface GradientCheckOptions {
  /** Step of the central difference (default 1e-6, scaled by max(1, |x|)). */
  h?: number;
  /** Which input to differentiate: `'yPred'` (default) or an extra input's option name
   * (`'input2'`, `'positive'`, `'negative'`, `'variance'`). */
  wrt?: string;
  /** Absolute tolerance added to the denominator of the relative error (default 1e-8). */
  atol?: number;
}

export interface GradientCheckResult {
  /** max |analytic − numeric| / (atol + max(|analytic|, |numeric|)) over all elements. */
  maxRelError: number;
  /** max |analytic − numeric|. */
  maxAbsError: number;
  /** Flat index where the relative error is largest. */
  worstIndex: number;
  analytic: Float64Array;
  numeric: Float64Array;
}

function scalarOf(v: number | Tensor): number {
  if (typeof v === 'number') return v;
  let s = 0;
  for (let i = 0; i < v.data.length; i++) s += v.data[i];
  return s;
}

/**
 * Checks `lossFn.valueAndGrad` against central differences `(L(x+h) − L(x−h)) / 2h` in float64.
 * For `reduction: 'none'` the checked function is the sum of the per-element losses.
 *
 * @example checkGradient(huber, yTrue, yPred, { delta: 0.5 }).maxRelError < 1e-6
 */
export function checkGradient(
  lossFn: LossFunction,
  yTrue: TensorInput | null,
  yPred: TensorInput,
  options: LossOptions = {},
  check: GradientCheckOptions = {},
): GradientCheckResult {
  checkShapeOf('checkGradient', 'lossFn', lossFn, "a loss function (getLoss()'s result)", { valueAndGrad: 'function' });
  checkOptionNames('checkGradient', check, ['h', 'atol', 'wrt']);
  const h = check.h ?? 1e-6;
  const atol = check.atol ?? 1e-8;
  const wrt = check.wrt ?? 'yPred';
  const base = tensor(
    wrt === 'yPred' ? yPred : ((options as Record<string, TensorInput | undefined>)[wrt] ?? 0),
    undefined,
    'checkGradient',
    wrt,
  );
  const x = Float64Array.from(base.data);
  const shape = base.shape;
  const r = lossFn.valueAndGrad(
    yTrue,
    wrt === 'yPred' ? { data: x, shape } : yPred,
    wrt === 'yPred' ? options : { ...options, [wrt]: { data: x, shape } },
  );
  const g = wrt === 'yPred' ? r.grad : r.extraGrads?.[wrt];
  if (g === undefined) throw new Error(`checkGradient: ${lossFn.lossName} returned no gradient for '${wrt}'`);
  const analytic = Float64Array.from(g.data);
  const numeric = new Float64Array(x.length);
  const evalAt = (): number =>
    scalarOf(
      wrt === 'yPred'
        ? lossFn(yTrue, { data: x, shape }, options)
        : lossFn(yTrue, yPred, { ...options, [wrt]: { data: x, shape } }),
    );
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const step = h * Math.max(1, Math.abs(xi));
    x[i] = xi + step;
    const fp = evalAt();
    x[i] = xi - step;
    const fm = evalAt();
    x[i] = xi;
    numeric[i] = (fp - fm) / (2 * step);
  }
  let maxRel = 0;
  let maxAbs = 0;
  let worst = -1;
  for (let i = 0; i < x.length; i++) {
    const a = analytic[i];
    const nu = numeric[i];
    const abs = Math.abs(a - nu);
    const rel = abs / (atol + Math.max(Math.abs(a), Math.abs(nu)));
    if (abs > maxAbs) maxAbs = abs;
    if (rel > maxRel || Number.isNaN(rel)) {
      maxRel = Number.isNaN(rel) ? Infinity : rel;
      worst = i;
    }
  }
  return { maxRelError: maxRel, maxAbsError: maxAbs, worstIndex: worst, analytic, numeric };
}
