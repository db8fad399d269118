/**
 * The harness drives each engine under test (a tfjs backend in a Node child, PyTorch in a Python
 * child) as a long-lived worker, so rounds of different engines can alternate and share the
 * machine's load. Requests are JSON lines on the worker's stdin; answers are JSON lines on its
 * file descriptor 3, which keeps them apart from whatever libraries print on stdout.
 */
import type { ModelSpec } from '../../src/models/types.ts';

export type Request =
  | { op: 'info' }
  | { op: 'load'; spec: ModelSpec; batchSize: number; seed: number }
  | ({ op: 'train'; batches: number } & TorchKnobs)
  | ({ op: 'infer'; batchSize: number; batches: number } & TorchKnobs)
  /** Up to `count` single-image predictions, fewer when `maxSeconds` runs out. */
  | ({ op: 'latency'; count: number; maxSeconds?: number } & TorchKnobs)
  | { op: 'quit' };

/** PyTorch's setting for one request; our engine ignores them (it runs as shipped). */
export interface TorchKnobs { threads?: number; channelsLast?: boolean }

export interface LoadReply { params: number }
/** `leakedTensors` (tfjs only): tensors alive after the round minus before; should be 0. */
export interface TimedReply { images: number; seconds: number; leakedTensors?: number }
export interface LatencyReply { ms: number[] }

export interface TfjsInfo {
  engine: 'tfjs';
  backend: string;
  threads: number;
  detail: string;
  versions: Record<string, string>;
  node: string;
}

export interface TorchInfo {
  torch: string;
  python: string;
  /** torch.get_num_threads() before anything sets it: PyTorch's own choice. */
  defaultThreads: number;
  cpus: number;
  interopThreads: number;
  ompWaitPolicy: string;
  mkldnn: boolean;
  blas: {
    kind: string;
    path: string;
    mapped: string[];
    /** `update-alternatives --query libblas.so.3-<arch>-linux-gnu`, when it answers. */
    alternatives: { status: string; value: string; choices: { path: string; priority: number | null }[] } | null;
  };
}

export type ErrorReply = { error: string };
