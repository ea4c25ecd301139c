/**
 * `losskit` as Node resolves it (package.json "exports" "." → "node"): the core of `./index.ts`
 * with the WASM SIMD kernels inlined and enabled (`./wasm/index.ts`), so float32 losses in Node
 * use them by default. Bundles for browsers resolve `./index.ts`, which carries no kernels
 * unless the application imports `losskit/wasm` (docs/browser.md).
 */
import './wasm/index.js';
export * from './index.js';
