/**
 * losskit — deep-learning losses (value and exact gradient) and exact streaming metrics,
 * with the semantics of PyTorch, Keras and scikit-learn. Browser-safe, zero dependencies.
 */
export { LosskitError, type LosskitErrorCode } from './errors.js';
export {
  tensor,
  toNested,
  sizeOf,
  broadcastShapes,
  type Tensor,
  type TensorInput,
  type TensorLike,
  type Shape,
  type FloatArray,
  type NestedNumberArray,
  type NumericTypedArray,
} from './tensor.js';
export { REDUCTIONS, planReduction, broadcastSampleWeight, type Reduction, type ReductionPlan } from './reduce.js';
export {
  makeLoss,
  withDefaults,
  type LossFunction,
  type LossOptions,
  type LossResult,
  type LossImpl,
} from './losses/core.js';
export { elementwiseLoss, type ElementwiseKernel, type ElementwiseSpec } from './losses/elementwise.js';
export {
  getLoss,
  listLosses,
  registerLoss,
  type LossInfo,
  type LossEntry,
  type LossAlias,
  type Dialect,
} from './losses/registry.js';
export { checkGradient, type GradientCheckOptions, type GradientCheckResult } from './gradcheck.js';
export { diagnoseLoss, inputKindOf, type Diagnosis, type Finding, type Severity, type InputKind } from './diagnose.js';
export * from './losses/regression.js';
export * from './losses/binary.js';
export * from './losses/classification.js';
export * from './losses/divergence.js';
export * from './losses/ranking.js';
export * from './losses/embedding.js';
export * from './losses/multilabel.js';
export * from './losses/sequence.js';
export * from './losses/segmentation.js';
export * from './losses/metric-learning.js';
export * from './losses/custom.js';

// Metrics: the streaming class, registry, and the one-shot functions under `metrics.`.
export {
  Metric,
  F64List,
  oneShot,
  type MetricSpec,
  type MetricState,
  type MetricOptions,
  type MetricValue,
  type MetricJSON,
  type UpdateOptions,
  type FieldSpec,
  type MergeRule,
  type OneShotMetric,
} from './metrics/core.js';
export {
  getMetric,
  restoreMetric,
  listMetrics,
  type MetricInfo,
  type MetricEntry,
  type MetricAlias,
  type MetricSource,
} from './metrics/registry.js';
export * as metrics from './metrics/index.js';
// Metric one-shot functions whose names are not also loss names are exported at the top level
// too. Six names are both a loss and a metric — meanAbsoluteError, meanSquaredError,
// meanSquaredLogError, meanAbsolutePercentageError, cosineSimilarity (the Keras loss is −cos, the
// metric +cos) and logLoss: the top-level name is the loss, the metric is `metrics.<name>`.
export {
  accuracy,
  topKAccuracy,
  precision,
  recall,
  f1,
  fbeta,
  confusionMatrix,
  matthewsCorrcoef,
  cohenKappa,
  auroc,
  averagePrecision,
  rocCurve,
  precisionRecallCurve,
  calibrationError,
  rootMeanSquaredError,
  r2Score,
  explainedVariance,
  pearsonCorrcoef,
  spearmanCorrcoef,
  lossMetric,
} from './metrics/index.js';

// Watching the loss: training history, LR range test, SVG charts, HTML report (browser-safe).
export * from './history.js';
export * from './lr-finder.js';
export * from './plot/index.js';
export * from './report.js';
// Classification report (scikit-learn classification_report); the evaluation page is in plot/.
export {
  classificationReport,
  classificationReportDict,
  formatClassificationReport,
  type ClassLabel,
  type ClassificationReport,
  type ClassificationReportDict,
  type ClassificationReportDictRow,
  type ClassificationReportOptions,
  type ClassificationReportRow,
  type ReportFormat,
} from './metrics/report.js';
