/**
 * The WASM backend's public functions for the core (`losskit`): importing `initWasm` or
 * `createWasmArena` brings the kernels' JS wrappers and runtime, not the module's bytes (those
 * come from `losskit/wasm`, or from the application: `initWasm(fetch(url))`).
 */
import * as kernels from './kernels.js';
import { compileWasm, createWasmArena as arena } from './runtime.js';
import type { WasmArena, WasmModuleSource } from './runtime.js';
import { installWasmKernels } from './slot.js';

/** Connects the losses to the WASM kernels (they still wait for the module: see runtime.ts). */
export function enableWasmKernels(): void {
  installWasmKernels(kernels);
}

/**
 * Compiles and instantiates the WASM SIMD kernels asynchronously and connects the losses to
 * them. `source`: the module (`losskit/kernels.wasm`: its bytes, a `fetch()` response or a
 * promise of either); without it, the module `losskit/wasm` inlined (imported by Node's
 * `losskit`). Resolves true when the kernels are in use, false when they cannot be (no module
 * known, no WebAssembly SIMD, a Content-Security-Policy refusal, a failed fetch:
 * `getBackend().error` says which); the JS kernels then compute every loss, correctly.
 */
export function initWasm(source?: WasmModuleSource): Promise<boolean> {
  const p = compileWasm(source); // validates `source` first
  enableWasmKernels();
  return p;
}

/** Resolves when the kernels are ready: {@link initWasm}. */
export const wasmReady = initWasm;

/**
 * Reserves `bytes` of the kernels' memory for a {@link WasmArena} (typed arrays a loss reads and
 * writes without copies); null when the kernels are not loaded (no module known yet, no
 * WebAssembly SIMD, or an asynchronous compile still running).
 */
export function createWasmArena(bytes: number): WasmArena | null {
  enableWasmKernels();
  return arena(bytes);
}
