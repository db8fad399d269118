/**
 * Throughput of the small reference CNN (conv32 3x3 same relu, maxpool2, conv64 3x3 same relu,
 * maxpool2, dense128 relu, dense10 softmax; Adam; batch 128) on one backend, in training images/s,
 * plus where the time goes: time inside each addon function vs everything else (tfjs/JS).
 *
 *   node --import tsx native/bench/small-cnn.ts [native|cpu|wasm] [batches=30] [warmup=3] [batch=128]
 *
 * (The cpu backend needs minutes per batch of 128: try `cpu 2 1 16`; images/s barely depends on the batch there.)
 *
 * Random data: throughput does not depend on the values. Timings on a shared 2-core machine are noisy.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend, createFusedOptimizer, type BackendChoice } from '../../src/engine/index.ts';
import { addon } from '../../src/engine/native/addon.ts';

const backend = (process.argv[2] ?? 'native') as BackendChoice;
const batches = Number(process.argv[3] ?? 30);
const warmup = Number(process.argv[4] ?? 3);
const BATCH = Number(process.argv[5] ?? 128);

const info = await initBackend(backend);
console.log(`backend ${info.name}: ${info.detail}`);

function smallCnn(): tfl.Sequential {
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tfl.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 128, activation: 'relu' }));
  m.add(tfl.layers.dense({ units: 10, activation: 'softmax' }));
  const optimizer = createFusedOptimizer('adam', { learningRate: 1e-3 }) ?? tf.train.adam(1e-3);
  m.compile({ optimizer, loss: 'categoricalCrossentropy' });
  return m;
}

/** Wraps every addon function to accumulate its wall and CPU time (only on the native backend). */
function instrument(): Map<string, { ms: number; cpuMs: number; calls: number }> {
  const stats = new Map<string, { ms: number; cpuMs: number; calls: number }>();
  if (info.name !== 'native') return stats;
  const a = addon() as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of Object.keys(a)) {
    const f = a[name];
    const s = { ms: 0, cpuMs: 0, calls: 0 };
    stats.set(name, s);
    a[name] = (...args: unknown[]) => {
      const t0 = performance.now(), c0 = process.cpuUsage();
      try { return f(...args); } finally {
        const c = process.cpuUsage(c0);
        s.ms += performance.now() - t0; s.cpuMs += (c.user + c.system) / 1000; s.calls++;
      }
    };
  }
  return stats;
}

const model = smallCnn();
const xs = tf.randomUniform([BATCH, 28, 28, 1]);
const ys = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32') as tf.Tensor1D, 10);
for (let i = 0; i < warmup; i++) await model.trainOnBatch(xs, ys); // warm-up: primitive creation, JIT

const stats = instrument();
let gcMs = 0;
const gcObserver = new PerformanceObserver((list) => { for (const e of list.getEntries()) gcMs += e.duration; });
gcObserver.observe({ entryTypes: ['gc'] });
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < batches; i++) await model.trainOnBatch(xs, ys);
const elapsed = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
await new Promise((resolve) => setTimeout(resolve, 50)); // let the GC observer deliver
gcObserver.disconnect();

const perStep = elapsed / batches;
console.log(`${(BATCH * batches / (elapsed / 1000)).toFixed(0)} images/s (${perStep.toFixed(1)} ms per batch of ${BATCH}, ${batches} batches); ` +
  `CPU time ${(cpuMs / batches).toFixed(1)} ms per batch (all threads)`);
if (stats.size) {
  const rows = [...stats].filter(([, s]) => s.calls > 0).sort((p, q) => q[1].ms - p[1].ms);
  const nativeMs = rows.reduce((sum, [, s]) => sum + s.ms, 0) / batches;
  const nativeCpu = rows.reduce((sum, [, s]) => sum + s.cpuMs, 0) / batches;
  console.log(`per batch: native ${nativeMs.toFixed(1)} ms wall (${(100 * nativeMs / perStep).toFixed(0)} %), ` +
    `tfjs/JS overhead ${(perStep - nativeMs).toFixed(1)} ms wall (${(100 * (perStep - nativeMs) / perStep).toFixed(0)} %); ` +
    `CPU: native ${nativeCpu.toFixed(1)} ms, other ${(cpuMs / batches - nativeCpu).toFixed(1)} ms; ` +
    `of the overhead, garbage collection ${(gcMs / batches).toFixed(1)} ms wall`);
  for (const [name, s] of rows) {
    console.log(`  ${name.padEnd(20)} ${(s.ms / batches).toFixed(2).padStart(7)} ms wall ${(s.cpuMs / batches).toFixed(2).padStart(7)} ms CPU ` +
      `${(s.calls / batches).toFixed(0).padStart(4)} calls per batch`);
  }
}
console.log(`tensors alive: ${tf.memory().numTensors}`);
