/**
 * The page's script (bundled by esbuild for test/browser/browser.test.ts): exposes the workload of
 * ./entry.ts on `globalThis.losskitPage` and flags that the module has run.
 */
import { computeAll, getBackend, initWasm, setBackend } from './entry.js';

export interface PageApi {
  computeAll: typeof computeAll;
  getBackend: typeof getBackend;
  initWasm: typeof initWasm;
  setBackend: typeof setBackend;
}

const g = globalThis as unknown as { losskitPage: PageApi; losskitLoaded: boolean };
g.losskitPage = { computeAll, getBackend, initWasm, setBackend };
g.losskitLoaded = true;
