/** The metric families; the metric registry reads them from here. */
import { classificationMetrics } from './classification.js';
import { curveMetrics } from './curves.js';
import { binnedAucEntry } from './keras-auc.js';
import { elementwiseAccuracyEntry } from './keras-accuracy.js';
import { kerasConfusionMetrics } from './keras-confusion.js';
import { lossMetrics } from './loss-metric.js';
import { probabilisticMetrics } from './probabilistic.js';
import type { MetricEntry } from './registry-types.js';
import { regressionMetrics } from './regression.js';
import { scoreMetrics } from './scores.js';

/** Every registry entry, with its literal names, alias defaults and result kind (for typing). */
export type CatalogEntry =
  | (typeof classificationMetrics)[number]
  | (typeof curveMetrics)[number]
  | typeof binnedAucEntry
  | (typeof kerasConfusionMetrics)[number]
  | typeof elementwiseAccuracyEntry
  | (typeof scoreMetrics)[number]
  | (typeof probabilisticMetrics)[number]
  | (typeof regressionMetrics)[number]
  | (typeof lossMetrics)[number];

type AliasOf<E> = E extends { aliases: readonly (infer A)[] } ? A : never;
/** Distributive, so an entry without aliases adds no name (not `string`). */
type NameOf<A> = A extends { name: infer M extends string } ? M : never;
type NamesOf<E> = E extends { name: infer N extends string } ? N | NameOf<AliasOf<E>> : never;

/** Every metric name `getMetric` knows: canonical names and aliases. */
export type MetricName = NamesOf<CatalogEntry>;

/** The registry entry of name `N`. */
type EntryOf<N> = CatalogEntry extends infer E
  ? E extends CatalogEntry
    ? N extends NamesOf<E>
      ? E
      : never
    : never
  : never;

/** The options alias `N` binds (`{}` for a canonical name). */
export type AliasDefaults<N> = [
  AliasOf<EntryOf<N>> extends infer A ? (A extends { name: N; defaults: infer D } ? D : never) : never,
] extends [infer D]
  ? [D] extends [never]
    ? object
    : D
  : object;

/** The result kind of metric name `N`. */
export type ResultKindOf<N> = EntryOf<N>['result'];

export const METRIC_FAMILIES: readonly (readonly MetricEntry[])[] = [
  classificationMetrics,
  curveMetrics,
  [binnedAucEntry],
  kerasConfusionMetrics,
  [elementwiseAccuracyEntry],
  probabilisticMetrics,
  scoreMetrics,
  regressionMetrics,
  lossMetrics,
];
