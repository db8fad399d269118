/**
 * Starting the engines under test: our tfjs backends (one child each, since tfjs allows one backend
 * per process) and PyTorch (one child per OpenMP environment, since GNU OpenMP reads its variables
 * once at load; thread counts change per request with torch.set_num_threads).
 */
import { fileURLToPath } from 'node:url';
import type { BackendName } from '../../src/engine/index.ts';
import type { TfjsInfo, TorchInfo } from './protocol.ts';
import { Worker } from './worker.ts';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
const TFJS_WORKER = `${BENCH_DIR}workers/tfjs-worker.ts`;
const TORCH_PEER = `${BENCH_DIR}peers/torch_train.py`;

/** Debian's interpreter, which has python3-torch (a pyenv python3 on PATH does not). */
export const DEFAULT_PYTHON = '/usr/bin/python3';

/** Variables that change how OpenMP / BLAS run; PyTorch's "default environment" has none of them. */
const THREADING_VARS = ['OMP_WAIT_POLICY', 'OMP_NUM_THREADS', 'OMP_PROC_BIND', 'OMP_PLACES', 'GOMP_SPINCOUNT', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'];

export type TorchEnv = 'default' | 'passive';

/**
 * One PyTorch setting: its OpenMP environment, torch.set_num_threads(threads), and whether image
 * models run in the channels-last (NHWC) memory format.
 */
export interface TorchSetting { env: TorchEnv; threads: number; channelsLast: boolean }

export function describeSetting(s: TorchSetting): string {
  return `${s.threads} thread${s.threads === 1 ? '' : 's'}${s.env === 'passive' ? ', OMP passive' : ''}${s.channelsLast ? ', channels-last' : ''}`;
}

export function settingId(s: TorchSetting): string {
  return `${s.env}/${s.threads}${s.channelsLast ? '/nhwc' : ''}`;
}

export interface OursEngine { backend: BackendName; worker: Worker; info: TfjsInfo }
export interface TorchEngine { env: TorchEnv; worker: Worker; info: TorchInfo }

/** `threads` overrides the backend's thread count (OMP_NUM_THREADS for native, FMNIST_WASM_THREADS for wasm). */
export async function startOurs(backend: BackendName, echo: boolean, threads?: number): Promise<OursEngine> {
  const env = { ...process.env };
  if (threads !== undefined && backend === 'native') env.OMP_NUM_THREADS = String(threads);
  if (threads !== undefined && backend === 'wasm') env.FMNIST_WASM_THREADS = String(threads);
  const worker = new Worker(`ours (${backend})`, process.execPath, ['--import', 'tsx', TFJS_WORKER, backend], env, echo);
  try {
    return { backend, worker, info: await worker.request<TfjsInfo>({ op: 'info' }) };
  } catch (err) {
    throw new Error(`the ${backend} backend did not start: ${(err as Error).message}`);
  }
}

/** Threading variables set in our environment, which the PyTorch peer is run without. */
export function strippedThreadingVars(env: NodeJS.ProcessEnv = process.env): string[] {
  return THREADING_VARS.filter((v) => env[v] !== undefined);
}

export async function startTorch(env: TorchEnv, python: string, echo: boolean): Promise<TorchEngine> {
  const vars: NodeJS.ProcessEnv = { ...process.env };
  for (const v of THREADING_VARS) delete vars[v];
  if (env === 'passive') vars.OMP_WAIT_POLICY = 'passive';
  const worker = new Worker(`PyTorch (${env} environment)`, python, [TORCH_PEER, 'serve'], vars, echo);
  try {
    return { env, worker, info: await worker.request<TorchInfo>({ op: 'info' }) };
  } catch (err) {
    throw new Error(`the PyTorch peer did not start (${python} ${TORCH_PEER}): ${(err as Error).message}; ` +
      'it needs Debian\'s python3-torch (or pass --python PATH), or run with --no-torch');
  }
}

/**
 * The threading settings to try: each environment at the CPU count (the "default" setting is the
 * default environment there), at 1 and 2 threads, and at PyTorch's own choice of thread count.
 * The harness then tries the fastest of them in channels-last for image models.
 */
export function torchSettings(cpus: number, torchDefaultThreads: number): TorchSetting[] {
  const counts = [...new Set([cpus, torchDefaultThreads, 1, 2])].filter((n) => n >= 1 && n <= cpus);
  return (['default', 'passive'] as const).flatMap((env) => counts.map((threads) => ({ env, threads, channelsLast: false })));
}
