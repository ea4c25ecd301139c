/**
 * `losskit/node`: the Node-only parts (files, terminal output, the CLI's building blocks).
 *
 * The public surface of `losskit/node`, listed by name (snapshot: `test/foundation/exports/losskit-node.txt`).
 */
// Node's default, as for `losskit` in Node: the WASM SIMD kernels inlined and enabled.
import '../wasm/index.js';
export {
  HistoryFileWriter,
  readHistoryFile,
  saveHistory,
  writeFileAtomic,
  type HistoryFileFormat,
  type HistoryFileWriterOptions,
  type ReadHistoryResult,
} from './history-file.js';
export { TrainingProgress, type TrainingProgressOptions, type ProgressStream } from './progress.js';
export {
  evaluateFile,
  evaluateStream,
  mergeStates,
  DEFAULT_METRICS as EVAL_DEFAULT_METRICS,
  type EvaluateOptions as EvaluateFileOptions,
  type EvaluationResult,
  type MetricResult,
  type EvalState,
  type PredictionBatch,
  type NpyPaths,
} from './eval/engine.js';
