/** Option checks shared by the pruners: one clear line naming the pruner, the option and what it must be. */

export function checkInt(pruner: string, option: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${pruner} pruner: ${option} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function checkNumber(pruner: string, option: string, value: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${pruner} pruner: ${option} must be a number in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}
