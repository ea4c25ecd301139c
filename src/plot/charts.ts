/**
 * Ready-made charts for the training story: the loss curve of a {@link LossHistory}, the LR
 * finder's loss vs log-LR with the suggestion marked, and predictions vs targets. Each returns
 * an SVG string from {@link lineChart}.
 */
import { checkLossHistory, type LossHistory } from '../history.js';
import type { LrRangeTestResult } from '../lr-finder.js';
import { LosskitError, describe } from '../errors.js';
import { checkShapeOf } from '../validate.js';
import { lineChart, formatTick, type Series } from './svg.js';

export interface ChartSize {
  width?: number;
  height?: number;
  title?: string;
}

/**
 * Loss vs epoch: training loss (solid), validation loss (dashed) when logged, and the best
 * epoch marked. `logY` defaults to true when the loss spans more than a decade. With
 * `batches: true` the smoothed per-batch loss is drawn too (x in fractional epochs).
 *
 * @example writeFileSync('loss.svg', lossCurveChart(history, { yLabel: 'MSE' }));
 */
export function lossCurveChart(
  history: LossHistory,
  options: ChartSize & { yLabel?: string; logY?: boolean; batches?: boolean } = {},
): string {
  checkLossHistory('lossCurveChart', history);
  // Epochs are numbered from 1 on the x axis, as the console and the progress bar number them.
  const plus1 = (c: { x: number[]; y: number[] }) => ({ x: c.x.map((e) => e + 1), y: c.y });
  const train = plus1(history.curve('loss', 'epoch'));
  const val = plus1(history.curve('valLoss', 'epoch'));
  // Few epochs: a symbol on every epoch (circles for train, squares for validation), so the two
  // series stay distinguishable where they overlap.
  const dots = train.x.length <= 60;
  const series: Series[] = [];
  if (options.batches && history.batches.length > 0) {
    // Batch b of epoch e (0-based) sits at x = e + (b + 1)/batchesInEpoch: its epoch's last batch at the
    // epoch's own point (x = e + 1).
    const perEpoch = new Map<number, number>();
    for (const b of history.batches) perEpoch.set(b.epoch, Math.max(perEpoch.get(b.epoch) ?? 0, b.batch + 1));
    const sm = history.smoothed();
    series.push({
      name: 'batch (smoothed)',
      x: history.batches.map((b) => b.epoch + (b.batch + 1) / (perEpoch.get(b.epoch) ?? 1)),
      y: sm,
      color: '#9bbcd6',
      strokeWidth: 1.2,
    });
  }
  series.push({ name: 'train', x: train.x, y: train.y, mode: dots ? 'both' : 'line' });
  if (val.x.length > 0)
    series.push({
      name: 'validation',
      x: val.x,
      y: val.y,
      dashed: true,
      mode: dots ? 'both' : 'line',
      point: 'square',
      color: '#D55E00',
    });
  const all = [...train.y, ...val.y].filter((v) => Number.isFinite(v) && v > 0);
  const spread = all.length > 0 ? Math.max(...all) / Math.min(...all) : 1;
  const s = history.summary();
  const markers =
    s.bestEpoch !== null && s.bestLoss !== null
      ? [
          {
            x: s.bestEpoch + 1,
            y: s.bestLoss,
            label: `best ${s.monitor === 'valLoss' ? 'val' : 'train'} ${sig3(s.bestLoss)} @ epoch ${s.bestEpoch + 1}`,
            color: '#444',
          },
        ]
      : [];
  return lineChart({
    title: options.title ?? 'Loss per epoch',
    series,
    xLabel: 'epoch',
    yLabel: options.yLabel ?? 'loss',
    logY: options.logY ?? spread > 10,
    markers,
    integerX: true,
    width: options.width,
    height: options.height,
  });
}

/** Three significant digits, for labels people read (0.0183905 → "0.0184"). */
function sig3(v: number): string {
  return formatTick(Number(v.toPrecision(3)));
}

/**
 * The LR range test: raw loss (light) and smoothed loss vs learning rate (log axis for an
 * exponential sweep), with the suggested learning rate marked on the smoothed curve.
 *
 * @example lrFinderChart(await lrRangeTest(step))
 */
export function lrFinderChart(
  result: LrRangeTestResult,
  options: ChartSize & { yLabel?: string; logY?: boolean } = {},
): string {
  if (result === null || typeof result !== 'object' || !Array.isArray(result.lrs) || !Array.isArray(result.smoothed)) {
    throw new LosskitError(
      'INVALID_INPUT',
      'lrFinderChart',
      `'result' must be the value of lrRangeTest(); received ${describe(result)}`,
      'result',
    );
  }
  const markers =
    result.suggestion !== null && result.suggestionIndex !== null
      ? [
          {
            x: result.suggestion,
            y: result.smoothed[result.suggestionIndex],
            label: `suggested lr ${sig3(result.suggestion)}`,
          },
        ]
      : [];
  // The y axis covers the smoothed curve up to its minimum (×1.25 headroom); the divergent
  // tail after it runs off the top of the plot, which is exactly what it should show.
  const bestIdx = result.lrs.indexOf(result.bestLr);
  const head = result.smoothed.slice(0, Math.max(1, bestIdx + 1)).filter((v) => Number.isFinite(v));
  const finite = result.smoothed.filter((v) => Number.isFinite(v));
  const rawFinite = result.losses.filter((v) => Number.isFinite(v));
  const cap = head.length > 0 ? Math.max(...head) * 1.25 : undefined;
  const lo = finite.length > 0 ? Math.min(...finite, ...rawFinite) : undefined;
  const logY = options.logY ?? false;
  return lineChart({
    title: options.title ?? 'Learning-rate range test',
    series: [
      { name: 'loss', x: result.lrs, y: result.losses, color: '#b8c7d9', strokeWidth: 1 },
      { name: 'smoothed', x: result.lrs, y: result.smoothed, color: '#0072B2' },
    ],
    xLabel: 'learning rate',
    yLabel: options.yLabel ?? 'loss',
    logX: result.mode !== 'linear',
    logY,
    markers,
    yDomain:
      cap !== undefined && lo !== undefined && cap > lo && !(logY && lo <= 0)
        ? [logY ? lo : Math.min(0, lo), cap]
        : undefined,
    width: options.width,
    height: options.height,
  });
}

/**
 * Predictions vs targets along an axis (e.g. time): the target as a solid line, the prediction
 * dashed (or as points with `points: true`).
 *
 * @example predictionChart({ x: t, yTrue: cosT, yPred: model(t), yLabel: 'cos(t)' })
 */
export function predictionChart(
  data: {
    x: ArrayLike<number>;
    yTrue: ArrayLike<number>;
    yPred: ArrayLike<number>;
    trueName?: string;
    predName?: string;
  },
  options: ChartSize & { xLabel?: string; yLabel?: string; points?: boolean } = {},
): string {
  checkShapeOf('predictionChart', 'data', data, '{ x, yTrue, yPred } (arrays)', {
    x: 'array',
    yTrue: 'array',
    yPred: 'array',
  });
  return lineChart({
    title: options.title ?? 'Prediction vs target',
    series: [
      { name: data.trueName ?? 'target', x: data.x, y: data.yTrue, color: '#222', strokeWidth: 1.5 },
      {
        name: data.predName ?? 'prediction',
        x: data.x,
        y: data.yPred,
        color: '#D55E00',
        dashed: !options.points,
        mode: options.points ? 'points' : 'line',
      },
    ],
    xLabel: options.xLabel ?? 'x',
    yLabel: options.yLabel ?? 'y',
    width: options.width,
    height: options.height,
  });
}
