import * as tf from '@tensorflow/tfjs-core';
import { Command, Option } from 'commander';
import { join } from 'node:path';
import { decodeImage, toFashionInput, type Polarity } from '../data/image.ts';
import { initBackend } from '../engine/index.ts';
import type { ModelSpec } from '../models/types.ts';
import { requireRun } from '../pipeline/evaluate-run.ts';
import { MODEL_DIR } from '../pipeline/train-run.ts';
import { loadModel } from '../store/files.ts';
import { openStore } from '../store/index.ts';
import type { TrainConfig } from '../train/config.ts';
import { backend, runId } from './options.ts';

export function predictCommand(): Command {
  return new Command('predict').description("classify PNG/JPEG images of any size with a stored run's model (top-3 with probabilities)")
    .requiredOption('--run <id>', 'run id', runId)
    .argument('<images...>', 'image files')
    .addOption(new Option('--polarity <p>', 'auto: invert photos with a light background; invert; keep').choices(['auto', 'invert', 'keep']).default('auto'))
    .option('--store <dir>', 'run store folder')
    .option('--backend <name>', 'native, wasm, cpu or auto', backend)
    .option('--json', 'JSON output')
    .action(async (images: string[], o: { run: number; polarity: Polarity; store?: string; backend?: 'auto'; json?: boolean }) => {
      const store = openStore(o.store);
      try {
        const run = await requireRun(store, o.run);
        await initBackend(o.backend);
        const spec = run.spec as ModelSpec;
        const config = run.config as TrainConfig;
        if (config.scaling === 'standardize') {
          throw new Error(`run ${run.id} standardised its inputs; predict supports runs trained with --scaling unit`);
        }
        const model = await loadModel(join(store.runDir(run.id), MODEL_DIR));
        const names = run.provenance.classNames;
        const results = [];
        for (const path of images) {
          const x = toFashionInput(decodeImage(path), o.polarity); // 0..1, as --scaling unit
          const shape = spec.input === 'flat' ? [1, 784] : [1, 28, 28, 1];
          const probs = tf.tidy(() => (model.predict(tf.tensor(x, shape)) as tf.Tensor).dataSync() as Float32Array);
          const top = [...probs].map((p, i) => ({ label: names[i], p })).sort((a, b) => b.p - a.p).slice(0, 3);
          results.push({ image: path, top });
        }
        model.dispose();
        if (o.json) return void process.stdout.write(JSON.stringify(results) + '\n');
        for (const r of results) {
          process.stdout.write(`${r.image}: ${r.top.map((t) => `${t.label} ${(100 * t.p).toFixed(1)}%`).join(', ')}\n`);
        }
      } finally {
        await store.close();
      }
    });
}
