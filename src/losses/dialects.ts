/**
 * Dialect defaults, declared once: what a Keras or TensorFlow.js alias binds on top of the
 * canonical loss. Every family's registry entries read them from here.
 */
import type { LossOptions } from './core.js';

/** Keras's `epsilon()` (clipping of probabilities, `msle`'s floor, ...). */
export const KERAS_EPSILON = 1e-7;

/**
 * Keras element-wise losses (`mse`, `mae`, `hinge`, ...): the per-sample loss is the mean over
 * the last axis, then `'sumOverBatchSize'` (Keras's default reduction).
 */
export const KERAS_ELEMENTWISE: LossOptions = Object.freeze({ reduction: 'sumOverBatchSize', meanOverLastAxis: true });

/**
 * Keras losses that reduce an axis themselves (class axis, divergences, overlap): only the
 * reduction, `'sumOverBatchSize'`.
 */
export const KERAS_REDUCED: LossOptions = Object.freeze({ reduction: 'sumOverBatchSize' });

/** Keras `msle` / tfjs-layers `meanSquaredLogarithmicError`: inputs clamped to `max(x, 1e-7)`. */
export const KERAS_MSLE: LossOptions = Object.freeze({ ...KERAS_ELEMENTWISE, eps: KERAS_EPSILON });

/** Keras binary cross-entropy on probabilities: clipped to `[1e-7, 1 − 1e-7]`. */
export const KERAS_BCE: LossOptions = Object.freeze({ ...KERAS_ELEMENTWISE, eps: KERAS_EPSILON });

/** Keras `binary_focal_crossentropy`: probabilities, no class balancing by default. */
export const KERAS_BINARY_FOCAL: LossOptions = Object.freeze({
  ...KERAS_BCE,
  fromLogits: false,
  applyClassBalancing: false,
});

/**
 * TensorFlow.js `tf.losses.*` (tfjs-core): the default reduction `SUM_BY_NONZERO_WEIGHTS`
 * (`Σ w·l / #{w ≠ 0}`, fractional weights counting 1 each; the plain mean without weights) and
 * `computeWeightedLoss`'s NumPy weight broadcasting.
 */
export const TFJS_CORE: LossOptions = Object.freeze({ reduction: 'sumByNonzeroWeights', weightsBroadcast: 'numpy' });

/** tfjs `tf.losses.softmaxCrossEntropy`: logits, class axis last, tfjs-core's reduction. */
export const TFJS_SOFTMAX_CE: LossOptions = Object.freeze({ ...TFJS_CORE, fromLogits: true });

/** torchvision `sigmoid_focal_loss`: no reduction by default. */
export const TORCHVISION_FOCAL: LossOptions = Object.freeze({ reduction: 'none' });

/**
 * Keras 3 `keras.losses.CTC`: logits `(N, T, C)` (batch-major), blank 0, sum over batch size;
 * 0 is Keras's mask index: a target's length is its count of non-zero entries and its labels the
 * first that many entries, a 0 among them being a label emitted by the blank class.
 */
export const KERAS_CTC: LossOptions = Object.freeze({
  timeMajor: false,
  fromLogits: true,
  blank: 0,
  blankInTarget: 'emit',
  reduction: 'sumOverBatchSize',
});
