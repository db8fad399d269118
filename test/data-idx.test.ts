import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { FASHION_CLASSES, FILES, loadDataset } from '../src/data/dataset.ts';
import { encodeIdx, readIdxImages, readIdxLabels } from '../src/data/idx.ts';
import { tempDir, writeDataset } from './helpers/data.ts';

const images = (n: number) => Uint8Array.from({ length: n * 784 }, (_, i) => i % 251);
const labels = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 10);

test('reads raw and gzipped IDX files with the same content', () => {
  const dir = tempDir();
  const data = images(3);
  writeFileSync(join(dir, 'raw'), encodeIdx(data, [3, 28, 28]));
  writeFileSync(join(dir, 'gz'), gzipSync(encodeIdx(data, [3, 28, 28])));
  for (const f of ['raw', 'gz']) {
    const r = readIdxImages(join(dir, f));
    assert.deepEqual([r.count, r.rows, r.cols], [3, 28, 28]);
    assert.deepEqual(r.pixels, data);
  }
});

test('wrong magic number names the file, what was found and what was expected', () => {
  const dir = tempDir();
  const p = join(dir, 'labels-as-images');
  writeFileSync(p, encodeIdx(labels(5), [5]));
  assert.throws(() => readIdxImages(p), { message: `${p}: bad magic number 2049 (a labels file); expected 2051 for IDX images` });
  const q = join(dir, 'junk');
  writeFileSync(q, Buffer.from([0, 0, 0, 7, 0, 0, 0, 1, 9]));
  assert.throws(() => readIdxLabels(q), { message: `${q}: bad magic number 7; expected 2049 for IDX labels` });
});

test('truncated files are reported with expected and actual sizes', () => {
  const dir = tempDir();
  const p = join(dir, 'short');
  writeFileSync(p, encodeIdx(images(2), [2, 28, 28]).subarray(0, 16 + 784 + 100));
  assert.throws(() => readIdxImages(p), { message: `${p}: truncated: header says 2x28x28 (1584 bytes) but the file has 900 bytes` });
  const h = join(dir, 'header');
  writeFileSync(h, Buffer.from([0, 0, 8, 3, 0]));
  assert.throws(() => readIdxImages(h), { message: `${h}: file is 5 bytes, too short for an IDX images header (16 bytes)` });
  const g = join(dir, 'badgz');
  writeFileSync(g, gzipSync(encodeIdx(labels(100), [100])).subarray(0, 30));
  assert.throws(() => readIdxLabels(g), (e: Error) => e.message.startsWith(`${g}: corrupt or truncated gzip stream`));
});

test('image and label counts must agree', () => {
  const dir = writeDataset(tempDir(), { images: images(4), labels: labels(4) });
  writeFileSync(join(dir, FILES.trainLabels + '.gz'), gzipSync(encodeIdx(labels(3), [3])));
  assert.throws(() => loadDataset({ dataDir: dir }), {
    message: `${join(dir, FILES.trainImages + '.gz')} has 4 images but ${join(dir, FILES.trainLabels + '.gz')} has 3 labels; expected equal counts`,
  });
});

test('a missing file in --data-dir is named', () => {
  const dir = tempDir();
  assert.throws(() => loadDataset({ dataDir: dir }), (e: Error) =>
    e.message.startsWith(`--data-dir ${dir}: missing train-images-idx3-ubyte[.gz]`));
});

test('an MNIST-format dataset by path gets numbered classes, or its classes.txt', () => {
  const dir = writeDataset(tempDir(), { images: images(6), labels: Uint8Array.from([0, 1, 2, 0, 1, 2]) }, undefined, false);
  const ds = loadDataset({ dataDir: dir });
  assert.deepEqual(ds.classNames, ['0', '1', '2']);
  assert.equal(ds.train.count, 6);
  writeFileSync(join(dir, 'classes.txt'), 'cat\ndog\nbird\n');
  assert.deepEqual(loadDataset({ dataDir: dir }).classNames, ['cat', 'dog', 'bird']);
  writeFileSync(join(dir, 'classes.txt'), 'cat\ndog\n');
  assert.throws(() => loadDataset({ dataDir: dir }), { message: `${join(dir, 'classes.txt')}: has 2 class names; expected 3 (one per line)` });
});

test('the real Fashion-MNIST loads with its class names and balanced classes', () => {
  const ds = loadDataset();
  assert.equal(ds.name, 'fashion-mnist');
  assert.deepEqual(ds.classNames, [...FASHION_CLASSES]);
  assert.equal(ds.train.count, 60000);
  assert.equal(ds.test.count, 10000);
  const counts = new Array(10).fill(0);
  for (const l of ds.train.labels) counts[l]++;
  assert.deepEqual(counts, new Array(10).fill(6000));
  assert.match(ds.checksum, /^[0-9a-f]{64}$/);
});
