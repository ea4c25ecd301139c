/**
 * The backend switch at a loss's kernel: `viaWasm(jsKernel, route)` is an element-wise kernel that
 * runs the WASM kernel when `route(params)` names one and it applies to the call (see
 * `kernels.ts`: float32 inputs, module loaded, backend not `'js'`), and the JS kernel otherwise.
 */
import type { ElementwiseKernel } from '../losses/elementwise.js';
import type { ElementwiseKind } from './kernels.js';
import { wasmElementwise } from './kernels.js';

/** Which WASM kernel computes a call with these parameters (null: the JS kernel). */
export type WasmRoute<P> = (params: P) => { kind: ElementwiseKind; params?: readonly number[] } | null;

export function viaWasm<P>(js: ElementwiseKernel<P>, route: WasmRoute<P>): ElementwiseKernel<P> {
  return (n, yTrue, yPred, w, scale, out, grad, params) => {
    const r = route(params);
    if (r !== null) {
      const v = wasmElementwise({ kind: r.kind, n, yTrue, yPred, w, scale, out, grad, params: r.params });
      if (v !== undefined) return v;
    }
    return js(n, yTrue, yPred, w, scale, out, grad, params);
  };
}
