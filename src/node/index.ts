/**
 * `losskit/node`: the Node-only parts (files, terminal output, the CLI's building blocks).
 */
export {
  HistoryFileWriter,
  readHistoryFile,
  saveHistory,
  writeFileAtomic,
  type HistoryFileFormat,
  type HistoryFileWriterOptions,
  type ReadHistoryResult,
} from './history-file.js';
export { TrainingProgress, formatDuration, type TrainingProgressOptions, type ProgressStream } from './progress.js';
