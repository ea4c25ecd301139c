/**
 * `losskit/tfjs` as Node resolves it (package.json "exports" "./tfjs" → "node"): the adapter of
 * `./index.ts` with the WASM SIMD kernels inlined and enabled (`../wasm/index.ts`), as Node's
 * `losskit` has them. Bundles for browsers resolve `./index.ts` (kernels opt-in: docs/browser.md).
 */
import '../wasm/index.js';
export * from './index.js';
