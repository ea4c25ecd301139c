/**
 * Page script of a browser application that imports the core only (`losskit`): the bundle holds
 * no kernel bytes; the page fetches the module as a file (`initWasm(fetch('/kernels.wasm'))`).
 */
import { expose } from './page.js';

expose('core');
