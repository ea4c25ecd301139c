/**
 * The progress line of `losskit eval` on stderr (TTY only): bytes and rows done, rows/s, ETA —
 * drawn by `cli-progress`.
 */
import cliProgress from 'cli-progress';
import { formatDuration } from '../progress.js';

const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;

export class EvalProgress {
  private bar: cliProgress.SingleBar | null = null;
  private readonly t0 = Date.now();
  private last = 0;
  constructor(private readonly stream: NodeJS.WritableStream) {}

  update(p: { rows: number; bytes: number; total: number | null }): void {
    const now = Date.now();
    if (now - this.last < 200 && this.bar !== null) return;
    this.last = now;
    const secs = (now - this.t0) / 1000;
    const rate = secs > 0 ? p.rows / secs : 0;
    const eta = p.total && p.bytes > 0 ? formatDuration((secs * (p.total - p.bytes)) / p.bytes) : '?';
    const payload = {
      done: mb(p.bytes),
      of: p.total ? ` / ${mb(p.total)}` : '',
      rows: p.rows.toLocaleString('en-US'),
      rate: Math.round(rate).toLocaleString('en-US'),
      eta,
    };
    if (this.bar === null) {
      this.bar = new cliProgress.SingleBar(
        {
          format: 'eval |{bar}| {done}{of} | {rows} rows | {rate} rows/s | ETA {eta}',
          barCompleteChar: '█',
          barIncompleteChar: '░',
          hideCursor: true,
          clearOnComplete: true,
          stream: this.stream,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(p.total ?? 1, p.total ? p.bytes : 0, payload);
    } else this.bar.update(p.total ? p.bytes : 0, payload);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
