/**
 * `getLoss(name)` / `listLosses()`: every loss under its canonical name and its PyTorch, Keras
 * and TensorFlow.js aliases, each alias with its dialect's defaults.
 */
import { LosskitError, describe } from '../errors.js';
import { checkShapeOf, suggest } from '../validate.js';
import { LOSS_FAMILIES } from './catalog.js';
import type { LossFunction } from './core.js';
import { withDefaults } from './define.js';
import type { Dialect, LossEntry } from './registry-types.js';

export type { Dialect, LossAlias, LossEntry } from './registry-types.js';

interface Resolved {
  entry: LossEntry;
  dialect: Dialect | 'canonical';
  fn: LossFunction;
}

let table: Map<string, Resolved> | null = null;
const customEntries: LossEntry[] = [];

function allEntries(): LossEntry[] {
  return [...LOSS_FAMILIES.flat(), ...customEntries];
}

function build(): Map<string, Resolved> {
  const t = new Map<string, Resolved>();
  const add = (name: string, r: Resolved): void => {
    const prev = t.get(name);
    if (prev !== undefined && prev.entry !== r.entry) {
      throw new Error(`losskit internal: loss name '${name}' is claimed by ${prev.entry.name} and ${r.entry.name}`);
    }
    if (prev === undefined || r.dialect === 'canonical') t.set(name, r);
  };
  for (const entry of allEntries()) {
    add(entry.name, { entry, dialect: 'canonical', fn: entry.fn });
    // A dialect's own implementation (e.g. Keras's categorical cross-entropy on probabilities)
    // resolves under its own name too: every loss function's lossName is a registry name.
    for (const v of variants(entry)) add(v.name, { entry, dialect: v.dialect, fn: v.fn });
    for (const a of entry.aliases) {
      // Each alias is its own function object: the dialect's defaults bound, and errors naming
      // the alias the caller used.
      add(a.name, { entry, dialect: a.dialect, fn: withDefaults(a.fn ?? entry.fn, a.defaults ?? {}, a.name) });
    }
  }
  return t;
}

/** The dialect implementations of an entry (aliases with their own `fn`), once each. */
function variants(entry: LossEntry): { name: string; dialect: Dialect; fn: LossFunction }[] {
  const out: { name: string; dialect: Dialect; fn: LossFunction }[] = [];
  for (const a of entry.aliases) {
    if (a.fn !== undefined && a.fn.lossName !== entry.name && !out.some((v) => v.fn === a.fn)) {
      out.push({ name: a.fn.lossName, dialect: a.dialect, fn: a.fn });
    }
  }
  return out;
}

function lookup(): Map<string, Resolved> {
  if (table === null) table = build();
  return table;
}

/**
 * The loss for any of its spellings — canonical (`crossEntropy`), PyTorch (`CrossEntropyLoss`,
 * `cross_entropy`), Keras (`categorical_crossentropy`, `CategoricalCrossentropy`, with Keras
 * defaults) or TensorFlow.js (`softmaxCrossEntropy`) — with that dialect's defaults bound.
 *
 * @throws LosskitError `UNKNOWN_NAME`, suggesting the closest known name.
 */
export function getLoss(name: string): LossFunction {
  const t = lookup();
  const r = typeof name === 'string' ? t.get(name) : undefined;
  if (r === undefined) {
    const hint = typeof name === 'string' ? suggest(name, [...t.keys()]) : undefined;
    throw new LosskitError(
      'UNKNOWN_NAME',
      'getLoss',
      `'name' must be a known loss name; received ${describe(name)}${hint ? ` (did you mean '${hint}'?)` : ''}. listLosses() lists every name`,
      'name',
    );
  }
  return r.fn;
}

export interface LossInfo {
  name: string;
  description: string;
  aliases: { name: string; dialect: Dialect }[];
}

/** Every canonical loss with its aliases and a one-line description. */
export function listLosses(): LossInfo[] {
  return allEntries().map((e) => ({
    name: e.name,
    description: e.description,
    aliases: [
      ...e.aliases.map((a) => ({ name: a.name, dialect: a.dialect })),
      ...variants(e).map((v) => ({ name: v.name, dialect: v.dialect })),
    ],
  }));
}

/** Adds a loss (e.g. from `defineLoss`) to the registry. */
export function registerLoss(entry: LossEntry): void {
  checkShapeOf('registerLoss', 'entry', entry, '{ name, fn, description, aliases } (a LossEntry)', {
    name: 'string',
    fn: 'function',
    description: 'string',
    aliases: 'array',
  });
  const t = lookup();
  for (const n of [entry.name, ...entry.aliases.map((a) => a.name)]) {
    if (t.has(n))
      throw new LosskitError(
        'INVALID_OPTION',
        'registerLoss',
        `loss name '${n}' is already registered; expected a new name`,
        'name',
      );
  }
  customEntries.push(entry);
  table = null;
}
