/**
 * A training config that starts from the training settings a model's spec states (its source's
 * optimizer, learning rate, batch size, epochs, validation split, schedule, augmentation, label smoothing), on top
 * of the defaults: what `fmnist train --model NAME` and a study's base both start from.
 */
import { parseAugment } from '../data/augment-config.ts';
import { parseValidationSplit } from '../data/preprocess.ts';
import type { ModelSpec } from '../models/types.ts';
import { defaultConfig, type TrainConfig } from './config.ts';
import { parseSchedule } from './schedules.ts';

/** `model` is the config's model field (a zoo name or file); `spec` its resolved spec. */
export function configForModel(model: string, spec: ModelSpec): TrainConfig {
  const c = defaultConfig(model);
  const t = spec.training;
  if (!t) return c;
  const where = (field: string) => `model ${model} training.${field}`;
  if (t.optimizer) c.optimizer = { name: t.optimizer, ...(t.momentum !== undefined ? { momentum: t.momentum } : {}) };
  if (t.learningRate !== undefined) c.optimizer.learningRate = t.learningRate;
  if (t.batchSize !== undefined) c.batchSize = t.batchSize;
  if (t.epochs !== undefined) c.epochs = t.epochs;
  if (t.validation !== undefined) c.validation = parseValidationSplit(t.validation, where('validation'));
  if (t.schedule !== undefined) c.schedule = parseSchedule(t.schedule, where('schedule'));
  if (t.labelSmoothing !== undefined) c.labelSmoothing = t.labelSmoothing;
  if (t.ema !== undefined) c.ema = { decay: t.ema };
  if (t.augment !== undefined) c.augment = typeof t.augment === 'string' ? parseAugment(t.augment, where('augment')) : structuredClone(t.augment);
  return c;
}
