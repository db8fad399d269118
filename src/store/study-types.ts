/**
 * Studies (hyperparameter searches) in the run store. A study is a named search with a direction
 * and a search space; each trial has parameters, a state, intermediate values by epoch and, once
 * it has trained, the run it produced. SQLite and PostgreSQL implement the same interface, so
 * workers on one machine or several share a study through whichever store they open.
 */
import type { Direction, Params, Trial, TrialState } from '../tune/types.ts';

export interface StudyRecord {
  id: number;
  name: string;
  direction: Direction;
  /** The study definition as given (search space, base model, metric, budget…), JSON. */
  definition: unknown;
  createdAt: string;
}

export interface StoredTrial extends Trial {
  id: number;
  studyId: number;
  /** The run this trial trained, once it has one. */
  runId?: number;
  /** Which worker holds (or held) it: host:pid. */
  worker?: string;
  /** Last sign of life from a running trial's worker (ISO time). */
  heartbeatAt?: string;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
  /** Set on a trial failed because its worker died: the number of the waiting copy queued in its place. */
  retriedAs?: number;
}

export interface StudyStorage {
  /**
   * What openStore takes to open another connection to this store: a folder or a postgres:// URL
   * (with its password, if any: don't print it). The worker's heartbeat thread uses it.
   */
  readonly location: string;
  /** Creates the study, or returns the existing one of that name (a resumed or shared study). */
  createStudy(name: string, direction: Direction, definition: unknown): Promise<StudyRecord>;
  getStudy(name: string): Promise<StudyRecord | undefined>;
  listStudies(): Promise<StudyRecord[]>;
  /**
   * Atomically claims the oldest waiting trial for `worker` (state → running), or returns
   * undefined when none waits. Two workers never claim the same trial.
   */
  claimWaitingTrial(studyId: number, worker: string): Promise<StoredTrial | undefined>;
  /** Atomically appends a trial with the next number, in state `state` (running or waiting). */
  createTrial(studyId: number, params: Params, state: 'running' | 'waiting', worker?: string): Promise<StoredTrial>;
  /**
   * Atomically appends a running trial for `worker` with the next number and no parameters yet
   * (samplers such as grid need the number first: set them with setTrialParams), but only while
   * fewer than `budget` trials count toward the budget: complete, pruned, running, waiting, and
   * failed ones not re-queued (`retriedAs` unset). Otherwise returns undefined. Checking and
   * appending in one step is what keeps several workers from overshooting the budget.
   */
  reserveTrial(studyId: number, worker: string, budget: number): Promise<StoredTrial | undefined>;
  setTrialParams(trialId: number, params: Params): Promise<void>;
  setTrialRun(trialId: number, runId: number): Promise<void>;
  reportIntermediate(trialId: number, step: number, value: number): Promise<void>;
  /** Refreshes a running trial's heartbeat (no effect on a trial that is no longer running). */
  heartbeat(trialId: number): Promise<void>;
  /**
   * Ends a running trial. Throws StoreError when it is no longer running (e.g. failed as stale
   * because its heartbeat stopped while the worker was stalled), so the result isn't counted twice.
   */
  finishTrial(trialId: number, state: Exclude<TrialState, 'waiting' | 'running'>, value?: number, error?: string): Promise<void>;
  /** The study's trials by number, each with its intermediate values. */
  listTrials(studyId: number): Promise<StoredTrial[]>;
  /**
   * Marks running trials whose heartbeat is older than `staleMs` failed (their worker died) and
   * queues a waiting copy of each with the same parameters (atomically: two workers never queue
   * two copies of one trial); returns the trials it failed.
   */
  failStaleTrials(studyId: number, staleMs: number): Promise<StoredTrial[]>;
  /**
   * Fails a running trial and queues a waiting copy, as failStaleTrials does for a dead worker, for
   * a worker that stops mid-trial on purpose (Ctrl-C): the next worker runs the copy at once.
   * Returns the failed trial, or undefined when it was no longer running.
   */
  requeueTrial(trialId: number, reason: string): Promise<StoredTrial | undefined>;
}
