/**
 * Training progress in the terminal (Node only): a live bar (epoch, batch, loss, ETA) via
 * `cli-progress` when the stream is a TTY, plain log lines otherwise (CI logs, pipes, files),
 * so the output stays readable wherever it ends up.
 */
import cliProgress from 'cli-progress';
import { LosskitError, describe } from '../errors.js';
import { checkOptionNames } from '../validate.js';

/** The writable stream the progress goes to (a subset of `NodeJS.WriteStream`). */
export interface ProgressStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export interface TrainingProgressOptions {
  /** Number of epochs of the run. */
  epochs: number;
  /** Batches per epoch. */
  batchesPerEpoch: number;
  /** Output stream (default `process.stderr`, like most CLIs' progress bars). */
  stream?: ProgressStream;
  /** Force the live bar (true) or plain lines (false); default: the stream's `isTTY`. */
  tty?: boolean;
  /** Label in front of the bar / lines (default 'train'). */
  label?: string;
  /** Print nothing at all (default false). */
  quiet?: boolean;
}

function fmtLoss(v: number | undefined): string {
  if (v === undefined) return '-';
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(3);
}

/** Seconds as `1m05s` / `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * A progress display for a training run: call {@link batch} after each step, {@link epoch}
 * after each epoch, {@link stop} at the end. On a TTY it draws one live bar over the whole run
 * (`train |████░░░░| 45% | epoch 9/20 | batch 12/32 | loss 0.0123 | ETA 14s`); otherwise it
 * prints one line per epoch (`train epoch 9/20  loss 0.0123  val_loss 0.0150  4.2s  ETA 14s`).
 * The ETA is the average time per batch so far times the batches left.
 *
 * @example
 * ```ts
 * const progress = new TrainingProgress({ epochs: 20, batchesPerEpoch: 32 });
 * // in the loop: progress.batch(epoch, batch, loss); ... progress.epoch(epoch, { loss, valLoss });
 * progress.stop();
 * ```
 */
export class TrainingProgress {
  readonly epochs: number;
  readonly batchesPerEpoch: number;
  readonly tty: boolean;
  private readonly stream: ProgressStream;
  private readonly label: string;
  private readonly quiet: boolean;
  private bar: cliProgress.SingleBar | null = null;
  private readonly start = Date.now();
  private done = 0;
  private readonly losses: number[] = [];
  /** Epoch results (for the closing summary) and the first non-finite batch loss. */
  private readonly epochLog: { epoch: number; loss: number; valLoss?: number }[] = [];
  private firstBad: [number, number] | null = null;

  constructor(options: TrainingProgressOptions) {
    const fn = 'TrainingProgress';
    checkOptionNames(fn, options, ['epochs', 'batchesPerEpoch', 'stream', 'tty', 'label', 'quiet']);
    for (const k of ['epochs', 'batchesPerEpoch'] as const) {
      const v = options?.[k];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `option '${k}' must be an integer >= 1; received ${describe(v)}`,
          k,
        );
      }
    }
    this.epochs = options.epochs;
    this.batchesPerEpoch = options.batchesPerEpoch;
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? this.stream.isTTY === true;
    this.label = options.label ?? 'train';
    this.quiet = options.quiet ?? false;
    if (this.tty && !this.quiet) {
      this.bar = new cliProgress.SingleBar(
        {
          format: `${this.label} |{bar}| {percentage}% | epoch {epochNo}/{epochs} | batch {batchNo}/{batches} | loss {loss} | ETA {etaText}`,
          barCompleteChar: '█',
          barIncompleteChar: '░',
          hideCursor: true,
          clearOnComplete: false,
          stopOnComplete: false,
          etaBuffer: 50,
          // cli-progress writes to a NodeJS stream; ours is structurally one.
          stream: this.stream as NodeJS.WritableStream,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(this.epochs * this.batchesPerEpoch, 0, this.payload(0, 0, undefined));
    }
  }

  private payload(epoch: number, batch: number, loss: number | undefined) {
    return {
      epochNo: epoch + 1,
      epochs: this.epochs,
      batchNo: batch + 1,
      batches: this.batchesPerEpoch,
      loss: fmtLoss(loss),
      etaText: this.eta(),
    };
  }

  /** Seconds left, from the mean time per batch so far. */
  etaSeconds(): number {
    if (this.done === 0) return NaN;
    const per = (Date.now() - this.start) / 1000 / this.done;
    return per * Math.max(0, this.epochs * this.batchesPerEpoch - this.done);
  }

  private eta(): string {
    return formatDuration(this.etaSeconds());
  }

  /** After a training step. */
  batch(epoch: number, batch: number, loss: number): void {
    this.done = Math.min(this.epochs * this.batchesPerEpoch, epoch * this.batchesPerEpoch + batch + 1);
    this.losses.push(loss);
    if (!Number.isFinite(loss) && this.firstBad === null) this.firstBad = [epoch, batch];
    this.bar?.update(this.done, this.payload(epoch, batch, loss));
  }

  /** After an epoch: in plain mode prints one line; on a TTY updates the bar. */
  epoch(epoch: number, values: { loss: number; valLoss?: number; metrics?: Record<string, number> }): void {
    this.done = Math.max(this.done, (epoch + 1) * this.batchesPerEpoch);
    this.epochLog.push({ epoch, loss: values.loss, valLoss: values.valLoss });
    if (this.quiet) return;
    if (this.bar) {
      this.bar.update(this.done, this.payload(epoch, this.batchesPerEpoch - 1, values.loss));
      return;
    }
    const parts = [
      `${this.label} epoch ${String(epoch + 1).padStart(String(this.epochs).length)}/${this.epochs}`,
      `loss ${fmtLoss(values.loss)}`,
    ];
    if (values.valLoss !== undefined) parts.push(`val_loss ${fmtLoss(values.valLoss)}`);
    for (const [k, v] of Object.entries(values.metrics ?? {})) parts.push(`${k} ${fmtLoss(v)}`);
    parts.push(formatDuration((Date.now() - this.start) / 1000));
    if (epoch + 1 < this.epochs) parts.push(`ETA ${this.eta()}`);
    this.stream.write(parts.join('  ') + '\n');
  }

  /**
   * Ends the display (the bar stays on screen with a final newline) and prints one closing line:
   * `fit done in 12s: 20 epochs, 640 batches; loss 0.9312 → 0.0123; best val_loss 0.0150 at epoch 17`
   * (epochs numbered from 1 as above; the first non-finite batch loss is named when there is one).
   */
  stop(): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = null;
    }
    if (this.quiet || (this.losses.length === 0 && this.epochLog.length === 0)) return;
    const parts: string[] = [];
    const E = this.epochLog;
    const counts = [
      E.length > 0 ? `${E.length} epoch${E.length === 1 ? '' : 's'}` : '',
      `${this.losses.length} batches`,
    ];
    const head = `${this.label} done in ${formatDuration((Date.now() - this.start) / 1000)}: ${counts.filter(Boolean).join(', ')}`;
    if (E.length > 0) {
      parts.push(`loss ${fmtLoss(E[0].loss)} → ${fmtLoss(E[E.length - 1].loss)}`);
      const monitored = E.every((e) => e.valLoss !== undefined) ? 'valLoss' : 'loss';
      let best: (typeof E)[number] | null = null;
      for (const e of E) {
        const v = monitored === 'valLoss' ? (e.valLoss as number) : e.loss;
        if (
          Number.isFinite(v) &&
          (best === null || v < (monitored === 'valLoss' ? (best.valLoss as number) : best.loss))
        )
          best = e;
      }
      if (best !== null)
        parts.push(
          `best ${monitored === 'valLoss' ? 'val_loss' : 'loss'} ${fmtLoss(monitored === 'valLoss' ? best.valLoss : best.loss)} at epoch ${best.epoch + 1}`,
        );
    } else if (this.losses.length > 0) {
      parts.push(`batch loss ${fmtLoss(this.losses[0])} → ${fmtLoss(this.losses[this.losses.length - 1])}`);
    }
    if (this.firstBad !== null)
      parts.push(`first non-finite batch loss at epoch ${this.firstBad[0] + 1} batch ${this.firstBad[1] + 1}`);
    this.stream.write([head, ...parts].join('; ') + '\n');
  }
}
