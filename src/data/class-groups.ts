/**
 * Datasets derived by regrouping classes, for a hierarchical classifier: one where a group of
 * classes is merged into a single class (the coarse problem), and one holding only the group's
 * images, relabelled 0..g-1 (the specialist's problem). Both keep the images as they are.
 */
import type { Dataset, Split } from './dataset.ts';
import { DataError } from './idx.ts';
import { subset } from './preprocess.ts';

export interface ClassGrouping {
  /** Original class → class in the merged dataset. */
  coarseOf: number[];
  /** The merged class's index in the coarse dataset. */
  mergedClass: number;
  /** The group's classes, in order: the specialist's class i is group[i]. */
  group: number[];
}

/** Checks the group against the dataset's classes: at least 2 distinct, in range, not all of them. */
export function classGrouping(numClasses: number, group: number[]): ClassGrouping {
  if (group.length < 2) throw new DataError(`class group: expected at least 2 classes to merge, got ${group.length}`);
  if (new Set(group).size !== group.length) throw new DataError(`class group: a class is listed twice in ${group.join(',')}`);
  const bad = group.find((c) => !Number.isInteger(c) || c < 0 || c >= numClasses);
  if (bad !== undefined) throw new DataError(`class group: class ${bad} is not one of the dataset's classes 0..${numClasses - 1}`);
  if (group.length === numClasses) throw new DataError('class group: merging every class leaves nothing to tell apart');
  const sorted = [...group].sort((a, b) => a - b);
  const mergedClass = sorted[0];
  const coarseOf: number[] = [];
  let next = 0;
  for (let c = 0; c < numClasses; c++) {
    if (c === mergedClass) coarseOf.push(next++);
    else if (sorted.includes(c)) coarseOf.push(-1); // filled below
    else coarseOf.push(next++);
  }
  const merged = coarseOf[mergedClass];
  for (const c of sorted) coarseOf[c] = merged;
  return { coarseOf, mergedClass: merged, group: sorted };
}

function relabel(split: Split, map: (y: number) => number): Split {
  return { count: split.count, images: split.images, labels: Uint8Array.from(split.labels, map) };
}

function only(split: Split, group: number[], size: number): Split {
  const idx: number[] = [];
  for (let i = 0; i < split.count; i++) if (group.includes(split.labels[i])) idx.push(i);
  return relabel(subset(split, idx, size), (y) => group.indexOf(y));
}

/** The dataset with the group merged into one class, named after its members. */
export function coarseDataset(ds: Dataset, g: ClassGrouping): Dataset {
  const classNames: string[] = [];
  ds.classNames.forEach((name, c) => {
    if (c === g.group[0]) classNames.push(g.group.map((m) => ds.classNames[m]).join(' | '));
    else if (!g.group.includes(c)) classNames.push(name);
  });
  return {
    ...ds, name: `${ds.name} (${g.group.join('+')} merged)`, classNames,
    train: relabel(ds.train, (y) => g.coarseOf[y]), test: relabel(ds.test, (y) => g.coarseOf[y]),
    checksum: `${ds.checksum}:merge-${g.group.join('-')}`,
  };
}

/** Only the group's images, relabelled by their position in the group. */
export function groupDataset(ds: Dataset, g: ClassGrouping): Dataset {
  const size = ds.rows * ds.cols;
  return {
    ...ds, name: `${ds.name} (classes ${g.group.join(', ')} only)`, classNames: g.group.map((c) => ds.classNames[c]),
    train: only(ds.train, g.group, size), test: only(ds.test, g.group, size),
    checksum: `${ds.checksum}:only-${g.group.join('-')}`,
  };
}
