/** curves metrics (to be filled in; see the metrics issue). */
import type { MetricEntry } from './registry-types.js';

export const curveMetrics: MetricEntry[] = [];
