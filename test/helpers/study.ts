/**
 * Fixtures for study storage and worker tests: a one-parameter space, a sampler that draws it
 * from the seeded `random`, a threshold pruner, and a cheap synthetic objective (a quadratic
 * reported once per step, with a sleep per step standing in for an epoch of training).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import type { Objective } from '../../src/tune/worker.ts';
import type { Pruner, Sampler, SearchSpace } from '../../src/tune/types.ts';

export const SPACE: SearchSpace = { params: [{ name: 'x', dist: { type: 'float', low: -4, high: 4 } }] };

/** Uniform x in [-4, 4) from the context's seeded generator; records the numbers it was asked for. */
export function uniformSampler(asked: number[] = []): Sampler {
  return {
    name: 'test-uniform',
    sample(ctx) {
      asked.push(ctx.trialNumber);
      return { x: -4 + 8 * ctx.random() };
    },
  };
}

/** Prunes a trial at or after `fromStep` when its value there is above `limit`. */
export function thresholdPruner(limit: number, fromStep = 2): Pruner {
  return {
    name: 'test-threshold',
    shouldPrune: (trial, step) => step >= fromStep && (trial.intermediate.get(step) ?? -Infinity) > limit,
  };
}

export const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

/**
 * (x − 1)², approached over `steps` reports: step s reports (x − 1)² + (steps − s). Each step
 * sleeps `stepMs`, then busy-waits `blockMs`.
 */
export function quadratic(opts: { steps?: number; stepMs?: number; blockMs?: number; log?: string; worker?: string } = {}): Objective {
  const steps = opts.steps ?? 3;
  return async (params, trial) => {
    if (opts.log) appendFileSync(opts.log, `start ${trial.id} ${trial.number} ${opts.worker ?? ''}\n`);
    const best = (Number(params.x) - 1) ** 2;
    for (let s = 1; s <= steps; s++) {
      if (opts.stepMs) await sleep(opts.stepMs);
      // A synchronous stretch, as a training epoch is: the event loop (and its timers) stand still.
      for (const end = Date.now() + (opts.blockMs ?? 0); Date.now() < end;);
      await trial.report(s, best + (steps - s));
    }
    if (opts.log) appendFileSync(opts.log, `end ${trial.id} ${trial.number} ${opts.worker ?? ''}\n`);
    return best;
  };
}

/** Reads a worker log: the trial ids started and ended, in order. */
export function parseLog(text: string): { started: number[]; ended: number[]; startedBy: Map<number, string> } {
  const started: number[] = [];
  const ended: number[] = [];
  const startedBy = new Map<number, string>();
  for (const line of text.split('\n')) {
    const [kind, id, , worker] = line.split(' ');
    if (kind === 'start') {
      started.push(Number(id));
      startedBy.set(Number(id), worker);
    } else if (kind === 'end') ended.push(Number(id));
  }
  return { started, ended, startedBy };
}

export const WORKER_SCRIPT = new URL('./study-worker.ts', import.meta.url).pathname;

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves when the process exits, with its code, signal and output. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>;
}

/** Starts test/helpers/study-worker.ts with `args` (see WorkerArgs there). */
export function spawnWorker(args: object, env: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT, JSON.stringify(args)], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => { out += c; });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => { out += c; });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((res) => {
    child.on('close', (code, signal) => res({ code, signal, out }));
  });
  return { child, done };
}
