/**
 * losskit — deep-learning losses (value and exact gradient) and exact streaming metrics,
 * with the semantics of PyTorch, Keras and scikit-learn. Browser-safe, zero dependencies.
 *
 * This file is the public surface of `losskit`: every export is listed by name (no `export *`),
 * and `test/foundation/exports.test.ts` snapshots the list (`test/foundation/exports/losskit.txt`).
 * Kernels, family arrays, constants and low-level helpers stay internal to their modules. The
 * contract is `docs/API.md`.
 */

// Errors and tensors.
export { LosskitError, type LosskitErrorCode } from './errors.js';
export {
  tensor,
  toNested,
  type Tensor,
  type TensorInput,
  type TensorLike,
  type Shape,
  type FloatArray,
  type NestedNumberArray,
  type NumericTypedArray,
} from './tensor.js';
export type { Reduction } from './reduce.js';

// Losses: the function type, the registry, custom losses, the gradient check, the diagnosis.
export type { LossFunction, LossOptions, LossResult, LossMeta } from './losses/core.js';
export {
  getLoss,
  listLosses,
  registerLoss,
  type LossInfo,
  type LossEntry,
  type LossAlias,
  type Dialect,
} from './losses/registry.js';
export { defineLoss, type DefineLossSpec, type ScalarLossFn } from './losses/custom.js';
export { checkGradient, type GradientCheckOptions, type GradientCheckResult } from './gradcheck.js';
export { diagnoseLoss, type Diagnosis, type Finding, type Severity, type InputKind } from './diagnose.js';

// The canonical losses (each also reachable through `getLoss` under its PyTorch / Keras / tfjs names).
export {
  meanSquaredError,
  meanAbsoluteError,
  huber,
  smoothL1,
  logCosh,
  meanSquaredLogError,
  meanAbsolutePercentageError,
  pinball,
} from './losses/regression.js';
export {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  logLoss,
  sigmoidFocal,
  hinge,
  squaredHinge,
} from './losses/binary.js';
export {
  crossEntropy,
  nllLoss,
  crossEntropyWithPriorKL,
  categoricalFocal,
  categoricalHinge,
  categoricalGeneralizedCrossEntropy,
} from './losses/classification.js';
export { klDivergence, poissonNll, gaussianNll, cosineSimilarity } from './losses/divergence.js';
export { marginRanking, hingeEmbedding, softMargin } from './losses/ranking.js';
export {
  cosineEmbedding,
  tripletMargin,
  tripletMarginWithDistance,
  pairwiseDistanceFunction,
  cosineDistanceFunction,
  type DistanceFunction,
} from './losses/embedding.js';
export { multilabelSoftMargin, multilabelMargin, multiMargin } from './losses/multilabel.js';
export { ctc } from './losses/sequence.js';
export { dice, tversky } from './losses/segmentation.js';
export { circle } from './losses/metric-learning.js';

// Metrics: the streaming class, the registry, and the one-shot functions under `metrics.`.
export {
  Metric,
  type MetricOptions,
  type MetricValue,
  type MetricJSON,
  type UpdateOptions,
  type OneShotMetric,
} from './metrics/core.js';
export {
  getMetric,
  restoreMetric,
  listMetrics,
  type MetricInfo,
  type MetricSource,
  type MetricName,
} from './metrics/registry.js';
// Result types of the curve metrics (typed results: no casts needed in strict TypeScript).
export type { RocCurve, RocCurves, PrCurve, PrCurves } from './metrics/results.js';
import * as metrics from './metrics-namespace.js';
export { metrics };
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
export {
  LossHistory,
  smoothEma,
  type MetricValues,
  type BatchRecord,
  type EpochRecord,
  type HistoryRecord,
  type LogBatchInput,
  type LogEpochInput,
  type LossHistoryOptions,
  type Divergence,
  type HistorySummary,
  type LossHistoryJSON,
  type JsonNumber,
  type EncodedRecord,
} from './history.js';
export {
  lrRangeTest,
  lrRangeTestSync,
  lrSchedule,
  suggestLr,
  type LrRangeTestOptions,
  type LrStepInfo,
  type LrRangeTestResult,
} from './lr-finder.js';
export {
  lineChart,
  sparkline,
  type Series,
  type Marker,
  type LineChartOptions,
  lossCurveChart,
  lrFinderChart,
  predictionChart,
  type ChartSize,
  evaluationCharts,
  type EvaluationChartOptions,
  type EvaluationCharts,
  renderEvaluationReport,
  classificationReportHtml,
  type EvaluationReportOptions,
} from './plot/index.js';
export { renderReport, type ReportTable, type ReportSection, type ReportOptions } from './report.js';
// Classification report (scikit-learn classification_report); the evaluation page is in plot/.
export {
  classificationReport,
  ClassificationReportStream,
  classificationReportDict,
  formatClassificationReport,
  type ClassLabel,
  type ClassificationReport,
  type ClassificationReportDict,
  type ClassificationReportDictRow,
  type ClassificationReportOptions,
  type ClassificationReportRow,
  type ClassificationReportStreamJSON,
  type ClassificationReportStreamOptions,
  type ReportFormat,
} from './metrics/report.js';

// Loss kernels: the WASM SIMD backend (float32 inputs), its switch and the arena for training loops.
// The module's bytes are not here: `losskit/wasm` (src/wasm/index.ts) or initWasm(source) brings them.
export { createWasmArena, initWasm, wasmReady } from './wasm/backend.js';
export {
  getBackend,
  setBackend,
  type Backend,
  type WasmArena,
  type WasmModuleSource,
  type WasmResponse,
} from './wasm/runtime.js';
