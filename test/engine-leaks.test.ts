/**
 * No leaks: over 20 epochs of one run and across 10 models trained in one process, the tensor
 * count stays flat and the resident memory stops growing (the seed reports fought this by
 * clearing the Keras session between models).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const PROBE = fileURLToPath(new URL('./helpers/leak-probe.ts', import.meta.url));

for (const backend of ['native', 'wasm']) {
  test(`${backend}: tensors and RSS stay flat over 20 epochs and 10 models`, () => {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', PROBE, backend], { encoding: 'utf8', timeout: 600_000 });
    assert.equal(r.status, 0, r.stderr);
    const p = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.equal(p.backend, backend);
    const tensors = (xs: { tensors: number }[]) => xs.map((s) => s.tensors);
    // The model's weights and optimizer state are the only tensors alive during the run...
    assert.deepEqual(new Set(tensors(p.epochs)).size, 1, `tensor count per epoch: ${tensors(p.epochs)}`);
    // ...and everything is released with the model.
    assert.equal(p.afterRun.tensors, p.before.tensors, 'tensors left after disposing the trained model');
    assert.deepEqual(tensors(p.models), Array(10).fill(p.before.tensors), 'tensors left after each of 10 models');
    // RSS may grow while pools and caches warm up, then must stay put: the last 15 epochs and the
    // last 7 models add less than 24 MB (a leaked batch of activations here is ~1.6 MB per epoch).
    const grow = (xs: { rssMB: number }[], from: number) => Math.max(...xs.slice(from).map((s) => s.rssMB)) - xs[from].rssMB;
    const rss = (xs: { rssMB: number }[]) => xs.map((s) => s.rssMB.toFixed(0)).join(' ');
    assert.ok(grow(p.epochs, 5) < 24, `RSS over epochs (MB): ${rss(p.epochs)}`);
    assert.ok(grow(p.models, 3) < 24, `RSS over models (MB): ${rss(p.models)}`);
    console.log(`${backend}: RSS per epoch ${rss(p.epochs)} MB; per model ${rss(p.models)} MB; tensors ${p.epochs[0].tensors}`);
  });
}
