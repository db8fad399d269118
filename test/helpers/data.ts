/** Test fixtures: IDX files written to temporary folders, and small slices of the real data. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DEBIAN_DIR, FILES } from '../../src/data/dataset.ts';
import { encodeIdx, readIdxImages, readIdxLabels } from '../../src/data/idx.ts';

export function tempDir(prefix = 'fmnist-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a dataset folder with the given images (n × 28 × 28 bytes) and labels for both splits. */
export function writeDataset(dir: string, train: { images: Uint8Array; labels: Uint8Array }, test = train, gzip = true): string {
  const put = (base: string, data: Uint8Array, shape: number[]) => {
    const bytes = encodeIdx(data, shape);
    writeFileSync(join(dir, gzip ? base + '.gz' : base), gzip ? gzipSync(bytes) : bytes);
  };
  put(FILES.trainImages, train.images, [train.labels.length, 28, 28]);
  put(FILES.trainLabels, train.labels, [train.labels.length]);
  put(FILES.testImages, test.images, [test.labels.length, 28, 28]);
  put(FILES.testLabels, test.labels, [test.labels.length]);
  return dir;
}

/** The first `nTrain` / `nTest` images of the real Fashion-MNIST, written as a dataset folder. */
export function realSlice(nTrain: number, nTest: number): string {
  const cut = (imgs: string, lbls: string, n: number) => {
    const i = readIdxImages(join(DEBIAN_DIR, imgs + '.gz'));
    const l = readIdxLabels(join(DEBIAN_DIR, lbls + '.gz'));
    return { images: i.pixels.slice(0, n * 784), labels: l.labels.slice(0, n) };
  };
  return writeDataset(tempDir('fmnist-slice-'),
    cut(FILES.trainImages, FILES.trainLabels, nTrain), cut(FILES.testImages, FILES.testLabels, nTest));
}
