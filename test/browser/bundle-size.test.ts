/**
 * scripts/bundle-size.mjs on this tree: one tree-shaken import bundled by esbuild for the
 * browser, minified, gzip -9. Guards what docs/browser.md states, in bytes:
 *
 * - a single loss (or metric) carries neither the WASM kernels' bytes nor their JS runtime, and
 *   stays within SINGLE_LOSS_BUDGET;
 * - opting in (`import 'losskit/wasm'`) brings both, and adds at most KERNELS_INLINED_BUDGET;
 *   with the module fetched as a file (`initWasm(fetch(url))`), the bundle gets the runtime only
 *   and the whole addition (runtime + the .wasm file's gzip size) stays within KERNELS_FILE_BUDGET.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

interface Row {
  min: number;
  gzip: number;
  gzipWithoutWasmBytes: number;
  wasm: boolean;
  runtime: boolean;
}
interface Added {
  js: number;
  bytes: number;
  total: number;
  file: boolean;
}

/** gzip bytes of one tree-shaken loss without the kernels (measured 7.6–11.6 kB at 9b83470; 6.8–9.4 kB
 * once every loss module's definitions were marked pure, so that a loss no longer carries its siblings). */
const SINGLE_LOSS_BUDGET = 11_000;
/** What `losskit/wasm` adds to a loss, gzip (measured +12.5 kB: 2.2 kB runtime, 10.3 kB module; +16.9 kB
 * with the CTC kernel, float32-gradient paths and float64 exp/log of the kernels helper; +19.2 kB
 * after the one-pass cross-entropy rows, MSE value loop and scaled CTC forward were merged). */
const KERNELS_INLINED_BUDGET = 19_700;
/** What the kernels add when the module is a fetched file: runtime + .wasm gzip (measured 7.4 kB;
 * 12.0 kB with the kernels helper's CTC / float32-gradient additions; 13.4 kB with the scaled CTC forward and the one-pass cross-entropy rows). */
const KERNELS_FILE_BUDGET = 14_000;

const LOSSES = ['meanSquaredError', 'binaryCrossEntropyWithLogits', 'crossEntropy', 'ctc'];

describe('bundle size of one tree-shaken import', () => {
  it(`a single loss carries no kernels and is ≤ ${SINGLE_LOSS_BUDGET} B gzip; opting in adds ≤ ${KERNELS_INLINED_BUDGET} B (inlined) / ≤ ${KERNELS_FILE_BUDGET} B (fetched file)`, () => {
    const out = execFileSync(process.execPath, ['scripts/bundle-size.mjs', '--json'], { encoding: 'utf8' });
    const { hasWasm, rows, added } = (
      JSON.parse(out) as {
        here: { hasWasm: boolean; rows: Record<string, Row | null>; added: Record<string, Added> };
      }
    ).here;
    const row = (k: string): Row => {
      const r = rows[k];
      if (r === null || r === undefined) throw new Error(`bundle-size has no row '${k}'`);
      return r;
    };
    console.log(
      Object.entries(rows)
        .map(([k, r]) =>
          r === null ? `${k}: n/a` : `${k}: ${r.gzip} B gzip, wasm bytes ${r.wasm}, runtime ${r.runtime}`,
        )
        .join('\n'),
    );
    expect(hasWasm).toBe(true);
    for (const k of [...LOSSES, 'f1', 'auroc', 'getLoss (every loss)']) {
      expect(row(k).wasm, `${k}: no wasm bytes`).toBe(false);
      expect(row(k).runtime, `${k}: no kernels' runtime`).toBe(false);
    }
    for (const k of LOSSES) expect(row(k).gzip, k).toBeLessThanOrEqual(SINGLE_LOSS_BUDGET);
    // Even the whole core has no bytes: they come only with 'losskit/wasm' or a fetched file.
    expect(row('the whole core').wasm).toBe(false);

    const inlined = Object.keys(added).filter((k) => !added[k].file);
    const fetched = Object.keys(added).filter((k) => added[k].file);
    expect(inlined.length).toBeGreaterThanOrEqual(3);
    expect(fetched.length).toBeGreaterThanOrEqual(1);
    for (const k of inlined) {
      expect(row(k).wasm, `${k} has the bytes`).toBe(true);
      expect(row(k).runtime, `${k} has the runtime`).toBe(true);
      expect(added[k].bytes, k).toBeGreaterThan(4_000); // the module really is in there
      expect(added[k].total, k).toBeLessThanOrEqual(KERNELS_INLINED_BUDGET);
    }
    for (const k of fetched) {
      expect(row(k).wasm, `${k}: no bytes in the bundle`).toBe(false);
      expect(row(k).runtime, `${k} has the runtime`).toBe(true);
      expect(added[k].total, k).toBeLessThanOrEqual(KERNELS_FILE_BUDGET);
    }
    // The whole core is larger than any single import (tree-shaking happened at all).
    for (const k of ['meanSquaredError', 'f1']) expect(row(k).gzip).toBeLessThan(row('the whole core').gzip / 2);
  }, 120_000);
});
