/**
 * `losskit merge` of shards whose text labels differ. Each shard maps its text labels to the
 * indices of its own sorted label set (scikit-learn's `classes_`); scikit-learn on the
 * concatenated data would use the sorted union. States are brought to the union when that is
 * exact, and refused with a clear `INVALID_INPUT` otherwise:
 * - binary: states count positives / negatives, so any label maps whose union has at most two
 *   labels (and the same positive label) merge as they are;
 * - multiclass with hard predictions (label columns only): every per-class count moves to its
 *   class's index in the union, zeros for the classes a shard never saw (per-class vectors of
 *   length C and C × C matrices, e.g. the confusion matrix) — the same counts as one pass;
 * - everything else (score columns per class, multilabel, states with other per-class layouts)
 *   is refused: the score columns themselves differ, or the remapping would not be exact.
 */
import type { MetricJSON } from '../../metrics/core.js';
import { getMetric } from '../../metrics/registry.js';
import { ClassificationReportStream, type ClassificationReportStreamJSON } from '../../metrics/report.js';
import type { EvalState } from './engine.js';
import { EvalInputError } from './source.js';

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const list = (l: string[]) => `{${l.join(', ')}}`;

/** The states with one label map (the sorted union), or an error naming the shard that cannot join. */
export function unifyLabels(states: EvalState[], names: string[]): EvalState[] {
  const first = states[0];
  const same = (s: EvalState) => JSON.stringify(s.plan.labels) === JSON.stringify(first.plan.labels);
  if (states.every(same)) return states;
  const k = states.findIndex((s) => !same(s));
  const other = states[k];
  const refuse = (why: string): never => {
    throw new EvalInputError(names[k], `cannot be merged with ${names[0]}: ${why}`);
  };
  if (other.plan.task !== first.plan.task) return states; // reported by merge's settings check
  if (first.plan.labels === null || other.plan.labels === null)
    refuse(
      `one has numeric labels and the other text labels (${list(first.plan.labels ?? other.plan.labels ?? [])}); evaluate every shard with the same label column`,
    );
  const union = [...new Set(states.flatMap((s) => s.plan.labels ?? []))].sort(byCodeUnit);
  const task = first.plan.task;
  if (task === 'binary') {
    if (union.length > 2)
      refuse(
        `binary shards with the labels ${list(first.plan.labels ?? [])} and ${list(other.plan.labels ?? [])} have ${union.length} labels in all; a binary evaluation has two (use --task multiclass, or fix the labels)`,
      );
    const pos = states.find((s) => String(s.plan.posLabel) !== String(first.plan.posLabel));
    if (pos !== undefined) return states; // a different positive label: reported by the settings check
    return states.map((s) => ({ ...s, plan: { ...s.plan, labels: union } }));
  }
  if (task !== 'multiclass' || !states.every((s) => s.plan.hardPredictions))
    refuse(
      `the class labels differ (${list(first.plan.labels ?? [])} and ${list(other.plan.labels ?? [])}) and the ${task === 'multiclass' ? 'score columns are per class' : `task is ${task}`}, so the shards describe different classes; name the score columns by class (p_cat, p_dog, …) with the same columns in every shard`,
    );
  return states.map((s, i) => remapState(s, union, names[i]));
}

/** A multiclass hard-prediction state moved to the label set `union` (a superset of its own). */
function remapState(s: EvalState, union: string[], name: string): EvalState {
  const own = s.plan.labels ?? [];
  if (JSON.stringify(own) === JSON.stringify(union)) return s;
  const to = own.map((l) => union.indexOf(l));
  const C = own.length;
  const D = union.length;
  const metrics = s.metrics.map((m) => {
    if (m.state === null) return m;
    const opts = { ...m.state.options, numClasses: D };
    const template = getMetric(m.state.metric, opts).toJSON();
    return { ...m, state: remapJSON(m.state, template, to, C, D, `${name}: metric '${m.metric}'`) };
  });
  let report: ClassificationReportStreamJSON | undefined;
  if (s.report !== undefined) {
    const template = new ClassificationReportStream({ task: 'multiclass', numClasses: D }).toJSON();
    report = {
      ...remapJSON(s.report, template, to, C, D, `${name}: the classification report`),
      sampleWeighted: s.report.sampleWeighted,
    };
  }
  return {
    ...s,
    plan: { ...s.plan, labels: union, numClasses: D },
    metrics,
    ...(report !== undefined ? { report } : {}),
  };
}

/**
 * One state in the layout of `template` (the same metric for D classes): numbers kept, arrays of
 * C values spread to D (index `to[i]`), C × C matrices to D × D, zeros elsewhere.
 */
function remapJSON(j: MetricJSON, template: MetricJSON, to: number[], C: number, D: number, where: string): MetricJSON {
  const keys = Object.keys(template.state);
  const have = Object.keys(j.state);
  const cannot = (why: string): never => {
    throw new EvalInputError(where, `its state cannot be moved to the union of the labels exactly (${why})`);
  };
  if (keys.length !== have.length || keys.some((k) => !have.includes(k))) cannot('per-class state fields');
  const state: MetricJSON['state'] = {};
  for (const key of keys) {
    const t = template.state[key];
    const v = j.state[key];
    if (typeof t !== 'object') {
      if (typeof v === 'object') cannot(`field '${key}'`);
      state[key] = v;
      continue;
    }
    if (!('f64' in t) || typeof v !== 'object' || !('f64' in v)) return cannot(`field '${key}' is a list`);
    const src = v.f64;
    const L = t.f64.length;
    const out = new Array<(typeof src)[number]>(L).fill(0);
    if (L === D * D && src.length === C * C) {
      for (let a = 0; a < C; a++) for (let b = 0; b < C; b++) out[to[a] * D + to[b]] = src[a * C + b];
    } else if (L === D && src.length === C) {
      for (let a = 0; a < C; a++) out[to[a]] = src[a];
    } else if (L === src.length && L !== C && L !== C * C) {
      for (let a = 0; a < L; a++) out[a] = src[a];
    } else cannot(`field '${key}' has ${src.length} values for ${C} classes`);
    state[key] = { f64: out };
  }
  return { ...j, options: template.options, fingerprint: template.fingerprint, state };
}
