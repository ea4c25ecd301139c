/**
 * The TypeScript result type of every metric, from its result kind (declared with the metric in
 * its registry entry) and the options of the call: `f1(...)` is a `number`, `f1(..., { average:
 * 'none' })` a `number[]`, `rocCurve(...)` a `RocCurve`, `confusionMatrix(...)` a `number[][]`.
 * When the options do not decide (a `MetricOptions` variable whose `average` may be `'none'`),
 * the type is the union of the possible results.
 */
/** One ROC curve (scikit-learn `roc_curve`). */
export type RocCurve = {
  fpr: number[];
  tpr: number[];
  thresholds: number[];
};
/** One precision–recall curve (scikit-learn `precision_recall_curve`). */
export type PrCurve = {
  precision: number[];
  recall: number[];
  thresholds: number[];
};
/** Per-class ROC curves (multiclass / multilabel, `average: 'none'`): index `[class][point]`. */
export type RocCurves = {
  fpr: number[][];
  tpr: number[][];
  thresholds: number[][];
};
/** Per-class precision–recall curves: index `[class][point]`. */
export type PrCurves = {
  precision: number[][];
  recall: number[][];
  thresholds: number[][];
};

/**
 * How a metric's result depends on its options:
 * - `'averaged'`: a number, or one per class with `average: 'none'` (accuracy, precision, …);
 * - `'score'`: as `'averaged'`, but a binary task always gives one number (auroc, averagePrecision);
 * - `'roc'` / `'pr'`: one curve (binary, or `average: 'micro'`), else one per class;
 * - `'outputs'`: a number, or one per output with `multioutput: 'rawValues'` (regression);
 * - `'matrix'`: a matrix (`confusionMatrix`); `'perClass'`: always one number per class (`support`);
 *   `'number'`: always one number;
 * - `'perThreshold'`: a number, or one per threshold with a `thresholds` list (Keras confusion
 *   counts, `precisionAtThresholds`, `recallAtThresholds`).
 */
export type ResultKind =
  'averaged' | 'score' | 'roc' | 'pr' | 'outputs' | 'matrix' | 'perClass' | 'number' | 'perThreshold';

/** The type of option `K` in `O` (`undefined` when `O` does not have it). */
type Opt<O, K extends string> = K extends keyof O ? O[K] : undefined;

/** `Yes` when `V` is exactly `T`, `Maybe` when it may be `T`, else `No`. */
type Is<V, T, Yes, No> = [V] extends [T] ? Yes : [T] extends [V] ? Yes | No : No;

/** Whether the options make the task multiclass / multilabel (`true`), binary (`false`), or may (`boolean`). */
type Multi<O> =
  Opt<O, 'task'> extends 'multiclass' | 'multilabel'
    ? true
    : [Opt<O, 'task'>] extends ['binary']
      ? false
      : [Opt<O, 'numClasses'> | Opt<O, 'numLabels'> | Opt<O, 'task'>] extends [undefined]
        ? false
        : [Opt<O, 'numClasses'>] extends [number]
          ? true
          : [Opt<O, 'numLabels'>] extends [number]
            ? true
            : boolean;

type ScoreResult<O> =
  Multi<O> extends true
    ? Is<Opt<O, 'average'>, 'none', number[], number>
    : Multi<O> extends false
      ? number
      : Is<Opt<O, 'average'>, 'none', number[] | number, number>;

type CurveResult<O, One, PerClass> = [Opt<O, 'average'>] extends ['micro']
  ? One
  : Multi<O> extends true
    ? 'micro' extends Opt<O, 'average'>
      ? One | PerClass
      : PerClass
    : Multi<O> extends false
      ? One
      : One | PerClass;

/** The result type of a metric of kind `K` called with options `O`. */
export type MetricResult<K extends ResultKind, O> = K extends 'averaged'
  ? Is<Opt<O, 'average'>, 'none', number[], number>
  : K extends 'score'
    ? ScoreResult<O>
    : K extends 'roc'
      ? CurveResult<O, RocCurve, RocCurves>
      : K extends 'pr'
        ? CurveResult<O, PrCurve, PrCurves>
        : K extends 'outputs'
          ? Is<Opt<O, 'multioutput'>, 'rawValues', number[], number>
          : K extends 'matrix'
            ? number[][]
            : K extends 'perClass'
              ? number[]
              : K extends 'perThreshold'
                ? [Opt<O, 'thresholds'>] extends [undefined]
                  ? number
                  : [Opt<O, 'thresholds'>] extends [readonly number[]]
                    ? number[]
                    : number | number[]
                : number;

/** `O` over the alias defaults `D` (the caller's options win), as `getMetric` merges them. */
export type WithDefaults<D, O> = Omit<D, keyof O> & O;
