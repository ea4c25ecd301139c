/** The public contract of docs/API.md: every required name exists, resolves, and is exported. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as lk from '../../src/index.js';
import { ENTRY_POINTS, ROOT, publicExports } from './public-exports.js';

const API_MD = readFileSync(ROOT + 'docs/API.md', 'utf8');

/** The names listed under "Required canonical names" in docs/API.md (PyTorch names in brackets dropped). */
function requiredLossesInApiMd(): string[] {
  const m = /### Required canonical names[^\n]*\n([\s\S]*?)\n\n/.exec(API_MD);
  if (m === null) throw new Error('docs/API.md has no "Required canonical names" section');
  return m[1]
    .replace(/\[[^\]]*\]|\([^)]*\)/g, '')
    .split(/[,.\s]+/)
    .filter((w) => /^[a-z][A-Za-z0-9]*$/.test(w));
}

const LOSSES =
  `meanSquaredError meanAbsoluteError huber smoothL1 logCosh meanSquaredLogError meanAbsolutePercentageError
binaryCrossEntropy binaryCrossEntropyWithLogits crossEntropy nllLoss klDivergence crossEntropyWithPriorKL sigmoidFocal
categoricalFocal poissonNll gaussianNll hinge squaredHinge categoricalHinge cosineSimilarity marginRanking hingeEmbedding
softMargin multilabelSoftMargin multilabelMargin multiMargin cosineEmbedding tripletMargin ctc dice tversky`.split(
    /\s+/,
  );

const PYTORCH =
  `mse_loss l1_loss huber_loss smooth_l1_loss binary_cross_entropy binary_cross_entropy_with_logits cross_entropy
nll_loss kl_div poisson_nll_loss gaussian_nll_loss margin_ranking_loss hinge_embedding_loss soft_margin_loss
multilabel_soft_margin_loss multilabel_margin_loss multi_margin_loss cosine_embedding_loss triplet_margin_loss ctc_loss
MSELoss L1Loss HuberLoss SmoothL1Loss BCELoss BCEWithLogitsLoss CrossEntropyLoss NLLLoss KLDivLoss PoissonNLLLoss
GaussianNLLLoss MarginRankingLoss HingeEmbeddingLoss SoftMarginLoss MultiLabelSoftMarginLoss MultiLabelMarginLoss
MultiMarginLoss CosineEmbeddingLoss TripletMarginLoss TripletMarginWithDistanceLoss CTCLoss`.split(/\s+/);

const KERAS = `mse mae msle mape mean_squared_error mean_absolute_error binary_crossentropy categorical_crossentropy
sparse_categorical_crossentropy binary_focal_crossentropy categorical_focal_crossentropy kl_divergence poisson huber log_cosh
hinge squared_hinge categorical_hinge cosine_similarity MeanSquaredError MeanAbsoluteError BinaryCrossentropy
CategoricalCrossentropy SparseCategoricalCrossentropy BinaryFocalCrossentropy CategoricalFocalCrossentropy KLDivergence
Poisson Huber LogCosh Hinge SquaredHinge CategoricalHinge CosineSimilarity Dice Tversky CTC Circle
CategoricalGeneralizedCrossEntropy categorical_generalized_cross_entropy circle`.split(/\s+/);

const TFJS =
  `softmaxCrossEntropy sigmoidCrossEntropy absoluteDifference categoricalCrossentropy sparseCategoricalCrossentropy
binaryCrossentropy`.split(/\s+/);

const METRICS = `accuracy topKAccuracy precision recall f1 fbeta confusionMatrix auroc averagePrecision rocCurve
precisionRecallCurve logLoss matthewsCorrcoef cohenKappa calibrationError meanAbsoluteError meanSquaredError
rootMeanSquaredError meanSquaredLogError meanAbsolutePercentageError r2Score explainedVariance pearsonCorrcoef
spearmanCorrcoef cosineSimilarity`.split(/\s+/);

const SKLEARN = `accuracy_score top_k_accuracy_score precision_score recall_score f1_score fbeta_score confusion_matrix
roc_auc_score average_precision_score roc_curve precision_recall_curve log_loss matthews_corrcoef cohen_kappa_score
mean_absolute_error mean_squared_error mean_squared_log_error mean_absolute_percentage_error r2_score
explained_variance_score`.split(/\s+/);

describe('API.md contract', () => {
  it('docs/API.md requires at least the canonical losses listed here, and each is exported and registered', () => {
    const required = requiredLossesInApiMd();
    for (const name of LOSSES) expect(required, name).toContain(name);
    const listed = new Set(lk.listLosses().map((l) => l.name));
    for (const name of required) {
      expect(typeof (lk as Record<string, unknown>)[name], name).toBe('function');
      expect(listed.has(name), name).toBe(true);
    }
  });
  it('docs/API.md names every value export of every entry point (in backticks)', () => {
    const exportsOf = publicExports(ENTRY_POINTS.map((e) => e.source));
    const missing: string[] = [];
    for (const e of ENTRY_POINTS) {
      for (const l of exportsOf.get(e.source) ?? []) {
        if (l.kind === 'value' && !API_MD.includes('`' + l.name + '`')) missing.push(`${e.subpath}: ${l.name}`);
      }
    }
    expect(missing).toEqual([]);
  });
  it('docs/API.md documents every error code of LosskitErrorCode', () => {
    const codes = /export type LosskitErrorCode =([\s\S]*?);/.exec(readFileSync(ROOT + 'src/errors.ts', 'utf8'));
    const names = [...(codes?.[1] ?? '').matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThanOrEqual(9);
    for (const c of names) expect(API_MD, c).toContain('| `' + c + '` |');
  });
  it('every required canonical loss is exported, callable with valueAndGrad, and in listLosses()', () => {
    const listed = new Set(lk.listLosses().map((l) => l.name));
    for (const name of LOSSES) {
      const fn = (lk as Record<string, unknown>)[name] as lk.LossFunction;
      expect(typeof fn, name).toBe('function');
      expect(typeof fn.valueAndGrad, name).toBe('function');
      expect(lk.getLoss(name), name).toBe(fn);
      expect(listed.has(name), name).toBe(true);
    }
  });
  it('PyTorch, Keras and tfjs spellings resolve', () => {
    for (const name of [...PYTORCH, ...KERAS, ...TFJS]) expect(() => lk.getLoss(name), name).not.toThrow();
  });
  it('every listed loss has a description and aliases are unique', () => {
    const seen = new Set<string>();
    for (const l of lk.listLosses()) {
      expect(l.description.length, l.name).toBeGreaterThan(10);
      for (const n of [l.name, ...l.aliases.map((a) => a.name)]) {
        expect(seen.has(n), `duplicate name ${n}`).toBe(false);
        seen.add(n);
      }
    }
  });
  it('every required metric resolves by canonical and scikit-learn name, with a one-shot function', () => {
    for (const name of METRICS) {
      expect(lk.getMetric(name).name).toBe(name);
      expect(typeof (lk.metrics as Record<string, unknown>)[name], name).toBe('function');
    }
    for (const name of SKLEARN) expect(() => lk.getMetric(name), name).not.toThrow();
  });
  it('metric one-shots that are not loss names are also top-level exports (the same function)', () => {
    const losses = new Set(LOSSES.concat('logLoss'));
    for (const name of METRICS.filter((m) => !losses.has(m))) {
      expect((lk as Record<string, unknown>)[name], name).toBe((lk.metrics as Record<string, unknown>)[name]);
    }
  });
});
