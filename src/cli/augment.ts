/** `fmnist augment preview`: a picture of real training images next to augmented versions of them. */
import { Command } from 'commander';
import { resolve } from 'node:path';
import { describeAugment, hasTransforms, parseAugment, type AugmentConfig } from '../data/augment-config.ts';
import { Augmenter } from '../data/augment.ts';
import { loadDataset } from '../data/dataset.ts';
import { DataError } from '../data/idx.ts';
import { deriveSeed, mulberry32, permutation } from '../data/random.ts';
import { imageGrid } from '../report/index.ts';
import { augment, classList, int } from './options.ts';

export const DEFAULT_PREVIEW_AUGMENT = 'shift:2,flip,rotate:10,zoom:0.1,shear:5,erase:0.5';

interface PreviewFlags {
  augment: AugmentConfig; augmentClasses?: number[]; count: number; variants: number; seed: number; out: string; dataDir?: string; scale: number;
}

function preview(f: PreviewFlags): void {
  if (!hasTransforms(f.augment)) throw new DataError('--augment: no transform to preview; name at least one (e.g. shift:2,flip)');
  const config: AugmentConfig = { ...f.augment, ...(f.augmentClasses ? { classes: f.augmentClasses } : {}) };
  const ds = loadDataset({ dataDir: f.dataDir });
  const size = ds.rows * ds.cols;
  const aug = new Augmenter(config, { rows: ds.rows, cols: ds.cols }, ds.classNames.length);
  // A seeded sample of training images, of the targeted classes when there are some.
  const order = permutation(ds.train.count, mulberry32(deriveSeed(f.seed, 'augment-preview-pick')));
  const picked: number[] = [];
  for (let j = 0; j < order.length && picked.length < f.count; j++) if (aug.applies(ds.train.labels[order[j]])) picked.push(order[j]);
  const rand = mulberry32(deriveSeed(f.seed, 'augment-preview'));
  const images: { pixels: Float32Array; caption?: string }[] = [];
  for (const i of picked) {
    const original = Float32Array.from(ds.train.images.subarray(i * size, (i + 1) * size), (v) => v / 255);
    images.push({ pixels: original, caption: 'original' });
    for (let v = 0; v < f.variants; v++) {
      const pixels = original.slice();
      aug.augmentImage(pixels, 0, rand);
      images.push({ pixels });
    }
  }
  const out = resolve(f.out);
  imageGrid(images, {
    columns: f.variants + 1, scale: f.scale, imageWidth: ds.cols, imageHeight: ds.rows,
    rowLabels: picked.map((i) => ds.classNames[ds.train.labels[i]]),
    title: describeAugment(config),
  }).writePNG(out);
  process.stdout.write(`${out}: ${picked.length} training images, originals in the first column, ${f.variants} augmented versions of each beside them (${describeAugment(config)})\n`);
}

export function augmentCommand(): Command {
  const cmd = new Command('augment').description('training-image augmentation');
  cmd.command('preview').description('a PNG grid of real training images (first column) and augmented versions of them')
    .option('--augment <spec>', 'transforms, as for `fmnist train --augment`', augment, parseAugment(DEFAULT_PREVIEW_AUGMENT))
    .option('--augment-classes <list>', 'show only images of these classes (e.g. 2,6)', classList)
    .option('-n, --count <n>', 'training images (rows)', int(1), 8)
    .option('--variants <n>', 'augmented versions of each (columns after the original)', int(1), 7)
    .option('--seed <n>', 'picks the images and the transforms', int(0), 42)
    .option('--scale <n>', 'magnification of each image', int(1), 3)
    .option('-o, --out <file>', 'PNG file to write', 'augment-preview.png')
    .option('--data-dir <dir>', 'folder with the four IDX files')
    .action(preview);
  return cmd;
}
