/**
 * One study worker process for the multi-process tests: opens the store given on the command
 * line (a folder or a postgres:// URL) and runs runWorker (random sampler) with the synthetic
 * quadratic objective, logging each trial's start and end. Usage: study-worker.ts '<json WorkerArgs>'.
 */
import { openStore } from '../../src/store/index.ts';
import { createSampler } from '../../src/tune/samplers/index.ts';
import { runWorker } from '../../src/tune/worker.ts';
import { quadratic, SPACE } from './study.ts';

export interface WorkerArgs {
  store: string; study: string; trials: number; seed: number; worker: string; log: string;
  steps: number; stepMs: number; blockMs?: number; heartbeatMs: number; staleMs: number;
}

const a = JSON.parse(process.argv[2]) as WorkerArgs;
const store = openStore(a.store);
try {
  const study = await store.createStudy(a.study, 'minimize', { space: SPACE });
  const { ran } = await runWorker({
    storage: store, study, space: SPACE, sampler: createSampler('random'), trials: a.trials, seed: a.seed,
    objective: quadratic({ steps: a.steps, stepMs: a.stepMs, blockMs: a.blockMs, log: a.log, worker: a.worker }),
    worker: a.worker, heartbeatMs: a.heartbeatMs, staleMs: a.staleMs,
  });
  process.stdout.write(`ran ${ran}\n`);
} finally {
  await store.close();
}
