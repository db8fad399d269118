/** Parsing of option values shared by the commands; errors name the option and what it expects. */
import { InvalidArgumentError } from 'commander';
import { parseAugment, type AugmentConfig } from '../data/augment-config.ts';
import { parseBackendChoice, type BackendChoice } from '../engine/index.ts';
import { parseTta, type TtaView } from '../evaluate/tta.ts';
import type { ScheduleConfig } from '../train/config.ts';
import { parseSchedule } from '../train/schedules.ts';
import { ConsoleProgress, JsonLinesProgress, QuietProgress, type ProgressReporter } from '../train/progress.ts';

export function int(min = 0) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}, got '${v}'`);
    return n;
  };
}

export function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got '${v}'`);
  return n;
}

export function fraction(v: string): number {
  const n = Number(v);
  if (!(n >= 0 && n < 1)) throw new InvalidArgumentError(`expected a number in [0, 1), got '${v}'`);
  return n;
}

export function backend(v: string): BackendChoice {
  try {
    return parseBackendChoice(v, '--backend');
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace('--backend: ', ''));
  }
}

/** `constant`, `step:EVERY:GAMMA`, `cosine[:MIN_LR]`, `one-cycle[:MAX_LR]`. */
export function schedule(v: string): ScheduleConfig {
  try {
    return parseSchedule(v, '--schedule');
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace(/^--schedule: /, ''));
  }
}

/** `shift:2,flip,rotate:10,...`, `none` or a JSON AugmentConfig (see parseAugment). */
export function augment(v: string): AugmentConfig {
  try {
    return parseAugment(v, '--augment');
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace(/^--augment: /, ''));
  }
}

/** A comma-separated list of class numbers: `2,6`. */
export function classList(v: string): number[] {
  const parts = v.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  const bad = parts.findIndex((p, i) => p === '' || !Number.isInteger(nums[i]) || nums[i] < 0);
  if (bad >= 0) throw new InvalidArgumentError(`expected class numbers separated by commas (e.g. 2,6), got '${parts[bad]}' in '${v}'`);
  if (new Set(nums).size !== nums.length) throw new InvalidArgumentError(`a class is listed twice in '${v}'`);
  return nums;
}

export function runId(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a run id (a positive integer), got '${v}'`);
  return n;
}

export function progressFor(opts: { json?: boolean; quiet?: boolean }): ProgressReporter {
  if (opts.json) return new JsonLinesProgress();
  if (opts.quiet) return new QuietProgress();
  return new ConsoleProgress();
}

/** `--tta flip,shift:1`: test-time augmentation views (see parseTta). */
export function ttaOption(v: string): TtaView[] {
  try {
    return parseTta(v, '--tta');
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace(/^--tta: /, ''));
  }
}
