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
}

export interface StudyStorage {
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
  setTrialRun(trialId: number, runId: number): Promise<void>;
  reportIntermediate(trialId: number, step: number, value: number): Promise<void>;
  heartbeat(trialId: number): Promise<void>;
  finishTrial(trialId: number, state: Exclude<TrialState, 'waiting' | 'running'>, value?: number, error?: string): Promise<void>;
  listTrials(studyId: number): Promise<StoredTrial[]>;
  /**
   * Marks running trials whose heartbeat is older than `staleMs` failed (their worker died) and
   * queues a waiting copy of each with the same parameters; returns the trials it failed.
   */
  failStaleTrials(studyId: number, staleMs: number): Promise<StoredTrial[]>;
}
