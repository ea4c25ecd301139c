/**
 * The learning-rate range test (Leslie Smith, "Cyclical Learning Rates", 2015; the LR finders
 * of fastai and PyTorch Lightning): train for a few steps while the learning rate grows from
 * tiny to huge, watch the smoothed loss, stop when it blows up, and suggest the learning rate
 * where the loss falls fastest.
 *
 * Framework-agnostic: you supply `step(lr)`, which performs ONE optimiser step at that
 * learning rate and returns the batch loss. `losskit/tfjs` wraps it for tfjs models
 * (`lrRangeTestTfjs`, which also restores the weights afterwards).
 */
import { LosskitError, describe } from './errors.js';
import { checkArrayArg, checkNumberOption, checkOneOf, checkOptionNames } from './validate.js';

export interface LrRangeTestOptions {
  /** First learning rate (default 1e-7). */
  minLr?: number;
  /** Last learning rate (default 10). */
  maxLr?: number;
  /** Number of steps, i.e. learning rates tried (default 100, at least 2). */
  numSteps?: number;
  /**
   * `'exponential'` (default): `lrᵢ = minLr·(maxLr/minLr)^(i/(numSteps−1))`, evenly spaced in
   * log-LR; `'linear'`: `lrᵢ = minLr + (maxLr−minLr)·i/(numSteps−1)`.
   */
  mode?: 'exponential' | 'linear';
  /** EMA factor of the bias-corrected smoothed loss (default 0.98, as Lightning/fastai). */
  beta?: number;
  /**
   * Stop once the smoothed loss exceeds `divergeFactor ×` the best smoothed loss (checked
   * from the third step on, as Lightning). Default 4; `Infinity` disables the check.
   * A NaN/±Infinity loss always stops the test.
   */
  divergeFactor?: number;
  /** Steps ignored at the start when choosing the suggestion (default 10, as Lightning). */
  skipBegin?: number;
  /** Steps ignored at the end when choosing the suggestion (default 1, as Lightning). */
  skipEnd?: number;
  /** Called after every step (e.g. to drive a progress bar or log to a {@link LossHistory}). */
  onStep?: (info: LrStepInfo) => void;
}

export interface LrStepInfo {
  /** 0-based step index. */
  step: number;
  numSteps: number;
  lr: number;
  loss: number;
  smoothed: number;
}

export interface LrRangeTestResult {
  /** Learning rates tried, one per completed step. */
  lrs: number[];
  /** Raw losses returned by `step`. */
  losses: number[];
  /** Bias-corrected EMA of the losses (the curve to plot). */
  smoothed: number[];
  /**
   * Suggested learning rate: steepest descent of the smoothed loss w.r.t. log(lr) (null when
   * fewer than 2 usable points remain after skipping; run more steps).
   */
  suggestion: number | null;
  /** Index of the suggestion in `lrs` (null with it). */
  suggestionIndex: number | null;
  /** Learning rate at the lowest smoothed loss (a common upper bound: use ~1/10 of it). */
  bestLr: number;
  /** The lowest smoothed loss. */
  bestLoss: number;
  stoppedEarly: boolean;
  /** `'completed'`: all steps ran; `'diverged'`: smoothed > divergeFactor × best; `'non-finite'`: a NaN/±Inf loss. */
  stopReason: 'completed' | 'diverged' | 'non-finite';
  mode: 'exponential' | 'linear';
}

interface Resolved {
  minLr: number;
  maxLr: number;
  numSteps: number;
  mode: 'exponential' | 'linear';
  beta: number;
  divergeFactor: number;
  skipBegin: number;
  skipEnd: number;
  onStep: ((info: LrStepInfo) => void) | undefined;
}

const OPTION_NAMES = [
  'minLr',
  'maxLr',
  'numSteps',
  'mode',
  'beta',
  'divergeFactor',
  'skipBegin',
  'skipEnd',
  'onStep',
] as const;

function resolve(fn: string, step: unknown, o: LrRangeTestOptions | undefined): Resolved {
  if (typeof step !== 'function') {
    throw new LosskitError(
      'INVALID_INPUT',
      fn,
      `'step' must be a function (lr) => loss that performs one training step; received ${describe(step)}`,
      'step',
    );
  }
  checkOptionNames(fn, o, OPTION_NAMES);
  const opts = o ?? {};
  const minLr = opts.minLr === undefined ? 1e-7 : checkNumberOption(fn, 'minLr', opts.minLr, { gt: 0 });
  const maxLr = opts.maxLr === undefined ? 10 : checkNumberOption(fn, 'maxLr', opts.maxLr, { gt: 0 });
  if (!(maxLr > minLr)) {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'maxLr' must be greater than 'minLr' (${minLr}); received ${maxLr}`,
      'maxLr',
    );
  }
  const numSteps =
    opts.numSteps === undefined ? 100 : checkNumberOption(fn, 'numSteps', opts.numSteps, { integer: true, min: 2 });
  const mode =
    opts.mode === undefined ? 'exponential' : checkOneOf(fn, 'mode', opts.mode, ['exponential', 'linear'] as const);
  const beta = opts.beta === undefined ? 0.98 : checkNumberOption(fn, 'beta', opts.beta, { min: 0, max: 0.999999 });
  let divergeFactor = 4;
  if (opts.divergeFactor !== undefined && opts.divergeFactor !== Infinity) {
    divergeFactor = checkNumberOption(fn, 'divergeFactor', opts.divergeFactor, { gt: 1 });
  } else if (opts.divergeFactor === Infinity) divergeFactor = Infinity;
  const skipBegin =
    opts.skipBegin === undefined ? 10 : checkNumberOption(fn, 'skipBegin', opts.skipBegin, { integer: true, min: 0 });
  const skipEnd =
    opts.skipEnd === undefined ? 1 : checkNumberOption(fn, 'skipEnd', opts.skipEnd, { integer: true, min: 0 });
  if (opts.onStep !== undefined && typeof opts.onStep !== 'function') {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'onStep' must be a function; received ${describe(opts.onStep)}`,
      'onStep',
    );
  }
  return { minLr, maxLr, numSteps, mode, beta, divergeFactor, skipBegin, skipEnd, onStep: opts.onStep };
}

/** The learning-rate schedule of the range test (all `numSteps` rates, ends included). */
export function lrSchedule(
  minLr: number,
  maxLr: number,
  numSteps: number,
  mode: 'exponential' | 'linear' = 'exponential',
): number[] {
  const fn = 'lrSchedule';
  const o = resolve(fn, () => 0, { minLr, maxLr, numSteps, mode });
  const lrs = new Array<number>(o.numSteps);
  const last = o.numSteps - 1;
  for (let i = 0; i < o.numSteps; i++) {
    const r = i / last;
    lrs[i] = o.mode === 'exponential' ? o.minLr * Math.pow(o.maxLr / o.minLr, r) : o.minLr + (o.maxLr - o.minLr) * r;
  }
  lrs[last] = o.maxLr; // exact end point despite rounding
  return lrs;
}

/**
 * The steepest-descent suggestion on a finished curve: the index of the most negative slope
 * of `smoothed` w.r.t. `ln(lr)`, ignoring the first `skipBegin` and last `skipEnd` points
 * (Lightning's `_LRFinder.suggestion`). The slope is numpy's `np.gradient` (second-order
 * central differences, first-order at the ends) with coordinates `ln(lr)`; on an exponential
 * sweep these are evenly spaced, so the chosen index equals Lightning's (which differentiates
 * w.r.t. the step index). Only the finite prefix of the curve is used. Returns null when fewer
 * than 2 points remain.
 */
export function suggestLr(
  lrs: readonly number[],
  smoothed: readonly number[],
  skipBegin = 10,
  skipEnd = 1,
): { index: number; lr: number } | null {
  checkArrayArg('suggestLr', 'lrs', lrs);
  checkArrayArg('suggestLr', 'smoothed', smoothed);
  checkNumberOption('suggestLr', 'skipBegin', skipBegin, { integer: true, min: 0 });
  checkNumberOption('suggestLr', 'skipEnd', skipEnd, { integer: true, min: 0 });
  let n = Math.min(lrs.length, smoothed.length);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(smoothed[i])) {
      n = i;
      break;
    }
  }
  const lo = skipBegin;
  const hi = n - skipEnd; // exclusive
  const m = hi - lo;
  if (m < 2) return null;
  const x = (i: number) => Math.log(lrs[lo + i]);
  const y = (i: number) => smoothed[lo + i];
  let bestI = -1;
  let bestG = Infinity;
  for (let i = 0; i < m; i++) {
    let g: number;
    if (i === 0) g = (y(1) - y(0)) / (x(1) - x(0));
    else if (i === m - 1) g = (y(m - 1) - y(m - 2)) / (x(m - 1) - x(m - 2));
    else {
      // np.gradient's second-order formula for non-uniform spacing.
      const h1 = x(i) - x(i - 1);
      const h2 = x(i + 1) - x(i);
      g = (-h2 / (h1 * (h1 + h2))) * y(i - 1) + ((h2 - h1) / (h1 * h2)) * y(i) + (h1 / (h2 * (h1 + h2))) * y(i + 1);
    }
    if (g < bestG) {
      bestG = g;
      bestI = i;
    }
  }
  if (bestI < 0) return null;
  return { index: lo + bestI, lr: lrs[lo + bestI] };
}

/** The sweep's state machine, shared by the sync and async drivers. */
class Sweep {
  readonly lrs: number[] = [];
  readonly losses: number[] = [];
  readonly smoothed: number[] = [];
  private avg = 0;
  private best = Infinity;
  private bestIdx = -1;
  stopReason: LrRangeTestResult['stopReason'] = 'completed';
  readonly schedule: number[];

  constructor(
    readonly fn: string,
    readonly o: Resolved,
  ) {
    this.schedule = lrSchedule(o.minLr, o.maxLr, o.numSteps, o.mode);
  }

  /** Records the loss of step `i`; returns false when the test must stop. */
  record(i: number, loss: unknown): boolean {
    if (typeof loss !== 'number') {
      throw new LosskitError(
        'INVALID_INPUT',
        this.fn,
        `'step' must return the batch loss as a number; step ${i} returned ${describe(loss)}`,
        'step',
      );
    }
    const lr = this.schedule[i];
    const { beta } = this.o;
    this.lrs.push(lr);
    this.losses.push(loss);
    let s: number;
    if (!Number.isFinite(loss)) {
      s = loss;
      this.stopReason = 'non-finite';
    } else {
      this.avg = beta * this.avg + (1 - beta) * loss;
      s = this.avg / (1 - Math.pow(beta, i + 1));
      if (i > 1 && s > this.o.divergeFactor * this.best) this.stopReason = 'diverged';
      if (s < this.best) {
        this.best = s;
        this.bestIdx = i;
      }
    }
    this.smoothed.push(s);
    this.o.onStep?.({ step: i, numSteps: this.o.numSteps, lr, loss, smoothed: s });
    return this.stopReason === 'completed';
  }

  result(): LrRangeTestResult {
    const sug = suggestLr(this.lrs, this.smoothed, this.o.skipBegin, this.o.skipEnd);
    return {
      lrs: this.lrs,
      losses: this.losses,
      smoothed: this.smoothed,
      suggestion: sug ? sug.lr : null,
      suggestionIndex: sug ? sug.index : null,
      bestLr: this.bestIdx >= 0 ? this.lrs[this.bestIdx] : NaN,
      bestLoss: this.best,
      stoppedEarly: this.stopReason !== 'completed',
      stopReason: this.stopReason,
      mode: this.o.mode,
    };
  }
}

/**
 * Learning-rate range test: calls `step(lr, i)` for `numSteps` growing learning rates (each
 * call performs one optimiser step on the next batch and returns its loss), smooths the loss
 * (bias-corrected EMA `aᵢ = β·aᵢ₋₁ + (1−β)·lossᵢ`, reported as `aᵢ/(1−β^(i+1))`), stops early
 * when the smoothed loss exceeds `divergeFactor ×` its best (or a loss is NaN/±Infinity), and
 * suggests the learning rate of steepest descent (see {@link suggestLr}).
 *
 * Always asynchronous: `step` may return a number or a Promise of one, and each step is
 * awaited before the next (use {@link lrRangeTestSync} for a synchronous step without the
 * Promise). The model's weights are NOT restored: save and restore them around the test (or
 * use `lrRangeTestTfjs` from `losskit/tfjs`, which does).
 *
 * - Defaults: `minLr` 1e-7, `maxLr` 10, `numSteps` 100, `mode` 'exponential', `beta` 0.98,
 *   `divergeFactor` 4, `skipBegin` 10, `skipEnd` 1.
 * - Equivalents: Lightning `Tuner.lr_find(model, min_lr, max_lr, num_training, mode,
 *   early_stop_threshold).suggestion()` (Lightning's defaults are `min_lr=1e-8`, `max_lr=1`);
 *   fastai `learn.lr_find()` ('steep' suggestion); `torch-lr-finder`'s `LRFinder.range_test`.
 *
 * @example
 * ```ts
 * // w ← w − lr·∇L(w) on your model; return the batch loss.
 * const { suggestion, lrs, smoothed } = await lrRangeTest((lr) => sgdStep(model, nextBatch(), lr), {
 *   minLr: 1e-5, maxLr: 1, numSteps: 60,
 * });
 * ```
 */
export async function lrRangeTest(
  step: (lr: number, stepIndex: number) => number | Promise<number>,
  options?: LrRangeTestOptions,
): Promise<LrRangeTestResult> {
  const sweep = new Sweep('lrRangeTest', resolve('lrRangeTest', step, options));
  for (let i = 0; i < sweep.schedule.length; i++) {
    const loss = await step(sweep.schedule[i], i);
    if (!sweep.record(i, loss)) break;
  }
  return sweep.result();
}

/** {@link lrRangeTest} for a synchronous `step` (same options and result, no Promise). */
export function lrRangeTestSync(
  step: (lr: number, stepIndex: number) => number,
  options?: LrRangeTestOptions,
): LrRangeTestResult {
  const sweep = new Sweep('lrRangeTestSync', resolve('lrRangeTestSync', step, options));
  for (let i = 0; i < sweep.schedule.length; i++) {
    const loss: unknown = step(sweep.schedule[i], i);
    if (loss instanceof Promise) {
      throw new LosskitError(
        'INVALID_INPUT',
        'lrRangeTestSync',
        `'step' returned a Promise; use lrRangeTest (async) for asynchronous steps`,
        'step',
      );
    }
    if (!sweep.record(i, loss)) break;
  }
  return sweep.result();
}
