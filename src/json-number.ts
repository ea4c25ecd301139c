/**
 * The one JSON encoding of float64 numbers used by losskit's serialised forms (metric states,
 * training histories): finite numbers as JSON numbers (which print with round-trip precision),
 * `NaN` and `±Infinity` as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
 */

/** A number as JSON can carry it: finite numbers as is, NaN/±Infinity as strings. */
export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

/** Encodes a float64 (NaN and ±Infinity as strings). */
export function encodeNumber(v: number): JsonNumber {
  return Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

/** Decodes {@link encodeNumber}'s output; `undefined` for anything else (a string such as `"abc"`, null, an object). */
export function decodeNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return undefined;
}
