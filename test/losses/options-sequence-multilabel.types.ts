/**
 * Type test (checked by `npm run typecheck`, never executed): the multi-label / multi-class margin
 * losses and `ctc` carry the options type derived from their declared schemas
 * (src/losses/multilabel.ts, src/losses/sequence.ts). Each `@ts-expect-error` fails the type
 * check if the line below it ever compiles.
 */
import { multiMargin, multilabelMargin, multilabelSoftMargin } from '../../src/losses/multilabel.js';
import { ctc } from '../../src/losses/sequence.js';

export function typeChecksMultilabelCtc(): void {
  multiMargin([1], [[0.1, 0.2]], { p: 2, margin: 0.5, weight: [1, 2], reduction: 'sum' });
  // @ts-expect-error `delta` is huber's option, not multiMargin's
  multiMargin([1], [[0.1, 0.2]], { delta: 1 });
  // @ts-expect-error `margin` is a number
  multiMargin([1], [[0.1, 0.2]], { margin: '1' });
  multilabelSoftMargin([[1, 0]], [[2, -1]], { weight: [1, 2] });
  // @ts-expect-error multilabelSoftMargin has no `fromLogits` (its input is always logits)
  multilabelSoftMargin([[1, 0]], [[2, -1]], { fromLogits: true });
  // @ts-expect-error multilabelMargin has no class weights
  multilabelMargin([[0, -1]], [[0.1, 0.2]], { weight: [1, 2] });
  // @ts-expect-error element-wise layouts' meanOverLastAxis is not an option of a prepared loss
  multilabelMargin([[0, -1]], [[0.1, 0.2]], { meanOverLastAxis: true });

  ctc([[1]], [[[0, 0]]], { inputLengths: [1], targetLengths: [1], blank: 0, zeroInfinity: true, ctcGrad: 'pytorch' });
  // @ts-expect-error `ctcGrad` takes 'exact' or 'pytorch'
  ctc([[1]], [[[0, 0]]], { ctcGrad: 'keras' });
  // @ts-expect-error `timeMajor` is a boolean
  ctc([[1]], [[[0, 0]]], { timeMajor: 'NTC' });
  // @ts-expect-error `ignoreIndex` belongs to the cross-entropy family
  ctc([[1]], [[[0, 0]]], { ignoreIndex: -100 });
}
