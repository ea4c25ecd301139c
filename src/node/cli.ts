#!/usr/bin/env node
/**
 * The `losskit` command line.
 *
 * ```text
 * losskit demo [--out DIR] [--epochs N] [--quick] [--backend cpu|wasm] [--seed N] [--no-prior-kl]
 * ```
 *
 * Exit codes: 0 success; 1 the demo ran but missed its stated quality bar; 2 bad arguments or a
 * missing dependency (a one-line message, no stack trace); 3 the run failed (an error during training,
 * or an unexpected error).
 * (`losskit eval` / `losskit diagnose` will join as further subcommands.)
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { LosskitError } from '../errors.js';

function intArg(name: string, min: number, max: number) {
  return (v: string): number => {
    if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}]; received "${v}"`);
    const n = Number(v);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}]; received ${n}`);
    return n;
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
    .option('-e, --epochs <n>', 'training epochs of the sin → cos model (default 24; --quick: 3)', intArg('epochs', 1, 10000))
    .option('-q, --quick', 'a few-seconds smoke run (small data, relaxed quality bar)', false)
    .option('-b, --backend <name>', "TensorFlow.js backend: 'cpu' or 'wasm'", backendArg, 'cpu')
    .option('-s, --seed <n>', 'seed of the data and the initial weights', intArg('seed', 0, 2 ** 31 - 1), 7)
    .option('--no-prior-kl', 'skip the prior-KL classifier demo')
    .action(async (opts: { out: string; epochs?: number; quick: boolean; backend: 'cpu' | 'wasm'; seed: number; priorKl: boolean }) => {
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
      process.stderr.write(`losskit: ${e.fn === 'demo' ? '' : 'the run failed: '}${e.message}\n`);
      return e.fn === 'demo' ? 2 : 3;
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
