import type { MetricOptions, MetricSpec } from './core.js';
import type { ResultKind } from './results.js';

/** Where an alias comes from. */
export type MetricSource = 'sklearn' | 'torchmetrics' | 'keras';

export interface MetricAlias {
  name: string;
  source: MetricSource;
  /** Options the alias binds (e.g. `average: 'macro'`); the caller's options win. */
  defaults?: MetricOptions;
}

export interface MetricEntry {
  name: string;
  spec: MetricSpec<object>;
  description: string;
  aliases: readonly MetricAlias[];
  /** How the result's type follows from the options (see `results.ts`). */
  result: ResultKind;
}
