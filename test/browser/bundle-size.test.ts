/**
 * scripts/bundle-size.mjs on this tree: one tree-shaken import bundled by esbuild for the
 * browser, minified, gzip -9. Guards what docs/browser.md states: the metrics stay free of the
 * WASM kernels' bytes, and a single loss's own JavaScript (everything but the inlined kernels)
 * stays small.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

interface Row {
  min: number;
  gzip: number;
  gzipWithoutWasmBytes: number;
  wasm: boolean;
}

describe('bundle size of one tree-shaken import', () => {
  it('metrics carry no WASM bytes; a single loss is ≤ 15 kB gzip without them', () => {
    const out = execFileSync(process.execPath, ['scripts/bundle-size.mjs', '--json'], { encoding: 'utf8' });
    const { hasWasm, rows } = (JSON.parse(out) as { here: { hasWasm: boolean; rows: Record<string, Row> } }).here;
    console.log(
      Object.entries(rows)
        .map(([k, r]) => `${k}: ${r.gzip} B gzip (${r.gzipWithoutWasmBytes} B without the wasm bytes)`)
        .join('\n'),
    );
    for (const k of ['f1', 'auroc']) expect(rows[k].wasm, `${k} has no wasm bytes`).toBe(false);
    for (const k of ['meanSquaredError', 'binaryCrossEntropyWithLogits', 'crossEntropy', 'ctc'])
      expect(rows[k].gzipWithoutWasmBytes, k).toBeLessThanOrEqual(15_000);
    // The whole core is larger than any single import (tree-shaking happened at all).
    for (const k of ['meanSquaredError', 'f1']) expect(rows[k].gzip).toBeLessThan(rows['the whole core'].gzip / 2);
    if (hasWasm) expect(rows['the whole core'].wasm).toBe(true);
  }, 120_000);
});
