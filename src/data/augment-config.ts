/**
 * Augmentation settings: the random image transforms a run trains with, as stored in its config,
 * set by `--augment` or by a model spec's training defaults. Validation names the field, the value
 * and what was expected; the compact syntax is `shift:2,flip,rotate:10,zoom:0.1,shear:5,erase:0.5`.
 */

export type FillMode = 'constant' | 'nearest';

/** Random erasing (Zhong et al., 2017): one rectangle of random size, shape and place per image. */
export interface EraseConfig {
  /** Probability that an image gets a rectangle erased (the paper's p; default 0.5). */
  p?: number;
  /** The rectangle's area as a fraction of the image, [min, max] (the paper's sl, sh; default [0.02, 0.4]). */
  area?: [number, number];
  /** Its height/width ratio, [min, max] (the paper's r1, 1/r1; default [0.3, 1/0.3]). */
  aspect?: [number, number];
  /** A pixel value in [0, 1] (0 black) written into it, or 'random': a uniform value per pixel (the paper's best; default). */
  value?: number | 'random';
}

/**
 * Every field is optional; absent or 0 means that transform is off. Each image draws its own
 * parameters uniformly within the ranges.
 */
export interface AugmentConfig {
  /** Horizontal shift, a whole number of pixels: each image moves by an integer in [-n, n]. */
  widthShift?: number;
  /** Vertical shift, likewise. */
  heightShift?: number;
  /** Probability of a horizontal (left-right) flip. */
  flip?: number;
  /** Rotation range in degrees: an angle in [-r, r]; positive turns counterclockwise. */
  rotate?: number;
  /** Zoom range: a magnification in [1 - z, 1 + z] about the centre (> 1 enlarges). */
  zoom?: number;
  /** Shear range in degrees: an angle in [-s, s]; rows below the centre move right for positive angles. */
  shear?: number;
  /** What enters where the image moved away: 'constant' (black background, default) or 'nearest' (edge pixels repeated). */
  fill?: FillMode;
  erase?: EraseConfig;
  /** Augment only images of these classes (others pass through untouched), as seed 003 did for classes 2 and 6. */
  classes?: number[];
  /**
   * Offline expansion (seed 000): before training, append this many augmented copies of every
   * (targeted) training image, drawn once from the run's seed; batches are then not augmented again.
   */
  copies?: number;
}

export const ERASE_DEFAULTS = { p: 0.5, area: [0.02, 0.4], aspect: [0.3, 1 / 0.3], value: 'random' } as const;
export const FLIP_DEFAULT = 0.5;

export class AugmentError extends Error {
  override name = 'AugmentError';
}

const FIELDS = ['widthShift', 'heightShift', 'flip', 'rotate', 'zoom', 'shear', 'fill', 'erase', 'classes', 'copies'] as const;
const ERASE_FIELDS = ['p', 'area', 'aspect', 'value'] as const;

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v === undefined) return 'nothing';
  return JSON.stringify(v) ?? String(v);
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function check(ok: boolean, where: string, expected: string, got: unknown): void {
  if (!ok) throw new AugmentError(`${where}: expected ${expected}, got ${show(got)}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function knownKeys(o: Record<string, unknown>, keys: readonly string[], where: string): void {
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) throw new AugmentError(`${where}: unknown setting '${k}'; expected one of ${keys.join(', ')}`);
  }
}

function range(v: unknown, where: string, ok: (lo: number, hi: number) => boolean, expected: string): void {
  check(Array.isArray(v) && v.length === 2 && isNum(v[0]) && isNum(v[1]) && v[0] <= v[1] && ok(v[0], v[1]), where, expected, v);
}

/** Checks settings from a config file, a stored run or a spec; throws an AugmentError naming the field. */
export function validateAugment(raw: unknown, where = 'augment'): AugmentConfig {
  check(isObject(raw), where, 'an object of augmentation settings', raw);
  const c = raw as Record<string, unknown>;
  knownKeys(c, FIELDS, where);
  for (const k of ['widthShift', 'heightShift'] as const) {
    if (c[k] !== undefined) check(Number.isInteger(c[k]) && (c[k] as number) >= 0, `${where}.${k}`, 'a whole number of pixels ≥ 0', c[k]);
  }
  if (c.flip !== undefined) check(isNum(c.flip) && c.flip >= 0 && c.flip <= 1, `${where}.flip`, 'a probability in [0, 1]', c.flip);
  if (c.rotate !== undefined) check(isNum(c.rotate) && c.rotate >= 0 && c.rotate <= 180, `${where}.rotate`, 'degrees in [0, 180]', c.rotate);
  if (c.zoom !== undefined) check(isNum(c.zoom) && c.zoom >= 0 && c.zoom < 1, `${where}.zoom`, 'a number in [0, 1)', c.zoom);
  if (c.shear !== undefined) check(isNum(c.shear) && c.shear >= 0 && c.shear <= 60, `${where}.shear`, 'degrees in [0, 60]', c.shear);
  if (c.fill !== undefined) check(c.fill === 'constant' || c.fill === 'nearest', `${where}.fill`, "'constant' or 'nearest'", c.fill);
  if (c.erase !== undefined) {
    const w = `${where}.erase`;
    check(isObject(c.erase), w, 'an object {p, area, aspect, value}', c.erase);
    const e = c.erase as Record<string, unknown>;
    knownKeys(e, ERASE_FIELDS, w);
    if (e.p !== undefined) check(isNum(e.p) && e.p >= 0 && e.p <= 1, `${w}.p`, 'a probability in [0, 1]', e.p);
    if (e.area !== undefined) range(e.area, `${w}.area`, (lo, hi) => lo > 0 && hi < 1, '[min, max] fractions of the image with 0 < min ≤ max < 1');
    if (e.aspect !== undefined) range(e.aspect, `${w}.aspect`, (lo) => lo > 0, '[min, max] height/width ratios with 0 < min ≤ max');
    if (e.value !== undefined) check(e.value === 'random' || (isNum(e.value) && e.value >= 0 && e.value <= 1), `${w}.value`, "a pixel value in [0, 1] or 'random'", e.value);
  }
  if (c.classes !== undefined) {
    const cl = c.classes;
    check(Array.isArray(cl) && cl.length > 0 && cl.every((x) => Number.isInteger(x) && x >= 0 && x < 256) && new Set(cl).size === cl.length,
      `${where}.classes`, 'a non-empty list of distinct class numbers (0, 1, ...)', cl);
  }
  if (c.copies !== undefined) check(Number.isInteger(c.copies) && (c.copies as number) >= 1 && (c.copies as number) <= 100, `${where}.copies`, 'a whole number of copies in [1, 100]', c.copies);
  return raw as AugmentConfig;
}

/** Whether any transform is on (settings that only name classes or copies do nothing). */
export function hasTransforms(c: AugmentConfig | undefined): boolean {
  if (!c) return false;
  return Boolean(c.widthShift || c.heightShift || c.flip || c.rotate || c.zoom || c.shear || (c.erase && (c.erase.p ?? ERASE_DEFAULTS.p) > 0));
}

const TOKENS = ['shift', 'flip', 'rotate', 'zoom', 'shear', 'erase', 'fill'];
const SYNTAX = 'shift:PIXELS[:PIXELS_Y], flip[:P], rotate:DEGREES, zoom:RANGE, shear:DEGREES, erase[:P], fill:constant|nearest';

/**
 * The compact `--augment` syntax, comma-separated: `shift:N` (both axes) or `shift:W:H`, `flip` or
 * `flip:P`, `rotate:D`, `zoom:Z`, `shear:D`, `erase` or `erase:P` (the paper's other defaults),
 * `fill:constant|nearest`; `none` for no augmentation; or a JSON object of AugmentConfig.
 */
export function parseAugment(text: string, where = '--augment', fieldWhere = 'augment'): AugmentConfig {
  const t = text.trim();
  if (t === 'none' || t === '') return {};
  if (t.startsWith('{')) {
    let raw: unknown;
    try {
      raw = JSON.parse(t);
    } catch (err) {
      throw new AugmentError(`${where}: bad JSON: ${(err as Error).message}`);
    }
    return validateAugment(raw, fieldWhere);
  }
  const c: AugmentConfig = {};
  const seen = new Set<string>();
  for (const token of t.split(',').map((s) => s.trim())) {
    const [name, ...args] = token.split(':');
    if (!TOKENS.includes(name)) throw new AugmentError(`${where}: unknown transform '${name}' in '${text}'; expected ${SYNTAX}`);
    if (seen.has(name)) throw new AugmentError(`${where}: '${name}' given twice in '${text}'`);
    seen.add(name);
    if (name === 'fill') {
      if (args.length !== 1) throw new AugmentError(`${where}: '${token}': expected fill:constant or fill:nearest`);
      c.fill = args[0] as FillMode;
      continue;
    }
    const nums = args.map(Number);
    const bad = args.findIndex((a, i) => a === '' || !Number.isFinite(nums[i]));
    if (bad >= 0) throw new AugmentError(`${where}: '${token}': '${args[bad]}' is not a number`);
    const optional = name === 'flip' || name === 'erase';
    const maxArgs = name === 'shift' ? 2 : 1;
    if ((!optional && args.length === 0) || args.length > maxArgs) {
      throw new AugmentError(`${where}: '${token}': expected ${SYNTAX.split(', ').find((s) => s.startsWith(name))}`);
    }
    if (name === 'shift') { c.widthShift = nums[0]; c.heightShift = nums[1] ?? nums[0]; }
    if (name === 'flip') c.flip = nums[0] ?? FLIP_DEFAULT;
    if (name === 'rotate') c.rotate = nums[0];
    if (name === 'zoom') c.zoom = nums[0];
    if (name === 'shear') c.shear = nums[0];
    if (name === 'erase') c.erase = { p: nums[0] ?? ERASE_DEFAULTS.p };
  }
  return validateAugment(c, fieldWhere);
}

const fmt = (n: number) => String(Number(n.toPrecision(4)));

/** A one-line description, in the compact syntax where it can be: `shift:2,flip,rotate:10 on classes 2, 6`. */
export function describeAugment(c: AugmentConfig | undefined): string {
  if (!c || !hasTransforms(c)) return 'none';
  const parts: string[] = [];
  if (c.widthShift || c.heightShift) {
    parts.push(c.widthShift === c.heightShift ? `shift:${c.widthShift}` : `shift:${c.widthShift ?? 0}:${c.heightShift ?? 0}`);
  }
  if (c.flip) parts.push(c.flip === FLIP_DEFAULT ? 'flip' : `flip:${fmt(c.flip)}`);
  if (c.rotate) parts.push(`rotate:${fmt(c.rotate)}`);
  if (c.zoom) parts.push(`zoom:${fmt(c.zoom)}`);
  if (c.shear) parts.push(`shear:${fmt(c.shear)}`);
  if (c.erase && (c.erase.p ?? ERASE_DEFAULTS.p) > 0) {
    const e = c.erase;
    const extra = [
      e.area && `area ${fmt(e.area[0])}-${fmt(e.area[1])}`,
      e.aspect && `aspect ${fmt(e.aspect[0])}-${fmt(e.aspect[1])}`,
      e.value !== undefined && e.value !== 'random' && `value ${fmt(e.value)}`,
    ].filter(Boolean);
    parts.push(`erase:${fmt(e.p ?? ERASE_DEFAULTS.p)}${extra.length ? ` (${extra.join(', ')})` : ''}`);
  }
  if (c.fill === 'nearest') parts.push('fill:nearest');
  let s = parts.join(',');
  if (c.classes) s += ` on classes ${c.classes.join(', ')}`;
  if (c.copies) s += `, ${c.copies} offline ${c.copies === 1 ? 'copy' : 'copies'}`;
  return s;
}
