#!/usr/bin/env -S node --max-semi-space-size=4
/**
 * The `losskit` command line.
 *
 * The shebang caps V8's young generation at 4 MB semi-spaces: a streaming `eval` allocates small
 * short-lived batches, and with the default cap the young generation grows over a long run, so a
 * 40M-row file peaked at 86–90 MB against 72 MB for 1M rows; with the cap 78 MB against 74 MB,
 * at the same speed (4.55 against 4.59 s; binary 10M default metrics 2.36 s both). Measured
 * 2026-12-01 04:14 UTC on the quiet 2-core VM with `node --max-semi-space-size=N` (2, 4, 8);
 * `v8.setFlagsFromString` at start-up does not take effect, hence the shebang (`env -S`: Linux
 * coreutils ≥ 8.30, macOS, npm's Windows shims). Running `node cli.js` directly skips the cap.
 *
 * ```text
 * losskit demo [--out DIR] [--epochs N] [--quick] [--backend cpu|wasm] [--seed N] [--no-prior-kl]
 * losskit eval FILE [--task T] [--metrics a,b,c] [--average A] [--threshold X] [--json] [--out FILE] [--html FILE]
 * losskit diagnose FILE --loss NAME [--json]
 * ```
 *
 * Exit codes: 0 success; 1 the demo ran but missed its stated quality bar, or `diagnose` found an
 * error; 2 bad arguments, a bad input file or a missing dependency (a one-line message, no stack
 * trace, no output file); 3 the run failed (an error during training, or an unexpected error).
 */
// First: `eval --workers N` starts its worker threads before the rest of the CLI loads.
import { MAX_WORKERS, parseWorkers } from './eval/prespawn.js';
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { LosskitError } from '../errors.js';
import type { Task } from './eval/plan.js';
import { FORMATS, OUTPUT_FORMATS, type Format, type OutputFormat } from './eval/formats.js';

interface EvalCliOptions {
  yTrue?: string;
  yPred?: string;
  sampleWeight?: string;
  inputFormat?: Format;
  format: OutputFormat;
  json: boolean;
  task?: Task;
  metrics?: string;
  average?: 'micro' | 'macro' | 'weighted' | 'samples' | 'none' | 'binary';
  threshold?: number;
  topK?: number;
  posLabel?: string;
  fromLogits: boolean;
  numClasses?: number;
  aurocBins?: number;
  targetCol?: string;
  predCol?: string;
  predPrefix?: string;
  weightCol?: string;
  workers: number;
  batchRows?: number;
  report: boolean;
  html?: string;
  htmlMaxRows: number;
  saveState?: string;
  out?: string;
  quiet: boolean;
}

/** Writes to stdout; a closed pipe (`| head`) ends the program quietly. */
function writeStdout(text: string): void {
  process.stdout.write(text);
}

function packageVersion(): string {
  try {
    const dir = dirname(realpathSync(process.argv[1] ?? '.'));
    for (const up of ['..', '../..', '../../..']) {
      try {
        const j = JSON.parse(readFileSync(join(dir, up, 'package.json'), 'utf8')) as {
          name?: string;
          version?: string;
        };
        if (j.name === 'losskit' && typeof j.version === 'string') return j.version;
      } catch {
        /* keep looking */
      }
    }
  } catch {
    /* unknown */
  }
  return 'unknown';
}

async function runEval(file: string | undefined, opts: EvalCliOptions): Promise<void> {
  const { evaluateFileWithState } = await import('./eval/engine.js');
  const { checkDistinctOutputs, checkOutputPath, writeAtomic, RENDERERS } = await import('./eval/output.js');
  const npy = opts.yTrue !== undefined || opts.yPred !== undefined;
  if (npy && (opts.yTrue === undefined || opts.yPred === undefined))
    throw new LosskitError('INVALID_OPTION', 'evaluate', '--y-true and --y-pred go together (two .npy files)');
  if (npy && file !== undefined)
    throw new LosskitError('INVALID_OPTION', 'evaluate', 'give either a file or --y-true/--y-pred, not both');
  if (!npy && file === undefined)
    throw new LosskitError(
      'INVALID_OPTION',
      'evaluate',
      "missing the prediction file (or '-' for stdin, or --y-true/--y-pred)",
    );
  const inputs = npy
    ? [opts.yTrue as string, opts.yPred as string, ...(opts.sampleWeight ? [opts.sampleWeight] : [])]
    : [file as string];
  for (const [o, what] of [
    [opts.out, '--out'],
    [opts.saveState, '--save-state'],
    [opts.html, '--html'],
  ] as const)
    if (o !== undefined) checkOutputPath(o, inputs, what);
  checkDistinctOutputs([
    [opts.out, '--out'],
    [opts.saveState, '--save-state'],
    [opts.html, '--html'],
  ]);
  if (opts.html !== undefined && opts.workers > 1)
    throw new LosskitError(
      'INVALID_OPTION',
      'evaluate',
      '--html keeps every row in the main thread and cannot be combined with --workers > 1; drop --workers',
    );
  const posLabel =
    opts.posLabel === undefined
      ? undefined
      : /^[+-]?(\d+\.?\d*|\.\d+)$/.test(opts.posLabel.trim())
        ? Number(opts.posLabel)
        : opts.posLabel;
  const progress =
    opts.quiet || !process.stderr.isTTY
      ? null
      : await import('./eval/progress.js').then((m) => new m.EvalProgress(process.stderr));
  let result;
  let state;
  let collected;
  let serial;
  try {
    ({ result, state, collected, serial } = await evaluateFileWithState(
      npy
        ? {
            yTrue: opts.yTrue as string,
            yPred: opts.yPred as string,
            ...(opts.sampleWeight ? { sampleWeight: opts.sampleWeight } : {}),
          }
        : (file as string),
      {
        format: opts.inputFormat,
        task: opts.task,
        metrics: opts.metrics
          ?.split(',')
          .map((m) => m.trim())
          .filter((m) => m !== ''),
        average: opts.average,
        threshold: opts.threshold,
        topK: opts.topK,
        posLabel,
        fromLogits: opts.fromLogits || undefined,
        numClasses: opts.numClasses,
        aurocBins: opts.aurocBins,
        targetCol: opts.targetCol,
        predCol: opts.predCol,
        predPrefix: opts.predPrefix,
        weightCol: opts.weightCol,
        workers: opts.workers,
        batchRows: opts.batchRows,
        report: opts.report || undefined,
        collect: opts.html !== undefined ? { maxRows: opts.htmlMaxRows } : undefined,
        onProgress: progress ? (p) => progress.update(p) : undefined,
      },
      opts.saveState !== undefined,
    ));
  } finally {
    progress?.stop();
  }
  if (serial !== null && !opts.quiet)
    process.stderr.write(
      `losskit eval: note: --workers ${opts.workers} was not used: ${serial} (CSV / TSV and Parquet files on disk are split into blocks)\n`,
    );
  // The page is rendered before anything is written, so a failure leaves no partial output.
  let page: string | undefined;
  if (opts.html !== undefined && collected !== undefined) {
    const { renderEvaluationReport } = await import('../plot/eval-report.js');
    const binary = result.task === 'binary';
    const { yTrue, yPred, width, weight, rows } = collected;
    // Binary rows are 0 = negative, 1 = the positive label (which may be 0 with --pos-label 0).
    let classNames: string[] | undefined;
    if (binary) {
      const pos = String(result.posLabel);
      const neg =
        result.labels !== null
          ? (result.labels.find((l) => l !== pos) ?? 'negative')
          : pos === '1'
            ? '0'
            : pos === '0'
              ? '1'
              : `not ${pos}`;
      classNames = [neg, pos];
    } else if (result.labels !== null) classNames = result.labels;
    page = renderEvaluationReport(
      { data: yTrue, shape: [rows] },
      width === 1 ? { data: yPred, shape: [rows] } : { data: yPred, shape: [rows, width] },
      {
        task: binary ? 'binary' : 'multiclass',
        title: 'Evaluation report',
        subtitle: result.file,
        meta: {
          rows,
          task: result.task,
          ...(result.fromLogits ? { 'from logits': true } : {}),
          ...(binary && opts.threshold !== undefined ? { threshold: opts.threshold } : {}),
        },
        ...(classNames !== undefined ? { classNames } : {}),
        ...(weight !== null ? { sampleWeight: { data: weight, shape: [rows] } } : {}),
        ...(binary && opts.threshold !== undefined ? { threshold: opts.threshold } : {}),
      },
    );
  }
  if (opts.saveState !== undefined) writeAtomic(opts.saveState, JSON.stringify(state) + '\n');
  if (opts.out !== undefined) writeAtomic(opts.out, RENDERERS.json(result));
  if (opts.html !== undefined && page !== undefined) writeAtomic(opts.html, page);
  writeStdout(RENDERERS[opts.json ? 'json' : opts.format](result));
  if (result.failed > 0) process.exitCode = 1;
}

function intArg(name: string, min: number, max: number) {
  return (v: string): number => {
    if (!/^\d+$/.test(v.trim()))
      throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}]; received "${v}"`);
    const n = Number(v);
    if (n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}]; received ${n}`);
    return n;
  };
}

function workersArg(v: string): number {
  const n = parseWorkers(v);
  if (n === null)
    throw new InvalidArgumentError(`workers must be an integer in [1, ${MAX_WORKERS}] or 'auto'; received "${v}"`);
  return n;
}

function choiceArg<T extends string>(name: string, choices: readonly T[]) {
  return (v: string): T => {
    if (!(choices as readonly string[]).includes(v))
      throw new InvalidArgumentError(`${name} must be one of ${choices.join(', ')}; received "${v}"`);
    return v as T;
  };
}

function floatArg(name: string) {
  return (v: string): number => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x))
      throw new InvalidArgumentError(`${name} must be a finite number; received "${v}"`);
    return x;
  };
}

function backendArg(v: string): 'cpu' | 'wasm' {
  if (v !== 'cpu' && v !== 'wasm') throw new InvalidArgumentError(`backend must be 'cpu' or 'wasm'; received "${v}"`);
  return v;
}

/** The subcommand being run (set before its action): decides whether a LosskitError is bad input. */
let activeCommand = '';

/** Builds the program (commander, with exitOverride so errors come back as exceptions). */
function buildProgram(): Command {
  const program = new Command();
  program
    .name('losskit')
    .description('losskit: deep-learning losses and metrics for TypeScript — demos and tools')
    .showHelpAfterError('(run losskit --help for usage)')
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .hook('preAction', (_program, action) => {
      activeCommand = action.name();
    });
  program
    .command('demo')
    .description('train a small RNN (sin → cos) and a prior-KL classifier on TensorFlow.js and write an HTML report')
    .option('-o, --out <dir>', 'output directory', 'losskit-report')
    .option(
      '-e, --epochs <n>',
      'training epochs of the sin → cos model (default 24; --quick: 3)',
      intArg('epochs', 1, 10000),
    )
    .option('-q, --quick', 'a few-seconds smoke run (small data, relaxed quality bar)', false)
    .option('-b, --backend <name>', "TensorFlow.js backend: 'cpu' or 'wasm'", backendArg, 'cpu')
    .option('-s, --seed <n>', 'seed of the data and the initial weights', intArg('seed', 0, 2 ** 31 - 1), 7)
    .option('--no-prior-kl', 'skip the prior-KL classifier demo')
    .action(
      async (opts: {
        out: string;
        epochs?: number;
        quick: boolean;
        backend: 'cpu' | 'wasm';
        seed: number;
        priorKl: boolean;
      }) => {
        const { runDemo } = await import('./demo/index.js');
        const res = await runDemo({
          out: opts.out,
          epochs: opts.epochs,
          quick: opts.quick,
          backend: opts.backend,
          seed: opts.seed,
          skipPriorKL: !opts.priorKl,
        });
        process.stdout.write(`${res.passed ? 'PASS' : 'FAIL'}: report in ${res.files[2]}\n`);
        if (!res.passed) process.exitCode = 1;
      },
    );
  program
    .command('eval')
    .description(
      'compute metrics on a prediction file, streaming (CSV/TSV, NDJSON, JSON, Parquet, Arrow IPC, .npz, gzip; - for stdin)',
    )
    .argument('[file]', "prediction file, or '-' for stdin")
    .option('--y-true <file>', 'NumPy .npy of the targets (with --y-pred)')
    .option('--y-pred <file>', 'NumPy .npy of the predictions (with --y-true)')
    .option('--sample-weight <file>', 'NumPy .npy of the sample weights (with --y-true/--y-pred)')
    .option(
      '--input-format <fmt>',
      `input format (default: from the content, then the extension): ${FORMATS.join(', ')}`,
      choiceArg('input-format', FORMATS),
    )
    .option(
      '-f, --format <fmt>',
      'output format: table | json | csv | markdown',
      choiceArg('format', OUTPUT_FORMATS),
      'table',
    )
    .option('--json', 'same as --format json', false)
    .option(
      '-t, --task <task>',
      "'binary' | 'multiclass' | 'multilabel' | 'regression' (default: inferred when unambiguous, and printed)",
      choiceArg('task', ['binary', 'multiclass', 'multilabel', 'regression'] as const),
    )
    .option('-m, --metrics <list>', 'comma-separated metric names (canonical, scikit-learn, torchmetrics or Keras)')
    .option(
      '-a, --average <avg>',
      "'micro' | 'macro' | 'weighted' | 'samples' | 'none' | 'binary'",
      choiceArg('average', ['micro', 'macro', 'weighted', 'samples', 'none', 'binary'] as const),
    )
    .option('--threshold <x>', 'decision threshold in [0, 1] for binary / multilabel scores', floatArg('threshold'))
    .option('-k, --top-k <k>', 'k of top-k accuracy', intArg('top-k', 1, 1_000_000))
    .option('--pos-label <label>', 'positive label of a binary task (a number or a text label)')
    .option('--from-logits', 'the scores are logits (sigmoid / softmax applied)', false)
    .option('--num-classes <n>', 'classes, when the predictions are class indices', intArg('num-classes', 2, 1_000_000))
    .option(
      '--auroc-bins <n>',
      'bounded-memory AUROC / AP with n thresholds (Keras AUC) instead of exact',
      intArg('auroc-bins', 3, 1_000_000),
    )
    .option('--target-col <name>', 'target column')
    .option('--pred-col <name>', 'prediction column')
    .option('--pred-prefix <prefix>', "prediction column prefix (e.g. 'p_' for p_0, p_1, …)")
    .option('--weight-col <name>', 'sample-weight column')
    .option(
      '--batch-rows <n>',
      'rows per batch (the fixed window; default about 4 MB of values)',
      intArg('batch-rows', 1, 1 << 24),
    )
    .option(
      '-w, --workers <n>',
      "threads over blocks of a CSV/TSV file (byte ranges) or a Parquet file (row groups), or 'auto' (one per core); same result for any N",
      workersArg,
      1,
    )
    .option('--report', "also print scikit-learn's classification report (binary / multiclass)", false)
    .option(
      '--html <file>',
      'also write the self-contained evaluation page (ROC, PR, reliability, confusion, histogram, report) to this file (atomically; binary / multiclass; keeps every row in memory, so not with --workers > 1)',
    )
    .option(
      '--html-max-rows <n>',
      'most rows kept for --html (more: exit 2 before writing anything)',
      intArg('html-max-rows', 1, 1 << 30),
      2_000_000,
    )
    .option('--save-state <file>', 'also write the metric states (for losskit merge)')
    .option('-o, --out <file>', 'also write the results as JSON to this file (atomically)')
    .option('-q, --quiet', 'no progress line', false)
    .action(async (file: string | undefined, opts: EvalCliOptions) => {
      await runEval(file, opts);
    });
  program
    .command('merge')
    .description(
      'merge metric states saved by `losskit eval --save-state` (one per shard) and compute the metrics of all shards',
    )
    .argument('<states...>', 'state files')
    .option(
      '-f, --format <fmt>',
      'output format: table | json | csv | markdown',
      choiceArg('format', OUTPUT_FORMATS),
      'table',
    )
    .option('--json', 'same as --format json', false)
    .option('--save-state <file>', 'also write the merged state')
    .option('-o, --out <file>', 'also write the results as JSON to this file (atomically)')
    .action(
      async (files: string[], opts: { format: OutputFormat; json: boolean; saveState?: string; out?: string }) => {
        const { readFileSync } = await import('node:fs');
        const { mergeStates, parseState } = await import('./eval/engine.js');
        const { statInput, sysReason, EvalInputError } = await import('./eval/source.js');
        const { checkDistinctOutputs, checkOutputPath, writeAtomic, RENDERERS } = await import('./eval/output.js');
        for (const o of [opts.out, opts.saveState])
          if (o !== undefined) checkOutputPath(o, files, o === opts.out ? '--out' : '--save-state');
        checkDistinctOutputs([
          [opts.out, '--out'],
          [opts.saveState, '--save-state'],
        ]);
        const states = files.map((f) => {
          statInput(f);
          let text: string;
          try {
            text = readFileSync(f, 'utf8');
          } catch (e) {
            throw new EvalInputError(f, `cannot read: ${sysReason(e)}`);
          }
          return parseState(text, f);
        });
        const { result, state } = mergeStates(states, files);
        if (opts.saveState !== undefined) writeAtomic(opts.saveState, JSON.stringify(state) + '\n');
        if (opts.out !== undefined) writeAtomic(opts.out, RENDERERS.json(result));
        writeStdout(RENDERERS[opts.json ? 'json' : opts.format](result));
        if (result.failed > 0) process.exitCode = 1;
      },
    );
  program
    .command('diagnose')
    .description('explain a bad loss: NaN inputs, logits passed as probabilities, labels out of range, …')
    .argument('<file>', 'prediction file (.json or .csv)')
    .requiredOption('-l, --loss <name>', 'loss name (canonical, PyTorch, Keras or tfjs spelling)')
    .option('--target-col <name>', 'CSV target column')
    .option('--pred-prefix <prefix>', 'CSV prediction column prefix')
    .option('--json', 'print JSON', false)
    .action(async (file: string, opts: { loss: string; targetCol?: string; predPrefix?: string; json: boolean }) => {
      const { readPredictions, diagnosePredictions } = await import('./evaluate.js');
      const d = diagnosePredictions(
        readPredictions(file, { targetCol: opts.targetCol, predPrefix: opts.predPrefix }),
        opts.loss,
      );
      if (opts.json) process.stdout.write(JSON.stringify(d, null, 2) + '\n');
      else {
        process.stdout.write(
          `${d.loss} on ${file} (expects ${d.inputKind}): loss = ${d.value === null ? 'not computable' : d.value}\n`,
        );
        if (d.findings.length === 0) process.stdout.write('  no problems found\n');
        for (const f of d.findings) process.stdout.write(`  ${f.severity.toUpperCase()} ${f.code}: ${f.message}\n`);
      }
      if (d.findings.some((f) => f.severity === 'error')) process.exitCode = 1;
    });
  return program;
}

/** Parses `argv` (as `process.argv`) and runs the command; resolves with the exit code. */
async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof LosskitError) {
      // The demo's own option checks are usage errors; a LosskitError from inside training is a failure.
      // Bad arguments and bad input files are usage errors (2); a LosskitError from inside
      // training is a failure (3).
      // Outside the demo every LosskitError comes from the user's files or options (a metric's
      // options included, whichever function raised it), except a worker thread's failure.
      const usage =
        activeCommand === 'demo'
          ? ['demo', 'readPredictions', 'getLoss', 'getMetric', 'evaluate', 'merge'].includes(e.fn)
          : e.code !== 'THREAD_FAILED';
      if (e.fn === 'evaluate') {
        process.stderr.write(`losskit: ${e.message.replace(/^evaluate: /, '')}\n`);
        return 2;
      }
      process.stderr.write(`losskit: ${usage ? '' : 'the run failed: '}${e.message}\n`);
      return usage ? 2 : 3;
    }
    if (e instanceof Error && e.name === 'MissingDependencyError') {
      process.stderr.write(`losskit: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`losskit: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 3;
  }
}

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  // `losskit eval big.csv | head`: the reader went away; stop quietly.
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

run(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = 3;
  },
);
