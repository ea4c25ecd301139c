#!/usr/bin/env node
/**
 * The `losskit` command line.
 *
 * ```text
 * losskit demo [--out DIR] [--epochs N] [--quick] [--backend cpu|wasm] [--seed N] [--no-prior-kl]
 * losskit eval FILE [--task T] [--metrics a,b,c] [--average A] [--threshold X] [--json] [--out FILE]
 * losskit diagnose FILE --loss NAME [--json]
 * ```
 *
 * Exit codes: 0 success; 1 the demo ran but missed its stated quality bar, or `diagnose` found an
 * error; 2 bad arguments, a bad input file or a missing dependency (a one-line message, no stack
 * trace, no output file); 3 the run failed (an error during training, or an unexpected error).
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { LosskitError } from '../errors.js';
import type { Task } from './evaluate.js';

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

/** Builds the program (commander, with exitOverride so errors come back as exceptions). */
function buildProgram(): Command {
  const program = new Command();
  program
    .name('losskit')
    .description('losskit: deep-learning losses and metrics for TypeScript — demos and tools')
    .showHelpAfterError('(run losskit --help for usage)')
    .exitOverride();
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
      'compute metrics on a prediction file (JSON {yTrue, yPred} or CSV with y_true and prob / p_0..p_C columns)',
    )
    .argument('<file>', 'prediction file (.json or .csv)')
    .option(
      '-t, --task <task>',
      "'binary' | 'multiclass' | 'multilabel' | 'regression' (default: inferred)",
      choiceArg('task', ['binary', 'multiclass', 'multilabel', 'regression'] as const),
    )
    .option('-m, --metrics <list>', 'comma-separated metric names (canonical, scikit-learn, torchmetrics or Keras)')
    .option(
      '-a, --average <avg>',
      "'micro' | 'macro' | 'weighted' | 'samples' | 'none' | 'binary'",
      choiceArg('average', ['micro', 'macro', 'weighted', 'samples', 'none', 'binary'] as const),
    )
    .option('--threshold <x>', 'decision threshold for binary / multilabel probabilities', floatArg('threshold'))
    .option('--target-col <name>', 'CSV target column')
    .option('--pred-prefix <prefix>', "CSV prediction column prefix (e.g. 'p_' for p_0, p_1, …)")
    .option('--weight-col <name>', 'CSV sample-weight column')
    .option('--json', 'print JSON instead of a table', false)
    .option('-o, --out <file>', 'also write the results as JSON to this file (atomically)')
    .action(
      async (
        file: string,
        opts: {
          task?: Task;
          metrics?: string;
          average?: 'micro' | 'macro' | 'weighted' | 'samples' | 'none' | 'binary';
          threshold?: number;
          targetCol?: string;
          predPrefix?: string;
          weightCol?: string;
          json: boolean;
          out?: string;
        },
      ) => {
        const { readPredictions, evaluatePredictions, formatValue } = await import('./evaluate.js');
        const p = readPredictions(file, {
          targetCol: opts.targetCol,
          predPrefix: opts.predPrefix,
          weightCol: opts.weightCol,
        });
        const ev = evaluatePredictions(p, {
          task: opts.task,
          metrics: opts.metrics
            ?.split(',')
            .map((m) => m.trim())
            .filter((m) => m !== ''),
          average: opts.average,
          threshold: opts.threshold,
        });
        const json = JSON.stringify({ file, source: p.source, ...ev }, null, 2) + '\n';
        if (opts.out !== undefined) {
          const { writeFileAtomic } = await import('./history-file.js');
          writeFileAtomic(opts.out, json);
        }
        if (opts.json) process.stdout.write(json);
        else {
          process.stdout.write(
            `${file}: ${ev.n} samples, task ${ev.task}${p.source.weight ? `, weighted by '${p.source.weight}'` : ''}\n`,
          );
          const w = Math.max(...ev.results.map((r) => r.metric.length));
          for (const r of ev.results)
            process.stdout.write(`  ${r.metric.padEnd(w)}  ${r.error ?? formatValue(r.value)}\n`);
        }
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
      const usage = ['demo', 'readPredictions', 'getLoss', 'getMetric'].includes(e.fn);
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

run(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = 3;
  },
);
