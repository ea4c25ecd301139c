/** segmentation losses (to be filled in; see the loss catalogue issues). */
import type { LossEntry } from './registry-types.js';

export const segmentationLosses: LossEntry[] = [];
