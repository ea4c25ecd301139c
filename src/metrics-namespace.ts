/**
 * The `metrics` namespace of the root entry point (`metrics.f1`, …): every metric's
 * one-shot function under its canonical name, listed by name. Six of them share a name with a
 * loss (`meanAbsoluteError`, `meanSquaredError`, `meanSquaredLogError`,
 * `meanAbsolutePercentageError`, `cosineSimilarity`, `logLoss`): at the top level of `losskit`
 * that name is the loss, here it is the metric. Metric specs and helpers stay internal.
 */
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
  logLoss,
  calibrationError,
  meanAbsoluteError,
  meanSquaredError,
  rootMeanSquaredError,
  meanSquaredLogError,
  meanAbsolutePercentageError,
  r2Score,
  explainedVariance,
  pearsonCorrcoef,
  spearmanCorrcoef,
  cosineSimilarity,
  lossMetric,
} from './metrics/index.js';
