/**
 * WASM twins of JS kernels. A loss module declares, next to a JS element-wise kernel, which WASM
 * kernel computes the same function for a given parameter set (`wasmTwin(kernel, route)`); the
 * definition path (`bindKernel` / `runElementwise` in src/losses/define.ts) looks the twin up and
 * runs it when it applies to the call (float32 inputs, module loaded, backend not `'js'`: see
 * `kernels.ts`), and the JS kernel otherwise.
 */
import type { ElementwiseKernel } from '../losses/define.js';
import type { ElementwiseKind } from './kernels.js';

/** A WASM kernel and its numeric parameters (see `ElementwiseCall.params`). */
export interface WasmRoute {
  kind: ElementwiseKind;
  params?: readonly number[];
}

/** Which WASM kernel computes a call with these parameters (null: only the JS kernel). */
export type WasmRouter<P> = (params: P) => WasmRoute | null;

const twins = new WeakMap<object, WasmRouter<never>>();

/**
 * Declares the WASM twin of a JS kernel and returns the kernel, so that a loss module can write
 * `export const k = /* @__PURE__ *\/ wasmTwin(kJs, route)`: a bundle drops the declaration with
 * the kernel when no loss it keeps uses `k`.
 */
export function wasmTwin<P>(kernel: ElementwiseKernel<P>, route: WasmRouter<P>): ElementwiseKernel<P> {
  twins.set(kernel, route as WasmRouter<never>);
  return kernel;
}

/** The WASM route of `kernel` for `params`, or null. */
export function wasmRouteOf<P>(kernel: object, params: P): WasmRoute | null {
  const r = twins.get(kernel) as WasmRouter<P> | undefined;
  return r === undefined ? null : r(params);
}
