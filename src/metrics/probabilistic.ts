/** Probabilistic classification metrics: logLoss, calibrationError (to be filled in; see the metrics issue). */
import type { MetricEntry } from './registry-types.js';

export const probabilisticMetrics: MetricEntry[] = [];
