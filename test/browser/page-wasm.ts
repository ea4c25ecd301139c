/**
 * Page script of a browser application that opts into the inlined kernels: `import 'losskit/wasm'`
 * (src/wasm/index.ts) next to the core.
 */
import '../../src/wasm/index.js';
import { expose } from './page.js';

expose('wasm');
