/**
 * Overlap losses for segmentation: `dice` and `tversky`.
 *
 * Both sum soft counts over the reduced `axes` (Keras's `axis`; default every axis, giving one
 * scalar loss) and produce one loss per remaining element, e.g. `axes: [1, 2]` on `[B, H, W, C]`
 * gives a `[B, C]` loss per sample and class. The shared reducer then applies `sampleWeight` and
 * the reduction (see `reduce.ts`). Two passes: soft counts per group, then the gradient.
 *
 * Keras and optax differ (see `docs/losses-ranking-sequence.md`):
 * - Keras 3 `dice`: `1 − 2·Σyŷ / (Σy + Σŷ + 1e-7)`, default `axis=None` (all axes, batch included).
 * - Keras 3 `tversky`: `1 − I / (I + α·Σŷ(1−y) + β·Σy(1−ŷ) + 1e-7)` (α on the false positives;
 *   Keras 3 code before 2025 had α and β swapped — losskit follows current Keras and its tests).
 * - optax `dice_loss`: `1 − (I + s) / (I + α·FP + β·FN + s)` with `s = 1`, softmax over the last
 *   axis, per class over the spatial axes, then a mean over classes.
 */
import { LosskitError, fmtShape } from '../errors.js';
import type { FloatArray, Shape } from '../tensor.js';
import type { LossFunction } from './core.js';
import type { LossOptionsOf, Parsed, Prepared, PreparedLayout } from './define.js';
import { bool, loss, num, valueOption } from './define.js';
import { KERAS_REDUCED } from './dialects.js';
import type { LossEntry } from './registry-types.js';

/** Group index of every element (the flat index over the kept axes) and the loss shape. */
function groupLayout(
  fn: string,
  shape: Shape,
  axes: readonly number[] | undefined,
): { group: Int32Array | null; lossShape: Shape; G: number } {
  const r = shape.length;
  if (axes === undefined) return { group: null, lossShape: [], G: 1 };
  if (!Array.isArray(axes)) {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'axes' must be an array of axis indices; received ${typeof axes}`,
      'axes',
    );
  }
  const reduced = new Array<boolean>(r).fill(false);
  for (const a of axes) {
    if (!Number.isInteger(a) || a < -r || a >= r) {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'axes' must hold integer axes in [${-r}, ${r - 1}] for 'yPred' of shape ${fmtShape(shape)}; received ${String(a)}`,
        'axes',
      );
    }
    const k = a < 0 ? a + r : a;
    if (reduced[k])
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'axes' lists axis ${k} twice; received [${axes.join(',')}]`,
        'axes',
      );
    reduced[k] = true;
  }
  const lossShape = shape.filter((_, i) => !reduced[i]);
  const n = shape.reduce((a, b) => a * b, 1);
  const group = new Int32Array(n);
  // Stride of each input axis in the output (0 for reduced axes).
  const ostr = new Array<number>(r).fill(0);
  let st = 1;
  for (let i = r - 1; i >= 0; i--) {
    if (!reduced[i]) {
      ostr[i] = st;
      st *= shape[i];
    }
  }
  const idx = new Array<number>(r).fill(0);
  let g = 0;
  for (let k = 0; k < n; k++) {
    group[k] = g;
    for (let d = r - 1; d >= 0; d--) {
      idx[d]++;
      g += ostr[d];
      if (idx[d] < shape[d]) break;
      g -= ostr[d] * idx[d];
      idx[d] = 0;
    }
  }
  return { group, lossShape, G: st };
}

interface OverlapParams {
  /** 'dice': 1 − (2I + s)/(Σy + Σŷ + s + ε); 'tversky': 1 − (I + s)/(I + a·Σŷ(1−y) + b·Σy(1−ŷ) + s + ε). */
  kind: 'dice' | 'tversky';
  a: number;
  b: number;
  smooth: number;
  eps: number;
}

/**
 * Overlap kernel: soft counts per group, then `lᵍ` and (when `grad` is given) the gradient
 * w.r.t. the probabilities `p` (times `σ'` when `fromLogits`, `p` then holding sigmoid values).
 * Returns `Σ wᵍ·lᵍ`.
 */
/** Arguments of {@link overlapKernel}. */
export interface OverlapArgs {
  n: number;
  y: FloatArray;
  /** Probabilities (after the sigmoid when `sigmoid`). */
  p: FloatArray;
  /** Group of each element (null: one group). */
  group: Int32Array | null;
  G: number;
  prm: OverlapParams;
  /** Per-group weights, or null. */
  w: Float64Array | null;
  scale: number;
  out: Float64Array | null;
  grad: Float64Array | null;
  /** The probabilities came from a sigmoid of `yPred` (chain its derivative). */
  sigmoid: boolean;
}

export function overlapKernel({ n, y, p, group, G, prm, w, scale, out, grad, sigmoid }: OverlapArgs): number {
  const I = new Float64Array(G);
  const Sp = new Float64Array(G);
  const Sy = new Float64Array(G);
  for (let i = 0; i < n; i++) {
    const g = group === null ? 0 : group[i];
    const yi = y[i];
    const pi = p[i];
    I[g] += yi * pi;
    Sp[g] += pi;
    Sy[g] += yi;
  }
  const num = new Float64Array(G);
  const den = new Float64Array(G);
  let total = 0;
  const { kind, a, b, smooth, eps } = prm;
  for (let g = 0; g < G; g++) {
    if (kind === 'dice') {
      num[g] = 2 * I[g] + smooth;
      den[g] = Sy[g] + Sp[g] + smooth + eps;
    } else {
      num[g] = I[g] + smooth;
      den[g] = I[g] + a * (Sp[g] - I[g]) + b * (Sy[g] - I[g]) + smooth + eps;
    }
    const wg = w === null ? 1 : w[g];
    const l = wg * (1 - num[g] / den[g]);
    total += l;
    if (out !== null) out[g] = l;
  }
  if (grad !== null) {
    // l = 1 − N/D ⇒ ∂l/∂p = −(N'·D − N·D')/D²; dice: N' = 2y, D' = 1;
    // tversky: N' = y, D' = y + a·(1 − y) − b·y.
    for (let i = 0; i < n; i++) {
      const g = group === null ? 0 : group[i];
      const yi = y[i];
      const D = den[g];
      // −(N'·D − N·D')/D² as −(N' − (N/D)·D')/D: no D² to overflow (smooth = 1e308 stays finite).
      const f = (scale * (w === null ? 1 : w[g])) / D;
      const r = num[g] / D;
      const dl = kind === 'dice' ? -f * (2 * yi - r) : -f * (yi - r * (yi + a * (1 - yi) - b * yi));
      grad[i] = sigmoid ? dl * p[i] * (1 - p[i]) : dl;
    }
  }
  return total;
}

function sigmoidOf(x: FloatArray): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    out[i] = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
  }
  return out;
}

/** Options of both overlap losses. */
const OVERLAP = {
  /** Axes summed over (Keras `axis` tuple); default all. Checked against the shape by `groupLayout`. */
  axes: /* @__PURE__ */ valueOption((_fn, _name, v) => v as readonly number[]),
  smooth: /* @__PURE__ */ num({ min: 0, default: 0 }),
  eps: /* @__PURE__ */ num({ min: 0, default: 1e-7 }),
  fromLogits: /* @__PURE__ */ bool(false),
};
const TVERSKY = {
  ...OVERLAP,
  alpha: /* @__PURE__ */ num({ min: 0, default: 0.5 }),
  beta: /* @__PURE__ */ num({ min: 0, default: 0.5 }),
};

type OverlapSchema = typeof OVERLAP | typeof TVERSKY;

function overlapLoss<S extends OverlapSchema>(
  name: string,
  schema: S,
  params: (o: Parsed<S>) => OverlapParams & { axes: readonly number[] | undefined; fromLogits: boolean },
): LossFunction<LossOptionsOf<S, PreparedLayout<S>>> {
  return loss({
    name,
    options: schema,
    meta: { input: 'probabilities', target: 'binary', meanDenominator: 'count' },
    // Masks / soft targets and probabilities lie in [0, 1] (logits are any finite number).
    domains: (o) => ({ yTrue: 'probability', yPred: o.fromLogits ? 'real' : 'probability' }),
    layout: {
      kind: 'prepared',
      sameShape: true,
      prepare: ({ fn, options, yTrue, yPred }): Prepared => {
        const prm = params(options);
        const { group, lossShape, G } = groupLayout(fn, yPred.shape, prm.axes);
        const sigmoid = prm.fromLogits;
        const p = sigmoid ? sigmoidOf(yPred.data) : yPred.data;
        return {
          lossShape,
          gradWrites: 'accumulate',
          run: (plan, grad) => {
            const out = plan.reduction === 'none' ? new Float64Array(G) : null;
            const sum = overlapKernel({
              n: p.length,
              y: yTrue.data,
              p,
              group,
              G,
              prm,
              w: plan.weights,
              scale: plan.gradScale,
              out,
              grad,
              sigmoid,
            });
            return { sum, perElement: out };
          },
        };
      },
    },
  });
}

/** Tversky parameters: `a` weighs the false positives Σŷ(1−y), `b` the false negatives Σy(1−ŷ). */
const tverskyParams = () => (o: Parsed<typeof TVERSKY>) => ({
  ...o,
  kind: 'tversky' as const,
  // Keras 3 (its current code and its own tests) puts alpha on the false positives, as here
  a: o.alpha,
  b: o.beta,
  smooth: o.smooth,
  eps: o.eps,
});

/**
 * Dice loss (soft Sørensen–Dice): `l = 1 − (2·Σ y·ŷ + smooth) / (Σ y + Σ ŷ + smooth + eps)`,
 * the sums taken over `axes`.
 *
 * - Shapes: `yTrue` (masks / one-hot, soft values allowed) and `yPred` (probabilities, or logits
 *   with `fromLogits`, then a sigmoid is applied element-wise) of one shape. Loss shape: `yPred`'s
 *   shape without `axes` (`[]` by default).
 * - Options: `axes` (default all, Keras `axis=None`; e.g. `[1, 2]` for per-sample-and-class
 *   losses on `[B, H, W, C]`), `smooth` (default 0), `eps` (default 1e-7, Keras's
 *   `backend.epsilon()`), `fromLogits` (default false), `reduction` (default `'mean'`, see
 *   `reduce.ts`), `sampleWeight`.
 * - Equivalents: Keras 3 `keras.losses.dice` / `Dice(axis=...)` exactly with the defaults
 *   (registry `'Dice'`: `'sumOverBatchSize'`); optax `dice_loss(apply_softmax=False)` per class
 *   equals `smooth: 2·s, eps: 0` with `axes` = the spatial axes, then a mean over classes
 *   (`reduction: 'sumOverBatchSize'` averages over batch and classes). No PyTorch/tfjs built-in.
 *
 * @example dice([[1, 1], [0, 0]], [[0, 1], [0, 1]]) // 1 − 2·1/(2 + 2 + 1e-7) ≈ 0.5
 */
export const dice = /* @__PURE__ */ overlapLoss('dice', OVERLAP, (o) => ({ ...o, kind: 'dice', a: 0, b: 0 }));

/**
 * Tversky loss (Salehi et al. 2017): `l = 1 − (TP + smooth) / (TP + α·FP + β·FN + smooth + eps)`
 * with soft counts `TP = Σ y·ŷ`, `FP = Σ ŷ·(1 − y)`, `FN = Σ y·(1 − ŷ)` over `axes`.
 * `α = β = 0.5` is the Dice loss; `α = β = 1` the soft Jaccard (IoU) loss.
 *
 * - Shapes and options: as {@link dice}, plus `alpha` (weight of false positives, default 0.5) and
 *   `beta` (false negatives, default 0.5).
 * - Equivalents: optax `dice_loss(alpha, beta)` (same roles of α and β; `smooth: s, eps: 0`).
 *   Keras 3 `keras.losses.tversky` / `Tversky` (same roles; the alias adds Keras's defaults).
 *
 * @example tversky([[1, 0]], [[0.8, 0.4]], { alpha: 0.7, beta: 0.3 }) // 1 − 0.8/(0.8 + 0.7·0.4 + 0.3·0.2 + 1e-7)
 */
export const tversky = /* @__PURE__ */ overlapLoss('tversky', TVERSKY, /* @__PURE__ */ tverskyParams());

/** Keras 3's `tversky` (`alpha` on the false positives Σŷ(1−y), `beta` on the false negatives). */
export const kerasTversky = /* @__PURE__ */ overlapLoss('tversky', TVERSKY, /* @__PURE__ */ tverskyParams());

export const segmentationLosses: LossEntry[] = [
  {
    name: 'dice',
    fn: dice,
    description: 'Dice loss 1 − (2Σyŷ + s)/(Σy + Σŷ + s + ε) over chosen axes — Keras dice / Dice, optax dice_loss',
    aliases: [{ name: 'Dice', dialect: 'keras', defaults: KERAS_REDUCED }],
  },
  {
    name: 'tversky',
    fn: tversky,
    description:
      'Tversky loss 1 − (TP + s)/(TP + α·FP + β·FN + s + ε) — optax dice_loss(alpha, beta); Keras Tversky (α/β as Keras code)',
    aliases: [{ name: 'Tversky', dialect: 'keras', defaults: KERAS_REDUCED, fn: kerasTversky }],
  },
];
