/** Shared set-up of the tfjs tests: the umbrella package (gradients registered), cpu backend. */
import * as tf from '@tensorflow/tfjs';

export async function useCpu(): Promise<typeof tf> {
  await tf.setBackend('cpu');
  await tf.ready();
  return tf;
}

export { tf };
