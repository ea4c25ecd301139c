/**
 * Type test (checked by `npm run typecheck`, never executed): each loss's options type is derived
 * from its declared option schema (src/losses/define.ts), so a wrong option name or a wrong value
 * type is a compile error — for losses of different families and layouts. Each
 * `@ts-expect-error` fails the type check if the line below it ever compiles.
 */
import { binaryCrossEntropyWithLogits } from '../../src/losses/binary.js';
import type { LossFunction } from '../../src/losses/core.js';
import { klDivergence } from '../../src/losses/divergence.js';
import { huber, pinball } from '../../src/losses/regression.js';
import { dice } from '../../src/losses/segmentation.js';

export function typeChecks(): void {
  // Regression (element-wise layout).
  huber([1], [2], { delta: 0.5, reduction: 'sum', meanOverLastAxis: true });
  // @ts-expect-error `beta` is smoothL1's option, not huber's
  huber([1], [2], { beta: 1 });
  // @ts-expect-error `delta` is a number
  huber([1], [2], { delta: 'big' });
  pinball([1], [2], { alpha: 0.9 });
  // @ts-expect-error pinball has no `delta`
  pinball([1], [2], { delta: 0.9 });

  // Binary (element-wise layout, tensor options).
  binaryCrossEntropyWithLogits([1], [2], { posWeight: [3], labelSmoothing: 0.1 });
  // @ts-expect-error `fromLogits` belongs to binaryCrossEntropy, not the logits loss
  binaryCrossEntropyWithLogits([1], [2], { fromLogits: true });

  // Segmentation (prepared layout).
  dice([[1, 0]], [[0.5, 0.5]], { axes: [1], smooth: 1, fromLogits: false });
  // @ts-expect-error `alpha` is tversky's option, not dice's
  dice([[1, 0]], [[0.5, 0.5]], { alpha: 0.3 });
  // @ts-expect-error `fromLogits` is a boolean
  dice([[1, 0]], [[0.5, 0.5]], { fromLogits: 1 });

  // Divergence.
  klDivergence([0.5], [-0.7], { logTarget: false, reduction: 'batchmean' });
  // @ts-expect-error `reduction` takes one of the declared names
  klDivergence([0.5], [-0.7], { reduction: 'average' });

  // 'none' returns a tensor, any other reduction a number.
  const perElement: { shape: readonly number[] } = huber([1, 2], [2, 2], { reduction: 'none' });
  const scalar: number = huber([1, 2], [2, 2]);
  // @ts-expect-error a reduced loss is a number, not a tensor
  const wrong: { shape: readonly number[] } = huber([1, 2], [2, 2], { reduction: 'sum' });
  void perElement;
  void scalar;
  void wrong;

  // The loose type (what getLoss returns) still accepts every option, checked at run time.
  const loose: LossFunction = huber;
  loose([1], [2], { beta: 1 });
}
