/**
 * The loss families of the catalogue. Each family file exports its entries; the registry reads
 * them from here.
 */
import { binaryLosses } from './binary.js';
import { classificationLosses } from './classification.js';
import { divergenceLosses } from './divergence.js';
import { embeddingLosses } from './embedding.js';
import { metricLearningLosses } from './metric-learning.js';
import { multilabelLosses } from './multilabel.js';
import { rankingLosses } from './ranking.js';
import type { LossEntry } from './registry-types.js';
import { regressionLosses } from './regression.js';
import { segmentationLosses } from './segmentation.js';
import { sequenceLosses } from './sequence.js';
import { weightedLosses } from './weighted.js';

export const LOSS_FAMILIES: readonly (readonly LossEntry[])[] = [
  regressionLosses,
  binaryLosses,
  classificationLosses,
  divergenceLosses,
  rankingLosses,
  embeddingLosses,
  multilabelLosses,
  sequenceLosses,
  segmentationLosses,
  metricLearningLosses,
  weightedLosses,
];
