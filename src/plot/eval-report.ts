/**
 * The evaluation page: one self-contained HTML document (inline CSS and SVG, no scripts, no
 * external resources) with the classification report and the evaluation charts of
 * `eval-charts.ts`, rendered by `renderReport` (the training report's page and theme).
 */
import { checkOptionNames } from '../validate.js';
import type { TensorInput } from '../tensor.js';
import {
  checkReportArg,
  classificationReport,
  formatClassificationReport,
  pyFixed,
  type ClassificationReport,
} from '../metrics/report.js';
import { renderReport, type ReportSection } from '../report.js';
import { escapeXml } from './svg.js';
import { evalInputs, evaluationCharts, type EvaluationChartOptions } from './eval-charts.js';

export interface EvaluationReportOptions extends EvaluationChartOptions {
  /** Page title (default "Evaluation report"). */
  title?: string;
  subtitle?: string;
  /** Extra key/value facts under the title (e.g. the model or the file name). */
  meta?: Record<string, string | number | boolean>;
  /** Decimals in the report table (default 2, as scikit-learn). */
  digits?: number;
  /** Value of 0/0 ratios in the report (default 0). */
  zeroDivision?: number;
  footer?: string;
}

const FN = 'renderEvaluationReport';

/** The report as an HTML table (numbers right-aligned, `digits` decimals as scikit-learn prints them). */
export function classificationReportHtml(r: ClassificationReport, digits?: number): string {
  checkReportArg('classificationReportHtml', r);
  digits ??= r.digits;
  const num = (v: number | null) => `<td class="num">${v === null ? '' : escapeXml(pyFixed(v, digits))}</td>`;
  const sup = (v: number) => `<td class="num">${escapeXml(Number.isInteger(v) ? String(v) : v.toPrecision(6))}</td>`;
  const rows: string[] = [];
  r.names.forEach((n, i) => {
    const c = r.classes[i];
    rows.push(
      `<tr><th scope="row">${escapeXml(n)}</th>${num(c.precision)}${num(c.recall)}${num(c.f1)}${sup(c.support)}</tr>`,
    );
  });
  const avg: string[] = [];
  if (r.microAvg !== null) {
    const m = r.microAvg;
    avg.push(
      `<tr class="avg"><th scope="row">micro avg</th>${num(m.precision)}${num(m.recall)}${num(m.f1)}${sup(m.support)}</tr>`,
    );
  } else
    avg.push(
      `<tr class="avg"><th scope="row">accuracy</th>${num(null)}${num(null)}${num(r.accuracy)}${sup(r.support)}</tr>`,
    );
  for (const [name, m] of [
    ['macro avg', r.macroAvg],
    ['weighted avg', r.weightedAvg],
  ] as const)
    avg.push(
      `<tr class="avg"><th scope="row">${name}</th>${num(m.precision)}${num(m.recall)}${num(m.f1)}${sup(m.support)}</tr>`,
    );
  return [
    '<table class="report">',
    '<thead><tr><th>class</th><th>precision</th><th>recall</th><th>f1-score</th><th>support</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody>`,
    `<tbody class="avg">${avg.join('')}</tbody>`,
    '</table>',
  ].join('\n');
}

/**
 * A self-contained HTML evaluation page for a classifier's predictions: the classification
 * report (scikit-learn's `classification_report`, as {@link classificationReport}), then ROC and
 * precision–recall curves, the reliability diagram and score histograms (when `yPred` holds
 * scores), and the confusion matrix in counts and row-normalised.
 *
 * Inputs as {@link evaluationCharts}: binary `yTrue [N]` 0/1 with `yPred [N]` probabilities;
 * multiclass `yTrue [N]` 0..C-1 with `yPred [N, C]` probabilities; or hard `[N]` labels.
 * Options: {@link EvaluationReportOptions} (`classNames`, `sampleWeight`, `nBins`, `digits`,
 * `threshold`, `title`, `meta`, …). Write the string to a `.html` file and open it anywhere.
 *
 * @example
 * // in Node, with writeFileSync from node:fs
 * writeFileSync('eval.html', renderEvaluationReport(yTrue, probs, { classNames: ['cat', 'dog', 'bird'] }));
 */
export function renderEvaluationReport(
  yTrue: TensorInput,
  yPred: TensorInput,
  options: EvaluationReportOptions = {},
): string {
  checkOptionNames(FN, options, [
    'classNames',
    'sampleWeight',
    'nBins',
    'histogramBins',
    'threshold',
    'width',
    'height',
    'task',
    'title',
    'subtitle',
    'meta',
    'digits',
    'zeroDivision',
    'footer',
  ]);
  const { title, subtitle, meta, digits, zeroDivision, footer, ...chartOptions } = options;
  const e = evalInputs(yTrue, yPred, chartOptions, FN);
  const charts = evaluationCharts(yTrue, yPred, chartOptions);
  const report = classificationReport(e.yTrue, e.pred, {
    labels: Array.from({ length: e.C }, (_, i) => i),
    targetNames: e.names,
    ...(options.sampleWeight !== undefined ? { sampleWeight: options.sampleWeight } : {}),
    ...(digits !== undefined ? { digits } : {}),
    ...(zeroDivision !== undefined ? { zeroDivision } : {}),
  });
  const s = charts.summary;
  const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const facts: Record<string, string | number | boolean> = {
    samples: e.yTrue.length,
    task: s.task,
    classes: s.numClasses,
  };
  if (report.accuracy !== null) facts.accuracy = f3(report.accuracy);
  facts['macro F1'] = f3(report.macroAvg.f1);
  if (s.auc) facts[s.task === 'binary' ? 'AUROC' : 'macro AUROC (OvR)'] = f3(mean(s.auc));
  if (s.ap) facts[s.task === 'binary' ? 'AP' : 'mean AP'] = f3(mean(s.ap));
  if (s.ece !== undefined) facts.ECE = f3(s.ece);
  const sections: ReportSection[] = [
    {
      heading: 'Classification report',
      html:
        classificationReportHtml(report) +
        `\n<details><summary>as text (scikit-learn layout)</summary><pre>${escapeXml(formatClassificationReport(report, 'table'))}</pre></details>`,
    },
  ];
  if (charts.roc && charts.pr)
    sections.push({
      heading: 'Ranking: ROC and precision–recall',
      svg: [charts.roc, charts.pr],
      text:
        s.task === 'binary'
          ? 'Left: true-positive against false-positive rate as the threshold falls (dashed: chance). Right: precision against recall (dashed: the prevalence, what a random ranking scores).'
          : 'One-vs-rest, one curve per class. Left: dashed diagonal is chance. Right: each thin dashed line is the prevalence of the class in its colour.',
    });
  const cal = [charts.reliability, charts.histogram].filter((x): x is string => x !== undefined);
  if (cal.length)
    sections.push({
      heading: 'Calibration and scores',
      svg: cal,
      text: charts.reliability
        ? 'Left: per confidence bin, the observed rate against the mean predicted probability (numbers: samples per bin; red: the gap that ECE averages). Right: how the scores are distributed.'
        : 'Scores outside [0, 1]: no reliability diagram (it needs probabilities).',
    });
  sections.push({
    heading: 'Confusion matrix',
    svg: [charts.confusion, charts.confusionNormalized],
    text: 'Rows: true class, columns: predicted class. Right: each row divided by its total (the diagonal is the recall of the class).',
  });
  return renderReport({
    title: title ?? 'Evaluation report',
    subtitle,
    meta: { ...facts, ...(meta ?? {}) },
    sections,
    footer:
      footer ??
      'losskit — classification report as scikit-learn classification_report; curves as roc_curve / precision_recall_curve; ECE as torchmetrics CalibrationError.',
  });
}
