/** Text renderings of metrics: scikit-learn's classification report, confusion matrix, tables. */
import { mostConfused, type ClassMetrics, type Metrics } from './metrics.ts';

const f2 = (x: number) => x.toFixed(2);

/** Formats rows of cells as an aligned table; numbers right-aligned, text left-aligned. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || /^[-+]?[\d.]+%?$/.test(String(r[i]))));
  const line = (r: string[]) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** Like sklearn.metrics.classification_report (two decimals). */
export function classificationReport(m: Metrics, classNames: string[]): string {
  const w = Math.max(12, ...classNames.map((n) => n.length));
  const row = (name: string, c: ClassMetrics) =>
    `${name.padStart(w)}  ${f2(c.precision).padStart(9)} ${f2(c.recall).padStart(9)} ${f2(c.f1).padStart(9)} ${String(c.support).padStart(9)}`;
  return [
    `${''.padStart(w)}  ${'precision'.padStart(9)} ${'recall'.padStart(9)} ${'f1-score'.padStart(9)} ${'support'.padStart(9)}`,
    '',
    ...m.perClass.map((c, i) => row(classNames[i] ?? String(i), c)),
    '',
    `${'accuracy'.padStart(w)}  ${''.padStart(9)} ${''.padStart(9)} ${f2(m.accuracy).padStart(9)} ${String(m.count).padStart(9)}`,
    row('macro avg', m.macro),
    row('weighted avg', m.weighted),
  ].join('\n');
}

export function confusionText(confusion: number[][], classNames: string[]): string {
  const short = classNames.map((n) => n.slice(0, 7));
  const w = Math.max(5, ...confusion.flat().map((v) => String(v).length), ...short.map((s) => s.length));
  const lw = Math.max(...classNames.map((n) => n.length));
  const head = `${'true \\ predicted'.padEnd(lw)}  ${short.map((s) => s.padStart(w)).join(' ')}`;
  return [head, ...confusion.map((r, i) => `${classNames[i].padEnd(lw)}  ${r.map((v) => String(v).padStart(w)).join(' ')}`)].join('\n');
}

export function mostConfusedText(confusion: number[][], classNames: string[], top = 5): string {
  return mostConfused(confusion, top)
    .map((c) => `${String(c.count).padStart(5)}  ${classNames[c.trueClass]} -> ${classNames[c.predicted]}`)
    .join('\n');
}

export const pct = (x: number, digits = 2) => `${(100 * x).toFixed(digits)}%`;
