/**
 * Axis ticks at "nice" values (1, 2 or 5 times a power of ten), the way people label axes by
 * hand, and the matching tick labels.
 */

export interface Ticks {
  /** Axis range, widened outwards to whole steps so the data fits between the end ticks. */
  min: number;
  max: number;
  step: number;
  values: number[];
  /** Decimal places that show every tick exactly. */
  decimals: number;
}

/** The nice step (1, 2 or 5 × 10^k) giving at most about `maxTicks` intervals over `span`. */
export function niceStep(span: number, maxTicks: number): number {
  const raw = span / Math.max(1, maxTicks);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / magnitude;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * magnitude;
}

/**
 * Ticks covering [lo, hi]. A zero-width range is widened so a constant series still gets an axis;
 * `integer` keeps steps whole (for epoch counts).
 */
export function niceTicks(lo: number, hi: number, maxTicks = 5, integer = false): Ticks {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new Error(`niceTicks: range must be finite, got [${lo}, ${hi}]`);
  if (lo > hi) throw new Error(`niceTicks: range [${lo}, ${hi}] is reversed`);
  if (lo === hi) {
    const pad = integer ? 1 : lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  let step = niceStep(hi - lo, maxTicks);
  if (integer) step = Math.max(1, Math.round(step));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const first = Math.floor(lo / step + 1e-9), last = Math.ceil(hi / step - 1e-9);
  const values: number[] = [];
  for (let k = first; k <= last; k++) values.push(Number((k * step).toFixed(decimals)));
  return { min: values[0], max: values[values.length - 1], step, values, decimals };
}

/** A tick label: fixed decimals, never "-0". */
export function formatTick(value: number, decimals: number): string {
  const text = value.toFixed(decimals);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}
