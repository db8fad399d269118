/**
 * The addon's runtime: OpenMP waits passively (set before libgomp loads), the missing-addon error is
 * actionable, and the math libraries survive a storm of profiling signals mid-call — in-process
 * (SIGPROF from setitimer, reaching OpenMP workers too) and under `node --cpu-prof`.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { addon } from '../src/engine/native/addon.ts';
import { SKIP, useNative, input, maxAbsDiff } from './engine-native-support.ts';

const ROOT = new URL('..', import.meta.url).pathname;

/** Runs a JavaScript module snippet (it may import .ts files) in a fresh node from the repository root. */
function runChild(code: string, env: Record<string, string> = {}, nodeArgs: string[] = []) {
  const r = spawnSync(process.execPath, [...nodeArgs, '--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** A conv + dense workload whose result is checked against a first run, in a loop. */
const WORKLOAD = `
  import * as tf from '@tensorflow/tfjs-core';
  import { initBackend } from './src/engine/index.ts';
  await initBackend('native');
  const x = tf.randomUniform([16, 28, 28, 8], -1, 1, 'float32', 1);
  const f = tf.randomUniform([3, 3, 8, 32], -1, 1, 'float32', 2);
  const a = tf.randomUniform([256, 512], -1, 1, 'float32', 3), b = tf.randomUniform([512, 256], -1, 1, 'float32', 4);
  const once = () => tf.tidy(() => [tf.conv2d(x, f, 1, 'same'), tf.matMul(a, b)].map((t) => t.dataSync().slice()));
  const ref = once();
  let worst = 0;
  const t0 = Date.now();
  let iters = 0;
  while (Date.now() - t0 < 1500) {
    const got = once(); iters++;
    got.forEach((g, k) => { for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i] - ref[k][i])); });
  }
  console.log(JSON.stringify({ worst, iters }));
`;

describe('native runtime', { skip: SKIP }, () => {
  before(useNative);

  it('sets OMP_WAIT_POLICY=passive before libgomp loads, and it takes effect', () => {
    const env = { ...process.env } as Record<string, string>;
    delete env.OMP_WAIT_POLICY;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e',
      `import { addon } from './src/engine/native/addon.ts'; addon().info();`], {
      cwd: ROOT, env: { ...env, OMP_DISPLAY_ENV: 'TRUE' }, encoding: 'utf8', timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    // libgomp prints its settings at load when OMP_DISPLAY_ENV is set.
    assert.match(r.stderr, /OMP_WAIT_POLICY = 'PASSIVE'/, `libgomp settings:\n${r.stderr}`);
    const mine = runChild(`import { addon } from './src/engine/native/addon.ts'; addon().info();`, { OMP_DISPLAY_ENV: 'TRUE', OMP_WAIT_POLICY: 'active' });
    assert.match(mine.stderr, /OMP_WAIT_POLICY = 'ACTIVE'/, 'a policy the user set is kept');
  });

  it('reports threads and library versions', () => {
    const info = addon().info();
    assert.ok(info.threads >= 1);
    assert.equal(info.onednn, '2.6.3');
    assert.match(info.openblas, /OpenBLAS .*USE_OPENMP/);
  });

  it('conv and sgemm stay correct while SIGPROF fires every 200 µs (in-process)', () => {
    const x = input([8, 28, 28, 8], 1), f = input([3, 3, 8, 32], 2), a = input([256, 384], 3), b = input([384, 256], 4);
    const once = () => tf.tidy(() => {
      const conv = tf.conv2d(tf.tensor(x.values, x.shape) as tf.Tensor as tf.Tensor4D, tf.tensor(f.values, f.shape) as tf.Tensor as tf.Tensor4D, 1, 'same');
      const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.conv2d(t as tf.Tensor4D, tf.tensor(f.values, f.shape) as tf.Tensor as tf.Tensor4D, 2, 'valid'))))(tf.tensor(x.values, x.shape));
      const mm = tf.matMul(tf.tensor(a.values, a.shape), tf.tensor(b.values, b.shape));
      return [conv, dx, mm].map((t) => Float32Array.from(t.dataSync() as Float32Array));
    });
    const ref = once();
    addon().signalStormStart(200);
    let worst = 0;
    try {
      for (let i = 0; i < 10; i++) once().forEach((o, k) => { worst = Math.max(worst, maxAbsDiff(o, ref[k])); });
    } finally {
      const signals = addon().signalStormStop();
      assert.ok(signals > 10, `only ${signals} signals arrived`);
    }
    assert.equal(worst, 0, `results changed under signals: max abs diff ${worst}`);
  });

  it('survives `node --cpu-prof` (a real sampling profiler) with unchanged results', () => {
    const dir = mkdtempSync(join(tmpdir(), 'native-cpuprof-'));
    try {
      const r = runChild(WORKLOAD, {}, ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', dir]);
      assert.equal(r.status, 0, `child exited ${r.status} (${r.signal}): ${r.stderr.slice(-2000)}`);
      const { worst, iters } = JSON.parse(r.stdout.trim().split('\n').pop()!);
      assert.ok(iters > 0);
      assert.equal(worst, 0, `results changed while profiled: max abs diff ${worst}`);
      assert.ok(readdirSync(dir).some((f) => f.endsWith('.cpuprofile')), 'the profiler wrote a profile');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the loader explains how to build a missing addon', () => {
    const msg = runChild(`
      import { register } from './src/engine/native/index.ts';
      try { await register(); console.log('registered'); } catch (e) { console.log(e.message); }
    `, { FMNIST_NATIVE_ADDON: '/nonexistent/fmnist_native.node' });
    assert.match(msg.stdout, /native addon not built \(\/nonexistent\/fmnist_native\.node missing\): run `npm run build:native`; needs libdnnl-dev and libopenblas-openmp-dev/);
  });
});
