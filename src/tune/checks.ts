/**
 * Option checks shared by the samplers and pruners: one clear line naming the component (e.g.
 * "median pruner", "tpe sampler"), the option and what it must be.
 */

export function checkInt(owner: string, option: string, value: number, min = -Infinity): number {
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${owner}: ${option} must be an integer${min > -Infinity ? ` >= ${min}` : ''}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function checkNumber(owner: string, option: string, value: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${owner}: ${option} must be a number in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

export function checkPositive(owner: string, option: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`${owner}: ${option} must be a number > 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function checkBool(owner: string, option: string, value: boolean): boolean {
  if (typeof value !== 'boolean') throw new Error(`${owner}: ${option} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/** A function option (gamma, weights): only code can pass one, but a study file might try. */
export function checkFunction<F>(owner: string, option: string, value: F): F {
  if (typeof value !== 'function') throw new Error(`${owner}: ${option} must be a function, got ${JSON.stringify(value)}`);
  return value;
}
