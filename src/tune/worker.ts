/**
 * A study worker: claims or creates trials in a shared StudyStorage and runs the objective on
 * them until the study's budget is spent. Any number of workers (processes, machines) can run on
 * one study at once; the storage's atomic claims and numbering keep them from colliding, and
 * heartbeats let the survivors re-queue the trial of a worker that died.
 *
 * The budget counts trials that are complete, pruned or failed by an error of their own. A trial
 * whose objective throws (or returns NaN) is failed and not retried: a deterministic error would
 * only fail again, and the study must still end. A trial whose worker died (its heartbeat went
 * stale) is failed too, but a waiting copy with the same parameters is queued in its place and
 * counts instead (`retriedAs`).
 */
import { hostname } from 'node:os';
import type { StoredTrial, StudyRecord, StudyStorage } from '../store/study-types.ts';
import { StoreError } from '../store/types.ts';
import { startHeartbeat } from './heartbeat.ts';
import { askParams } from './optimize.ts';
import type { Params, Pruner, Sampler, SearchSpace } from './types.ts';

/** Thrown by `TrialHandle.report` when the pruner stops the trial; let it propagate. */
export class TrialPruned extends Error {
  override name = 'TrialPruned';
}

export interface TrialHandle {
  readonly id: number;
  readonly number: number;
  readonly params: Params;
  /**
   * Stores the value for this step, then asks the pruner; throws TrialPruned when it says stop. The
   * last step (`last`) is only stored: pruning a trial that has finished would save nothing and
   * throw its result away.
   */
  report(step: number, value: number, last?: boolean): Promise<void>;
  setRun(runId: number): Promise<void>;
}

export type Objective = (params: Params, trial: TrialHandle) => Promise<number>;

export interface WorkerOptions {
  storage: StudyStorage;
  study: StudyRecord;
  space: SearchSpace;
  sampler: Sampler;
  pruner?: Pruner;
  /** The study's budget: it ends when this many trials are complete or pruned (or failed by error). */
  trials: number;
  seed: number;
  objective: Objective;
  /** Default `${hostname()}:${process.pid}`. */
  worker?: string;
  /** Default 10 s; a thread beats while the objective runs (see heartbeat.ts). */
  heartbeatMs?: number;
  /** Default 6 × heartbeatMs: older heartbeats mean a dead worker. */
  staleMs?: number;
  /** After each trial finishes (for progress lines). */
  onTrial?(t: StoredTrial): void;
}

/** Whether a trial uses up one of the study's budget (see the module comment). */
export function countsTowardBudget(t: Pick<StoredTrial, 'state' | 'retriedAs'>): boolean {
  return t.state !== 'failed' || t.retriedAs === undefined;
}

/** Trials that have finished for good: complete, pruned, or failed and not re-queued. */
export function finishedCount(trials: readonly StoredTrial[]): number {
  return trials.filter((t) => t.state !== 'running' && t.state !== 'waiting' && countsTowardBudget(t)).length;
}

const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

export async function runWorker(o: WorkerOptions): Promise<{ ran: number }> {
  if (!Number.isInteger(o.trials) || o.trials < 1) throw new Error(`runWorker: trials must be a positive integer, got ${o.trials}`);
  const heartbeatMs = o.heartbeatMs ?? 10_000;
  const staleMs = o.staleMs ?? 6 * heartbeatMs;
  if (!(heartbeatMs > 0) || !(staleMs > heartbeatMs)) {
    throw new Error(`runWorker: need 0 < heartbeatMs < staleMs, got heartbeatMs ${heartbeatMs}, staleMs ${staleMs}`);
  }
  const worker = o.worker ?? `${hostname()}:${process.pid}`;
  const pollMs = Math.min(heartbeatMs, 1000);
  const { storage, study } = o;
  let ran = 0;
  // Started before the first claim: a trial's first beat must not wait for the thread to load.
  const heart = await startHeartbeat(storage, heartbeatMs);
  try {
    for (;;) {
      await storage.failStaleTrials(study.id, staleMs);
      // Checked first, so a study resumed with a smaller budget leaves its waiting trials be.
      if (finishedCount(await storage.listTrials(study.id)) >= o.trials) return { ran };
      const claimed = await storage.claimWaitingTrial(study.id, worker);
      const trial = claimed ?? await storage.reserveTrial(study.id, worker, o.trials);
      if (!trial) {
        // The budget is spoken for by running trials (whose workers may die and be re-queued).
        await sleep(pollMs);
        continue;
      }
      heart.beat(trial.id);
      let finished: StoredTrial | undefined;
      try {
        finished = await runTrial(o, trial, !claimed);
      } finally {
        heart.beat(undefined);
      }
      if (finished) {
        ran++;
        o.onTrial?.(finished);
      }
    }
  } finally {
    await heart.stop();
  }
}

/** Runs one claimed or reserved trial to its end; undefined when it was taken away meanwhile. */
async function runTrial(o: WorkerOptions, trial: StoredTrial, needsParams: boolean): Promise<StoredTrial | undefined> {
  const { storage, study } = o;
  const params = needsParams ? await sampleParams(o, trial) : trial.params;
  let last: number | undefined;
  const handle: TrialHandle = {
    id: trial.id,
    number: trial.number,
    params,
    async report(step, v, lastStep = false) {
      if (!Number.isInteger(step) || step < 0) throw new Error(`trial ${trial.number}: report step must be a whole number ≥ 0, got ${step}`);
      await storage.reportIntermediate(trial.id, step, v);
      last = v;
      if (!o.pruner || lastStep) return;
      const trials = await storage.listTrials(study.id);
      const me = trials.find((t) => t.id === trial.id)!;
      if (o.pruner.shouldPrune(me, step, trials, study.direction)) {
        throw new TrialPruned(`trial ${trial.number} pruned by ${o.pruner.name} at step ${step}`);
      }
    },
    setRun: (runId) => storage.setTrialRun(trial.id, runId),
  };
  let state: 'complete' | 'pruned' | 'failed';
  let value: number | undefined;
  let error: string | undefined;
  try {
    const v = await o.objective(params, handle);
    if (typeof v === 'number' && !Number.isNaN(v)) {
      state = 'complete';
      value = v;
    } else {
      state = 'failed';
      error = `objective returned ${String(v)}, expected a number`;
    }
  } catch (err) {
    if (err instanceof TrialPruned) {
      state = 'pruned';
      value = last;
    } else {
      state = 'failed';
      error = err instanceof Error ? err.message : String(err);
    }
  }
  try {
    await storage.finishTrial(trial.id, state, value, error);
  } catch (err) {
    // Failed as stale while this worker stalled: its waiting copy will be run instead.
    if (err instanceof StoreError) return undefined;
    throw err;
  }
  return (await storage.listTrials(study.id)).find((t) => t.id === trial.id);
}

/** Asks the sampler for a reserved trial's params and stores them; a sampler error fails the trial. */
async function sampleParams(o: WorkerOptions, trial: StoredTrial): Promise<Params> {
  // History: every other trial, less reservations whose params aren't set yet.
  const history = (await o.storage.listTrials(o.study.id))
    .filter((t) => t.id !== trial.id && !(t.state === 'running' && Object.keys(t.params).length === 0));
  let params: Params;
  try {
    params = askParams(o.sampler, o.space, history, o.study.direction, trial.number, o.seed);
  } catch (err) {
    await o.storage.finishTrial(trial.id, 'failed', undefined, `sampler ${o.sampler.name}: ${(err as Error).message}`);
    throw err;
  }
  await o.storage.setTrialParams(trial.id, params);
  return params;
}
