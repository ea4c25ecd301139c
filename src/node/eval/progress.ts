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
    // Our own keys: cli-progress fills `{eta}` itself (from the bar's value, INF for a stream).
    const payload = {
      done: mb(p.bytes),
      of: p.total ? ` / ${mb(p.total)}` : '',
      rows: p.rows.toLocaleString('en-US'),
      rate: Math.round(rate).toLocaleString('en-US'),
      left: p.total && p.bytes > 0 ? formatDuration((secs * Math.max(0, p.total - p.bytes)) / p.bytes) : '?',
    };
    if (this.bar === null) {
      this.bar = new cliProgress.SingleBar(
        {
          // A stream of unknown size (stdin, a pipe) has no bar and no ETA.
          format: p.total
            ? 'eval |{bar}| {done}{of} | {rows} rows | {rate} rows/s | ETA {left}'
            : 'eval | {done} | {rows} rows | {rate} rows/s',
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
