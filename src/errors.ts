/**
 * The one error type losskit throws for bad input.
 *
 * Every `LosskitError` carries a stable, machine-readable `code` and a message that names the
 * function, the argument, what was expected and what was received, e.g.
 *
 * ```text
 * crossEntropy: 'yTrue' has shape [4] but 'yPred' has shape [5,3]; expected [5] (class indices) or [5,3] (probabilities)
 * ```
 */

/** Stable error codes. New codes may be added; existing ones never change meaning. */
export type LosskitErrorCode =
  /** Two inputs whose shapes must agree (or broadcast) do not. */
  | 'SHAPE_MISMATCH'
  /** A class label is not an integer, is out of `[0, C)`, or is otherwise not a valid label. */
  | 'INVALID_LABEL'
  /** NaN or ±Infinity where finite numbers are required. */
  | 'NON_FINITE'
  /** A value lies outside the domain the function documents (e.g. a probability outside [0, 1]). */
  | 'OUT_OF_RANGE'
  /** An unknown option name, or an option with a wrong type or value. */
  | 'INVALID_OPTION'
  /** An input with no elements where at least one is required. */
  | 'EMPTY_INPUT'
  /** Something that is not a tensor-like value (or a ragged nested array) was given as a tensor. */
  | 'INVALID_INPUT'
  /** `getLoss` / `getMetric` was asked for a name it does not know. */
  | 'UNKNOWN_NAME'
  /** Two metric states with different configurations (or different metrics) were merged. */
  | 'INCOMPATIBLE_STATE'
  /** A worker thread of `losskit/node`'s `enableThreads` failed or stopped making progress. */
  | 'THREAD_FAILED';

export class LosskitError extends Error {
  /** Stable machine-readable code; see {@link LosskitErrorCode}. */
  readonly code: LosskitErrorCode;
  /** The public function that rejected the input, e.g. `'crossEntropy'`. */
  readonly fn: string;
  /** The argument (or option) at fault, when there is one. */
  readonly argument: string | undefined;

  constructor(code: LosskitErrorCode, fn: string, message: string, argument?: string) {
    super(`${fn}: ${message}`);
    this.name = 'LosskitError';
    this.code = code;
    this.fn = fn;
    this.argument = argument;
  }
}

/** Formats a value for an error message: short, unambiguous, never huge. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return 'a function';
  if (ArrayBuffer.isView(value))
    return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return `an object`;
}

/** Formats a shape as `[2,3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
