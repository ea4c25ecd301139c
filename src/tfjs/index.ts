/**
 * `losskit/tfjs`: TensorFlow.js integration (custom losses with losskit's exact gradients,
 * a sample-weighted training loop, exact streaming metrics as callbacks).
 *
 * Imports only `@tensorflow/tfjs-core` and `@tensorflow/tfjs-layers` (optional peer
 * dependencies). In Node, import `@tensorflow/tfjs` once in your program: it registers the
 * gradient functions that training needs.
 */
export { tfjsLoss, type TfjsLoss } from './loss.js';
export {
  train,
  evaluateOn,
  learningRateOf,
  seededRandom,
  type TrainOptions,
  type TrainHistory,
  type TrainData,
  type ValidationData,
  type TrainCallback,
  type OptimizerName,
  type Logs,
} from './train.js';
export { resolveMetrics, scalarLogs, type MetricsArg } from './metrics.js';
export {
  streamingMetricsCallback,
  StreamingMetricsCallback,
  type StreamingMetricsCallbackOptions,
} from './callback.js';
export { lrRangeTestTfjs, type LrRangeTestTfjsOptions } from './lr-range.js';
export { setLearningRate, trainStep } from './train.js';
