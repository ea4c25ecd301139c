/**
 * `diagnoseLoss`: explains why a loss is bad before you spend a training run on it — NaN or
 * infinite inputs, logits passed where probabilities belong (and the reverse), class labels out
 * of range or not integers, PyTorch's `[N]` vs `[N, 1]` broadcasting trap, constant
 * predictions, a loss stuck at chance level. Browser-safe; the CLI's `losskit diagnose` prints it.
 */
import { LosskitError } from './errors.js';
import type { LossFunction, LossOptions } from './losses/core.js';
import type { InputKind } from './losses/define.js';
import { getLoss } from './losses/registry.js';
import type { Tensor, TensorInput } from './tensor.js';
import { shapesEqual, tensor } from './tensor.js';
import { checkShapeOf, fmtIndex } from './validate.js';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  severity: Severity;
  /** Stable identifier, e.g. `'LOGITS_AS_PROBABILITIES'`. */
  code: string;
  message: string;
}

/** What `yPred` should hold for a loss (declared by each loss in its `meta`). */
export type { InputKind } from './losses/define.js';

export interface Diagnosis {
  loss: string;
  inputKind: InputKind;
  /** The loss value, or `null` when the loss rejected the input. */
  value: number | null;
  findings: Finding[];
  /** `yPred` summary statistics (finite values only). */
  stats: { n: number; min: number; max: number; mean: number; nonFinite: number };
}

/**
 * The kind of `yPred` a loss expects, given its defaults and the caller's options: the loss's
 * declared `meta.input`, switched to `'logits'` / `'probabilities'` by an explicit `fromLogits`.
 */
export function inputKindOf(fn: LossFunction, options: LossOptions = {}): InputKind {
  if (fn.optionNames.includes('fromLogits')) {
    const fromLogits = options.fromLogits ?? fn.defaults.fromLogits;
    if (fromLogits === true) return 'logits';
    if (fromLogits === false) return fn.meta.input === 'logits' ? 'probabilities' : fn.meta.input;
  }
  return fn.meta.input;
}

/** Class axis for class losses: the loss's declared axis (PyTorch's 1, or the last). */
function classAxis(fn: LossFunction, yPred: Tensor): number {
  if (yPred.shape.length <= 1) return 0;
  return fn.meta.classAxis === 1 ? 1 : yPred.shape.length - 1;
}

function isMulticlass(fn: LossFunction): boolean {
  return fn.meta.target === 'classes';
}

/**
 * Diagnoses a loss on a batch. Never throws for bad data: problems become findings (`error`
 * findings mean the loss is wrong or unusable as called; `warning`s are likely mistakes).
 *
 * @example diagnoseLoss('crossEntropy', [0, 2], [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]).findings
 *   // [{ severity: 'warning', code: 'PROBABILITIES_AS_LOGITS', … }]
 */
export function diagnoseLoss(
  loss: string | LossFunction,
  yTrueIn: TensorInput,
  yPredIn: TensorInput,
  options: LossOptions = {},
): Diagnosis {
  if (typeof loss !== 'string')
    checkShapeOf('diagnoseLoss', 'loss', loss, "a loss name or a loss function (getLoss()'s result)", {
      valueAndGrad: 'function',
    });
  const fn = typeof loss === 'string' ? getLoss(loss) : loss;
  const kind = inputKindOf(fn, options);
  const findings: Finding[] = [];
  const add = (severity: Severity, code: string, message: string): void => {
    findings.push({ severity, code, message });
  };
  const yTrue = tensor(yTrueIn, undefined, 'diagnoseLoss', 'yTrue');
  const yPred = tensor(yPredIn, undefined, 'diagnoseLoss', 'yPred');

  // Statistics and non-finite values.
  let n = 0,
    min = Infinity,
    max = -Infinity,
    sum = 0,
    nonFinite = 0,
    firstBad = -1;
  for (let i = 0; i < yPred.data.length; i++) {
    const v = yPred.data[i];
    if (v - v !== 0) {
      nonFinite++;
      if (firstBad < 0) firstBad = i;
      continue;
    }
    n++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const stats = { n, min, max, mean: n > 0 ? sum / n : NaN, nonFinite };
  if (nonFinite > 0) {
    add(
      'error',
      'NON_FINITE_PREDICTIONS',
      `yPred has ${nonFinite} NaN/Infinity value(s), the first at index ${fmtIndex(firstBad, yPred.shape)}: the model output has already diverged (lower the learning rate, clip gradients, check for log(0) or division by zero upstream)`,
    );
  }
  let badTrue = 0;
  for (let i = 0; i < yTrue.data.length; i++) if (yTrue.data[i] - yTrue.data[i] !== 0) badTrue++;
  if (badTrue > 0)
    add(
      'error',
      'NON_FINITE_TARGETS',
      `yTrue has ${badTrue} NaN/Infinity value(s): the labels themselves are corrupt (missing values in the data?)`,
    );

  // PyTorch's silent broadcasting trap.
  const sameSize = yTrue.data.length === yPred.data.length;
  if (sameSize && !shapesEqual(yTrue.shape, yPred.shape) && kind !== 'logits' && !isMulticlass(fn)) {
    const [a, b] = [yTrue.shape, yPred.shape];
    if (Math.abs(a.length - b.length) === 1) {
      add(
        'warning',
        'BROADCAST_TRAP',
        `yTrue has shape [${a.join(',')}] and yPred [${b.join(',')}]: PyTorch would broadcast them to [${[yPred.shape[0], yPred.shape[0]].join(',')}] (with only a warning) and compute a wrong loss; losskit refuses — reshape one of them`,
      );
    }
  }

  // Input kind versus what the values look like.
  if (n > 0) {
    const multi = isMulticlass(fn) && yPred.shape.length >= 1;
    const axis = multi ? classAxis(fn, yPred) : -1;
    let rowsSumToOne = false;
    let logRowsNormalised = false;
    if (multi && yPred.shape.length >= 1) {
      const C = yPred.shape[axis];
      let inner = 1;
      for (let d = axis + 1; d < yPred.shape.length; d++) inner *= yPred.shape[d];
      const outer = yPred.data.length / (C * inner);
      rowsSumToOne = true;
      logRowsNormalised = true;
      for (let o = 0; o < outer && (rowsSumToOne || logRowsNormalised); o++) {
        for (let r = 0; r < inner; r++) {
          let s = 0,
            se = 0;
          for (let c = 0; c < C; c++) {
            const v = yPred.data[(o * C + c) * inner + r];
            s += v;
            se += Math.exp(v);
          }
          if (!(Math.abs(s - 1) < 1e-3)) rowsSumToOne = false;
          if (!(Math.abs(se - 1) < 1e-3)) logRowsNormalised = false;
        }
      }
    }
    const inUnit = min >= 0 && max <= 1;
    if (kind === 'probabilities' && !inUnit) {
      add(
        'error',
        'LOGITS_AS_PROBABILITIES',
        `${fn.lossName} expects probabilities in [0, 1] but yPred ranges over [${min}, ${max}]: these look like logits — apply a sigmoid/softmax first, or use the from-logits loss (fromLogits: true, binaryCrossEntropyWithLogits, crossEntropy)`,
      );
    } else if (kind === 'probabilities' && multi && !rowsSumToOne) {
      add(
        'warning',
        'UNNORMALISED_PROBABILITIES',
        `${fn.lossName} expects class probabilities but the rows of yPred do not sum to 1 (Keras renormalises them silently): is this a sigmoid output, or logits squashed into [0, 1]?`,
      );
    } else if (kind === 'logits' && (multi ? rowsSumToOne && inUnit : inUnit && yPred.data.length > 1)) {
      add(
        'warning',
        'PROBABILITIES_AS_LOGITS',
        `${fn.lossName} expects logits (raw scores) but yPred ${multi ? 'has rows in [0, 1] summing to 1' : 'lies entirely in [0, 1]'}: these look like probabilities, which makes the loss too flat to train — pass the pre-softmax/sigmoid outputs, or use ${multi ? "nllLoss on log-probabilities or Keras 'categorical_crossentropy'" : 'binaryCrossEntropy'}`,
      );
    } else if (kind === 'logits' && multi && inUnit && yPred.data.length >= 8) {
      add(
        'warning',
        'SQUASHED_LOGITS',
        `${fn.lossName} expects logits (raw scores) but every yPred value lies in [0, 1]: if these are sigmoid or otherwise squashed outputs, pass the raw pre-activation scores instead`,
      );
    } else if (kind === 'logProbabilities' && max > 1e-9) {
      add(
        'error',
        'NOT_LOG_PROBABILITIES',
        `${fn.lossName} expects log-probabilities (≤ 0) but yPred reaches ${max}: apply log_softmax first (or use crossEntropy on logits)`,
      );
    } else if (kind === 'logProbabilities' && multi && !logRowsNormalised) {
      add(
        'warning',
        'UNNORMALISED_LOG_PROBABILITIES',
        `${fn.lossName} expects log-probabilities but exp(yPred) rows do not sum to 1: apply log_softmax, not log of an unnormalised output`,
      );
    }
    if (yPred.data.length > 1 && min === max) {
      add(
        'warning',
        'CONSTANT_PREDICTIONS',
        `every yPred value equals ${min}: the model outputs a constant (dead units, a collapsed output layer, or predictions not yet trained)`,
      );
    }
  }

  // Class-index targets: integers in range, class balance.
  const multi = isMulticlass(fn);
  if (multi && yPred.shape.length >= 1 && !shapesEqual(yTrue.shape, yPred.shape)) {
    const axis = classAxis(fn, yPred);
    const C = yPred.shape[axis];
    const ignore = options.ignoreIndex ?? fn.meta.ignoreIndex;
    const counts = new Float64Array(C);
    let nonInt = 0,
      outOfRange = 0,
      first = -1;
    for (let i = 0; i < yTrue.data.length; i++) {
      const v = yTrue.data[i];
      if (v === ignore) continue;
      if (!Number.isInteger(v)) nonInt++;
      else if (v < 0 || v >= C) outOfRange++;
      else {
        counts[v]++;
        continue;
      }
      if (first < 0) first = i;
    }
    if (nonInt + outOfRange > 0) {
      const looksOneBased =
        outOfRange > 0 &&
        nonInt === 0 &&
        counts[0] === 0 &&
        yTrue.data.every((v) => v === ignore || (v >= 1 && v <= C));
      add(
        'error',
        'LABELS_OUT_OF_RANGE',
        `${nonInt + outOfRange} label(s) are not integer class indices in [0, ${C - 1}] (first: ${yTrue.data[first]} at index ${fmtIndex(first, yTrue.shape)})${looksOneBased ? ': the labels look 1-based — subtract 1' : ''}`,
      );
    } else {
      const total = counts.reduce((s, c) => s + c, 0);
      const absent = [...counts.keys()].filter((c) => counts[c] === 0);
      if (absent.length > 0 && total >= C)
        add('info', 'ABSENT_CLASSES', `class(es) ${absent.join(', ')} never occur in yTrue`);
      const present = [...counts].filter((c) => c > 0);
      if (present.length > 1 && Math.max(...present) / Math.min(...present) >= 10) {
        add(
          'info',
          'CLASS_IMBALANCE',
          `classes are imbalanced (largest/smallest count ratio ${(Math.max(...present) / Math.min(...present)).toFixed(1)}): consider class weights ('weight') or crossEntropyWithPriorKL`,
        );
      }
    }
  } else if (kind === 'probabilities' || kind === 'logits') {
    let out = 0;
    for (let i = 0; i < yTrue.data.length; i++) if (!(yTrue.data[i] >= 0 && yTrue.data[i] <= 1)) out++;
    if (out > 0 && (fn.meta.target === 'binary' || fn.meta.target === 'classes'))
      add(
        'error',
        'TARGETS_OUT_OF_RANGE',
        `${out} target(s) outside [0, 1]: binary cross-entropy targets are probabilities (0/1 labels or soft labels)`,
      );
  }

  // The loss itself.
  let value: number | null = null;
  try {
    const v = fn(yTrueIn as TensorInput | null, yPredIn, {
      ...options,
      reduction: options.reduction === 'none' ? 'mean' : options.reduction,
    });
    value = v;
    if (multi && kind !== 'probabilities' && Number.isFinite(v) && yPred.shape.length >= 2) {
      const C = yPred.shape[classAxis(fn, yPred)];
      const chance = Math.log(C);
      if (Math.abs(v - chance) < 0.02 * chance) {
        add(
          'info',
          'CHANCE_LEVEL',
          `the loss ${v.toFixed(4)} ≈ log(${C}) = ${chance.toFixed(4)}, the loss of uniform predictions: the model has not learned anything yet`,
        );
      }
    }
  } catch (e) {
    if (!(e instanceof LosskitError)) throw e;
    if (!findings.some((f) => f.severity === 'error')) add('error', `LOSS_${e.code}`, e.message);
  }
  return { loss: fn.lossName, inputKind: kind, value, findings, stats };
}
