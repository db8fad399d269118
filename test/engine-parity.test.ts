/**
 * The backends are interchangeable: the same seeded run of the small CNN on real images ends with
 * the same numbers on native, wasm and cpu (float rounding aside).
 *
 * The cpu backend (plain JavaScript) trains this CNN at about one image per second on this machine
 * (its convolution gradients are naive loops), so the one-epoch, 6,000-image comparison includes it
 * only with FMNIST_TEST_CPU_EPOCH=1 (hours); every run compares all three on the first steps.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fmnist, resultOf } from './helpers/cli.ts';
import { tempDir } from './helpers/data.ts';

interface Outcome { backend: string; loss: number; testLoss: number; testAccuracy: number }

function trainOn(backend: string, args: string[]): Outcome {
  const store = tempDir(`fmnist-parity-${backend}-`);
  const r = fmnist(['train', '--model', 'small-cnn', '--backend', backend, '--val', 'none', '--seed', '3',
    '--store', store, '--json', ...args], {}, 7_200_000);
  assert.equal(r.status, 0, `${backend}: ${r.stderr}`);
  const res = resultOf(r.stdout);
  assert.equal(res.backend, backend, 'the run records the backend it was given');
  const epochs = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.event === 'epoch');
  return { backend, loss: epochs.at(-1).loss, testLoss: res.metrics.test.loss, testAccuracy: res.metrics.test.accuracy };
}

test('native, wasm and cpu take the same first training steps', () => {
  // 2 Adam steps of 16 real images from the same initial weights, then 200 test images: each
  // training image costs the cpu backend seconds (its convolution gradients are plain loops).
  const args = ['--epochs', '1', '--batch-size', '16', '--limit-train', '32', '--limit-test', '200', '--no-train-eval'];
  const [native, wasm, cpu] = ['native', 'wasm', 'cpu'].map((b) => trainOn(b, args));
  for (const other of [wasm, cpu]) {
    assert.ok(Math.abs(other.loss - native.loss) < 1e-3, `training loss ${other.backend} ${other.loss} vs native ${native.loss}`);
    assert.ok(Math.abs(other.testLoss - native.testLoss) < 2e-3, `test loss ${other.backend} ${other.testLoss} vs native ${native.testLoss}`);
    assert.ok(Math.abs(other.testAccuracy - native.testAccuracy) <= 2 / 200, `test accuracy ${other.backend} ${other.testAccuracy} vs native ${native.testAccuracy}`);
  }
});

test('one epoch on 6,000 real images: the same test accuracy within 1 point on every backend', () => {
  const backends = ['native', 'wasm', ...(process.env.FMNIST_TEST_CPU_EPOCH === '1' ? ['cpu'] : [])];
  const args = ['--epochs', '1', '--limit-train', '6000', '--limit-test', '2000', '--no-train-eval'];
  const outcomes = backends.map((b) => trainOn(b, args));
  for (const o of outcomes) {
    // One epoch of 47 batches reaches about 75 % here; 10 % is chance.
    assert.ok(o.testAccuracy > 0.7, `${o.backend}: test accuracy ${o.testAccuracy}`);
    assert.ok(Math.abs(o.testAccuracy - outcomes[0].testAccuracy) <= 0.01,
      `${o.backend} ${o.testAccuracy} vs ${outcomes[0].backend} ${outcomes[0].testAccuracy}`);
  }
});
