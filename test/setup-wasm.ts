/**
 * Every test file runs as Node resolves `import … from 'losskit'` (package.json "exports" "." →
 * "node" → src/index.node.ts): with the WASM kernels inlined and enabled (src/wasm/index.ts).
 * The browser side, where they are opt-in, is tested by test/browser/ (pages without and with
 * `losskit/wasm`, and with the module fetched as a file) and test/package.test.ts (dist/esm/index.js
 * alone loads no kernels).
 */
import '../src/wasm/index.js';
