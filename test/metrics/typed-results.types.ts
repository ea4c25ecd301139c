/**
 * Type test (compiled by `npm run typecheck`, strict; not run): a consumer uses the metrics'
 * results with their precise types and no casts. `Equal` checks a type exactly; each
 * `@ts-expect-error` line proves that a wrong use does not compile (if it did, tsc would report
 * the unused directive).
 */
import {
  auroc,
  confusionMatrix,
  f1,
  getMetric,
  metrics,
  restoreMetric,
  rocCurve,
  type MetricOptions,
} from '../../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T>(value: T): T {
  return value;
}

const yTrue = [0, 1, 1, 0];
const yPred = [0.2, 0.8, 0.4, 0.6];
const labels = [0, 1, 2, 2];
const scores = [
  [0.7, 0.2, 0.1],
  [0.1, 0.8, 0.1],
  [0.2, 0.2, 0.6],
  [0.3, 0.3, 0.4],
];

// f1: a number, or one per class with average 'none'.
const f: number = f1(yTrue, yPred);
const fMacro: number = f1(labels, scores, { numClasses: 3, average: 'macro' });
const perClass: number[] = f1(labels, scores, { numClasses: 3, average: 'none' });
const eqF1: Equal<ReturnType<typeof f1<{ average: 'none' }>>, number[]> = true;
// @ts-expect-error average 'none' gives one value per class, not a number
const wrongF1: number = f1(labels, scores, { numClasses: 3, average: 'none' });
// @ts-expect-error the default average gives a number
const wrongF1b: number[] = f1(yTrue, yPred);
// A MetricOptions variable whose average may be 'none': the union, to be narrowed.
const anyOptions: MetricOptions = { average: 'micro' };
const either = f1(labels, scores, anyOptions);
const eqEither: Equal<typeof either, number | number[]> = true;
const narrowed: number = Array.isArray(either) ? either[0] : either;

// auroc: binary → number; multiclass with average 'none' → number[].
const a: number = auroc(yTrue, yPred);
const aMacro: number = auroc(labels, scores, { numClasses: 3 });
const aNone: number[] = auroc(labels, scores, { numClasses: 3, average: 'none' });
// @ts-expect-error binary auroc is one number
auroc(yTrue, yPred).map((x) => x);

// rocCurve: one curve (binary or micro), per-class curves otherwise.
const roc = rocCurve(yTrue, yPred);
const fpr: number[] = roc.fpr;
const tpr: number[] = roc.tpr;
const thresholds: number[] = roc.thresholds;
const rocMicro: number[] = rocCurve(labels, scores, { numClasses: 3, average: 'micro' }).fpr;
const rocPerClass: number[][] = rocCurve(labels, scores, { numClasses: 3 }).tpr;
// @ts-expect-error a ROC curve has no 'precision'
const noPrecision = rocCurve(yTrue, yPred).precision;
// @ts-expect-error per-class curves are number[][]
const wrongRoc: number[] = rocCurve(labels, scores, { numClasses: 3 }).fpr;

// confusionMatrix: number[][].
const cm: number[][] = confusionMatrix(labels, [0, 1, 2, 1], { numClasses: 3 });
const cell: number = cm[2][1];
// @ts-expect-error a confusion matrix is not a number
const wrongCm: number = confusionMatrix(labels, [0, 1, 2, 1]);

// getMetric(...).compute(): typed by name (aliases and their defaults included) and options.
const m1: number = getMetric('f1').update(yTrue, yPred).compute();
const m2: number[] = getMetric('f1_score', { numClasses: 3, average: 'none' }).update(labels, scores).compute();
const m3: number[][] = getMetric('confusion_matrix', { numClasses: 3 }).compute();
const m4: number[][] = getMetric('MulticlassROC', { numClasses: 3 }).compute().fpr; // the alias binds task 'multiclass'
const m5: number = getMetric('auc').compute(); // Keras AUC: binned, micro
const m6: number[] = getMetric('meanSquaredError', { multioutput: 'rawValues' }).compute();
const m7: number = getMetric('r2_score').compute();
const m8: number = getMetric('loss', { loss: 'meanSquaredError' }).compute();
const eqM: Equal<ReturnType<ReturnType<typeof getMetric<'accuracy', object>>['compute']>, number> = true;
// @ts-expect-error f1 with the default average is a number
const wrongM: number[] = getMetric('f1').compute();
// A name known only at run time (e.g. from a config file) gives the general MetricValue.
const dynamicName: string = 'f1';
// @ts-expect-error a run-time name's result must be narrowed before use as a number
const wrongName: number = getMetric(dynamicName).compute();
// A merged or restored metric keeps working with the typed one.
const merged: number = getMetric('f1')
  .merge(restoreMetric(getMetric('f1').toJSON()))
  .compute();
// One-shots under metrics. are typed the same way.
const mse: number = metrics.meanSquaredError([1, 2], [1, 3]);
const mseRaw: number[] = metrics.meanSquaredError([[1, 2]], [[1, 3]], { multioutput: 'rawValues' });
const pr = metrics.precisionRecallCurve(yTrue, yPred);
const precisionPoints: number[] = pr.precision;
// @ts-expect-error a PR curve has no 'fpr'
const noFpr = metrics.precisionRecallCurve(yTrue, yPred).fpr;

expectType<number>(f + fMacro + a + aMacro + cell + m1 + m5 + m7 + m8 + merged + mse + narrowed);
expectType<number[][]>([perClass, aNone, fpr, tpr, thresholds, rocMicro, m2, m6, mseRaw, precisionPoints]);
expectType<number[][][]>([rocPerClass, m3, m4, cm]);
expectType<boolean[]>([eqF1, eqEither, eqM]);
expectType<unknown[]>([noPrecision, noFpr, wrongF1, wrongF1b, wrongRoc, wrongCm, wrongM, wrongName]);
