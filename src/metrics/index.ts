/**
 * Every metric's one-shot function under its canonical name (`metrics.f1`, `metrics.auroc`,
 * `metrics.meanSquaredError`, …). Names that are not also loss names are exported at the top
 * level of `losskit` too (see `src/index.ts`).
 */
export * from './classification.js';
export * from './curves.js';
export * from './probabilistic.js';
export * from './regression.js';
export * from './loss-metric.js';
