/**
 * Loads TensorFlow.js for the demos at run time. `@tensorflow/tfjs` is an optional peer of
 * losskit (a devDependency in the repo), so it is imported dynamically, with a clear message
 * when it is missing. The pure-JS `cpu` backend is the default; `wasm` is the alternative
 * (tfjs-node cannot be installed on every machine and is not used).
 */
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { LosskitError } from '../../errors.js';
import { MissingDependencyError, importOptional } from '../optional.js';

export type Tf = typeof import('@tensorflow/tfjs');
export type DemoBackend = 'cpu' | 'wasm';

/** Imports `@tensorflow/tfjs`, selects `backend` and silences tfjs's "install tfjs-node" banner. */
export async function loadTf(backend: DemoBackend = 'cpu'): Promise<Tf> {
  if (backend !== 'cpu' && backend !== 'wasm') {
    throw new LosskitError(
      'INVALID_OPTION',
      'demo',
      `option 'backend' must be 'cpu' or 'wasm'; received ${JSON.stringify(backend)}`,
      'backend',
    );
  }
  const tf = await importOptional<Tf>(
    '@tensorflow/tfjs',
    'the demo needs',
    'Install it next to losskit: npm install @tensorflow/tfjs',
    () => import('@tensorflow/tfjs'),
  );
  // PROD mode turns off tfjs's debug warnings (including the tfjs-node advertisement).
  tf.env().set('PROD', true);
  if (backend === 'wasm') {
    const wasm = await importOptional<typeof import('@tensorflow/tfjs-backend-wasm')>(
      '@tensorflow/tfjs-backend-wasm',
      'the wasm backend needs',
      'Install it (npm install @tensorflow/tfjs-backend-wasm) or use --backend cpu',
      () => import('@tensorflow/tfjs-backend-wasm'),
    );
    // Resolve the .wasm files from the running script (the installed CLI) or the working directory.
    let dir: string | undefined;
    for (const from of [process.argv[1], `${process.cwd()}/`]) {
      if (!from) continue;
      try {
        dir = dirname(createRequire(from).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
        break;
      } catch {
        // try the next base
      }
    }
    if (dir === undefined)
      throw new MissingDependencyError(
        'cannot locate the .wasm files of @tensorflow/tfjs-backend-wasm; use --backend cpu',
      );
    wasm.setWasmPaths(`${dir}/`);
  }
  const ok = await tf.setBackend(backend);
  if (!ok) throw new MissingDependencyError(`TensorFlow.js could not initialise the '${backend}' backend`);
  await tf.ready();
  return tf;
}
