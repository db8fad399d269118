import { Command } from 'commander';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findDataDir, loadDataset, userCacheDir, type Split } from '../data/dataset.ts';
import { DataError } from '../data/idx.ts';
import { classCounts, fitNormalization } from '../data/preprocess.ts';
import { table } from '../evaluate/format.ts';
import { imageGrid } from '../report/index.ts';
import { writeFileAtomic } from '../store/files.ts';

/** The official Fashion-MNIST files and their SHA-256 (the same files Debian's package ships). */
const MIRROR = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';
const SHA256: Record<string, string> = {
  'train-images-idx3-ubyte.gz': 'b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7',
  'train-labels-idx1-ubyte.gz': '0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056',
  't10k-images-idx3-ubyte.gz': 'cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa',
  't10k-labels-idx1-ubyte.gz': '8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05',
};

function samplesPerClass(split: Split, k: number, perClass: number): Uint8Array[] {
  const size = split.images.length / split.count;
  const rows: Uint8Array[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < split.count; i++) {
    const row = rows[split.labels[i]];
    if (row.length < perClass) row.push(split.images.subarray(i * size, (i + 1) * size));
  }
  return rows.flat();
}

function classMeans(split: Split, k: number): Float32Array[] {
  const size = split.images.length / split.count;
  const sums = Array.from({ length: k }, () => new Float32Array(size));
  const counts = classCounts(split.labels, k);
  for (let i = 0; i < split.count; i++) {
    const s = sums[split.labels[i]];
    for (let j = 0; j < size; j++) s[j] += split.images[i * size + j];
  }
  return sums.map((s, c) => s.map((v) => v / Math.max(1, counts[c]) / 255));
}

async function fetchData(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const [name, sha] of Object.entries(SHA256)) {
    const path = join(dir, name);
    if (existsSync(path)) { process.stdout.write(`${path}: present\n`); continue; }
    let body: Buffer;
    try {
      const res = await fetch(MIRROR + name, { signal: AbortSignal.timeout(60_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      body = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      throw new DataError(`cannot download ${MIRROR}${name} (${(err as Error).message}). Offline? On Debian, ` +
        '`apt-get install dataset-fashion-mnist` puts the files in /usr/share/datasets/fashion-mnist; or copy the four ' +
        `*-ubyte.gz files from any Fashion-MNIST mirror into ${dir} (or pass --data-dir).`);
    }
    const got = createHash('sha256').update(body).digest('hex');
    if (got !== sha) throw new DataError(`${MIRROR}${name}: SHA-256 ${got} does not match the expected ${sha}; not saved`);
    writeFileAtomic(path, body);
    process.stdout.write(`${path}: downloaded, SHA-256 verified\n`);
  }
}

export function dataCommand(): Command {
  const data = new Command('data').description('the dataset: where it is, what is in it, getting it');
  data.command('info').description('counts per class and split, pixel statistics, sample and class-mean images (PNG)')
    .option('--data-dir <dir>', 'folder with the four IDX files')
    .option('--out <dir>', 'where to write the PNG pictures', 'fmnist-data-info')
    .action((o: { dataDir?: string; out: string }) => {
      const ds = loadDataset({ dataDir: o.dataDir });
      const k = ds.classNames.length;
      const tr = classCounts(ds.train.labels, k);
      const te = classCounts(ds.test.labels, k);
      const stats = (s: Split) => fitNormalization(s.images, 'standardize');
      process.stdout.write(`${ds.name} in ${ds.dir}: ${ds.train.count} train, ${ds.test.count} test images of ${ds.rows}x${ds.cols}\n`);
      process.stdout.write(`sha256 ${ds.checksum}\n\n`);
      process.stdout.write(table(['class', 'name', 'train', 'test'], ds.classNames.map((n, c) => [c, n, tr[c], te[c]])) + '\n\n');
      for (const [name, s] of [['train', ds.train], ['test', ds.test]] as const) {
        const st = stats(s);
        process.stdout.write(`${name} pixels (0..1): mean ${st.mean.toFixed(4)}, std ${st.std.toFixed(4)}\n`);
      }
      const out = resolve(o.out);
      mkdirSync(out, { recursive: true });
      const perClass = 10;
      imageGrid(samplesPerClass(ds.train, k, perClass).map((pixels) => ({ pixels })),
        { columns: perClass, scale: 2, title: 'Training samples per class', rowLabels: ds.classNames, imageWidth: ds.cols, imageHeight: ds.rows })
        .writePNG(join(out, 'samples.png'));
      imageGrid(classMeans(ds.train, k).map((pixels, c) => ({ pixels, caption: ds.classNames[c] })),
        { columns: 5, scale: 3, title: 'Mean image per class (train)', imageWidth: ds.cols, imageHeight: ds.rows })
        .writePNG(join(out, 'class-means.png'));
      process.stdout.write(`\npictures: ${join(out, 'samples.png')}, ${join(out, 'class-means.png')}\n`);
    });
  data.command('fetch').description(`download Fashion-MNIST into the user cache (${userCacheDir()}) and verify SHA-256`)
    .option('--dir <dir>', 'download folder', userCacheDir())
    .action((o: { dir: string }) => fetchData(o.dir));
  data.command('path').description('print where the dataset is found').option('--data-dir <dir>', 'folder with the four IDX files')
    .action((o: { dataDir?: string }) => { process.stdout.write(findDataDir(o.dataDir) + '\n'); });
  return data;
}
