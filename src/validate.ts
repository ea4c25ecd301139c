/**
 * Validation helpers used at the API boundary. Kernels never validate; wrappers call these
 * first and fail fast with a {@link LosskitError} naming the function, the argument, the
 * expectation and what was received.
 */
import { LosskitError, describe, fmtShape } from './errors.js';
import type { FloatArray, Shape, Tensor, TensorInput } from './tensor.js';
import { shapesEqual, sizeOf, tensor } from './tensor.js';

/** Levenshtein distance, for "did you mean" hints on misspelt option names. */
function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

/** The closest candidate to `name`, if it is close enough to be a plausible typo. */
export function suggest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * Rejects option names not in `allowed` (a typo in an option name is an error, never ignored).
 * `undefined` options are no options; anything else that is not a plain object (`null`, an
 * array, a number) is an error, so that no caller reads a field of it.
 */
export function checkOptionNames(fn: string, options: object | undefined, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `'options' must be an object; received ${describe(options)}`,
      'options',
    );
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const hint = suggest(key, allowed);
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `unknown option '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}; valid options are ${allowed.map((a) => `'${a}'`).join(', ')}`,
        key,
      );
    }
  }
}

/**
 * An argument that must be an object with the given fields of the given kinds (`'array'`: an
 * array or a typed array; `'function'`; `'object'`; `'string'`; `'number'`); throws
 * `INVALID_INPUT` naming the argument (and the field) otherwise. For the public functions whose
 * argument is a structure (a report, a tensor, a loss): a wrong value is an error here, never a
 * TypeError inside.
 */
export function checkShapeOf(
  fn: string,
  arg: string,
  value: unknown,
  what: string,
  fields: Record<string, 'array' | 'function' | 'object' | 'string' | 'number'>,
): void {
  const bad = (why: string): never => {
    throw new LosskitError('INVALID_INPUT', fn, `'${arg}' must be ${what}; ${why}`, arg);
  };
  // (a function may carry the fields: a loss function is callable, with valueAndGrad)
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) bad(`received ${describe(value)}`);
  for (const [k, kind] of Object.entries(fields)) {
    const v = (value as Record<string, unknown>)[k];
    const ok =
      kind === 'array' ? isNumberArray(v) : kind === 'object' ? v !== null && typeof v === 'object' : typeof v === kind;
    if (!ok) bad(`its '${k}' is ${describe(v)}`);
  }
}

/** An array or a typed array (not a DataView). */
const isNumberArray = (v: unknown): boolean => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));

/** An argument that must be an array or a typed array (of numbers); throws `INVALID_INPUT` otherwise. */
export function checkArrayArg(fn: string, arg: string, value: unknown): void {
  if (!isNumberArray(value))
    throw new LosskitError(
      'INVALID_INPUT',
      fn,
      `'${arg}' must be an array or a typed array of numbers; received ${describe(value)}`,
      arg,
    );
}

/** Checks that `value` is one of `choices`. */
export function checkOneOf<T extends string>(fn: string, name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option '${name}' must be one of ${choices.map((c) => `'${c}'`).join(', ')}; received ${describe(value)}`,
      name,
    );
  }
  return value as T;
}

export interface NumberRule {
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  gt?: number;
  integer?: boolean;
}

/** Checks a numeric option (finite unless the rule allows otherwise) against its range. */
export function checkNumberOption(fn: string, name: string, value: unknown, rule: NumberRule = {}): number {
  const parts: string[] = [];
  if (rule.integer) parts.push('an integer');
  else parts.push('a finite number');
  if (rule.gt !== undefined) parts.push(`> ${rule.gt}`);
  if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  const expect = parts.join(' ');
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.gt === undefined || value > rule.gt) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.max === undefined || value <= rule.max);
  if (!ok) {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option '${name}' must be ${expect}; received ${describe(value)}`,
      name,
    );
  }
  return value as number;
}

export function checkBooleanOption(fn: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option '${name}' must be true or false; received ${describe(value)}`,
      name,
    );
  }
  return value;
}

/** Throws `EMPTY_INPUT` when the tensor has no elements. */
export function checkNonEmpty(fn: string, arg: string, t: Tensor): void {
  if (t.data.length === 0) {
    throw new LosskitError(
      'EMPTY_INPUT',
      fn,
      `'${arg}' is empty (shape ${fmtShape(t.shape)}); expected at least one element`,
      arg,
    );
  }
}

/** Throws `SHAPE_MISMATCH` unless both tensors have the same shape. */
export function checkSameShape(fn: string, a: Tensor, aName: string, b: Tensor, bName: string): void {
  if (!shapesEqual(a.shape, b.shape)) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'${aName}' has shape ${fmtShape(a.shape)} but '${bName}' has shape ${fmtShape(b.shape)}; expected ${fmtShape(b.shape)} (the same shape)`,
      aName,
    );
  }
}

/** Whether every value is finite: `Σ 0·vᵢ` is 0 unless some `vᵢ` is NaN or ±Infinity (branch-free). */
function allFinite64(d: Float64Array): boolean {
  let a = 0;
  let b = 0;
  let i = 0;
  for (; i + 1 < d.length; i += 2) {
    a += d[i] * 0;
    b += d[i + 1] * 0;
  }
  if (i < d.length) a += d[i] * 0;
  return a + b === 0;
}
function allFinite32(d: Float32Array): boolean {
  let a = 0;
  let b = 0;
  let i = 0;
  for (; i + 1 < d.length; i += 2) {
    a += d[i] * 0;
    b += d[i + 1] * 0;
  }
  if (i < d.length) a += d[i] * 0;
  return a + b === 0;
}

/**
 * Index of the first non-finite value, or -1. Float arrays take a branch-free monomorphic pass
 * first (this runs on every loss call's inputs).
 */
export function firstNonFinite(data: ArrayLike<number>): number {
  if (data instanceof Float64Array) {
    if (allFinite64(data)) return -1;
  } else if (data instanceof Float32Array) {
    if (allFinite32(data)) return -1;
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) return i; // NaN and ±Infinity give NaN here
  }
  return -1;
}

/** Formats flat index `i` of `shape` as `[a,b,c]`. */
export function fmtIndex(i: number, shape: Shape): string {
  if (shape.length === 0) return '[]';
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return `[${idx.join(',')}]`;
}

/** Throws `NON_FINITE` if any element of `t` is NaN or ±Infinity. */
export function checkFinite(fn: string, arg: string, t: Tensor): void {
  const i = firstNonFinite(t.data);
  if (i >= 0) {
    throw new LosskitError(
      'NON_FINITE',
      fn,
      `'${arg}' must contain only finite numbers; received ${describe(t.data[i])} at index ${fmtIndex(i, t.shape)}`,
      arg,
    );
  }
}

/**
 * Lazy finiteness check: when a loss came out non-finite, find the input that caused it. It
 * costs nothing on the happy path (a finite result), and turns a silent NaN into a precise
 * `NON_FINITE` error naming the argument and the index.
 */
export function explainNonFinite(
  fn: string,
  result: number,
  inputs: readonly (readonly [string, Tensor | null | undefined])[],
): void {
  if (result - result === 0) return;
  for (const [name, t] of inputs) if (t) checkFinite(fn, name, t);
}

/** Throws `OUT_OF_RANGE` unless every value lies in [lo, hi]. */
export function checkRange(fn: string, arg: string, t: Tensor, lo: number, hi: number, what: string): void {
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!(v >= lo && v <= hi)) {
      if (v - v !== 0) checkFinite(fn, arg, t); // NaN and ±Infinity are NON_FINITE, not out of range
      throw new LosskitError(
        'OUT_OF_RANGE',
        fn,
        `'${arg}' must hold ${what} in [${lo}, ${hi}]; received ${describe(v)} at index ${fmtIndex(i, t.shape)}`,
        arg,
      );
    }
  }
}

/**
 * Checks integer class labels in `[0, numClasses)`; `ignoreIndex` (if given) is allowed too.
 */
export function checkClassLabels(fn: string, arg: string, t: Tensor, numClasses: number, ignoreIndex?: number): void {
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v === ignoreIndex) continue;
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      const why = !Number.isInteger(v) ? 'is not an integer' : 'is out of range';
      throw new LosskitError(
        'INVALID_LABEL',
        fn,
        `'${arg}' must hold integer class indices in [0, ${numClasses - 1}]${ignoreIndex !== undefined ? ` or ignoreIndex ${ignoreIndex}` : ''}; received ${describe(v)} at index ${fmtIndex(i, t.shape)} (${why})`,
        arg,
      );
    }
  }
}

/** A float64 copy-free view helper: number of elements equals the shape's size. */
export function checkSize(fn: string, arg: string, data: FloatArray, shape: Shape): void {
  if (data.length !== sizeOf(shape)) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'${arg}' has ${data.length} values but its shape ${fmtShape(shape)} needs ${sizeOf(shape)}`,
      arg,
    );
  }
}

/** `yTrue` for losses that need targets: throws `INVALID_INPUT` for `null` / `undefined`. */
export function requireTarget(fn: string, yTrue: TensorInput | null | undefined): TensorInput {
  if (yTrue === null || yTrue === undefined) {
    throw new LosskitError(
      'INVALID_INPUT',
      fn,
      `'yTrue' is required; received ${yTrue === null ? 'null' : 'undefined'}`,
      'yTrue',
    );
  }
  return yTrue;
}

/** The class-weight option `weight`: `[C]` finite values, or `null` when absent. */
export function checkClassWeight(fn: string, weight: TensorInput | undefined, C: number): FloatArray | null {
  if (weight === undefined) return null;
  const w = tensor(weight, undefined, fn, 'weight');
  if (w.shape.length !== 1 || w.shape[0] !== C) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `option 'weight' has shape ${fmtShape(w.shape)}; expected [${C}] (one weight per class of 'yPred')`,
      'weight',
    );
  }
  checkFinite(fn, 'weight', w);
  return w.data;
}

/** Throws `EMPTY_INPUT` when a metric batch's `yTrue` has no samples. */
export function checkHasSamples(fn: string, yTrue: Tensor): void {
  if (yTrue.data.length === 0)
    throw new LosskitError(
      'EMPTY_INPUT',
      fn,
      `'yTrue' is empty (shape ${fmtShape(yTrue.shape)}); expected at least one sample`,
      'yTrue',
    );
}

/** What a binary metric accepts in `yPred`, for {@link checkBinaryBatch}. */
export interface ScoreRule {
  /** The accepted values, for the message: `'finite scores'`, `'probabilities in [0, 1]'`, … */
  expect: string;
  /** Inclusive bounds; a value outside them is `OUT_OF_RANGE`. Absent: no bounds. */
  range?: readonly [number, number];
  /** Whether ±Infinity is accepted (logits: a sigmoid of 0 or 1); NaN never is. */
  infinite?: boolean;
}

/**
 * The batch of a binary metric that reads every element as one prediction (Keras's `AUC` and
 * thresholded confusion metrics): at least one element, `yTrue` 0/1 labels (`INVALID_LABEL`),
 * `yPred` as `rule` says (NaN, and ±Infinity unless allowed, `NON_FINITE`; outside
 * `rule.range` `OUT_OF_RANGE`). Elements are checked in order, label before score, so the first
 * bad element is the one reported. `yTrue` and `yPred` hold the same number of elements.
 */
export function checkBinaryBatch(fn: string, yTrue: Tensor, yPred: Tensor, rule: ScoreRule): void {
  checkHasSamples(fn, yTrue);
  const t = yTrue.data;
  const p = yPred.data;
  const n = p.length;
  const lo = rule.range === undefined ? -Infinity : rule.range[0];
  const hi = rule.range === undefined ? Infinity : rule.range[1];
  const infinite = rule.infinite === true;
  for (let k = 0; k < n; k++) {
    const y = t[k];
    if (y !== 0 && y !== 1)
      throw new LosskitError(
        'INVALID_LABEL',
        fn,
        `'yTrue' must hold 0/1 labels; received ${describe(y)} at flat index ${k}`,
        'yTrue',
      );
    const v = p[k];
    const bad =
      v !== v ? 'NON_FINITE' : !(v >= lo && v <= hi) ? 'OUT_OF_RANGE' : v - v !== 0 && !infinite ? 'NON_FINITE' : null;
    if (bad !== null)
      throw new LosskitError(
        bad,
        fn,
        `'yPred' must hold ${rule.expect}; received ${describe(v)} at flat index ${k}`,
        'yPred',
      );
  }
}
