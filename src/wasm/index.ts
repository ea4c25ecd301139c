/**
 * `losskit/wasm`: the WASM SIMD kernels, inlined. Importing this module (for its effect:
 * `import 'losskit/wasm'`, or for the functions below) registers the module's bytes and connects
 * the losses to the kernels: from then on, as in Node, the first loss call that can use them
 * compiles them (synchronously where the platform allows; else asynchronously, with the JS
 * kernels meanwhile: `await initWasm()` waits). Node's resolution of `losskit` imports it, so
 * Node uses the kernels by default; a browser bundle that does not import it carries none of it.
 */
import { WASM_BASE64 } from './binary.js';
import { decodeBase64, provideWasmBytes } from './runtime.js';
import { enableWasmKernels } from './backend.js';

provideWasmBytes(() => decodeBase64(WASM_BASE64));
enableWasmKernels();

export { createWasmArena, initWasm, wasmReady } from './backend.js';
export { getBackend, setBackend } from './runtime.js';
export type { Backend, WasmArena, WasmModuleSource, WasmResponse } from './runtime.js';
