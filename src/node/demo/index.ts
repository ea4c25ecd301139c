/**
 * `losskit demo`: runs the training demos on TensorFlow.js and writes a self-contained HTML
 * report plus the loss history (`index.html`, `history.csv`, `history.json`) into `out`.
 *
 * Output safety: while training, the history streams crash-safely to
 * `out/history.partial.csv` / `.jsonl` (complete, fsynced lines); the final files are written
 * atomically (temp file + rename), then the partial files are removed. An interrupted run
 * therefore leaves either the previous report or none, plus a readable partial history.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LosskitError } from '../../errors.js';
import { lossCurveChart, lrFinderChart, predictionChart } from '../../plot/charts.js';
import { formatTick, lineChart } from '../../plot/svg.js';
import { renderReport, type ReportSection } from '../../report.js';
import { HistoryFileWriter, saveHistory, writeFileAtomic } from '../history-file.js';
import { formatDuration, type ProgressStream } from '../progress.js';
import { runSinCos, SIN_COS, type SinCosResult } from './sin-cos.js';
import { runPriorKL, type PriorKLResult } from './prior-kl.js';
import { loadTf, type DemoBackend } from './tf.js';

export interface DemoOptions {
  /** Output directory (default 'losskit-report'). */
  out?: string;
  /** Epochs of the sin → cos training (default 24; `quick`: 3). */
  epochs?: number;
  /** A few-seconds smoke run (small data, few epochs, relaxed quality bar). */
  quick?: boolean;
  backend?: DemoBackend;
  seed?: number;
  /** Where progress goes (default process.stderr). */
  stream?: ProgressStream;
  tty?: boolean;
  /** Skip the prior-KL classifier demo. */
  skipPriorKL?: boolean;
}

export interface DemoResult {
  out: string;
  files: string[];
  sinCos: SinCosResult;
  priorKL: PriorKLResult | null;
  passed: boolean;
  seconds: number;
}

/** Runs the demos and writes the report; resolves with the measured quality (see `passed`). */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const started = Date.now();
  const out = options.out ?? 'losskit-report';
  const quick = options.quick ?? false;
  const epochs = options.epochs ?? (quick ? 3 : 24);
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > 10000) {
    throw new LosskitError(
      'INVALID_OPTION',
      'demo',
      `option 'epochs' must be an integer in [1, 10000]; received ${epochs}`,
      'epochs',
    );
  }
  const seed = options.seed ?? 7;
  const stream = options.stream ?? process.stderr;
  const backend = options.backend ?? 'cpu';
  const tf = await loadTf(backend);
  mkdirSync(out, { recursive: true });
  const partialCsv = join(out, 'history.partial.csv');
  const partialJsonl = join(out, 'history.partial.jsonl');
  let writer: HistoryFileWriter | null = null;

  stream.write(
    `losskit demo: TensorFlow.js ${tf.version.tfjs} (${tf.getBackend()} backend)${quick ? ', quick mode' : ''}\n`,
  );
  const sinCos = await runSinCos(tf, {
    epochs,
    quick,
    seed,
    stream,
    tty: options.tty,
    onHistory: (h) => {
      writer = new HistoryFileWriter(h, { csv: partialCsv, jsonl: partialJsonl, fsync: 'epoch' });
    },
  });
  (writer as HistoryFileWriter | null)?.close();
  stream.write(
    `sin→cos: validation MSE ${sinCos.valMse.toExponential(3)} (constant-predictor baseline ${sinCos.baselineMse.toFixed(3)}; bar < ${sinCos.threshold}) ${sinCos.passed ? 'PASS' : 'FAIL'}\n`,
  );

  const priorKL = options.skipPriorKL ? null : await runPriorKL(tf, { quick, seed, stream });
  if (priorKL) stream.write(`prior-KL: ${priorKL.summary} ${priorKL.passed ? 'PASS' : 'FAIL'}\n`);

  const passed = sinCos.passed && (priorKL === null || priorKL.passed);
  const html = renderReport(
    buildReport(sinCos, priorKL, {
      backend: tf.getBackend(),
      tfjs: tf.version.tfjs,
      quick,
      passed,
      seconds: (Date.now() - started) / 1000,
    }),
  );
  const files = [join(out, 'history.csv'), join(out, 'history.json'), join(out, 'index.html')];
  saveHistory(sinCos.history, files[0]);
  saveHistory(sinCos.history, files[1]);
  writeFileAtomic(files[2], html);
  rmSync(partialCsv, { force: true });
  rmSync(partialJsonl, { force: true });
  const seconds = (Date.now() - started) / 1000;
  stream.write(`wrote ${files.join(', ')} in ${formatDuration(seconds)}\n`);
  return { out, files, sinCos, priorKL, passed, seconds };
}

/** Log-y range of the LR comparison: the healthy runs stay readable, a divergent one runs off the top. */
function comparisonDomain(s: SinCosResult): [number, number] | undefined {
  const all = s.lrComparison
    .flatMap((c) => c.history.batches.map((b) => b.loss))
    .filter((v) => Number.isFinite(v) && v > 0);
  const starts = s.lrComparison
    .map((c) => c.history.batches[0]?.loss)
    .filter((v): v is number => Number.isFinite(v) && v > 0);
  if (all.length === 0 || starts.length === 0) return undefined;
  const lo = Math.min(...all);
  const hi = 100 * Math.max(...starts);
  return lo < hi ? [lo, hi] : undefined;
}

function buildReport(
  s: SinCosResult,
  p: PriorKLResult | null,
  info: { backend: string; tfjs: string; quick: boolean; passed: boolean; seconds: number },
): Parameters<typeof renderReport>[0] {
  const sum = s.history.summary();
  const sections: ReportSection[] = [
    {
      heading: '1 · Learning-rate range test',
      text:
        `Before training, ${s.lr.lrs.length} plain-SGD steps on a copy of the model raise the learning rate exponentially from ` +
        `${formatTick(s.lr.lrs[0])} to ${formatTick(Number(s.lr.lrs[s.lr.lrs.length - 1].toPrecision(3)))}; the loss is smoothed with a bias-corrected EMA (β = 0.98). ` +
        `${s.lr.stoppedEarly ? `The sweep stopped when the loss ${s.lr.stopReason === 'diverged' ? 'exceeded 4× its best' : 'became non-finite'}. ` : ''}` +
        `Chosen learning rate: ${s.lrNote}.`,
      svg: lrFinderChart(s.lr, { yLabel: 'MSE (per batch)' }),
    },
    {
      heading: '2 · Loss during training',
      text:
        `SimpleRNN(16) → Dense(1) on ${s.trainSize} windows of ${s.window} samples of sin(t), target cos(t) at the window's end; ` +
        `loss: losskit's meanSquaredError through tfjsLoss (exact analytic gradient), optimiser: SGD at lr = ${formatTick(Number(s.trainLr.toPrecision(3)))}, batch ${s.batchSize}. ` +
        `Best epoch ${sum.bestEpoch === null ? '—' : sum.bestEpoch + 1} (validation MSE ${sum.bestLoss === null ? '—' : formatTick(Number(sum.bestLoss.toPrecision(3)))}).` +
        `${sum.diverged ? ' The run diverged (see the table).' : ''}`,
      svg: lossCurveChart(s.history, { yLabel: 'MSE' }),
      table: {
        caption: 'Per-epoch losses (float32 values reported by tfjs)',
        columns: ['epoch', 'train MSE', 'validation MSE', 'lr', 'elapsed (s)'],
        rows: s.history.epochs.map((e) => [
          e.epoch + 1, // numbered 1…N as the console prints them
          e.loss,
          e.valLoss ?? null,
          e.lr ?? null,
          Number(e.elapsed.toFixed(1)),
        ]),
      },
    },
    {
      heading: '3 · How the learning rate shapes the loss under SGD',
      text:
        `The same model, from the same initial weights, trained for ${s.lrComparison[0].history.batches.length} steps at multiples of the chosen rate. ` +
        s.lrComparison
          .map(
            (c) =>
              `${c.factor}× (lr ${formatTick(Number(c.lr.toPrecision(3)))}): last batch loss ${c.finalLoss.toPrecision(3)}${c.diverged ? ', diverged' : ''}`,
          )
          .join('; ') +
        '. Too small a rate crawls; far beyond the steepest-descent point the steps overshoot and the loss stalls or blows up (LossHistory.summary() flags divergence).',
      svg: lineChart({
        title: 'Batch loss for several learning rates',
        series: s.lrComparison.map((c) => ({
          name: `${c.factor}× lr`,
          x: c.history.batches.map((b) => b.step),
          y: c.history.batches.map((b) => b.loss),
        })),
        xLabel: 'SGD step',
        yLabel: 'MSE (batch)',
        logY: true,
        yDomain: comparisonDomain(s),
      }),
    },
    {
      heading: '4 · Prediction vs target',
      text:
        `One window ending at every t in [0, 4π] (windows never seen in training). Validation MSE (float64, losskit) = ${s.valMse.toExponential(3)}; ` +
        `predicting the mean would give ${s.baselineMse.toFixed(3)}. Quality bar: < ${s.threshold} — ${s.passed ? 'reached' : 'NOT reached'}.`,
      svg: predictionChart(
        { x: s.curve.t, yTrue: s.curve.yTrue, yPred: s.curve.yPred, trueName: 'cos(t)', predName: 'RNN(sin window)' },
        { xLabel: 't', yLabel: 'value' },
      ),
    },
  ];
  if (p) {
    sections.push({
      heading: '5 · Cross-entropy with a prior-KL term',
      text: p.text,
      svg: lineChart({
        title: 'Predicted class distribution vs λ',
        series: [
          ...p.classes.map((c, k) => ({
            name: `class ${c}`,
            x: p.lambdas,
            y: p.rows.map((r) => r.predicted[k]),
            mode: 'both' as const,
          })),
          // The prior is uniform here: one dashed line for all classes.
          {
            name: `prior (${formatTick(Number(p.prior[0].toPrecision(3)))})`,
            x: p.lambdas,
            y: p.lambdas.map(() => p.prior[0]),
            dashed: true,
            strokeWidth: 1,
            color: '#777',
          },
        ],
        xLabel: 'λ',
        yLabel: 'mean predicted probability',
      }),
      table: p.table,
    });
  }
  return {
    title: 'losskit — watching the loss',
    subtitle:
      'TensorFlow.js training with losskit losses: LR range test, loss history, predictions' +
      (p ? ', prior-KL regularisation' : ''),
    meta: {
      tfjs: info.tfjs,
      backend: info.backend,
      mode: info.quick ? 'quick' : 'full',
      'sin→cos val MSE': Number(s.valMse.toPrecision(3)),
      'quality bar': `< ${s.threshold}`,
      result: info.passed ? 'PASS' : 'FAIL',
      'run time': formatDuration(info.seconds),
    },
    sections,
    footer: `Generated by losskit demo. Threshold for the full run: validation MSE < ${SIN_COS.threshold}; history.csv and history.json hold every batch and epoch.`,
  };
}
