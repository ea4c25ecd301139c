/**
 * The evaluation worker threads of `--workers N`, started as early as possible.
 *
 * A worker thread takes about 80–110 ms to boot and load its modules on the 2-core test machine,
 * a time during which it cannot take blocks. The CLI imports this module first, so that for
 * `losskit eval … --workers N` the N − 1 threads boot while the main thread is still loading its
 * own modules and reading the file's header; `evaluateBlocks` then takes them over
 * ({@link takeWorkers}). Until then they are `unref`'d: a run that never uses them (a small file,
 * stdin, a bad argument) exits as if they did not exist. Called from code (`evaluateFile`), the
 * threads are started by {@link takeWorkers} when needed.
 *
 * Each worker is given its job at once; it reads it once its modules are loaded and then claims
 * its blocks one by one (parallel.ts `BlockClaims`), so a late thread gets a smaller share
 * instead of holding the run back.
 */
import { existsSync, realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** A started worker, and its error event if it had one. */
export interface PooledWorker {
  worker: Worker;
  failure: Error | null;
}

/** The `worker.js` next to this module (ESM or CommonJS build), or null (e.g. the TypeScript source under a test runner). */
export function workerFilePath(): string | null {
  const line = (new Error().stack ?? '').split('\n').find((l) => /eval[\\/]prespawn\.[jt]s/.test(l));
  const m = line ? /(?:file:\/\/)?(\/[^\s():]+prespawn\.[jt]s)/.exec(line) : null;
  if (!m) return null;
  const file = join(dirname(decodeURIComponent(m[1])), 'worker.js');
  return existsSync(file) ? file : null;
}

/** Starts one evaluation worker. */
export function startWorker(file: string): PooledWorker {
  const worker = new Worker(file);
  const p: PooledWorker = { worker, failure: null };
  // Kept for the worker's life: an error of an unused worker must not crash the process; a used
  // one is also watched by its run.
  worker.on('error', (e: Error) => {
    p.failure = e;
  });
  return p;
}

const pool: PooledWorker[] = [];

/** `count` workers: those started early first (referenced again), then new ones. */
export function takeWorkers(count: number, file: string): PooledWorker[] {
  const got = pool.splice(0, count);
  for (const p of got) p.worker.ref();
  while (got.length < count) got.push(startWorker(file));
  return got;
}

/** Most threads `--workers` takes. */
export const MAX_WORKERS = 256;

/**
 * The value of `--workers`: an integer in [1, {@link MAX_WORKERS}], or `auto` (the cores Node
 * reports, `os.availableParallelism()`); null for anything else.
 */
export function parseWorkers(v: string): number | null {
  const t = v.trim();
  if (t === 'auto') return Math.min(MAX_WORKERS, availableParallelism());
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return n >= 1 && n <= MAX_WORKERS ? n : null;
}

/** The N of `eval … --workers N` (also `-w N`, `-wN`, `--workers=N`, `auto`) in a command line, or 1. */
export function workersInArgv(argv: readonly string[]): number {
  if (argv[2] !== 'eval') return 1;
  for (let i = 3; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    let v: string | undefined;
    if (a === '--workers' || a === '-w') v = argv[i + 1];
    else if (a.startsWith('--workers=')) v = a.slice(10);
    else if (/^-w(\d+|auto)$/.test(a)) v = a.slice(2);
    const n = v === undefined ? null : parseWorkers(v);
    if (n !== null) return n;
  }
  return 1;
}

/** Whether this process runs losskit's CLI (its script, through npm's bin link or not, is the `cli.js` beside `eval/`). */
function runningCli(): boolean {
  try {
    const self = workerFilePath();
    return self !== null && realpathSync(process.argv[1] ?? '') === join(dirname(dirname(self)), 'cli.js');
  } catch {
    return false;
  }
}

// The CLI's early start (this module is the CLI's first import).
if (workersInArgv(process.argv) > 1 && runningCli()) {
  const n = workersInArgv(process.argv);
  const file = n > 1 ? workerFilePath() : null;
  if (file !== null)
    for (let i = 1; i < n; i++) {
      const p = startWorker(file);
      p.worker.unref();
      pool.push(p);
    }
}
