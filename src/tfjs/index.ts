/**
 * `losskit/tfjs`: TensorFlow.js integration (custom losses with losskit's exact gradients,
 * a sample-weighted training loop, exact streaming metrics as callbacks).
 *
 * Imports only `@tensorflow/tfjs-core` and `@tensorflow/tfjs-layers` (optional peer
 * dependencies). In Node, import `@tensorflow/tfjs` once in your program: it registers the
 * gradient functions that training needs.
 */
export { tfjsLoss, type TfjsLoss } from './loss.js';
