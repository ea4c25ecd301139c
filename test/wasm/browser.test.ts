/**
 * The core with its WASM kernels in a browser: test/wasm/browser-entry.ts is bundled by esbuild
 * (platform browser, the wasm bytes inlined), loaded into headless Chromium (Debian's
 * /usr/bin/chromium via playwright-core; missing Chromium FAILS the test), and the same losses and
 * metrics are computed in the page and in Node: the values must agree.
 *
 * Browsers may refuse synchronous wasm compiles over 4 KB on the main thread: then the first
 * call in the page computes with the JS kernels (and starts the asynchronous compile), and after
 * `await initWasm()` the page uses the WASM kernels. The page's values must equal Node's (same
 * backend) and the two backends agree within the documented float32 tolerance.
 */
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { launchChromium } from '../node/chromium.js';
import { compute } from './browser-entry.js';
import { getBackend, initWasm, setBackend } from '../../src/wasm/runtime.js';

let ctx: { context: BrowserContext; close: () => Promise<void> };
let bundle = '';

beforeAll(async () => {
  const r = await build({
    entryPoints: ['test/wasm/browser-entry.ts'],
    bundle: true,
    format: 'iife',
    globalName: 'LK',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  bundle = r.outputFiles[0].text;
  ctx = await launchChromium();
}, 60_000);
afterAll(async () => {
  await ctx?.close();
});

/** Relative closeness, NaN-aware. */
function close(a: number, b: number, rel: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));
}

describe('the core with its WASM kernels in headless Chromium', () => {
  it('computes the same losses and metrics as Node (JS fallback before initWasm, WASM after)', async () => {
    await initWasm();
    setBackend('auto');
    const node = compute();
    expect(getBackend().wasmLoaded).toBe(true);
    setBackend('js');
    const nodeJs = compute();
    setBackend('auto');

    const page = await ctx.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.setContent('<!DOCTYPE html><html><body></body></html>');
    await page.addScriptTag({ content: bundle });
    const res = await page.evaluate(async () => {
      const lk = (globalThis as unknown as { LK: typeof import('./browser-entry.js') }).LK;
      const before = lk.compute();
      const loadedBefore = lk.getBackend().wasmLoaded;
      const ok = await lk.initWasm();
      const after = lk.compute();
      return { before, loadedBefore, ok, after, loadedAfter: lk.getBackend().wasmLoaded };
    });
    await page.close();
    expect(errors).toEqual([]);
    // The first call compiles synchronously where the browser allows it (this Chromium does on
    // the main thread); where it refuses, the JS kernels compute until initWasm() resolves.
    // Either way the values below must agree.
    console.log(`Chromium main thread: synchronous compile ${res.loadedBefore ? 'accepted' : 'refused'}`);
    expect(res.ok).toBe(true);
    expect(res.loadedAfter).toBe(true);
    const keys = Object.keys(node);
    expect(keys.length).toBeGreaterThan(15);
    for (const k of keys) {
      // WASM in the page = WASM in Node (same module; the JS parts around it may differ in the last
      // bit between V8 versions).
      expect(close(res.after[k], node[k], 1e-12), `${k}: ${res.after[k]} vs ${node[k]}`).toBe(true);
      const ref = res.loadedBefore ? node : nodeJs;
      expect(close(res.before[k], ref[k], 1e-12), `${k}: ${res.before[k]} vs ${ref[k]}`).toBe(true);
      // and the two backends agree within the documented float32 tolerance
      expect(close(node[k], nodeJs[k], 2e-6), `${k}: wasm ${node[k]} vs js ${nodeJs[k]}`).toBe(true);
    }
  }, 60_000);

  it('reports the gzip size of the bundle', () => {
    const gz = gzipSync(bundle).length;
    console.log(`browser bundle (all losses + metrics + kernels): ${bundle.length} B, gzip ${gz} B`);
    expect(gz).toBeGreaterThan(1000);
  });
});
