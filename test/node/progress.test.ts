/** TrainingProgress: plain lines off a TTY (CI logs), a live cli-progress bar on one. */
import { describe, expect, it } from 'vitest';
import { LosskitError } from '../../src/index.js';
import { TrainingProgress } from '../../src/node/index.js';
import { formatDuration } from '../../src/node/progress.js';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return {
    chunks,
    stream: {
      isTTY,
      columns: 120,
      write(s: string) {
        chunks.push(s);
        return true;
      },
      // cli-progress moves the cursor through these on a TTY.
      cursorTo(_x: number, _y?: number) {
        return true;
      },
      clearLine(_dir: number) {
        return true;
      },
      moveCursor(_dx: number, _dy: number) {
        return true;
      },
      on() {
        return this;
      },
      removeListener() {
        return this;
      },
    },
  };
}

describe('TrainingProgress', () => {
  it('prints one plain line per epoch when the stream is not a TTY', () => {
    const { stream, chunks } = fakeStream(false);
    const p = new TrainingProgress({ epochs: 2, batchesPerEpoch: 3, stream, label: 'fit' });
    expect(p.tty).toBe(false);
    for (let e = 0; e < 2; e++) {
      for (let b = 0; b < 3; b++) p.batch(e, b, 1 / (1 + e * 3 + b));
      p.epoch(e, { loss: 0.5 / (e + 1), valLoss: 0.6 / (e + 1), metrics: { mae: 0.1 } });
    }
    p.stop();
    const text = chunks.join('');
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBe(3);
    expect(lines[0]).toMatch(/^fit epoch 1\/2 {2}loss 0\.5000 {2}val_loss 0\.6000 {2}mae 0\.1000 {2}\d+s {2}ETA \d+s$/);
    expect(lines[1]).toMatch(/^fit epoch 2\/2 {2}loss 0\.2500 {2}val_loss 0\.3000 {2}mae 0\.1000 {2}\d+s$/);
    expect(lines[2]).toMatch(
      /^fit done in \d+s: 2 epochs, 6 batches; loss 0\.5000 → 0\.2500; best val_loss 0\.3000 at epoch 2$/,
    );
    expect(text).not.toContain('\u001b['); // no escape codes in logs
  });

  it('draws a cli-progress bar on a TTY', () => {
    const { stream, chunks } = fakeStream(true);
    const p = new TrainingProgress({ epochs: 2, batchesPerEpoch: 2, stream });
    expect(p.tty).toBe(true);
    p.batch(0, 0, 0.75);
    p.batch(0, 1, 0.5);
    p.epoch(0, { loss: 0.6 });
    p.stop();
    const text = chunks.join('');
    expect(text).toMatch(/train \|[█░]+\| \d+% \| epoch 1\/2 \| batch \d\/2 \| loss 0\.\d{4} \| ETA /);
  });

  it('quiet prints nothing', () => {
    const { stream, chunks } = fakeStream(false);
    const p = new TrainingProgress({ epochs: 1, batchesPerEpoch: 1, stream, quiet: true });
    p.batch(0, 0, 1);
    p.epoch(0, { loss: 1 });
    p.stop();
    expect(chunks).toEqual([]);
  });

  it('formats durations and rejects bad options', () => {
    expect([5, 65, 3725, NaN].map(formatDuration)).toEqual(['5s', '1m05s', '1h02m', '?']);
    try {
      new TrainingProgress({ epochs: 0, batchesPerEpoch: 1 });
      expect.fail('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(LosskitError);
      expect((e as LosskitError).message).toBe("TrainingProgress: option 'epochs' must be an integer >= 1; received 0");
    }
  });
});
