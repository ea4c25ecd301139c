/**
 * Where the loss definitions reach the WASM kernels: an empty slot until the application opts
 * into the WASM backend (`losskit/wasm`, Node's resolution of `losskit`, or `initWasm()`), which
 * fills it with the wrappers of `./kernels.ts`. The losses import only this module, so a bundle
 * of losses that never opts in carries neither the kernels' JS wrappers and runtime nor the
 * module's bytes, and computes with the JS kernels.
 *
 * Each function has the contract of its namesake in `./kernels.ts`: the kernel's sum, or
 * `undefined` when the JS kernel must run (here also: the slot is empty).
 */
import type { CrossEntropyCall, ElementwiseCall } from './kernels.js';

/** The WASM wrappers the losses call (see `./kernels.ts`). */
export interface WasmKernels {
  elementwise(c: ElementwiseCall): number | undefined;
  crossEntropy(c: CrossEntropyCall): number | undefined;
}

let kernels: WasmKernels | null = null;

/** Fills the slot (idempotent; src/wasm/backend.ts calls it). */
export function installWasmKernels(k: WasmKernels): void {
  kernels = k;
}

/** Whether the slot is filled. */
export function wasmKernelsInstalled(): boolean {
  return kernels !== null;
}

/** An element-wise loss on the WASM kernels, or `undefined` (see `kernels.ts` `wasmElementwise`). */
export function wasmElementwise(c: ElementwiseCall): number | undefined {
  return kernels === null ? undefined : kernels.elementwise(c);
}

/** Softmax cross-entropy on the WASM kernels, or `undefined` (see `kernels.ts` `wasmCrossEntropy`). */
export function wasmCrossEntropy(c: CrossEntropyCall): number | undefined {
  return kernels === null ? undefined : kernels.crossEntropy(c);
}
