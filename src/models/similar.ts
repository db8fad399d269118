/** "Did you mean" suggestions for misspelt names (layer types, fields, zoo models). */

/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost));
    }
    prev = row;
  }
  return prev[t.length];
}

/**
 * Candidates close to `word`, best first: those within an edit distance of about a third of the
 * word's length, and those that contain it or that it contains (e.g. `v5` → `seed004-v5`).
 */
export function closeMatches(word: string, candidates: readonly string[], limit = 3): string[] {
  const w = word.toLowerCase();
  const budget = Math.max(1, Math.floor(w.length / 3));
  return candidates
    .map((c) => {
      const lc = c.toLowerCase();
      const contains = w.length >= 2 && (lc.includes(w) || w.includes(lc));
      return { c, d: editDistance(w, lc), contains };
    })
    .filter((x) => x.d <= budget || x.contains)
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))
    .slice(0, limit)
    .map((x) => x.c);
}
