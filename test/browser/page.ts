/**
 * The page's script (bundled by esbuild for test/browser/browser.test.ts): exposes the workload of
 * ./entry.ts on `globalThis.losskitPage` and flags that the module has run.
 */
import { computeAll } from './entry.js';

const g = globalThis as unknown as { losskitPage: { computeAll: typeof computeAll }; losskitLoaded: boolean };
g.losskitPage = { computeAll };
g.losskitLoaded = true;
