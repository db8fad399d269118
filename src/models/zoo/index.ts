/**
 * The model zoo: the project's baselines, its fast CPU recipes and the networks of the five seed reports, by name.
 * Specs are frozen; take a copy (resolveModel does) before changing one.
 */
import type { ModelSpec } from '../types.ts';
import { baselineModels } from './baseline.ts';
import { recipeModels } from './recipes.ts';
import { seed000Models } from './seed000.ts';
import { seed001Models } from './seed001.ts';
import { seed002Models } from './seed002.ts';
import { seed003Models } from './seed003.ts';
import { seed004Models } from './seed004.ts';

/** The model `fmnist train` uses when none is named. */
export const DEFAULT_MODEL = 'small-cnn';

const ordered: ModelSpec[] = [
  ...baselineModels, ...recipeModels, ...seed000Models, ...seed001Models, ...seed002Models, ...seed003Models, ...seed004Models,
];

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function byName(specs: ModelSpec[]): Record<string, ModelSpec> {
  const out: Record<string, ModelSpec> = {};
  for (const spec of specs) {
    if (Object.hasOwn(out, spec.name)) throw new Error(`zoo: duplicate model name '${spec.name}'`);
    out[spec.name] = deepFreeze(spec);
  }
  return out;
}

export const zoo: Readonly<Record<string, ModelSpec>> = Object.freeze(byName(ordered));

export interface ZooEntry {
  name: string;
  description: string;
  input: ModelSpec['input'];
  /** Where the spec comes from: `fmnist-lab` or `seed000` ... `seed004`. */
  origin: string;
}

/** The zoo in display order: baselines first, then seed by seed. */
export function listZoo(): ZooEntry[] {
  return ordered.map((s) => ({
    name: s.name,
    description: s.description ?? '',
    input: s.input,
    origin: /^seed\d{3}/.exec(s.name)?.[0] ?? 'fmnist-lab',
  }));
}
