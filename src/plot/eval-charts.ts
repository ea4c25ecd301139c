/**
 * Evaluation charts of a classifier, as SVG strings (browser-safe, no dependencies), themed like
 * the training charts of `svg.ts`: ROC curves (AUC in the legend, the chance line), precision–
 * recall curves (AP in the legend, the prevalence line), a reliability diagram (ECE, bin counts),
 * confusion-matrix heatmaps (counts, row-normalised) and score histograms per class.
 *
 * Every number comes from losskit's own metrics (`rocCurve`, `auroc`, `precisionRecallCurve`,
 * `averagePrecision`, `calibrationError`'s bin state, `confusionMatrix`), so a chart and the
 * metric it shows cannot disagree.
 *
 * Inputs (N samples, C classes): binary — `yTrue` `[N]` 0/1, `yPred` `[N]` probabilities of
 * class 1; multiclass — `yTrue` `[N]` class indices 0..C-1, `yPred` `[N, C]` class
 * probabilities (or scores; the reliability diagram needs probabilities). Hard `[N]` labels give
 * the confusion matrices only.
 */
import { LosskitError, fmtShape } from '../errors.js';
import { tensor, type Tensor, type TensorInput } from '../tensor.js';
import { checkNumberOption, checkOneOf, checkOptionNames } from '../validate.js';
import { Metric } from '../metrics/core.js';
import { auroc, averagePrecision, precisionRecallCurve, rocCurve } from '../metrics/curves.js';
import { calibrationErrorSpec } from '../metrics/probabilistic.js';
import { confusionMatrix } from '../metrics/classification.js';
import { PALETTE, escapeXml, formatTick, lineChart, niceTicks, type Series } from './svg.js';

export interface EvaluationChartOptions {
  /** Display names of the classes 0..C-1 (default "0", "1", …; binary: "negative", "positive"). */
  classNames?: readonly string[];
  /** Per-sample weights (every curve, count and bin is weighted). */
  sampleWeight?: TensorInput;
  /** Reliability-diagram bins (default 10). */
  nBins?: number;
  /** Score-histogram bins (default 20). */
  histogramBins?: number;
  /** Binary: decision threshold for the confusion matrix (default 0.5). */
  threshold?: number;
  /** Width × height of each chart in px (default 560 × 400; they scale to their container in HTML). */
  width?: number;
  height?: number;
  /** `'binary'` or `'multiclass'` (default: from `yPred`'s shape: `[N, C]` multiclass, `[N]` with a non-integer binary). */
  task?: 'binary' | 'multiclass';
}

/** The charts of {@link evaluationCharts}; the score-based ones are absent for hard-label predictions. */
export interface EvaluationCharts {
  roc?: string;
  pr?: string;
  reliability?: string;
  confusion: string;
  confusionNormalized: string;
  histogram?: string;
  /** The numbers the charts show (for captions and meta). */
  summary: {
    task: 'binary' | 'multiclass';
    numClasses: number;
    /** AUROC per class (binary: one value), one-vs-rest. */
    auc?: number[];
    /** Average precision per class (binary: one value). */
    ap?: number[];
    /** Expected calibration error (`calibrationError`, l1, nBins). */
    ece?: number;
  };
}

const FN = 'evaluationCharts';
const OPTIONS = [
  'classNames',
  'sampleWeight',
  'nBins',
  'histogramBins',
  'threshold',
  'width',
  'height',
  'task',
] as const;

/** Decoded evaluation inputs. */
export interface EvalInputs {
  task: 'binary' | 'multiclass';
  C: number;
  yTrue: Float64Array;
  /** `[N]` binary probabilities, `[N, C]` scores, or null (hard labels). */
  scores: Tensor | null;
  /** Predicted class per sample. */
  pred: Float64Array;
  weights: TensorInput | undefined;
  names: string[];
}

/** Validates and decodes `yTrue` / `yPred` for the evaluation charts and page. */
export function evalInputs(
  yTrue: TensorInput,
  yPred: TensorInput,
  o: Pick<EvaluationChartOptions, 'classNames' | 'sampleWeight' | 'threshold' | 'task'>,
  fn: string,
): EvalInputs {
  const t = tensor(yTrue, undefined, fn, 'yTrue');
  const p = tensor(yPred, undefined, fn, 'yPred');
  if (!(t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1))) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'yTrue' must be [N] class labels; received shape ${fmtShape(t.shape)}`,
      'yTrue',
    );
  }
  const N = t.data.length;
  const scoresMode = p.shape.length === 2 && p.shape[1] > 1;
  if (p.shape[0] !== N || (!scoresMode && p.data.length !== N)) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'yPred' has shape ${fmtShape(p.shape)} but 'yTrue' has ${N} samples; expected [${N}] or [${N}, C]`,
      'yPred',
    );
  }
  if (N === 0) throw new LosskitError('EMPTY_INPUT', fn, `'yTrue' is empty; expected at least one sample`, 'yTrue');
  const task = o.task ?? (scoresMode ? 'multiclass' : p.data.some((v) => !Number.isInteger(v)) ? 'binary' : null);
  const yt = Float64Array.from(t.data);
  let maxLabel = 0;
  for (let i = 0; i < N; i++) {
    const v = yt[i];
    if (!(Number.isInteger(v) && v >= 0)) {
      throw new LosskitError(
        'INVALID_LABEL',
        fn,
        `'yTrue' must hold class indices 0, 1, …; received ${v} at index [${i}]`,
        'yTrue',
      );
    }
    if (v > maxLabel) maxLabel = v;
  }
  let C: number;
  let scores: Tensor | null = null;
  const pred = new Float64Array(N);
  if (task === 'binary') {
    if (scoresMode)
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `task 'binary' takes [N] probabilities; received 'yPred' of shape ${fmtShape(p.shape)}`,
        'yPred',
      );
    if (maxLabel > 1)
      throw new LosskitError('INVALID_LABEL', fn, `binary 'yTrue' must hold 0 or 1; received ${maxLabel}`, 'yTrue');
    const thr = o.threshold === undefined ? 0.5 : checkNumberOption(fn, 'threshold', o.threshold, { min: 0, max: 1 });
    C = 2;
    scores = { data: Float64Array.from(p.data), shape: [N] };
    for (let i = 0; i < N; i++) pred[i] = p.data[i] > thr ? 1 : 0;
  } else if (task === 'multiclass' && scoresMode) {
    C = p.shape[1];
    if (maxLabel >= C)
      throw new LosskitError(
        'INVALID_LABEL',
        fn,
        `'yTrue' must hold class indices in [0, ${C - 1}] (yPred has ${C} columns); received ${maxLabel}`,
        'yTrue',
      );
    scores = p;
    for (let i = 0; i < N; i++) {
      let bi = 0;
      for (let j = 1; j < C; j++) if (p.data[i * C + j] > p.data[i * C + bi]) bi = j;
      pred[i] = bi;
    }
  } else {
    // Hard labels.
    let maxPred = 0;
    for (let i = 0; i < N; i++) {
      const v = p.data[i];
      if (!(Number.isInteger(v) && v >= 0))
        throw new LosskitError(
          'INVALID_LABEL',
          fn,
          `'yPred' must hold class indices (or [N] probabilities, [N, C] scores); received ${v} at index [${i}]`,
          'yPred',
        );
      pred[i] = v;
      if (v > maxPred) maxPred = v;
    }
    C = Math.max(2, maxLabel + 1, maxPred + 1);
  }
  const resolved: 'binary' | 'multiclass' = task === 'binary' ? 'binary' : 'multiclass';
  let names: string[];
  if (o.classNames !== undefined) {
    const cn: unknown = o.classNames;
    if (!Array.isArray(cn) || cn.length !== C || cn.some((x) => typeof x !== 'string')) {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'classNames' must be ${C} strings (one per class 0..${C - 1}); received ${JSON.stringify(cn)}`,
        'classNames',
      );
    }
    names = [...(cn as string[])];
  } else names = Array.from({ length: C }, (_, i) => String(i));
  return { task: resolved, C, yTrue: yt, scores, pred, weights: o.sampleWeight, names };
}

// ---------------------------------------------------------------------------------------------
// A small drawing frame with the look of lineChart (same fonts, grid, axis and title styles).

const FONT = `font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="12"`;
const f2 = (v: number): string => String(Math.round(v * 100) / 100);

function svgOpen(W: number, H: number, title: string, desc: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" ${FONT}>`,
    `<title>${escapeXml(title)}</title>`,
    `<desc>${escapeXml(desc)}</desc>`,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${f2(W / 2)}" y="22" text-anchor="middle" font-size="15" font-weight="600" fill="#222">${escapeXml(title)}</text>`,
  ];
}

interface Frame {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  px: (v: number) => number;
  py: (v: number) => number;
}

/** Axes, grid and tick labels for [xlo, xhi] × [ylo, yhi] inside the given box. */
interface AxesSpec {
  box: { x0: number; x1: number; y0: number; y1: number };
  xd: [number, number];
  yd: [number, number];
  xLabel: string;
  yLabel: string;
  ticks?: number;
}

function axes(out: string[], a: AxesSpec): Frame {
  const { box, xd, yd, xLabel, yLabel } = a;
  const ticks = a.ticks ?? 5;
  const { x0, x1, y0, y1 } = box;
  const px = (v: number) => x0 + ((v - xd[0]) / (xd[1] - xd[0])) * (x1 - x0);
  const py = (v: number) => y0 - ((v - yd[0]) / (yd[1] - yd[0])) * (y0 - y1);
  const grid: string[] = [];
  const labels: string[] = [];
  const inside = (t: number, d: [number, number]) =>
    t >= d[0] - 1e-9 * (d[1] - d[0]) && t <= d[1] + 1e-9 * (d[1] - d[0]);
  for (const t of niceTicks(xd[0], xd[1], ticks).filter((t) => inside(t, xd))) {
    grid.push(`M${f2(px(t))} ${f2(y1)}V${f2(y0)}`);
    labels.push(
      `<text x="${f2(px(t))}" y="${f2(y0 + 16)}" text-anchor="middle" fill="#444">${escapeXml(formatTick(t))}</text>`,
    );
  }
  for (const t of niceTicks(yd[0], yd[1], ticks).filter((t) => inside(t, yd))) {
    grid.push(`M${f2(x0)} ${f2(py(t))}H${f2(x1)}`);
    labels.push(
      `<text x="${f2(x0 - 6)}" y="${f2(py(t) + 4)}" text-anchor="end" fill="#444">${escapeXml(formatTick(t))}</text>`,
    );
  }
  out.push(`<path d="${grid.join('')}" stroke="#e5e5e5" stroke-width="1" fill="none"/>`);
  out.push(`<path d="M${f2(x0)} ${f2(y1)}V${f2(y0)}H${f2(x1)}" stroke="#333" stroke-width="1" fill="none"/>`);
  out.push(...labels);
  if (xLabel)
    out.push(
      `<text x="${f2((x0 + x1) / 2)}" y="${f2(y0 + 36)}" text-anchor="middle" fill="#222">${escapeXml(xLabel)}</text>`,
    );
  if (yLabel)
    out.push(
      `<text transform="translate(${f2(x0 - 42)} ${f2((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle" fill="#222">${escapeXml(yLabel)}</text>`,
    );
  return { x0, x1, y0, y1, px, py };
}

/** Class colour: the palette, then a golden-angle hue walk for classes past 8. */
export function classColor(c: number): string {
  if (c < PALETTE.length - 1) return c >= 6 ? PALETTE[c + 1] : PALETTE[c]; // skip the black
  return `hsl(${Math.round((c * 137.508) % 360)}, 65%, 42%)`;
}

const fmt3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

// ---------------------------------------------------------------------------------------------
// ROC and PR

function curveOptions(e: EvalInputs): {
  task: 'binary' | 'multiclass';
  numClasses?: number;
  sampleWeight?: TensorInput;
} {
  const o: { task: 'binary' | 'multiclass'; numClasses?: number; sampleWeight?: TensorInput } = { task: e.task };
  if (e.task === 'multiclass') o.numClasses = e.C;
  if (e.weights !== undefined) o.sampleWeight = e.weights;
  return o;
}

function asCurves(v: unknown, keys: readonly string[], perClass: boolean): number[][][] {
  // rocCurve / precisionRecallCurve: { k: number[] } (binary) or { k: number[][] } (per class).
  const rec = v as Record<string, number[] | number[][]>;
  return keys.map((k) => (perClass ? (rec[k] as number[][]) : [rec[k] as number[]]));
}

function asList(v: unknown): number[] {
  return typeof v === 'number' ? [v] : (v as number[]);
}

/** ROC curves (one-vs-rest per class), AUC in the legend, the chance diagonal. */
function rocChart(e: EvalInputs, scores: Tensor, W: number, H: number): { svg: string; auc: number[] } {
  const o = curveOptions(e);
  const mc = e.task === 'multiclass';
  const [fpr, tpr] = asCurves(rocCurve(e.yTrue, scores, o), ['fpr', 'tpr'], mc);
  const auc = asList(auroc(e.yTrue, scores, mc ? { ...o, average: 'none' } : o));
  const series: Series[] = [
    { name: 'chance (AUC 0.5)', x: [0, 1], y: [0, 1], color: '#999', dashed: true, strokeWidth: 1 },
  ];
  fpr.forEach((f, c) =>
    series.push({
      name: `${mc ? `class ${e.names[c]}` : 'ROC'} · AUC ${fmt3(auc[c])}`,
      x: f,
      y: tpr[c],
      color: mc ? classColor(c) : PALETTE[0],
      strokeWidth: mc ? 1.6 : 2.2,
    }),
  );
  const svg = lineChart({
    title: mc ? `ROC, one-vs-rest (macro AUC ${fmt3(mean(auc))})` : `ROC curve (AUC ${fmt3(auc[0])})`,
    series,
    xLabel: 'false-positive rate',
    yLabel: 'true-positive rate',
    xDomain: [0, 1],
    yDomain: [0, 1],
    width: W,
    height: H,
    description: 'ROC curve: true-positive rate against false-positive rate as the threshold falls.',
  });
  return { svg, auc };
}

function mean(a: number[]): number {
  const f = a.filter((v) => Number.isFinite(v));
  return f.length ? f.reduce((s, v) => s + v, 0) / f.length : NaN;
}

/** Precision–recall curves, AP in the legend, the prevalence (no-skill) line of each class. */
function prChart(e: EvalInputs, scores: Tensor, W: number, H: number): { svg: string; ap: number[] } {
  const o = curveOptions(e);
  const mc = e.task === 'multiclass';
  const [prec, rec] = asCurves(precisionRecallCurve(e.yTrue, scores, o), ['precision', 'recall'], mc);
  const ap = asList(averagePrecision(e.yTrue, scores, mc ? { ...o, average: 'none' } : o));
  const prevalence = classPrevalence(e);
  const series: Series[] = [];
  prec.forEach((p, c) => {
    series.push({
      name: `${mc ? `class ${e.names[c]}` : 'PR'} · AP ${fmt3(ap[c])}`,
      x: rec[c],
      y: p,
      color: mc ? classColor(c) : PALETTE[0],
      strokeWidth: mc ? 1.6 : 2.2,
    });
  });
  const prevLines: Series[] = mc
    ? prevalence.map((v, c) => ({
        name: '', // unnamed: no legend row
        x: [0, 1],
        y: [v, v],
        color: classColor(c),
        dashed: true,
        strokeWidth: 0.8,
      }))
    : [
        {
          name: `prevalence ${fmt3(prevalence[1])}`,
          x: [0, 1],
          y: [prevalence[1], prevalence[1]],
          color: '#999',
          dashed: true,
          strokeWidth: 1,
        },
      ];
  const all = [...series, ...prevLines];
  const svg = lineChart({
    title: mc ? `Precision–recall, one-vs-rest (mean AP ${fmt3(mean(ap))})` : `Precision–recall (AP ${fmt3(ap[0])})`,
    series: all,
    xLabel: 'recall',
    yLabel: 'precision',
    xDomain: [0, 1],
    yDomain: [0, 1.02],
    width: W,
    height: H,
    legend: true,
    description:
      'Precision against recall as the threshold falls; dashed: the prevalence of each class (a random ranking).',
  });
  return { svg, ap };
}

/** Weighted share of each class among the targets. */
function classPrevalence(e: EvalInputs): number[] {
  const w = e.weights === undefined ? null : tensor(e.weights, undefined, FN, 'sampleWeight').data;
  const s = new Float64Array(e.C);
  let tot = 0;
  for (let i = 0; i < e.yTrue.length; i++) {
    const wi = w === null ? 1 : w.length === 1 ? w[0] : w[i];
    s[e.yTrue[i]] += wi;
    tot += wi;
  }
  return Array.from(s, (v) => v / tot);
}

// ---------------------------------------------------------------------------------------------
// Reliability diagram

/** The calibrationError bins: count, mean confidence, accuracy (the metric's own state). */
function reliabilityBins(e: EvalInputs, scores: Tensor, nBins: number) {
  const m = new Metric(calibrationErrorSpec, {
    task: e.task,
    ...(e.task === 'multiclass' ? { numClasses: e.C } : {}),
    nBins,
  });
  m.update(e.yTrue, scores, e.weights === undefined ? {} : { sampleWeight: e.weights });
  const ece = m.compute() as number;
  const st = m.toJSON().state;
  const arr = (k: string) => {
    const f = st[k];
    return typeof f === 'object' && f !== null && 'f64' in f ? f.f64.map(Number) : [];
  };
  const count = arr('count');
  const conf = arr('conf');
  const acc = arr('acc');
  // The extra slot (confidence exactly 1) is drawn with the last bin.
  count[nBins - 1] += count[nBins];
  conf[nBins - 1] += conf[nBins];
  acc[nBins - 1] += acc[nBins];
  return { ece, count: count.slice(0, nBins), conf: conf.slice(0, nBins), acc: acc.slice(0, nBins) };
}

function reliabilityChart(
  e: EvalInputs,
  scores: Tensor,
  nBins: number,
  W: number,
  H: number,
): { svg: string; ece: number } {
  const { ece, count, conf, acc } = reliabilityBins(e, scores, nBins);
  const binary = e.task === 'binary';
  const title = `Reliability (ECE ${fmt3(ece)}, ${nBins} bins)`;
  const out = svgOpen(
    W,
    H,
    title,
    binary
      ? 'Fraction of positives against the mean predicted probability per bin; the diagonal is perfect calibration. Numbers: samples per bin.'
      : 'Accuracy of the top prediction against its mean confidence per bin; the diagonal is perfect calibration. Numbers: samples per bin.',
  );
  const fr = axes(out, {
    box: { x0: 68, x1: W - 16, y0: H - 52, y1: 40 },
    xd: [0, 1],
    yd: [0, 1],
    xLabel: binary ? 'predicted probability' : 'confidence (top probability)',
    yLabel: binary ? 'fraction of positives' : 'accuracy',
  });
  const bw = (fr.x1 - fr.x0) / nBins;
  const cells: string[] = [];
  const gaps: string[] = [];
  const text: string[] = [];
  for (let b = 0; b < nBins; b++) {
    if (count[b] === 0) continue;
    const a = acc[b] / count[b];
    const c = conf[b] / count[b];
    const xL = fr.x0 + b * bw + 1.5;
    const wB = bw - 3;
    cells.push(`M${f2(xL)} ${f2(fr.py(a))}H${f2(xL + wB)}V${f2(fr.y0)}H${f2(xL)}Z`);
    // The gap to the bin's mean confidence (where a calibrated bar would end), hatched red.
    const top = Math.min(fr.py(a), fr.py(c));
    const bot = Math.max(fr.py(a), fr.py(c));
    if (bot - top > 0.5) gaps.push(`M${f2(xL)} ${f2(top)}H${f2(xL + wB)}V${f2(bot)}H${f2(xL)}Z`);
    text.push(
      `<text x="${f2(xL + wB / 2)}" y="${f2(Math.min(fr.py(a), fr.py(c)) - 4)}" text-anchor="middle" font-size="10" fill="#333">${escapeXml(fmtCount(count[b]))}</text>`,
    );
  }
  out.push(`<path d="${cells.join('')}" fill="${PALETTE[0]}" fill-opacity="0.8" data-series="accuracy"/>`);
  if (gaps.length)
    out.push(
      `<path d="${gaps.join('')}" fill="#D55E00" fill-opacity="0.28" stroke="#D55E00" stroke-width="0.8" data-series="gap"/>`,
    );
  out.push(
    `<path d="M${f2(fr.px(0))} ${f2(fr.py(0))}L${f2(fr.px(1))} ${f2(fr.py(1))}" stroke="#777" stroke-width="1.2" stroke-dasharray="6 4" fill="none" data-series="perfect calibration"/>`,
  );
  out.push(...text);
  legend(out, fr.x0 + 10, fr.y1 + 6, [
    { label: binary ? 'fraction of positives' : 'accuracy', color: PALETTE[0], box: true },
    { label: 'gap to mean confidence', color: '#D55E00', box: true, opacity: 0.35 },
    { label: 'perfect calibration', color: '#777', dashed: true },
  ]);
  out.push('</svg>');
  return { svg: out.join('\n'), ece };
}

function fmtCount(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(3)));
}

function legend(
  out: string[],
  x: number,
  y: number,
  items: { label: string; color: string; box?: boolean; dashed?: boolean; opacity?: number }[],
): void {
  const rowH = 18;
  const w = 40 + Math.max(...items.map((i) => i.label.length)) * 6.6;
  out.push(
    `<g data-legend="1"><rect x="${f2(x)}" y="${f2(y)}" width="${f2(w)}" height="${items.length * rowH + 8}" rx="4" fill="#ffffff" fill-opacity="0.9" stroke="#ccc"/>`,
  );
  items.forEach((it, i) => {
    const yy = y + 4 + rowH * i + rowH / 2;
    if (it.box)
      out.push(
        `<rect x="${f2(x + 9)}" y="${f2(yy - 5)}" width="18" height="10" fill="${escapeXml(it.color)}" fill-opacity="${it.opacity ?? 0.8}"/>`,
      );
    else
      out.push(
        `<path d="M${f2(x + 8)} ${f2(yy)}H${f2(x + 28)}" stroke="${escapeXml(it.color)}" stroke-width="2"${it.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      );
    out.push(`<text x="${f2(x + 34)}" y="${f2(yy + 4)}" fill="#222">${escapeXml(it.label)}</text>`);
  });
  out.push('</g>');
}

// ---------------------------------------------------------------------------------------------
// Confusion matrix heatmap

function confusionChart(e: EvalInputs, normalized: boolean, W: number, H: number): string {
  const o: { task: 'multiclass'; numClasses: number; sampleWeight?: TensorInput; normalize?: 'true' } = {
    task: 'multiclass',
    numClasses: e.C,
  };
  if (e.weights !== undefined) o.sampleWeight = e.weights;
  const counts = confusionMatrix(e.yTrue, e.pred, o) as number[][];
  const rows = normalized ? (confusionMatrix(e.yTrue, e.pred, { ...o, normalize: 'true' }) as number[][]) : counts;
  const C = e.C;
  const title = normalized ? 'Confusion matrix, row-normalised (recall per class)' : 'Confusion matrix (counts)';
  const out = svgOpen(W, H, title, 'Rows: true class; columns: predicted class. Darker cells hold more of the row.');
  const nameW = Math.min(120, 14 + Math.max(...e.names.map((n) => n.length)) * 7);
  const x0 = 34 + nameW;
  const y1 = 76;
  const side = Math.min(W - x0 - 16 - nameW / 2, H - y1 - 16);
  const cell = side / C;
  const fontSize = Math.max(8, Math.min(13, cell * 0.32));
  out.push(
    `<text x="${f2(x0 + side / 2)}" y="${f2(y1 - 30)}" text-anchor="middle" fill="#222">predicted class</text>`,
    `<text transform="translate(14 ${f2(y1 + side / 2)}) rotate(-90)" text-anchor="middle" fill="#222">true class</text>`,
  );
  const rects: string[] = [];
  for (let i = 0; i < C; i++) {
    const rowSum = counts[i].reduce((s, v) => s + v, 0);
    for (let j = 0; j < C; j++) {
      const share = rowSum > 0 ? counts[i][j] / rowSum : 0;
      const x = x0 + j * cell;
      const y = y1 + i * cell;
      rects.push(
        `<path d="M${f2(x)} ${f2(y)}h${f2(cell)}v${f2(cell)}h${f2(-cell)}Z" fill="${heat(share)}" stroke="#fff" stroke-width="1" data-series="${escapeXml(`${e.names[i]} → ${e.names[j]}`)}"/>`,
      );
      const v = rows[i][j];
      const label = normalized ? (v === 0 ? '0' : v.toFixed(2)) : fmtCount(v);
      rects.push(
        `<text x="${f2(x + cell / 2)}" y="${f2(y + cell / 2 + fontSize * 0.35)}" text-anchor="middle" font-size="${f2(fontSize)}" fill="${share > 0.5 ? '#fff' : '#222'}">${escapeXml(label)}</text>`,
      );
    }
  }
  out.push('<g>', ...rects, '</g>');
  for (let c = 0; c < C; c++) {
    const n = e.names[c];
    out.push(
      `<text x="${f2(x0 - 6)}" y="${f2(y1 + (c + 0.5) * cell + 4)}" text-anchor="end" fill="#444">${escapeXml(n)}</text>`,
      `<text x="${f2(x0 + (c + 0.5) * cell)}" y="${f2(y1 - 6)}" text-anchor="middle" fill="#444">${escapeXml(n)}</text>`,
    );
  }
  out.push(`<rect x="${f2(x0)}" y="${f2(y1)}" width="${f2(side)}" height="${f2(side)}" fill="none" stroke="#333"/>`);
  out.push('</svg>');
  return out.join('\n');
}

/** Sequential white → blue (#0072B2) for a share in [0, 1]. */
function heat(t: number): string {
  const s = Math.max(0, Math.min(1, t));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * Math.sqrt(s));
  return `rgb(${mix(247, 0)},${mix(250, 82)},${mix(255, 140)})`;
}

// ---------------------------------------------------------------------------------------------
// Score histograms

function histogramChart(e: EvalInputs, scores: Tensor, bins: number, W: number, H: number): string {
  const binary = e.task === 'binary';
  const panels = binary ? 1 : e.C;
  const cols = binary ? 1 : Math.min(panels, panels <= 4 ? 2 : panels <= 9 ? 3 : 4);
  const rowsN = Math.ceil(panels / cols);
  const Hs = binary ? H : Math.max(H, 40 + rowsN * 150);
  const title = binary ? 'Score distribution by true class' : 'Score of each class: its samples vs the rest';
  const out = svgOpen(
    W,
    Hs,
    title,
    'Share of samples per score bin; filled: samples of the class, outline: all other samples.',
  );
  const w = e.weights === undefined ? null : tensor(e.weights, undefined, FN, 'sampleWeight').data;
  const N = e.yTrue.length;
  const C = binary ? 1 : e.C;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of scores.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo >= 0 && hi <= 1) {
    lo = 0;
    hi = 1;
  } else if (!(hi > lo)) hi = lo + 1;
  const pw = (W - 20) / cols;
  const ph = (Hs - 40) / rowsN;
  for (let k = 0; k < panels; k++) {
    const pos = new Float64Array(bins);
    const neg = new Float64Array(bins);
    let np = 0;
    let nn = 0;
    for (let i = 0; i < N; i++) {
      const v = binary ? scores.data[i] : scores.data[i * C + k];
      const b = Math.min(bins - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * bins)));
      const wi = w === null ? 1 : w.length === 1 ? w[0] : w[i];
      const isPos = binary ? e.yTrue[i] === 1 : e.yTrue[i] === k;
      if (isPos) {
        pos[b] += wi;
        np += wi;
      } else {
        neg[b] += wi;
        nn += wi;
      }
    }
    for (let b = 0; b < bins; b++) {
      pos[b] = np > 0 ? pos[b] / np : 0;
      neg[b] = nn > 0 ? neg[b] / nn : 0;
    }
    const top = Math.max(...pos, ...neg, 1e-9);
    const ymax = niceTicks(0, top, 3).pop() ?? top;
    const cx = 20 + (k % cols) * pw;
    const cy = 40 + Math.floor(k / cols) * ph;
    const small = !binary;
    const fr = axes(out, {
      box: { x0: cx + (small ? 44 : 60), x1: cx + pw - 10, y0: cy + ph - (small ? 34 : 48), y1: cy + (small ? 18 : 8) },
      xd: [lo, hi],
      yd: [0, ymax],
      xLabel: small ? '' : 'predicted probability of class 1',
      yLabel: small ? '' : 'share of samples',
      ticks: small ? 3 : 5,
    });
    const color = binary ? PALETTE[1] : classColor(k);
    const step = (h: Float64Array) => {
      let d = `M${f2(fr.px(lo))} ${f2(fr.py(0))}`;
      for (let b = 0; b < bins; b++) {
        const xa = fr.px(lo + ((hi - lo) * b) / bins);
        const xb = fr.px(lo + ((hi - lo) * (b + 1)) / bins);
        d += `V${f2(fr.py(h[b]))}H${f2(xb)}`;
        if (b === 0) d = d.replace(/^M([^ ]+) /, `M${f2(xa)} `);
      }
      return `${d}V${f2(fr.py(0))}`;
    };
    out.push(
      `<path d="${step(pos)}Z" fill="${escapeXml(color)}" fill-opacity="0.45" stroke="${escapeXml(color)}" stroke-width="1.5" data-series="${escapeXml(binary ? 'class 1' : `class ${e.names[k]}`)}"/>`,
      `<path d="${step(neg)}" fill="none" stroke="#555" stroke-width="1.5" stroke-dasharray="4 3" data-series="${escapeXml(binary ? 'class 0' : 'rest')}"/>`,
    );
    if (small)
      out.push(
        `<text x="${f2((fr.x0 + fr.x1) / 2)}" y="${f2(fr.y1 - 5)}" text-anchor="middle" font-weight="600" fill="#222">${escapeXml(`class ${e.names[k]}`)} <tspan font-weight="400" fill="#555">(n=${fmtCount(np)})</tspan></text>`,
      );
    else
      legend(out, fr.x0 + (fr.x1 - fr.x0) / 2 - 90, fr.y1 + 6, [
        { label: `class 1 (n=${fmtCount(np)})`, color, box: true, opacity: 0.45 },
        { label: `class 0 (n=${fmtCount(nn)})`, color: '#555', dashed: true },
      ]);
  }
  if (!binary)
    out.push(
      `<text x="${f2(W / 2)}" y="${f2(Hs - 8)}" text-anchor="middle" fill="#555">x: score (${formatTick(lo)}–${formatTick(hi)}), y: share. Filled: the class; dashed: the rest.</text>`,
    );
  out.push('</svg>');
  return out.join('\n');
}

/**
 * The evaluation charts of a classifier's predictions, as SVG strings: `roc`, `pr`,
 * `reliability`, `histogram` (when `yPred` holds scores), `confusion`, `confusionNormalized`
 * (always), plus the numbers they show in `summary`.
 *
 * - binary: `yTrue [N]` 0/1, `yPred [N]` probabilities of class 1 (predicted 1 when
 *   `> threshold`, default 0.5);
 * - multiclass: `yTrue [N]` 0..C-1, `yPred [N, C]` probabilities (argmax predicts), curves
 *   one-vs-rest per class;
 * - hard labels `yPred [N]` (integers): confusion matrices only.
 *
 * Options: {@link EvaluationChartOptions}. Equivalents: scikit-learn `RocCurveDisplay`,
 * `PrecisionRecallDisplay`, `CalibrationDisplay`, `ConfusionMatrixDisplay`.
 *
 * @example
 * const charts = evaluationCharts([0, 1, 1, 0], [0.2, 0.9, 0.6, 0.4]);
 * charts.roc.startsWith('<svg'); // true
 */
export function evaluationCharts(
  yTrue: TensorInput,
  yPred: TensorInput,
  options: EvaluationChartOptions = {},
): EvaluationCharts {
  checkOptionNames(FN, options, OPTIONS);
  if (options.task !== undefined) checkOneOf(FN, 'task', options.task, ['binary', 'multiclass'] as const);
  const nBins =
    options.nBins === undefined ? 10 : checkNumberOption(FN, 'nBins', options.nBins, { integer: true, min: 1 });
  const hb =
    options.histogramBins === undefined
      ? 20
      : checkNumberOption(FN, 'histogramBins', options.histogramBins, { integer: true, min: 1 });
  const W = options.width === undefined ? 560 : checkNumberOption(FN, 'width', options.width, { min: 240 });
  const H = options.height === undefined ? 400 : checkNumberOption(FN, 'height', options.height, { min: 200 });
  const e = evalInputs(yTrue, yPred, options, FN);
  const out: EvaluationCharts = {
    // Square-ish: the matrix gets the chart's width.
    confusion: confusionChart(e, false, W, Math.max(H, Math.round(W * 0.95))),
    confusionNormalized: confusionChart(e, true, W, Math.max(H, Math.round(W * 0.95))),
    summary: { task: e.task, numClasses: e.C },
  };
  const s = e.scores;
  if (s !== null) {
    const roc = rocChart(e, s, W, H);
    const pr = prChart(e, s, W, H);
    out.roc = roc.svg;
    out.pr = pr.svg;
    out.summary.auc = roc.auc;
    out.summary.ap = pr.ap;
    const probs = s.data.every((v) => v >= 0 && v <= 1);
    if (probs) {
      const rel = reliabilityChart(e, s, nBins, W, H);
      out.reliability = rel.svg;
      out.summary.ece = rel.ece;
    }
    out.histogram = histogramChart(e, s, hb, W, H);
  }
  return out;
}
