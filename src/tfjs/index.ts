/**
 * `losskit/tfjs`: TensorFlow.js integration (custom losses with losskit's exact gradients,
 * a sample-weighted training loop, exact streaming metrics as callbacks).
 */
export {};
