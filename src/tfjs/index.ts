/**
 * `losskit/tfjs`: TensorFlow.js integration (custom losses with losskit's exact gradients,
 * a sample-weighted training loop, exact streaming metrics as callbacks).
 *
 * Imports only `@tensorflow/tfjs-core` and `@tensorflow/tfjs-layers` (optional peer
 * dependencies). In Node, import `@tensorflow/tfjs` once in your program: it registers the
 * gradient functions that training needs.
 *
 * The public surface of `losskit/tfjs`, listed by name (snapshot: `test/foundation/exports/losskit-tfjs.txt`).
 */
export { tfjsLoss, type TfjsLoss } from './loss.js';
export {
  train,
  type TrainOptions,
  type TrainHistory,
  type TrainData,
  type ValidationData,
  type TrainCallback,
  type OptimizerName,
  type Logs,
} from './train.js';
export { learningRateOf, setLearningRate } from './optimizer.js';
export type { MetricsArg } from './metrics.js';
export {
  streamingMetricsCallback,
  StreamingMetricsCallback,
  type StreamingMetricsCallbackOptions,
} from './callback.js';
export { lrRangeTestTfjs, type LrRangeTestTfjsOptions } from './lr-range.js';
