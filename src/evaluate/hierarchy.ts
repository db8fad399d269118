/** Combining a hierarchical classifier's two models into probabilities over the original classes. */
import type { ClassGrouping } from '../data/class-groups.ts';

/**
 * The hierarchical classifier's probabilities over the original classes: a class outside the group
 * gets the coarse model's probability; a group member c gets P(group) · P_specialist(c).
 */
export function combineHierarchy(coarse: Float32Array, specialist: Float32Array, g: ClassGrouping, count: number): Float32Array {
  const k = g.coarseOf.length;
  const kc = coarse.length / count;
  const ks = g.group.length;
  const out = new Float32Array(count * k);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < k; c++) {
      const pc = coarse[i * kc + g.coarseOf[c]];
      const j = g.group.indexOf(c);
      out[i * k + c] = j < 0 ? pc : pc * specialist[i * ks + j];
    }
  }
  return out;
}
