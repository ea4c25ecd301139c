/**
 * Scores of predicted probabilities and decision values that scikit-learn defines on two labels
 * (or classes): `brierScore` (scikit-learn `brier_score_loss`) and `hingeLoss` (scikit-learn
 * `hinge_loss`). Streaming and exact: the state keeps per-label sums, so the positive label (which
 * scikit-learn picks from all of `yTrue`) can be decided when the value is computed.
 */
import { LosskitError, describe, fmtShape } from '../errors.js';
import { checkFinite, checkNonEmpty, checkNumberOption, checkRange } from '../validate.js';
import type { MetricOptions, MetricSpec } from './core.js';
import { f64Field, numField, oneShot } from './core.js';
import type { MetricEntry } from './registry-types.js';

// ---------------------------------------------------------------------------------------------
// Two-label bookkeeping

/** Up to two distinct label values seen, with per-label sums (`k` sums per label). */
interface TwoLabelState {
  /** The label values, in order of first appearance (length ≤ 2). */
  values: Float64Array;
  /** `k` sums per label, label-major. */
  sums: Float64Array;
}

/** Index of `v` among the labels seen (adding it, or −1 when it would be a third label). */
function labelSlot(st: { values: Float64Array; sums: Float64Array }, v: number, k: number): number {
  for (let j = 0; j < st.values.length; j++) if (st.values[j] === v) return j;
  if (st.values.length >= 2) return -1;
  const values = new Float64Array(st.values.length + 1);
  values.set(st.values);
  values[st.values.length] = v;
  const sums = new Float64Array(values.length * k);
  sums.set(st.sums);
  st.values = values;
  st.sums = sums;
  return values.length - 1;
}

function mergeTwoLabel(a: TwoLabelState, b: TwoLabelState, k: number, fn: string): void {
  const va = Array.from(a.values);
  const all = new Set([...va, ...Array.from(b.values)]);
  if (all.size > 2)
    throw new LosskitError(
      'INCOMPATIBLE_STATE',
      fn,
      `cannot merge: together the two metrics have seen ${all.size} labels (${[...all].join(', ')}); expected at most 2`,
      'other',
    );
  for (let j = 0; j < b.values.length; j++) {
    const slot = labelSlot(a, b.values[j], k);
    for (let q = 0; q < k; q++) a.sums[slot * k + q] += b.sums[j * k + q];
  }
}

/** A restored two-label state: at most 2 distinct labels, `k` sums each. */
function twoLabelCheck(st: TwoLabelState, k: number): string | null {
  if (st.values.length > 2 || new Set(st.values).size !== st.values.length)
    return `'values' must hold at most 2 distinct labels; received ${st.values.length}`;
  if (st.sums.length !== st.values.length * k)
    return `'sums' must have ${st.values.length * k} entries (${k} per label); received ${st.sums.length}`;
  return null;
}

function thirdLabel(fn: string, seen: Float64Array, v: number, at: number): never {
  throw new LosskitError(
    'INVALID_LABEL',
    fn,
    `'yTrue' must hold at most two distinct labels (binary); received ${describe(v)} at index [${at}] after ${Array.from(seen).join(' and ')}`,
    'yTrue',
  );
}

// ---------------------------------------------------------------------------------------------
// brierScore

interface BrierConfig {
  /** The positive label, or null for scikit-learn's default. */
  posLabel: number | null;
}

/** Σ w·p², and per label Σ w·p and Σ w. */
interface BrierState extends TwoLabelState {
  sumWp2: number;
}

/**
 * scikit-learn 1.2's positive label when `pos_label` is not given: 1 when the labels are within
 * {0, 1} or {−1, 1}, else the largest label.
 */
function defaultPosLabel(values: ArrayLike<number>): number {
  const vs = Array.from(values);
  if (vs.every((v) => v === 0 || v === 1) || vs.every((v) => v === -1 || v === 1)) return 1;
  return Math.max(...vs);
}

const brierSpec: MetricSpec<BrierConfig, BrierState, number> = {
  name: 'brierScore',
  optionNames: ['posLabel'],
  config: (options: MetricOptions, fn: string) => ({
    posLabel: options.posLabel === undefined ? null : checkNumberOption(fn, 'posLabel', options.posLabel),
  }),
  init: () => ({ values: new Float64Array(0), sums: new Float64Array(0), sumWp2: 0 }),
  fields: () => [
    f64Field('values', 'finite', undefined, 'custom'),
    f64Field('sums', 'count', undefined, 'custom'),
    numField('sumWp2', 'count'),
  ],
  check: (st) => twoLabelCheck(st, 2),
  update(state, yTrue, yPred, w, _c, fn) {
    checkNonEmpty(fn, 'yPred', yPred);
    checkFinite(fn, 'yPred', yPred);
    checkFinite(fn, 'yTrue', yTrue);
    checkRange(fn, 'yPred', yPred, 0, 1, 'probabilities of the positive label');
    const n = yPred.data.length;
    const flat = (s: readonly number[]) => s.length <= 1 || (s.length === 2 && s[1] === 1);
    if (yTrue.data.length !== n || !flat(yTrue.shape) || !flat(yPred.shape))
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'yTrue' has shape ${fmtShape(yTrue.shape)} and 'yPred' has shape ${fmtShape(yPred.shape)}; expected both [N] (one label and one probability per sample)`,
        'yPred',
      );
    // validate first (the state is untouched on error)
    const probe = { values: Float64Array.from(state.values), sums: new Float64Array(state.values.length * 2) };
    for (let i = 0; i < n; i++)
      if (labelSlot(probe, yTrue.data[i], 2) < 0) thirdLabel(fn, probe.values, yTrue.data[i], i);
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const wi = w === null ? 1 : w[i];
      const p = yPred.data[i];
      const j = labelSlot(state, yTrue.data[i], 2);
      state.sums[j * 2] += wi * p;
      state.sums[j * 2 + 1] += wi;
      s2 += wi * p * p;
    }
    state.sumWp2 += s2;
  },
  mergeCustom: (a, b, _c, fn) => mergeTwoLabel(a, b, 2, fn),
  compute(state, c) {
    // Σ w (y − p)² = Σ w p² − 2 Σ_{y=pos} w p + Σ_{y=pos} w
    let sw = 0;
    for (let j = 0; j < state.values.length; j++) sw += state.sums[j * 2 + 1];
    if (!(sw > 0)) return NaN;
    const pos = c.posLabel ?? defaultPosLabel(state.values);
    let s = state.sumWp2;
    for (let j = 0; j < state.values.length; j++)
      if (state.values[j] === pos) s += state.sums[j * 2 + 1] - 2 * state.sums[j * 2];
    return s / sw;
  },
};

/**
 * Brier score of predicted probabilities, scikit-learn 1.2 `brier_score_loss`:
 * `Σᵢ wᵢ (𝟙[yᵢ = pos] − pᵢ)² / Σᵢ wᵢ`.
 *
 * `yTrue` `[N]` holds two label values at most; `yPred` `[N]` the probability of the positive
 * label, in [0, 1]. The positive label is `posLabel`, or as scikit-learn: 1 when the labels are
 * within {0, 1} or {−1, 1}, else the largest label seen. Nothing seen or zero total weight: NaN.
 * State: Σ w·p² and, per label, Σ w·p and Σ w.
 *
 * Equivalents: scikit-learn `brier_score_loss`.
 *
 * @example brierScore([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3]) // 0.0375
 */
export const brierScore = oneShot(brierSpec);

// ---------------------------------------------------------------------------------------------
// hingeLoss

interface HingeConfig {
  /** Multiclass: the class of each decision column (scikit-learn `labels`), or null for 0..C−1. */
  labels: number[] | null;
}

/**
 * Binary: per label Σ w·max(0, 1 − d) (if it is the +1 label) and Σ w·max(0, 1 + d) (if −1), Σ w.
 * Multiclass: `sumLoss`, `sumW`.
 */
interface HingeState extends TwoLabelState {
  sumLoss: number;
  sumW: number;
}

const hingeSpec: MetricSpec<HingeConfig, HingeState, number> = {
  name: 'hingeLoss',
  optionNames: ['labels'],
  config: (options: MetricOptions, fn: string) => {
    const lv: unknown = options.labels;
    if (lv === undefined) return { labels: null };
    if (
      !Array.isArray(lv) ||
      lv.length < 2 ||
      !lv.every((v) => typeof v === 'number' && Number.isFinite(v)) ||
      new Set(lv).size !== lv.length
    )
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'labels' must be an array of at least 2 distinct finite numbers; received ${describe(lv)}`,
        'labels',
      );
    return { labels: (lv as number[]).slice().sort((a, b) => a - b) };
  },
  init: () => ({ values: new Float64Array(0), sums: new Float64Array(0), sumLoss: 0, sumW: 0 }),
  fields: () => [
    f64Field('values', 'finite', undefined, 'custom'),
    f64Field('sums', 'count', undefined, 'custom'),
    numField('sumLoss', 'count'),
    numField('sumW', 'count'),
  ],
  check: (st) => twoLabelCheck(st, 3),
  update(state, yTrue, yPred, w, c, fn) {
    checkNonEmpty(fn, 'yPred', yPred);
    checkFinite(fn, 'yPred', yPred);
    checkFinite(fn, 'yTrue', yTrue);
    const n = yTrue.data.length;
    const multiclass = yPred.shape.length === 2 && yPred.shape[1] > 1;
    if (yTrue.shape.length > 1 && !(yTrue.shape.length === 2 && yTrue.shape[1] === 1))
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'yTrue' must have shape [N]; received ${fmtShape(yTrue.shape)}`,
        'yTrue',
      );
    if (!multiclass) {
      if (yPred.data.length !== n || yPred.shape.length > 2)
        throw new LosskitError(
          'SHAPE_MISMATCH',
          fn,
          `'yPred' (decision values) must have shape [${n}] for two labels, or [${n}, C] for C classes; received ${fmtShape(yPred.shape)}`,
          'yPred',
        );
      if (c.labels !== null && c.labels.length > 2)
        throw new LosskitError(
          'SHAPE_MISMATCH',
          fn,
          `'yPred' must hold one decision column per class (${c.labels.length} labels); received ${fmtShape(yPred.shape)}`,
          'yPred',
        );
      const probe = { values: Float64Array.from(state.values), sums: new Float64Array(state.values.length * 2) };
      for (let i = 0; i < n; i++)
        if (labelSlot(probe, yTrue.data[i], 2) < 0) thirdLabel(fn, probe.values, yTrue.data[i], i);
      for (let i = 0; i < n; i++) {
        const wi = w === null ? 1 : w[i];
        const d = yPred.data[i];
        const j = labelSlot(state, yTrue.data[i], 3);
        state.sums[j * 3] += wi * Math.max(0, 1 - d);
        state.sums[j * 3 + 1] += wi * Math.max(0, 1 + d);
        state.sums[j * 3 + 2] += wi;
      }
      return;
    }
    const C = yPred.shape[1];
    if (yPred.shape[0] !== n)
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'yPred' has shape ${fmtShape(yPred.shape)} but 'yTrue' has ${n} samples; expected [${n}, C]`,
        'yPred',
      );
    const labels = c.labels ?? Array.from({ length: C }, (_, k) => k);
    if (labels.length !== C)
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'yPred' has ${C} decision columns but ${labels.length} labels; expected one column per label`,
        'yPred',
      );
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      idx[i] = labels.indexOf(yTrue.data[i]);
      if (idx[i] < 0)
        throw new LosskitError(
          'INVALID_LABEL',
          fn,
          `'yTrue' must hold one of the labels [${labels.join(', ')}]; received ${describe(yTrue.data[i])} at index [${i}]`,
          'yTrue',
        );
    }
    let s = 0;
    let sw = 0;
    for (let i = 0; i < n; i++) {
      const wi = w === null ? 1 : w[i];
      const base = i * C;
      let other = -Infinity;
      for (let k = 0; k < C; k++) if (k !== idx[i] && yPred.data[base + k] > other) other = yPred.data[base + k];
      s += wi * Math.max(0, 1 - (yPred.data[base + idx[i]] - other));
      sw += wi;
    }
    state.sumLoss += s;
    state.sumW += sw;
  },
  mergeCustom: (a, b, _c, fn) => mergeTwoLabel(a, b, 3, fn),
  compute(state) {
    let s = state.sumLoss;
    let sw = state.sumW;
    const v = state.values;
    if (v.length > 0) {
      // scikit-learn's LabelBinarizer(neg_label=−1): the larger of two labels is +1
      const plus = v.length === 2 ? Math.max(v[0], v[1]) : NaN;
      for (let j = 0; j < v.length; j++) {
        s += v[j] === plus ? state.sums[j * 3] : state.sums[j * 3 + 1];
        sw += state.sums[j * 3 + 2];
      }
    }
    return sw > 0 ? s / sw : NaN;
  },
};

/**
 * Average hinge loss of decision values, scikit-learn 1.2 `hinge_loss`: `Σᵢ wᵢ max(0, 1 − mᵢ) / Σᵢ wᵢ`.
 *
 * - Two labels (any two values): `yPred` `[N]` decision values; the larger label is +1, the
 *   other −1 (scikit-learn's `LabelBinarizer(neg_label=-1)`), and `mᵢ = ±dᵢ`. A single label
 *   value seen so far counts as −1 (as scikit-learn's binariser does).
 * - Classes (`yPred` `[N, C]`): `mᵢ` = the true class's decision value minus the largest other
 *   one (Crammer–Singer); `labels` gives the class of each column (default 0..C−1), so classes
 *   absent from `yTrue` are fine.
 *
 * Equivalents: scikit-learn `hinge_loss`. (Keras's `hinge` metric is the mean of the Keras
 * `hinge` loss: `getMetric('loss', { loss: 'Hinge' })`.)
 *
 * @example hingeLoss([-1, 1, 1], [-2.2, 0.7, 1.4]) // 0.1
 */
export const hingeLoss = oneShot(hingeSpec);

export const scoreMetrics = [
  {
    name: 'brierScore',
    spec: brierSpec,
    description: 'Brier score of predicted probabilities (scikit-learn brier_score_loss)',
    aliases: [{ name: 'brier_score_loss', source: 'sklearn' }],
    result: 'number',
  },
  {
    name: 'hingeLoss',
    spec: hingeSpec,
    description: 'Average hinge loss of decision values, two labels or classes (scikit-learn hinge_loss)',
    aliases: [{ name: 'hinge_loss', source: 'sklearn' }],
    result: 'number',
  },
] as const satisfies readonly MetricEntry[];
