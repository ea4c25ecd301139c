/**
 * Where the loss definitions reach the WASM kernels: an empty slot until the application opts
 * into the WASM backend (`losskit/wasm`, Node's resolution of `losskit`, or `initWasm()`), which
 * fills it with the wrappers of `./kernels.ts`. The losses import only this module, so a bundle
 * of losses that never opts in carries neither the kernels' JS wrappers and runtime nor the
 * module's bytes, and computes with the JS kernels.
 *
 * Each function has the contract of its namesake in `./kernels.ts`: the kernel's sum, or
 * `undefined` when the JS kernel must run (here also: the slot is empty). A new WASM kernel that
 * a loss calls gets its forwarder here (three lines), and the loss imports it from this module.
 */
import type { CrossEntropyCall, ElementwiseCall } from './kernels.js';
import type * as Kernels from './kernels.js';

/** The WASM wrappers the losses call: the module `./kernels.ts` itself. */
export type WasmKernels = typeof Kernels;

let kernels: WasmKernels | null = null;

/** Fills the slot (idempotent; src/wasm/backend.ts calls it with `./kernels.ts`'s namespace). */
export function installWasmKernels(k: WasmKernels): void {
  kernels = k;
}

/** An element-wise loss on the WASM kernels, or `undefined` (see `kernels.ts` `wasmElementwise`). */
export function wasmElementwise(c: ElementwiseCall): number | undefined {
  return kernels === null ? undefined : kernels.wasmElementwise(c);
}

/** Softmax cross-entropy on the WASM kernels, or `undefined` (see `kernels.ts` `wasmCrossEntropy`). */
export function wasmCrossEntropy(c: CrossEntropyCall): number | undefined {
  return kernels === null ? undefined : kernels.wasmCrossEntropy(c);
}
