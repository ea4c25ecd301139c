/** Losses as streaming metrics (to be filled in; see the metrics issue). */
import type { MetricEntry } from './registry-types.js';

export const lossMetrics: MetricEntry[] = [];
