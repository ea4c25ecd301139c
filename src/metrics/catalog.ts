/** The metric families; the metric registry reads them from here. */
import { classificationMetrics } from './classification.js';
import { curveMetrics } from './curves.js';
import { binnedAucEntry } from './keras-auc.js';
import { lossMetrics } from './loss-metric.js';
import { probabilisticMetrics } from './probabilistic.js';
import type { MetricEntry } from './registry-types.js';
import { regressionMetrics } from './regression.js';
import { scoreMetrics } from './scores.js';

export const METRIC_FAMILIES: readonly (readonly MetricEntry[])[] = [
  classificationMetrics,
  curveMetrics,
  [binnedAucEntry],
  probabilisticMetrics,
  scoreMetrics,
  regressionMetrics,
  lossMetrics,
];
