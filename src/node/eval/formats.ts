/**
 * The names of the input and output formats of `losskit eval`, apart from their readers and
 * writers: the CLI needs them to parse its arguments before it loads anything heavy.
 */

/** Input formats (readers.ts). */
export type Format = 'csv' | 'tsv' | 'ndjson' | 'json' | 'parquet' | 'arrow' | 'npy' | 'npz';
export const FORMATS: readonly Format[] = ['csv', 'tsv', 'ndjson', 'json', 'parquet', 'arrow', 'npy', 'npz'];

/** Output formats (output.ts). */
export type OutputFormat = 'table' | 'json' | 'csv' | 'markdown';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'csv', 'markdown'];
