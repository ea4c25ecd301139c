import { describe, expect, it } from 'vitest';
import { diagnoseLoss } from '../src/diagnose.js';

const codes = (d: { findings: { code: string }[] }): string[] => d.findings.map((f) => f.code);

describe('diagnoseLoss', () => {
  it('a healthy batch has no findings and reports the loss', () => {
    const d = diagnoseLoss(
      'crossEntropy',
      [0, 2, 1],
      [
        [2.0, -1.0, 0.5],
        [-0.3, 0.1, 1.7],
        [0.2, 1.1, -0.4],
      ],
    );
    expect(d.findings).toEqual([]);
    expect(d.inputKind).toBe('logits');
    expect(d.value).toBeGreaterThan(0);
  });
  it('probabilities passed to crossEntropy (which wants logits)', () => {
    const d = diagnoseLoss(
      'crossEntropy',
      [0, 2],
      [
        [0.7, 0.2, 0.1],
        [0.1, 0.1, 0.8],
      ],
    );
    expect(codes(d)).toContain('PROBABILITIES_AS_LOGITS');
    expect(d.findings[0].severity).toBe('warning');
  });
  it('logits passed to binaryCrossEntropy (which wants probabilities)', () => {
    const d = diagnoseLoss('BCELoss', [0, 1, 1], [-2.3, 4.1, 0.7]);
    expect(codes(d)).toContain('LOGITS_AS_PROBABILITIES');
    expect(d.value).toBeNull();
    expect(d.findings.find((f) => f.code === 'LOGITS_AS_PROBABILITIES')?.message).toMatch(/ranges over \[-2.3, 4.1\]/);
  });
  it('NaN predictions and labels out of range (1-based labels)', () => {
    const d = diagnoseLoss(
      'crossEntropy',
      [1, 2, 3],
      [
        [0.1, 0.2, NaN],
        [0, 0, 0],
        [1, 2, 3],
      ],
    );
    expect(codes(d)).toEqual(expect.arrayContaining(['NON_FINITE_PREDICTIONS', 'LABELS_OUT_OF_RANGE']));
    expect(d.findings.find((f) => f.code === 'LABELS_OUT_OF_RANGE')?.message).toMatch(/look 1-based/);
    expect(d.stats.nonFinite).toBe(1);
  });
  it("PyTorch's [N] vs [N, 1] broadcasting trap for MSE", () => {
    const d = diagnoseLoss('mse_loss', [1, 2, 3], [[1], [2], [3]]);
    expect(codes(d)).toEqual(['BROADCAST_TRAP', 'LOSS_SHAPE_MISMATCH']);
  });
  it('chance-level loss, constant predictions and class imbalance', () => {
    const yTrue = [...new Array<number>(30).fill(0), 1, 2];
    const d = diagnoseLoss(
      'crossEntropy',
      yTrue,
      yTrue.map(() => [0, 0, 0]),
    );
    expect(codes(d)).toEqual(expect.arrayContaining(['CONSTANT_PREDICTIONS', 'CLASS_IMBALANCE', 'CHANCE_LEVEL']));
  });
  it('sigmoid outputs passed to crossEntropy', () => {
    const z = [
      [2.1, 0.3, -1.0],
      [1.5, 0.9, 0.1],
      [0.2, 0.1, -0.3],
    ];
    expect(
      codes(
        diagnoseLoss(
          'crossEntropy',
          [0, 2, 1],
          z.map((r) => r.map((x) => 1 / (1 + Math.exp(-x)))),
        ),
      ),
    ).toEqual(['SQUASHED_LOGITS']);
    expect(codes(diagnoseLoss('crossEntropy', [0, 2, 1], z))).toEqual([]);
  });
  it('nllLoss on raw scores rather than log-probabilities', () => {
    expect(codes(diagnoseLoss('nllLoss', [0], [[1.5, 0.2]]))).toContain('NOT_LOG_PROBABILITIES');
  });
});
