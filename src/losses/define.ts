/**
 * The one definition path of a loss. Every loss — built-in or made by a user with the public
 * `defineLoss` — is built here, by {@link loss}.
 *
 * A definition declares, once:
 * - its **options** (a schema: kind, range, default) — parsing, the unknown-option error with
 *   its "did you mean" hint and the TypeScript type of the loss's options all derive from it;
 * - its **metadata** (what `yPred` holds, the class axis, per-batch inputs, PyTorch's `'mean'`
 *   denominator rule) — read by `diagnoseLoss` and `lossMetric`;
 * - its **input domains** (finite reals, probabilities, ±1 labels, ...) — enforced here for
 *   every loss and alias alike;
 * - a **layout** and a **kernel**.
 *
 * The body is then written once, in {@link loss}:
 *
 * ```text
 * resolve options (schema) → require target → build tensors → check shapes (layout)
 *   → check input domains → plan the reduction → gradient buffer → kernel (one arguments
 *   object) → explain a non-finite result → finish the reduction
 * ```
 *
 * Layouts: `'elementwise'` (`lᵢ = f(yᵢ, ŷᵢ)`, optionally Keras's mean over the last axis) and
 * `'prepared'` (the loss's own prepare step: class axis, overlap over axes, CTC, embeddings,
 * extra per-batch inputs) which returns the loss-element shape, the `'mean'` weights and a
 * runner; the constructor still plans the reduction, allocates the gradient and finishes.
 */
import { LosskitError, describe, fmtShape } from '../errors.js';
import type { Reduction, ReductionPlan, ReducerMode } from '../reduce.js';
import { finishReduction, planReduction, resolveReduction } from '../reduce.js';
import type { FloatArray, Shape, Tensor, TensorInput } from '../tensor.js';
import { tensor } from '../tensor.js';
import type { NumberRule } from '../validate.js';
import {
  checkBooleanOption,
  checkFinite,
  checkNonEmpty,
  checkNumberOption,
  checkOneOf,
  checkOptionNames,
  checkSameShape,
  explainNonFinite,
  fmtIndex,
  requireTarget,
} from '../validate.js';
import type { LossFunction, LossOptions, LossResult } from './core.js';
import type { WasmRoute } from '../wasm/dispatch.js';
import { wasmRouteOf } from '../wasm/dispatch.js';
import { wasmElementwise } from '../wasm/slot.js';

// ---------------------------------------------------------------------------------------------
// Option schemas.
// ---------------------------------------------------------------------------------------------

/**
 * One declared option: `In` is the type a caller passes, `Out` what the loss receives after
 * parsing (`In`, or `In | undefined` when the option has no default).
 */
export interface OptionSpec<In, Out> {
  readonly kind: 'number' | 'boolean' | 'enum' | 'tensor' | 'value';
  /** The default, when there is one (documented; `Out` excludes `undefined` then). */
  readonly default?: In;
  /** Validates and converts a caller's value (never called with `undefined`). */
  readonly parse: (fn: string, name: string, value: unknown) => Out;
  /** What the loss receives when the option is absent. */
  readonly absent: Out;
  /** Phantom: the caller-side type. */
  readonly __in?: In;
}

/** A loss's option schema: option name → spec. */
export type OptionSchema = Readonly<Record<string, OptionSpec<unknown, unknown>>>;

/** The options a caller may pass for a schema (all optional). */
export type OptionsOf<S extends OptionSchema> = {
  [K in keyof S]?: S[K] extends OptionSpec<infer I, unknown> ? I : never;
};

/** The parsed options a loss receives (defaults applied). */
export type Parsed<S extends OptionSchema> = {
  readonly [K in keyof S]: S[K] extends OptionSpec<unknown, infer O> ? O : never;
};

/** A finite number option, optionally ranged (`min`, `max`, `gt`, `integer`), with its default. */
export function num(rule: NumberRule & { default: number }): OptionSpec<number, number>;
export function num(rule?: NumberRule): OptionSpec<number, number | undefined>;
export function num(rule: NumberRule & { default?: number } = {}): OptionSpec<number, number | undefined> {
  return {
    kind: 'number',
    default: rule.default,
    absent: rule.default,
    parse: (fn, name, v) => checkNumberOption(fn, name, v, rule),
  };
}

/** A boolean option. */
export function bool(defaultValue: boolean): OptionSpec<boolean, boolean>;
export function bool(): OptionSpec<boolean, boolean | undefined>;
export function bool(defaultValue?: boolean): OptionSpec<boolean, boolean | undefined> {
  return {
    kind: 'boolean',
    default: defaultValue,
    absent: defaultValue,
    parse: (fn, name, v) => checkBooleanOption(fn, name, v),
  };
}

/** One of a fixed set of strings. */
export function oneOf<const T extends string>(values: readonly T[], defaultValue: T): OptionSpec<T, T>;
export function oneOf<const T extends string>(values: readonly T[]): OptionSpec<T, T | undefined>;
export function oneOf<const T extends string>(values: readonly T[], defaultValue?: T): OptionSpec<T, T | undefined> {
  return {
    kind: 'enum',
    default: defaultValue,
    absent: defaultValue,
    parse: (fn, name, v) => checkOneOf(fn, name, v, values),
  };
}

/** A tensor option (weights, per-batch inputs); its shape is checked by the loss, which knows it. */
export function tensorOption(): OptionSpec<TensorInput, TensorInput | undefined> {
  return { kind: 'tensor', absent: undefined, parse: (_fn, _name, v) => v as TensorInput };
}

/** Any other option, with its own parser. */
export function valueOption<T>(parse: (fn: string, name: string, v: unknown) => T): OptionSpec<T, T | undefined> {
  return { kind: 'value', absent: undefined, parse };
}

/** Parses `options` against `schema` (names already checked): defaults for absent options. */
export function parseOptions<S extends OptionSchema>(fn: string, schema: S, options: LossOptions): Parsed<S> {
  const out: Record<string, unknown> = {};
  const raw = options as Record<string, unknown>;
  for (const key of Object.keys(schema)) {
    const spec = schema[key];
    const v = raw[key];
    out[key] = v === undefined ? spec.absent : spec.parse(fn, key, v);
  }
  return out as Parsed<S>;
}

// ---------------------------------------------------------------------------------------------
// Metadata and input domains.
// ---------------------------------------------------------------------------------------------

/** What a loss's `yPred` holds. */
export type InputKind = 'logits' | 'probabilities' | 'logProbabilities' | 'values' | 'embeddings';

/** What a loss's `yTrue` holds. */
export type TargetKind =
  /** Real values (regression). */
  | 'values'
  /** Binary targets / soft labels in [0, 1]. */
  | 'binary'
  /** Labels in {−1, 1} (or {0, 1}, converted). */
  | 'signs'
  /** Class indices, or class probabilities along the class axis. */
  | 'classes'
  /** No target (e.g. `tripletMargin`), or a target of its own kind (lengths, pairs). */
  | 'other';

/**
 * Facts about a loss that code outside it needs (`diagnoseLoss`, `lossMetric`): kept on the
 * loss, never as name lists elsewhere.
 */
export interface LossMeta {
  /** What `yPred` holds. `fromLogits` (when the loss has that option) switches it to
   * `'logits'` (true) or to `input` (false). */
  readonly input: InputKind;
  readonly target: TargetKind;
  /** Class axis of `yPred` for class losses: 1 (PyTorch's `(N, C, ...)`) or `'last'` (Keras). */
  readonly classAxis?: 1 | 'last';
  /** Default `ignoreIndex` (PyTorch's −100), when the loss has one. */
  readonly ignoreIndex?: number;
  /** Option names that are per-batch inputs (they cannot be fixed once for a stream). */
  readonly batchInputs?: readonly string[];
  /**
   * PyTorch's `'mean'` denominator: `'count'` (number of loss elements) or
   * `'targetClassWeight'` (`Σ weight[yᵢ]` over non-ignored class-index targets; cross-entropy,
   * NLL).
   */
  readonly meanDenominator: 'count' | 'targetClassWeight';
  /** `yPred` holds log-probabilities that may be −∞ (probability 0, e.g. CTC's impossible
   * frames); every other non-finite value is still an error. */
  readonly logZeroAllowed?: boolean;
}

/** A value domain one input must lie in; checked by the constructor (see {@link checkDomain}). */
export type Domain =
  /** Finite numbers (the default for every input). */
  | 'real'
  /** Finite numbers ≥ 0 (rates, counts, variances). */
  | 'nonNegative'
  /** Finite numbers in [0, 1]. */
  | 'probability'
  /** Finite numbers in [0, 1] along a class axis, each row with a positive sum. */
  | 'probabilityRows'
  /** Exactly −1 or 1. */
  | 'sign'
  /** Checked by the loss itself (class indices, lengths, ...) or deliberately unchecked. */
  | 'own';

/** Declared domains of `yTrue` and `yPred`; a function when they depend on an option. */
export interface Domains {
  readonly yTrue?: Domain;
  readonly yPred?: Domain;
}
export type DomainRule<O> = Domains | ((options: O) => Domains);

function domainError(fn: string, arg: string, t: Tensor, i: number, what: string): LosskitError {
  return new LosskitError(
    'OUT_OF_RANGE',
    fn,
    `'${arg}' must hold ${what}; received ${describe(t.data[i])} at index ${fmtIndex(i, t.shape)}`,
    arg,
  );
}

/**
 * Checks that every value of `t` lies in `domain` (NaN / ±Infinity → `NON_FINITE`, anything
 * else outside → `OUT_OF_RANGE`). `'probabilityRows'` rows run along the last axis.
 */
export function checkDomain(fn: string, arg: string, t: Tensor, domain: Domain): void {
  if (domain === 'own') return;
  if (domain === 'real') {
    checkFinite(fn, arg, t);
    return;
  }
  // One pass: every range test below is false for NaN and ±Infinity, so a value that passes is
  // finite. At the first failure the whole input is checked for non-finite values first, so a
  // NaN / ±Infinity anywhere is NON_FINITE (as a separate finiteness pass would report it).
  const d = t.data;
  const fail = (i: number, what: string): never => {
    checkFinite(fn, arg, t);
    throw domainError(fn, arg, t, i, what);
  };
  if (domain === 'nonNegative') {
    for (let i = 0; i < d.length; i++) if (!(d[i] >= 0 && d[i] < Infinity)) fail(i, 'values >= 0');
  } else if (domain === 'probability' || domain === 'probabilityRows') {
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (!(v >= 0 && v <= 1)) fail(i, 'probabilities in [0, 1]');
    }
    if (domain === 'probabilityRows' && t.shape.length > 0) {
      const C = t.shape[t.shape.length - 1];
      for (let r = 0; r * C < d.length; r++) {
        let s = 0;
        for (let c = r * C; c < (r + 1) * C; c++) s += d[c];
        if (!(s > 0)) {
          throw new LosskitError(
            'OUT_OF_RANGE',
            fn,
            `'${arg}' must hold class probabilities with a positive sum in every row (along the last axis); row ${fmtIndex(r * C, t.shape)} sums to 0`,
            arg,
          );
        }
      }
    }
  } else if (domain === 'sign') {
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (v !== 1 && v !== -1) {
        checkFinite(fn, arg, t);
        throw new LosskitError(
          'INVALID_LABEL',
          fn,
          `'${arg}' must hold labels 1 or -1; received ${describe(v)} at index ${fmtIndex(i, t.shape)}`,
          arg,
        );
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The gradient buffer: the one place gradients are allocated.
// ---------------------------------------------------------------------------------------------

/**
 * The dtype rule of gradients, as PyTorch and TensorFlow.js: a gradient has the dtype of the
 * input it differentiates — `Float32Array` for a `Float32Array` input, `Float64Array` for
 * everything else (float64 arrays, plain arrays and numbers, integer arrays). Values are computed
 * and accumulated in float64 either way and rounded once when stored.
 */
export function newGradient(like: FloatArray, n: number): FloatArray {
  return like instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
}

/**
 * Output buffer for the gradient of `like` (`n` values): the caller's `gradOut` when given (a
 * `Float32Array` or `Float64Array` of length `n`: its dtype wins, so a `Float64Array` asks for a
 * float64 gradient of float32 inputs), else a new array of `like`'s dtype ({@link newGradient}).
 * The one allocation site of gradients: every loss's gradient and its extra gradients
 * (`input2`, `positive`, `negative`, `variance`) come from here.
 */
export function gradientBuffer(fn: string, n: number, gradOut: unknown, like: FloatArray): FloatArray {
  if (gradOut === undefined) return newGradient(like, n);
  if (!(gradOut instanceof Float64Array || gradOut instanceof Float32Array) || gradOut.length !== n) {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'gradOut' must be a Float32Array or Float64Array of length ${n} (the size of 'yPred'); received ${describe(gradOut)}`,
      'gradOut',
    );
  }
  return gradOut;
}

/**
 * Where a kernel that accumulates its gradient works: `grad` itself when it is float64, else a
 * zeroed float64 scratch rounded into `grad` by {@link storeGradient} (float64 accumulation,
 * one rounding per element).
 */
function workBuffer(grad: FloatArray): Float64Array {
  return grad instanceof Float64Array ? grad : new Float64Array(grad.length);
}

/** Rounds a float64 work buffer into the gradient (no-op when they are one array). */
function storeGradient(work: Float64Array, grad: FloatArray): void {
  if (work !== grad) grad.set(work);
}

/** The typed array behind a tensor-like value, if any (to detect `gradOut` aliasing an input). */
function viewOf(v: unknown): ArrayBufferView | null {
  if (v === null || typeof v !== 'object') return null;
  if (ArrayBuffer.isView(v)) return v;
  const data = (v as { data?: unknown }).data;
  return ArrayBuffer.isView(data) ? data : null;
}

/** Whether the bytes of `v`'s typed array overlap `g`'s (views of one buffer may not: an arena). */
function overlaps(g: ArrayBufferView, v: unknown): boolean {
  const a = viewOf(v);
  if (a === null || a.buffer !== g.buffer) return false;
  return a.byteOffset < g.byteOffset + g.byteLength && g.byteOffset < a.byteOffset + a.byteLength;
}

/** Whether `gradOut` shares memory with `yTrue`, `yPred` or a tensor option. */
function aliasesAnInput(
  gradOut: FloatArray,
  yTrue: TensorInput | null,
  yPred: TensorInput,
  options: LossOptions,
): boolean {
  if (overlaps(gradOut, yTrue) || overlaps(gradOut, yPred)) return true;
  for (const [k, v] of Object.entries(options)) if (k !== 'gradOut' && overlaps(gradOut, v)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// The callable wrapper (shared by every loss).
// ---------------------------------------------------------------------------------------------

/** One call: the name the caller used (for errors), whether a gradient is wanted, its buffer. */
export interface Call {
  /** The name errors report: the loss's name, or the alias the caller resolved. */
  readonly fn: string;
  readonly wantGrad: boolean;
}

/** What a body returns: the value, the gradient (or `null` without `wantGrad`), extra gradients. */
export interface BodyResult {
  value: number | Tensor;
  grad: Tensor | null;
  extraGrads?: Record<string, Tensor>;
}

/** The body of a loss: options merged with the defaults, names already checked. */
export type Body = (yTrue: TensorInput | null, yPred: TensorInput, options: LossOptions, call: Call) => BodyResult;

interface Core {
  readonly name: string;
  readonly optionNames: readonly string[];
  readonly body: Body;
  readonly meta: LossMeta;
}

function relabel(e: unknown, core: Core, calledAs: string): unknown {
  if (calledAs === core.name || !(e instanceof LosskitError) || e.fn !== core.name) return e;
  return new LosskitError(e.code, calledAs, e.message.slice(e.fn.length + 2), e.argument);
}

function build<O extends object>(core: Core, defaults: LossOptions, calledAs: string): LossFunction<O> {
  const { name, optionNames, body } = core;
  const resolve = (options: object | undefined): LossOptions => {
    checkOptionNames(calledAs, options, optionNames);
    if (options === undefined || options === null) return defaults;
    const merged: Record<string, unknown> = { ...defaults };
    for (const [k, v] of Object.entries(options)) if (v !== undefined) merged[k] = v;
    return merged as LossOptions;
  };
  function loss(yTrue: TensorInput | null, yPred: TensorInput, options?: O): number | Tensor {
    try {
      const o = resolve(options);
      return body(yTrue, yPred, o, { fn: calledAs, wantGrad: false }).value;
    } catch (e) {
      throw relabel(e, core, calledAs);
    }
  }
  function valueAndGrad(yTrue: TensorInput | null, yPred: TensorInput, options?: O): LossResult {
    try {
      let o = resolve(options);
      const gradOut = o.gradOut;
      // gradOut sharing memory with an input would be overwritten while it is read: compute into
      // a fresh buffer of its dtype and length (checked by the body) and copy.
      const alias =
        (gradOut instanceof Float64Array || gradOut instanceof Float32Array) &&
        aliasesAnInput(gradOut, yTrue, yPred, o);
      if (alias) {
        o = {
          ...o,
          gradOut:
            gradOut instanceof Float32Array ? new Float32Array(gradOut.length) : new Float64Array(gradOut.length),
        };
      }
      const r = body(yTrue, yPred, o, { fn: calledAs, wantGrad: true });
      if (r.grad === null) throw new Error(`losskit internal: ${name} returned no gradient`);
      let grad = r.grad;
      if (alias && gradOut !== undefined) {
        gradOut.set(r.grad.data);
        grad = { data: gradOut, shape: r.grad.shape };
      }
      return r.extraGrads ? { value: r.value, grad, extraGrads: r.extraGrads } : { value: r.value, grad };
    } catch (e) {
      throw relabel(e, core, calledAs);
    }
  }
  const fn = Object.assign(loss, {
    valueAndGrad,
    lossName: name,
    optionNames,
    defaults: Object.freeze({ ...defaults }),
    meta: core.meta,
  }) as LossFunction<O>;
  CORES.set(fn, core);
  return fn;
}

/** The definition behind each loss function (for `withDefaults`). */
const CORES = new WeakMap<object, Core>();

function coreOf(fn: LossFunction): Core {
  const c = CORES.get(fn);
  if (c === undefined) throw new Error(`losskit internal: ${fn.lossName} was not built by define.ts`);
  return c;
}

/**
 * The same loss with other defaults (a dialect alias): the caller's options still win, and
 * errors name `calledAs`, the name the caller resolved.
 */
export function withDefaults(fn: LossFunction, defaults: LossOptions, calledAs: string = fn.lossName): LossFunction {
  return build(coreOf(fn), { ...fn.defaults, ...defaults }, calledAs);
}

// ---------------------------------------------------------------------------------------------
// Layouts.
// ---------------------------------------------------------------------------------------------

/** Arguments of an element-wise kernel (one object: kernels never take positional lists). */
export interface ElementwiseArgs<P> {
  /** Number of elements. */
  n: number;
  yTrue: FloatArray;
  yPred: FloatArray;
  /** Per-element weights (sample weights folded with the reduction's), or `null` for all 1. */
  w: Float64Array | null;
  /** The factor every gradient is multiplied by (`1/denominator`). */
  scale: number;
  /** Per-element output `out[i] = wᵢ·lᵢ`, or `null`. */
  out: Float64Array | null;
  /**
   * Gradient output `grad[i] = scale·wᵢ·∂lᵢ/∂ŷᵢ`, or `null`: float32 or float64 (the dtype rule,
   * see {@link gradientBuffer}). Each element is assigned once from a float64 value, never read
   * back or accumulated (so a float32 gradient is the float64 one rounded once).
   */
  grad: FloatArray | null;
  /** The loss's parameters. */
  params: P;
}

/**
 * An element-wise kernel: one fused pass computing, for i in [0, n),
 * `lᵢ = f(yTrue[i], yPred[i])` and `gᵢ = ∂lᵢ/∂yPred[i]`; it returns `Σ wᵢ·lᵢ` (float64) and
 * writes `out` and `grad` when given. No validation, no allocation.
 */
export type ElementwiseKernel<P> = (args: ElementwiseArgs<P>) => number;

/** A kernel bound to its parameters (so one loss can choose between kernels per call). */
export interface BoundKernel {
  run(args: Omit<ElementwiseArgs<never>, 'params'>): number;
  /** The WASM kernel computing the same function for these parameters, if any (see src/wasm). */
  readonly wasm: WasmRoute | null;
}

/** Binds a kernel to its parameters (and to its WASM twin, when the loss declared one). */
export function bindKernel<P>(kernel: ElementwiseKernel<P>, params: P): BoundKernel {
  return { run: (a) => kernel({ ...a, params }), wasm: wasmRouteOf(kernel, params) };
}

/** What an element-wise WASM twin flags by its sum (see `LossDefinition.kernelFlags`). */
const WASM_FLAGS: readonly Domain[] = ['real'];
/**
 * The kinds whose WASM kernel also flags a target outside [0, 1] (or NaN) by a NaN sum
 * (`FLAGS_TARGET_RANGE` in src/wasm/kernels.ts, repeated here so that the core does not import
 * the kernels: see src/wasm/slot.ts). Only `yTrue`'s `'probability'` domain is deferred on it:
 * a loss whose `kernelFlags` lists `'probability'` must declare it on `yTrue` only.
 */
export const WASM_TARGET_RANGE: ReadonlySet<WasmRoute['kind']> = new Set(['bceLogits', 'bceTorch', 'bceClip', 'focal']);
const WASM_FLAGS_RANGE: readonly Domain[] = ['real', 'probability'];

/** Sums consecutive groups of `k` values. */
function groupSum(src: Float64Array, k: number): Float64Array {
  const m = src.length / k;
  const out = new Float64Array(m);
  for (let i = 0, j = 0; i < m; i++) {
    let s = 0;
    for (let e = j + k; j < e; j++) s += src[j];
    out[i] = s;
  }
  return out;
}

/** The loss-element shape and group size: `yPred.shape[:-1]` and the last dim for Keras semantics. */
export function lastAxisLayout(fn: string, shape: Shape, meanOverLastAxis: boolean): { lossShape: Shape; k: number } {
  if (!meanOverLastAxis) return { lossShape: shape, k: 1 };
  if (shape.length === 0) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'yPred' is a scalar, but meanOverLastAxis needs at least one dimension; received shape ${fmtShape(shape)}`,
      'yPred',
    );
  }
  return { lossShape: shape.slice(0, -1), k: shape[shape.length - 1] };
}

/**
 * Runs a bound element-wise kernel under a reduction plan over loss elements each the mean of
 * `k` consecutive kernel elements (`k = 1`, or the last dimension for Keras's mean over it).
 */
function runElementwise(
  kernel: BoundKernel,
  inputs: { yTrue: FloatArray; yPred: FloatArray; k: number },
  plan: ReductionPlan,
  grad: FloatArray | null,
): { value: number | Tensor; sum: number; flagged: readonly Domain[] | undefined } {
  const { yTrue, yPred, k } = inputs;
  const n = yPred.length;
  let w = plan.weights;
  let denominator = plan.denominator;
  let gradScale = plan.gradScale;
  if (k !== 1) {
    if (w !== null) {
      // Expand per-loss-element weights to kernel elements, with the 1/k of the mean.
      const we = new Float64Array(n);
      for (let i = 0; i < w.length; i++) we.fill(w[i] / k, i * k, (i + 1) * k);
      w = we;
    } else if (plan.reduction === 'none') {
      w = new Float64Array(n).fill(1 / k);
    } else {
      denominator *= k;
      gradScale /= k;
    }
  }
  const out = plan.reduction === 'none' ? new Float64Array(n) : null;
  const args = { n, yTrue, yPred, w, scale: gradScale, out, grad };
  // The backend choice: the WASM twin when it applies to this call, else the JS kernel.
  const fast = kernel.wasm === null ? undefined : wasmElementwise({ ...args, ...kernel.wasm });
  const sum = fast ?? kernel.run(args);
  const perElement = out !== null && k !== 1 ? groupSum(out, k) : out;
  const value = finishReduction(denominator === plan.denominator ? plan : { ...plan, denominator }, sum, perElement);
  // The WASM twins propagate NaN / ±Infinity inputs as their JS kernels do; the BCE family and
  // focal also flag the targets' range.
  if (fast === undefined || kernel.wasm === null) return { value, sum, flagged: undefined };
  return { value, sum, flagged: WASM_TARGET_RANGE.has(kernel.wasm.kind) ? WASM_FLAGS_RANGE : WASM_FLAGS };
}

/** The inputs a layout's step receives. */
export interface Inputs<S extends OptionSchema> {
  readonly fn: string;
  readonly options: Parsed<S>;
  /** The resolved reduction (a layout may skip work `'mean'` alone needs). */
  readonly reduction: Reduction;
  readonly yTrue: Tensor;
  readonly yPred: Tensor;
}

/** Element-wise losses: `yTrue` and `yPred` of one shape, `lᵢ = f(yᵢ, ŷᵢ)`. */
export interface ElementwiseLayout<S extends OptionSchema> {
  readonly kind: 'elementwise';
  /** Picks the kernel and its parameters for this call (after shapes and domains are checked). */
  readonly kernel: (inputs: Inputs<S>) => BoundKernel;
}

/** What a prepared layout hands back to the constructor (see {@link Prepared}). */
interface PreparedBase {
  /** Shape of the loss elements (what `'none'` returns). */
  readonly lossShape: Shape;
  /** `'mean'` normalising weights `vᵢ` (class weight of the target, 0 when ignored), or null. */
  readonly normWeights?: Float64Array | null;
  /** `N` of `'batchmean'` when it is not `lossShape[0]`. */
  readonly batchSize?: number;
  /** A reducer mode (e.g. Keras's `ignore_class` mean), see `reduce.ts`. */
  readonly mode?: ReducerMode;
  /** Size of the gradient (default `yPred`'s size) and its shape. */
  readonly gradShape?: Shape;
  /**
   * The other differentiable inputs (`input2`, `positive`, `negative`, `variance`): option name
   * and tensor. Their gradients are allocated here (each of its input's dtype, see
   * {@link gradientBuffer}), handed to `run` in this order and returned as `extraGrads`.
   */
  readonly extraGrads?: readonly (readonly [string, Tensor])[];
  /** Tensors named in a `NON_FINITE` error when the result is not finite. */
  readonly explain?: readonly (readonly [string, Tensor | null | undefined])[];
}

/**
 * A kernel that assigns each gradient element once from a float64 value (never reads it back,
 * never accumulates into it, zero-fills what it does not assign): it writes float32 gradients
 * directly (the float64 values rounded once).
 */
export interface PreparedOnce extends PreparedBase {
  readonly gradWrites: 'once';
  /** Runs the kernel under the plan; returns `Σ weighted losses` and (for `'none'`) the elements. */
  run(plan: ReductionPlan, grad: FloatArray | null, extra: readonly FloatArray[]): PreparedRun;
}

/**
 * A kernel that accumulates into (or reads back) its gradients: it always receives float64
 * buffers (the caller's float64 `gradOut`, else zeroed scratch) and the constructor rounds them
 * into float32 gradients after — float64 accumulation whatever the output dtype.
 */
export interface PreparedAccumulate extends PreparedBase {
  readonly gradWrites: 'accumulate';
  /** Runs the kernel under the plan; returns `Σ weighted losses` and (for `'none'`) the elements. */
  run(plan: ReductionPlan, grad: Float64Array | null, extra: readonly Float64Array[]): PreparedRun;
}

/** What a prepared layout hands back to the constructor: how its kernel writes gradients decides
 * whether it may write float32 directly. */
export type Prepared = PreparedOnce | PreparedAccumulate;

export interface PreparedRun {
  readonly sum: number;
  readonly perElement: Float64Array | null;
  /** A value the layout computed itself (e.g. with an extra term), overriding the reducer's. */
  readonly value?: number | Tensor;
  /** The definition's `kernelFlags` the kernel that ran flags, when not all of them (a WASM
   * kernel: `[]`); the others are checked after the run. */
  readonly flagged?: readonly Domain[];
}

/** Losses with their own prepare step (class axis, overlap over axes, CTC, embeddings, ...). */
export interface PreparedLayout<S extends OptionSchema> {
  readonly kind: 'prepared';
  /** Checks shapes and options that depend on them, and returns the plan's inputs and a runner. */
  readonly prepare: (inputs: Inputs<S>) => Prepared;
  /** Whether `yPred` and `yTrue` must have one shape (checked before `prepare`). */
  readonly sameShape?: boolean;
}

export type Layout<S extends OptionSchema> = ElementwiseLayout<S> | PreparedLayout<S>;

/** Options every loss accepts. */
export interface CommonOptions {
  /** How per-element losses are combined; see the table in `reduce.ts`. Default `'mean'`. */
  reduction?: Reduction;
  /** Per-sample weights (Keras semantics, ≥ 0), broadcast against the per-element losses. */
  sampleWeight?: TensorInput;
  /** How `sampleWeight` broadcasts: `'prefix'` (default; see `reduce.ts`) or `'numpy'`
   * (TensorFlow.js `computeWeightedLoss`: NumPy broadcasting, tfjs's `'mean'`; the tfjs aliases'
   * default). */
  weightsBroadcast?: 'prefix' | 'numpy';
  /** Optional output buffer for the gradient (length = `yPred`'s size, `Float32Array` or
   * `Float64Array`: its dtype is the gradient's); only read by `valueAndGrad`. */
  gradOut?: FloatArray;
}

/** Options of element-wise losses: the common ones and Keras's per-sample mean over the last axis. */
export interface ElementwiseOptions extends CommonOptions {
  /** Keras semantics: the per-sample loss is the mean over the last axis (`'none'` returns
   * `yPred.shape[:-1]`). Set by the Keras aliases. */
  meanOverLastAxis?: boolean;
}

/** The options type of a loss defined with schema `S` and layout `L`. */
export type LossOptionsOf<S extends OptionSchema, L extends Layout<S>> = (L extends ElementwiseLayout<S>
  ? ElementwiseOptions
  : CommonOptions) &
  OptionsOf<S>;

/** A loss definition: everything {@link loss} needs. */
export interface LossDefinition<S extends OptionSchema, L extends Layout<S>> {
  /** Canonical name (registry, errors). */
  readonly name: string;
  /** The loss's own options (the common ones come with the layout). */
  readonly options: S;
  readonly meta: LossMeta;
  /** Input domains; every input not declared is `'real'` (finite). */
  readonly domains?: DomainRule<Parsed<S>>;
  /** `'required'` (default), or `'optional'` for losses that may take `null` (no target). */
  readonly target?: 'required' | 'optional';
  readonly layout: L;
  /** Defaults of the canonical function. */
  readonly defaults?: LossOptions;
  /**
   * Domains the loss's JS kernels flag themselves: any value of `yTrue` / `yPred` outside its
   * declared domain, when that domain is listed here, makes the kernel's sum NaN or ±Infinity
   * (`'real'`: the kernel cannot absorb a NaN / ±Infinity, 0·∞ included; `'sign'`: a label other
   * than ±1 gives a NaN term; `'probability'`: a target outside [0, 1] does). Those inputs are
   * then not checked before the kernel — one pass less over the data on the hot path — but after
   * it, only when its sum is not finite (or when the kernel that ran, a WASM twin, does not flag
   * them: see `PreparedRun.flagged`), so the errors are the same. Declare only what the kernels
   * guarantee: the registry-wide property tests (NaN / ±Infinity anywhere → NON_FINITE, ±1 labels,
   * probabilities) fail otherwise.
   */
  readonly kernelFlags?: readonly Domain[];
  /** After a non-finite result with finite inputs, a hook that blames the culprit (user formulas). */
  readonly blame?: (inputs: Inputs<S>) => void;
}

/**
 * Builds a loss from its definition — the one constructor. See the module doc for the body it
 * owns.
 */
export function loss<S extends OptionSchema, L extends Layout<S>>(
  def: LossDefinition<S, L>,
): LossFunction<LossOptionsOf<S, L>> {
  const { name, options: schema, layout } = def;
  const elementwise = layout.kind === 'elementwise';
  const optionNames = [
    'reduction',
    'sampleWeight',
    'weightsBroadcast',
    ...(elementwise ? ['meanOverLastAxis'] : []),
    ...Object.keys(schema),
    'gradOut',
  ];
  const body: Body = (yTrueIn, yPredIn, raw, call) => {
    const fn = call.fn;
    // 1. Options (schema) and the reduction.
    const reduction = resolveReduction(fn, raw.reduction);
    const weightsBroadcast =
      raw.weightsBroadcast === undefined
        ? 'prefix'
        : checkOneOf(fn, 'weightsBroadcast', raw.weightsBroadcast, ['prefix', 'numpy'] as const);
    const meanLast =
      elementwise && raw.meanOverLastAxis !== undefined
        ? checkBooleanOption(fn, 'meanOverLastAxis', raw.meanOverLastAxis)
        : false;
    const options = parseOptions(fn, schema, raw);
    // 2. Target and tensors.
    const target = def.target === 'optional' ? yTrueIn : requireTarget(fn, yTrueIn);
    const yTrue = target === null || target === undefined ? null : tensor(target, undefined, fn, 'yTrue');
    const yPred = tensor(yPredIn, undefined, fn, 'yPred');
    // 3. Shapes.
    if ((elementwise || layout.sameShape) && yTrue !== null) checkSameShape(fn, yTrue, 'yTrue', yPred, 'yPred');
    checkNonEmpty(fn, 'yPred', yPred);
    const inputs: Inputs<S> = { fn, options, reduction, yTrue: yTrue ?? EMPTY, yPred };
    // 4. Declared input domains.
    const rule = def.domains;
    const domains: Domains = rule === undefined ? {} : typeof rule === 'function' ? rule(options) : rule;
    // A domain the kernel flags (kernelFlags) is checked after it (see checkDeferred), else now.
    const flags = def.kernelFlags ?? [];
    const deferred: [string, Tensor, Domain][] = [];
    const check = (arg: string, t: Tensor, d: Domain): void => {
      if (d !== 'own' && flags.includes(d)) deferred.push([arg, t, d]);
      else checkDomain(fn, arg, t, d);
    };
    if (yTrue !== null) check('yTrue', yTrue, domains.yTrue ?? 'real');
    check('yPred', yPred, domains.yPred ?? 'real');
    /** The deferred domain checks, after the kernel: when its sum is not finite (the flag), or
     * for the domains the kernel that ran does not flag (`flagged`; default: all of them). */
    const checkDeferred = (s: number, flagged: readonly Domain[] | undefined): void => {
      for (const [arg, t, d] of deferred) {
        if (!(s - s === 0) || (flagged !== undefined && !flagged.includes(d))) checkDomain(fn, arg, t, d);
      }
    };
    let value: number | Tensor;
    let sum: number;
    let gradTensor: Tensor | null = null;
    let extraGrads: Record<string, Tensor> | undefined;
    /** The layout computed the value itself (e.g. CTC's legitimate +∞), so a non-finite sum is not an overflow. */
    let ownValue = false;
    if (layout.kind === 'elementwise') {
      const kernel = layout.kernel(inputs);
      const { lossShape, k } = lastAxisLayout(fn, yPred.shape, meanLast);
      // 5. The reduction plan, 6. the gradient buffer, 7. the kernel.
      const plan = planReduction(fn, reduction, lossShape, raw.sampleWeight, { weightsBroadcast });
      const grad = call.wantGrad ? gradientBuffer(fn, yPred.data.length, raw.gradOut, yPred.data) : null;
      const r = runElementwise(kernel, { yTrue: inputs.yTrue.data, yPred: yPred.data, k }, plan, grad);
      checkDeferred(r.sum, r.flagged);
      value = r.value;
      sum = r.sum;
      if (grad !== null) gradTensor = { data: grad, shape: yPred.shape };
    } else {
      const p = layout.prepare(inputs);
      const plan = planReduction(fn, reduction, p.lossShape, raw.sampleWeight, {
        normWeights: p.normWeights ?? null,
        batchSize: p.batchSize,
        mode: p.mode,
        weightsBroadcast,
      });
      const gradShape = p.gradShape ?? yPred.shape;
      const extra = p.extraGrads ?? [];
      let r: PreparedRun;
      if (!call.wantGrad) {
        r = p.gradWrites === 'once' ? p.run(plan, null, []) : p.run(plan, null, []);
      } else {
        // 6. The gradient buffers (the dtype rule), 7. the kernel.
        const grad = gradientBuffer(fn, sizeOfShape(gradShape), raw.gradOut, yPred.data);
        const grads = extra.map(([, t]) => newGradient(t.data, t.data.length));
        if (p.gradWrites === 'once') {
          r = p.run(plan, grad, grads);
        } else {
          const work = workBuffer(grad);
          const works = grads.map(workBuffer);
          r = p.run(plan, work, works);
          storeGradient(work, grad);
          grads.forEach((g, i) => storeGradient(works[i], g));
        }
        gradTensor = { data: grad, shape: gradShape };
        if (extra.length > 0) {
          const named: Record<string, Tensor> = {};
          extra.forEach(([name, t], i) => (named[name] = { data: grads[i], shape: t.shape }));
          extraGrads = named;
        }
      }
      checkDeferred(r.sum, r.flagged);
      sum = r.sum;
      value = r.value ?? finishReduction(plan, r.sum, r.perElement);
      ownValue = r.value !== undefined;
      if (p.explain !== undefined) explainNonFinite(fn, sum, p.explain);
    }
    // 8. A non-finite result: name the input (or the user's formula) responsible.
    if (!(sum - sum === 0)) {
      // A −∞ log-probability (log 0) is valid where declared: it is not the culprit then (the
      // loss checked NaN / +∞ itself), and +∞ is its legitimate value (CTC: no alignment).
      explainNonFinite(fn, sum, [
        ['yTrue', yTrue],
        ['yPred', def.meta.logZeroAllowed ? null : yPred],
      ]);
      def.blame?.(inputs);
      // Every input is finite and nothing was blamed: the arithmetic overflowed float64 (huge
      // finite inputs, weights or options). An error, never a silent NaN / ±Infinity.
      if (!ownValue) {
        throw new LosskitError(
          'NON_FINITE',
          fn,
          `the loss is not finite (${sum}) although every input is: the computation overflows float64; expected inputs, weights and options whose losses fit in float64`,
        );
      }
    }
    return extraGrads ? { value, grad: gradTensor, extraGrads } : { value, grad: gradTensor };
  };
  return build<LossOptionsOf<S, L>>({ name, optionNames, body, meta: def.meta }, def.defaults ?? {}, name);
}

const EMPTY: Tensor = { data: new Float64Array(0), shape: [0] };

function sizeOfShape(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Rule helper: a number rule as a type (re-exported for option declarations). */
export type { NumberRule };
