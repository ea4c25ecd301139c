import type { LossFunction, LossOptions } from './core.js';

/** The framework an alias comes from; `'generic'` for a common name of no one framework. */
export type Dialect = 'pytorch' | 'keras' | 'tfjs' | 'sklearn' | 'generic';

/** Another name for a loss, in one framework's dialect, with that dialect's defaults. */
export interface LossAlias {
  name: string;
  dialect: Dialect;
  /** Defaults the alias binds (e.g. Keras's `reduction: 'sumOverBatchSize'`). */
  defaults?: LossOptions;
  /** A different implementation, when the dialect's loss is not the canonical one with other
   * defaults (e.g. Keras's categorical cross-entropy on probabilities). */
  fn?: LossFunction;
}

/** One loss of the catalogue: canonical name, function, aliases, one-line description. */
export interface LossEntry {
  name: string;
  fn: LossFunction;
  description: string;
  aliases: readonly LossAlias[];
}
