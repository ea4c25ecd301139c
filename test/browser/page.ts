/**
 * The page's API (bundled by esbuild for test/browser/browser.test.ts through the two page
 * entries, ./page-core.ts and ./page-wasm.ts): exposes the workload of ./entry.ts on
 * `globalThis.losskitPage` and flags that the module has run.
 */
import { computeAll, getBackend, initWasm, setBackend } from './entry.js';

export interface PageApi {
  computeAll: typeof computeAll;
  getBackend: typeof getBackend;
  initWasm: typeof initWasm;
  setBackend: typeof setBackend;
  /** Which page script: 'core' (no kernels bundled) or 'wasm' (imports losskit/wasm). */
  variant: 'core' | 'wasm';
}

export function expose(variant: PageApi['variant']): void {
  const g = globalThis as unknown as { losskitPage: PageApi; losskitLoaded: boolean };
  g.losskitPage = { computeAll, getBackend, initWasm, setBackend, variant };
  g.losskitLoaded = true;
}
