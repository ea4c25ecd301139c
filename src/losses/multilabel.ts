/**
 * Multi-label and multi-class margin losses on `[N, C]` scores: `multilabelSoftMargin`,
 * `multilabelMargin`, `multiMargin`.
 *
 * Each computes one loss per row (sample) — `yPred.shape[:-1]`, PyTorch's `reduction='none'`
 * shape — in a fused row kernel (value and gradient together), then the shared reducer applies
 * `sampleWeight` and the reduction (see `reduce.ts`). Class weights are folded into the row
 * losses by the kernels, as PyTorch does; PyTorch's `'mean'` here is the plain mean over rows.
 *
 * All three are declared through the one loss constructor (`define.ts`, prepared layout): option
 * schemas, metadata and input domains (scores finite; `multilabelSoftMargin` targets in
 * [0, 1]; class indices and target lists checked against `C` here, in `prepare`).
 */
import { LosskitError, fmtShape } from '../errors.js';
import type { ReductionPlan } from '../reduce.js';
import type { FloatArray, Shape, Tensor } from '../tensor.js';
import { shapesEqual, sizeOf } from '../tensor.js';
import { checkClassWeight, fmtIndex } from '../validate.js';
import type { OptionSpec, Prepared } from './define.js';
import { loss, num, tensorOption } from './define.js';
import type { LossEntry } from './registry-types.js';

/** `yPred` as `[rows, C]` with its loss shape `shape[:-1]` (at least 1-D; the constructor checks non-empty). */
function rowLayout(fn: string, yPred: Tensor): { rows: number; C: number; lossShape: Shape } {
  if (yPred.shape.length === 0) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'yPred' must be [C] or [N, C] scores; received a scalar (shape [])`,
      'yPred',
    );
  }
  const C = yPred.shape[yPred.shape.length - 1];
  const lossShape = yPred.shape.slice(0, -1);
  return { rows: sizeOf(lossShape), C, lossShape };
}

/** The arguments every row kernel takes (one object: kernels never take positional lists). */
export interface RowKernelArgs {
  /** Number of rows (samples). */
  rows: number;
  /** Number of classes (row length). */
  C: number;
  /** Targets: per-class values, target lists or class indices (see each kernel). */
  y: FloatArray;
  /** Scores `[rows, C]`. */
  x: FloatArray;
  /** Per-row weights (sample weights folded with the reduction's), or `null` for all 1. */
  w: Float64Array | null;
  /** The factor every gradient is multiplied by (`1/denominator`). */
  scale: number;
  /** Per-row output `out[r] = wᵣ·lᵣ`, or `null`. */
  out: Float64Array | null;
  /** Gradient output `[rows, C]`, or `null`. */
  grad: Float64Array | null;
}

/** The row-kernel fields of a reduction plan (`w`, `scale`) and the `'none'` output. */
function planned(plan: ReductionPlan, rows: number): Pick<RowKernelArgs, 'w' | 'scale' | 'out'> {
  return {
    w: plan.weights,
    scale: plan.gradScale,
    out: plan.reduction === 'none' ? new Float64Array(rows) : null,
  };
}

/** What the three losses are: one loss per row of `C` scores, the plain mean. */
const SCORES = { input: 'values', target: 'other', meanDenominator: 'count' } as const;

// ---------------------------------------------------------------------------------------------
// multilabelSoftMargin

/** Arguments of {@link multilabelSoftMarginKernel}. */
export interface MultilabelSoftMarginArgs extends RowKernelArgs {
  /** Class weights `[C]`, or `null`. */
  cw: FloatArray | null;
}

/**
 * Row kernel of the multi-label soft margin loss:
 * `lᵣ = (1/C)·Σ_c w_c·(softplus(x) − y·x)` (= `−(y·log σ(x) + (1−y)·log σ(−x))`),
 * `∂lᵣ/∂x = (w_c/C)·(σ(x) − y)`. Returns `Σ sᵣ·lᵣ`.
 */
export function multilabelSoftMarginKernel({
  rows,
  C,
  y,
  x,
  cw,
  w,
  scale,
  out,
  grad,
}: MultilabelSoftMarginArgs): number {
  let total = 0;
  const invC = 1 / C;
  for (let r = 0, o = 0; r < rows; r++) {
    const wr = w === null ? 1 : w[r];
    const gs = scale * wr * invC;
    let s = 0;
    for (let c = 0; c < C; c++, o++) {
      const xi = x[o];
      const yi = y[o];
      const e = Math.exp(-Math.abs(xi));
      // softplus(x) − y·x = y·softplus(−x) + (1 − y)·softplus(x): stable for any |x|.
      const sp = (xi > 0 ? xi : 0) + Math.log1p(e);
      const wc = cw === null ? 1 : cw[c];
      s += wc * (sp - yi * xi);
      if (grad !== null) {
        const sig = xi >= 0 ? 1 / (1 + e) : e / (1 + e);
        grad[o] = gs * wc * (sig - yi);
      }
    }
    const l = wr * (s * invC);
    total += l;
    if (out !== null) out[r] = l;
  }
  return total;
}

/**
 * Multi-label soft margin loss: per-class logistic losses averaged over the classes of each
 * sample.
 *
 * `lᵣ = −(1/C)·Σ_c w_c·(y_c·log σ(x_c) + (1 − y_c)·log σ(−x_c))`; gradient
 * `(w_c/C)·(σ(x_c) − y_c)`. Stable for any logit magnitude.
 *
 * - Shapes: `yPred` logits `[N, C]` (or `[C]`); `yTrue` targets of the same shape (usually 0/1;
 *   soft targets are used as given). `'none'` returns `[N]` (`[]` for 1-D input).
 * - Options: `weight` (class weights `[C]`, multiplied in before the mean over classes),
 *   `reduction` (default `'mean'`: mean over samples, see `reduce.ts`), `sampleWeight` (`[N]`).
 * - Errors: targets outside [0, 1] (`OUT_OF_RANGE`), NaN / ±Infinity in either input
 *   (`NON_FINITE`).
 * - Equivalents: PyTorch `F.multilabel_soft_margin_loss` / `nn.MultiLabelSoftMarginLoss`;
 *   Keras `binary_crossentropy(from_logits=True)` has the same per-sample value without weights.
 *
 * @example multilabelSoftMargin([[1, 0]], [[2, -1]]) // (softplus(−2) + softplus(−1)) / 2
 */
export const multilabelSoftMargin = /* @__PURE__ */ loss({
  name: 'multilabelSoftMargin',
  options: { weight: /* @__PURE__ */ tensorOption() },
  meta: { input: 'logits', target: 'binary', meanDenominator: 'count' },
  // Targets (0/1 or soft) in [0, 1]; logits finite.
  domains: { yTrue: 'probability', yPred: 'real' },
  layout: {
    kind: 'prepared',
    sameShape: true,
    prepare: ({ fn, options, yTrue, yPred }): Prepared => {
      const { rows, C, lossShape } = rowLayout(fn, yPred);
      const cw = checkClassWeight(fn, options.weight, C);
      return {
        lossShape,
        gradWrites: 'accumulate',
        run: (plan, grad) => {
          const p = planned(plan, rows);
          const sum = multilabelSoftMarginKernel({ rows, C, y: yTrue.data, x: yPred.data, cw, ...p, grad });
          return { sum, perElement: p.out };
        },
      };
    },
  },
});

// ---------------------------------------------------------------------------------------------
// multilabelMargin

/** Arguments of {@link multilabelMarginKernel}. */
export interface MultilabelMarginArgs extends RowKernelArgs {
  /** Scratch buffer of `C` bytes (which classes are targets of the current row). */
  isTarget: Uint8Array;
}

/**
 * Row kernel of the multi-label margin loss (PyTorch's algorithm): for each listed target `j`
 * (up to the first −1) and each class `k` not among the targets, `z = 1 − x[j] + x[k]`; the
 * row loss is `Σ max(0, z) / C` (strict `z > 0`, as PyTorch's kernel). `isTarget` is a scratch
 * buffer of `C` bytes. Returns `Σ sᵣ·lᵣ`.
 */
export function multilabelMarginKernel({ rows, C, y, x, isTarget, w, scale, out, grad }: MultilabelMarginArgs): number {
  let total = 0;
  const invC = 1 / C;
  if (grad !== null) grad.fill(0);
  for (let r = 0, base = 0; r < rows; r++, base += C) {
    isTarget.fill(0);
    for (let j = 0; j < C; j++) {
      const t = y[base + j];
      if (t < 0) break;
      isTarget[t] = 1;
    }
    const wr = w === null ? 1 : w[r];
    const gs = scale * wr * invC;
    let s = 0;
    for (let j = 0; j < C; j++) {
      const t = y[base + j];
      if (t < 0) break;
      const xt = x[base + t];
      for (let k = 0; k < C; k++) {
        if (isTarget[k] === 1) continue;
        const z = 1 - xt + x[base + k];
        if (z > 0) {
          s += z;
          if (grad !== null) {
            grad[base + t] -= gs;
            grad[base + k] += gs;
          }
        } else if (z !== z) {
          s += z; // NaN: keep it visible (the constructor already rejects non-finite scores)
        }
      }
    }
    const l = wr * (s * invC);
    total += l;
    if (out !== null) out[r] = l;
  }
  return total;
}

/** Checks PyTorch's target lists: integers in [−1, C), same shape as `yPred`. */
function checkTargetLists(fn: string, yTrue: Tensor, C: number): void {
  const d = yTrue.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!Number.isInteger(v) || v < -1 || v >= C) {
      throw new LosskitError(
        'INVALID_LABEL',
        fn,
        `'yTrue' must hold target class indices in [0, ${C - 1}], each list ended by -1 (PyTorch layout); received ${v} at index ${fmtIndex(i, yTrue.shape)}${Number.isInteger(v) ? ' (out of range)' : ' (not an integer)'}`,
        'yTrue',
      );
    }
  }
}

/**
 * Multi-label margin loss (PyTorch's `MultiLabelMarginLoss`): every target class should score
 * at least 1 above every non-target class.
 *
 * For a sample with scores `x` (C classes) and target set `J`:
 * `l = Σ_{j∈J} Σ_{k∉J} max(0, 1 − (x[j] − x[k])) / C`. Gradient: −1/C on `x[j]` and +1/C on
 * `x[k]` for every active pair (`z > 0`, strict as PyTorch).
 *
 * - Shapes: `yPred` `[N, C]` (or `[C]`); `yTrue` the same shape holding **target index lists**
 *   in PyTorch's layout: the target classes first, then −1, the rest ignored
 *   (`[3, 0, -1, 1]` means classes {3, 0}). A repeated index counts twice, as in PyTorch.
 *   `'none'` returns `[N]` (`[]` for 1-D input).
 * - Options: `reduction` (default `'mean'`, see `reduce.ts`), `sampleWeight`.
 * - Errors: `INVALID_LABEL` for an index outside [−1, C) or a non-integer (NaN included);
 *   `NON_FINITE` for a NaN / ±Infinity score (never hidden by the `max(0, ·)`).
 * - Equivalents: PyTorch `F.multilabel_margin_loss` / `nn.MultiLabelMarginLoss`.
 *
 * @example multilabelMargin([[3, 0, -1, 1]], [[0.1, 0.2, 0.4, 0.8]]) // 0.85
 */
export const multilabelMargin = /* @__PURE__ */ loss({
  name: 'multilabelMargin',
  options: {},
  meta: SCORES,
  // Target lists (indices in [−1, C)) are checked in prepare; scores finite.
  domains: { yTrue: 'own', yPred: 'real' },
  layout: {
    kind: 'prepared',
    sameShape: true,
    prepare: ({ fn, yTrue, yPred }): Prepared => {
      const { rows, C, lossShape } = rowLayout(fn, yPred);
      checkTargetLists(fn, yTrue, C);
      return {
        lossShape,
        gradWrites: 'accumulate',
        run: (plan, grad) => {
          const p = planned(plan, rows);
          const isTarget = new Uint8Array(C);
          const sum = multilabelMarginKernel({ rows, C, y: yTrue.data, x: yPred.data, isTarget, ...p, grad });
          return { sum, perElement: p.out };
        },
      };
    },
  },
});

// ---------------------------------------------------------------------------------------------
// multiMargin

/** Arguments of {@link multiMarginKernel}. */
export interface MultiMarginArgs extends RowKernelArgs {
  /** The power of each hinge term. */
  p: 1 | 2;
  margin: number;
  /** Class weights `[C]`, or `null`. */
  cw: FloatArray | null;
}

/**
 * Row kernel of the multi-class margin loss: for `k ≠ y`, `z = margin − x[y] + x[k]`; where
 * `z > 0` (strict, as PyTorch) add `w[y]·z^p` (`p` ∈ {1, 2}; the class weight multiplies after
 * the power). Row loss `/ C`. Returns `Σ sᵣ·lᵣ`.
 */
export function multiMarginKernel({ rows, C, y, x, p, margin, cw, w, scale, out, grad }: MultiMarginArgs): number {
  let total = 0;
  const invC = 1 / C;
  for (let r = 0, base = 0; r < rows; r++, base += C) {
    const t = y[r];
    const xt = x[base + t];
    const wt = cw === null ? 1 : cw[t];
    const wr = w === null ? 1 : w[r];
    const gs = scale * wr * invC * wt;
    let s = 0;
    let gt = 0;
    for (let k = 0; k < C; k++) {
      if (k === t) continue;
      const z = margin - xt + x[base + k];
      if (z > 0) {
        s += p === 1 ? z : z * z;
        if (grad !== null) {
          const g = p === 1 ? gs : 2 * gs * z;
          grad[base + k] = g;
          gt -= g;
        }
      } else {
        if (z !== z) s += z;
        if (grad !== null) grad[base + k] = 0;
      }
    }
    if (grad !== null) grad[base + t] = gt;
    const l = wr * (wt * s * invC);
    total += l;
    if (out !== null) out[r] = l;
  }
  return total;
}

/** `multiMargin`'s `p`: 1 or 2, as PyTorch (default 1). */
const marginPower: OptionSpec<number, 1 | 2> = {
  kind: 'number',
  default: 1,
  absent: 1,
  parse: (fn, name, v) => {
    if (v !== 1 && v !== 2) {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option '${name}' must be 1 or 2 (as PyTorch); received ${String(v)}`,
        name,
      );
    }
    return v;
  },
};

/** Checks `multiMargin`'s targets: class indices of shape `yPred.shape[:-1]`, integers in [0, C). */
function checkClassIndices(fn: string, yTrue: Tensor, yPred: Tensor, lossShape: Shape, C: number): void {
  const okShape =
    shapesEqual(yTrue.shape, lossShape) || (lossShape.length === 0 && yTrue.shape.length === 1 && yTrue.shape[0] === 1);
  if (!okShape) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'yTrue' has shape ${fmtShape(yTrue.shape)} but 'yPred' has shape ${fmtShape(yPred.shape)}; expected class indices of shape ${fmtShape(lossShape)}`,
      'yTrue',
    );
  }
  const d = yTrue.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!Number.isInteger(v) || v < 0 || v >= C) {
      throw new LosskitError(
        'INVALID_LABEL',
        fn,
        `'yTrue' must hold integer class indices in [0, ${C - 1}]; received ${v} at index ${fmtIndex(i, yTrue.shape)}`,
        'yTrue',
      );
    }
  }
}

/**
 * Multi-class margin (hinge) loss: the target class should score at least `margin` above every
 * other class.
 *
 * `l = Σ_{k≠y} w[y]·max(0, margin − x[y] + x[k])^p / C`, `p` ∈ {1, 2}. The class weight
 * multiplies *after* the power, as PyTorch's kernel does (its docs put it inside). Gradient
 * `w[y]·p·z^(p−1)/C` on `x[k]` and minus their sum on `x[y]`, for active terms (`z > 0`).
 *
 * - Shapes: `yPred` scores `[N, C]` (or `[C]`); `yTrue` integer class indices `[N]` (or `[]`/`[1]`).
 *   `'none'` returns `[N]`.
 * - Options: `p` (1 or 2, default 1), `margin` (default 1), `weight` (class weights `[C]`),
 *   `reduction` (default `'mean'`: plain mean over samples, class weights do not enter the
 *   denominator, as PyTorch; see `reduce.ts`), `sampleWeight`.
 * - Errors: `INVALID_LABEL` for a class index outside [0, C) or a non-integer (NaN included);
 *   `NON_FINITE` for a NaN / ±Infinity score (never hidden by the `max(0, ·)`).
 * - Equivalents: PyTorch `F.multi_margin_loss` / `nn.MultiMarginLoss`. Keras `categorical_hinge`
 *   is a different (max-over-classes) hinge.
 *
 * @example multiMargin([1], [[0.1, 0.2, 0.4, 0.8]]) // (0.9 + 1.2 + 1.6) / 4 = 0.925
 */
export const multiMargin = /* @__PURE__ */ loss({
  name: 'multiMargin',
  options: { weight: /* @__PURE__ */ tensorOption(), p: marginPower, margin: /* @__PURE__ */ num({ default: 1 }) },
  meta: SCORES,
  // Class indices are checked in prepare (they need C); scores finite.
  domains: { yTrue: 'own', yPred: 'real' },
  layout: {
    kind: 'prepared',
    prepare: ({ fn, options, yTrue, yPred }): Prepared => {
      const { rows, C, lossShape } = rowLayout(fn, yPred);
      checkClassIndices(fn, yTrue, yPred, lossShape, C);
      const cw = checkClassWeight(fn, options.weight, C);
      const { p, margin } = options;
      return {
        lossShape,
        gradWrites: 'accumulate',
        run: (plan, grad) => {
          const o = planned(plan, rows);
          const sum = multiMarginKernel({ rows, C, y: yTrue.data, x: yPred.data, p, margin, cw, ...o, grad });
          return { sum, perElement: o.out };
        },
      };
    },
  },
});

export const multilabelLosses: LossEntry[] = [
  {
    name: 'multilabelSoftMargin',
    fn: multilabelSoftMargin,
    description:
      'Multi-label soft margin: per-class logistic loss averaged over classes — PyTorch multilabel_soft_margin_loss',
    aliases: [
      { name: 'multilabel_soft_margin_loss', dialect: 'pytorch' },
      { name: 'MultiLabelSoftMarginLoss', dialect: 'pytorch' },
    ],
  },
  {
    name: 'multilabelMargin',
    fn: multilabelMargin,
    description:
      'Multi-label margin Σ max(0, 1 − (x[j] − x[k])) / C over target j, non-target k — PyTorch multilabel_margin_loss',
    aliases: [
      { name: 'multilabel_margin_loss', dialect: 'pytorch' },
      { name: 'MultiLabelMarginLoss', dialect: 'pytorch' },
    ],
  },
  {
    name: 'multiMargin',
    fn: multiMargin,
    description: 'Multi-class margin Σ w[y]·max(0, margin − x[y] + x[k])^p / C — PyTorch multi_margin_loss',
    aliases: [
      { name: 'multi_margin_loss', dialect: 'pytorch' },
      { name: 'MultiMarginLoss', dialect: 'pytorch' },
    ],
  },
];
