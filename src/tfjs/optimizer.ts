/**
 * Optimizers for `losskit/tfjs`: the optimizer factory (names with tfjs-layers' defaults, or the
 * compiled model's), and reading / setting an optimizer's learning rate.
 */
import type { Optimizer } from '@tensorflow/tfjs-core';
import { train as tfTrain } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { LosskitError, describe } from '../errors.js';

const FN = 'train';

export type OptimizerName = 'sgd' | 'adam' | 'rmsprop' | 'adagrad' | 'adadelta' | 'adamax';

export function resolveOptimizer(
  model: LayersModel,
  optimizer: Optimizer | OptimizerName | undefined,
  fn = FN,
): Optimizer {
  if (optimizer === undefined) {
    const compiled: unknown = model.optimizer;
    if (compiled === undefined || compiled === null || typeof compiled !== 'object') {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'optimizer' is required when the model is not compiled; received undefined (pass an optimizer such as tf.train.sgd(0.01), or 'adam')`,
        'optimizer',
      );
    }
    return model.optimizer;
  }
  if (typeof optimizer === 'string') {
    // tfjs-layers' defaults for optimizer names (engine/optimizers.ts).
    switch (optimizer) {
      case 'sgd':
        return tfTrain.sgd(0.01);
      case 'adam':
        return tfTrain.adam(0.001, 0.9, 0.999, 1e-7);
      case 'rmsprop':
        return tfTrain.rmsprop(0.001, 0.9, 0, 1e-7);
      case 'adagrad':
        return tfTrain.adagrad(0.01);
      case 'adadelta':
        return tfTrain.adadelta(1, 0.95, 1e-7);
      case 'adamax':
        return tfTrain.adamax(0.002, 0.9, 0.999, 1e-7, 0);
      default:
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `option 'optimizer' must be an Optimizer or one of 'sgd', 'adam', 'rmsprop', 'adagrad', 'adadelta', 'adamax'; received ${describe(optimizer)}`,
          'optimizer',
        );
    }
  }
  if (optimizer === null || typeof optimizer !== 'object' || typeof optimizer.minimize !== 'function') {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'optimizer' must be a tf.Optimizer or a name; received ${describe(optimizer)}`,
      'optimizer',
    );
  }
  return optimizer;
}

/** The optimizer's current learning rate, when it exposes one (NaN otherwise). */
/** The `optimizer` argument: an object (a tfjs optimizer); a TypeError from `Reflect.get` otherwise. */
function checkOptimizerArg(fn: string, optimizer: unknown): void {
  if (optimizer === null || typeof optimizer !== 'object')
    throw new LosskitError(
      'INVALID_INPUT',
      fn,
      `'optimizer' must be a TensorFlow.js optimizer (tf.train.sgd(…), model.optimizer); received ${describe(optimizer)}`,
      'optimizer',
    );
}

export function learningRateOf(optimizer: Optimizer): number {
  checkOptimizerArg('learningRateOf', optimizer);
  const lr: unknown = Reflect.get(optimizer, 'learningRate');
  return typeof lr === 'number' ? lr : NaN;
}

/**
 * Sets an optimizer's learning rate: `setLearningRate` where the optimizer has it (SGD,
 * momentum), else its `learningRate` field, which tfjs's Adam, Adamax, RMSProp, Adagrad and
 * Adadelta read at every step. Throws `INVALID_OPTION` for an optimizer with neither.
 */
export function setLearningRate(optimizer: Optimizer, lr: number, fn = 'setLearningRate'): void {
  checkOptimizerArg(fn, optimizer);
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0)
    throw new LosskitError('INVALID_OPTION', fn, `'lr' must be a finite number >= 0; received ${describe(lr)}`, 'lr');
  const set: unknown = Reflect.get(optimizer, 'setLearningRate');
  if (typeof set === 'function') {
    Reflect.apply(set, optimizer, [lr]);
    return;
  }
  if (typeof Reflect.get(optimizer, 'learningRate') !== 'number') {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `the optimizer has no learning rate to set (no setLearningRate method, no numeric learningRate field); received ${optimizer.getClassName?.() ?? describe(optimizer)}`,
      'optimizer',
    );
  }
  Reflect.set(optimizer, 'learningRate', lr);
}
