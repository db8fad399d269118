/**
 * Finding and loading an MNIST-format dataset (Fashion-MNIST by default) from IDX files.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { DataError, readIdxImages, readIdxLabels } from './idx.ts';

export const FASHION_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

export const DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';
export const DATA_DIR_ENV = 'FMNIST_DATA_DIR';

/** The four files, without the optional `.gz`. */
export const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export interface Split {
  count: number;
  /** count × rows × cols bytes, 0..255. */
  images: Uint8Array;
  labels: Uint8Array;
}

export interface Dataset {
  name: string;
  dir: string;
  classNames: string[];
  rows: number;
  cols: number;
  train: Split;
  test: Split;
  /** SHA-256 of the decoded images and labels, train then test: identifies the data a run used. */
  checksum: string;
}

export function userCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'fmnist-lab', 'fashion-mnist');
}

/** Where Fashion-MNIST is looked for, in order. */
export function candidateDirs(dataDir?: string): { dir: string; from: string }[] {
  const out: { dir: string; from: string }[] = [];
  if (dataDir) out.push({ dir: dataDir, from: '--data-dir' });
  if (process.env[DATA_DIR_ENV]) out.push({ dir: process.env[DATA_DIR_ENV]!, from: DATA_DIR_ENV });
  out.push({ dir: DEBIAN_DIR, from: 'Debian package dataset-fashion-mnist' });
  out.push({ dir: userCacheDir(), from: 'user cache' });
  return out;
}

function findFile(dir: string, base: string): string | undefined {
  for (const name of [base + '.gz', base]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export function findDataDir(dataDir?: string): string {
  const tried = candidateDirs(dataDir);
  // An explicit directory is used or rejected, never silently skipped.
  const explicit = dataDir ? tried.slice(0, 1) : tried;
  for (const { dir } of explicit) {
    if (Object.values(FILES).every((f) => findFile(dir, f))) return dir;
  }
  if (dataDir) {
    const missing = Object.values(FILES).filter((f) => !findFile(dataDir, f));
    throw new DataError(`--data-dir ${dataDir}: missing ${missing.map((m) => m + '[.gz]').join(', ')}`);
  }
  throw new DataError(
    'Fashion-MNIST not found. Looked in: ' + tried.map((t) => `${t.dir} (${t.from})`).join(', ') +
    '. Install it with `apt-get install dataset-fashion-mnist`, run `fmnist data fetch`, or pass --data-dir.');
}

function readClassNames(dir: string, count: number): string[] | undefined {
  const p = join(dir, 'classes.txt');
  if (!existsSync(p)) return undefined;
  const names = readFileSync(p, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
  if (names.length !== count) {
    throw new DataError(`${p}: has ${names.length} class names; expected ${count} (one per line)`);
  }
  return names;
}

export interface LoadOptions {
  dataDir?: string;
  /** Class names; default: classes.txt beside the files, else Fashion-MNIST's (10 classes) or 0..N-1. */
  classNames?: string[];
  /** Keep only the first N of each split (small slices for tests and quick runs). */
  limitTrain?: number;
  limitTest?: number;
}

function loadSplit(dir: string, imagesBase: string, labelsBase: string, limit?: number) {
  const imgPath = findFile(dir, imagesBase)!;
  const lblPath = findFile(dir, labelsBase)!;
  const img = readIdxImages(imgPath);
  const lbl = readIdxLabels(lblPath);
  if (img.count !== lbl.count) {
    throw new DataError(`${imgPath} has ${img.count} images but ${lblPath} has ${lbl.count} labels; expected equal counts`);
  }
  const n = limit === undefined ? img.count : Math.min(limit, img.count);
  const size = img.rows * img.cols;
  const split: Split = { count: n, images: img.pixels.subarray(0, n * size), labels: lbl.labels.subarray(0, n) };
  return { split, rows: img.rows, cols: img.cols, allLabels: lbl.labels };
}

/** SHA-256 of Fashion-MNIST's 60,000 decoded training labels: recognises the dataset wherever it lies. */
const FASHION_TRAIN_LABELS_SHA256 = '657fbd221bfc9f4198cc14b5619cc33ec57c58dd0e47af4d99d6650759e869a7';

function isFashionTrainLabels(labels: Uint8Array): boolean {
  return createHash('sha256').update(labels).digest('hex') === FASHION_TRAIN_LABELS_SHA256;
}

export function loadDataset(opts: LoadOptions = {}): Dataset {
  const dir = findDataDir(opts.dataDir);
  const tr = loadSplit(dir, FILES.trainImages, FILES.trainLabels, opts.limitTrain);
  const te = loadSplit(dir, FILES.testImages, FILES.testLabels, opts.limitTest);
  if (tr.rows !== te.rows || tr.cols !== te.cols) {
    throw new DataError(`${dir}: train images are ${tr.rows}x${tr.cols} but test images are ${te.rows}x${te.cols}`);
  }
  let maxLabel = 0;
  for (const s of [tr.split, te.split]) for (const l of s.labels) if (l > maxLabel) maxLabel = l;
  const fashion = !opts.dataDir || isFashionTrainLabels(tr.allLabels);
  const classNames = opts.classNames ?? readClassNames(dir, maxLabel + 1) ??
    (fashion && maxLabel <= 9 ? [...FASHION_CLASSES] : Array.from({ length: maxLabel + 1 }, (_, i) => String(i)));
  if (classNames.length <= maxLabel) {
    throw new DataError(`${dir}: labels go up to ${maxLabel} but only ${classNames.length} class names were given`);
  }
  const hash = createHash('sha256');
  for (const s of [tr.split, te.split]) hash.update(s.images).update(s.labels);
  return {
    name: fashion ? 'fashion-mnist' : basename(dir),
    dir, classNames, rows: tr.rows, cols: tr.cols, train: tr.split, test: te.split, checksum: hash.digest('hex'),
  };
}
