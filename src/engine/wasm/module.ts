/**
 * Instantiates the Emscripten module of tfjs-backend-wasm in Node, with threads when asked.
 *
 * The package turns threads off in Node (its WASM_HAS_MULTITHREAD_SUPPORT flag is false there,
 * tfjs issue #3830): it hands Emscripten its pthread worker and main script as Blob URLs, which
 * Node's worker_threads cannot load. So we build the module ourselves through Emscripten's own
 * hooks: the worker and main scripts are written to a temporary folder (`locateFile`,
 * `mainScriptUrlOrBlob`), the .wasm binary is read from the package's dist folder
 * (`instantiateWasm`, so nothing is fetched), and the logical-core count the C++ side caps its
 * XNNPACK thread pool at (cores / 2, at most 8) is answered with what we want.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker as NodeWorker, type WorkerOptions } from 'node:worker_threads';

const require = createRequire(import.meta.url);

/** The C++ side never makes a pool larger than this (Emscripten pre-spawns as many workers). */
export const MAX_WASM_THREADS = 8;

/** The parts of the Emscripten module that we and tfjs's BackendWasm use. */
export interface WasmModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: unknown[]) => unknown;
  tfjs: {
    init(): void;
    initWithThreadsCount(n: number): void;
    getThreadsCount(): number;
    registerTensor(id: number, size: number, memoryOffset: number): void;
    disposeData(id: number): void;
    dispose(): void;
  };
  HEAPU8: Uint8Array;
  PThread?: { runningWorkers: { unref(): void }[]; terminateAllThreads(): void };
}

export type WasmFlavour = 'threaded-simd' | 'simd' | 'plain';

type Factory = ((config: Record<string, unknown>) => Promise<WasmModule>) & { toString(): string };

interface Instantiation {
  env: Record<string, unknown>;
}

export function wasmPackageDir(): string {
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
}

function binaryPath(flavour: WasmFlavour): string {
  const name = flavour === 'plain' ? 'tfjs-backend-wasm.wasm' : `tfjs-backend-wasm-${flavour}.wasm`;
  return join(wasmPackageDir(), 'dist', name);
}

/**
 * Emscripten's instantiateWasm hook: compiles the binary from disk and answers the core count.
 * Emscripten ignores failures here, so they go to `fail`.
 */
function instantiateFromDisk(flavour: WasmFlavour, logicalCores: number, fail: (e: Error) => void) {
  const path = binaryPath(flavour);
  const bytes = readFileSync(path);
  return (info: Instantiation, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => {
    info.env.emscripten_num_logical_cores = () => logicalCores;
    WebAssembly.instantiate(bytes, info as unknown as WebAssembly.Imports)
      .then(({ instance, module }) => receive(instance, module))
      .catch((err: Error) => fail(new Error(`cannot instantiate ${path}: ${err.message}`)));
    return {};
  };
}

/** Adds the `tfjs` bridge that BackendWasm expects (the package does the same in its init()). */
function addBridge(module: WasmModule): WasmModule {
  const c = (name: string, ret: string | null, args: string[]) => module.cwrap(name, ret, args);
  module.tfjs = {
    init: c('init', null, []) as () => void,
    initWithThreadsCount: c('init_with_threads_count', null, ['number']) as (n: number) => void,
    getThreadsCount: c('get_threads_count', 'number', []) as () => number,
    registerTensor: c('register_tensor', null, ['number', 'number', 'number']) as WasmModule['tfjs']['registerTensor'],
    disposeData: c('dispose_data', null, ['number']) as (id: number) => void,
    dispose: c('dispose', null, []) as () => void,
  };
  return module;
}

/** How long a module may take to start (compile, and start its workers) before we give up on it. */
const START_TIMEOUT_MS = 60_000;

/**
 * Runs the factory; a failed start rejects whether Emscripten reports it by rejecting, through
 * `onAbort`, or (instantiation, workers) through our hooks, and so does a start that hangs.
 */
async function run(
  factory: Factory, what: string, flavour: WasmFlavour, logicalCores: number,
  configure: (fail: (e: Error) => void) => Record<string, unknown> = () => ({}),
): Promise<WasmModule> {
  let fail: (e: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => { fail = reject; });
  const timer = setTimeout(() => fail(new Error(`${what} did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
  const config = configure((e) => fail(e));
  config.onAbort = (msg: string) => fail(new Error(`${what} aborted: ${msg}`));
  config.instantiateWasm = instantiateFromDisk(flavour, logicalCores, fail);
  const before = processHandlers();
  const started = factory(config);
  removeHandlersAddedSince(before);
  started.catch(() => {}); // when `failed` wins the race, a later rejection here is expected
  try {
    return addBridge(await Promise.race([started, failed]));
  } finally {
    clearTimeout(timer);
  }
}

const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'];
const processEvents: NodeJS.EventEmitter = process;

function processHandlers(): Map<string, Function[]> {
  return new Map(PROCESS_EVENTS.map((e) => [e, processEvents.listeners(e)]));
}

/**
 * Emscripten's Node glue installs process handlers that rethrow every uncaught error from inside
 * its minified source, so Node prints a 60 kB line with any crash. Node's defaults do the same
 * job (unhandled rejections are fatal), so we take them out again.
 */
function removeHandlersAddedSince(before: Map<string, Function[]>): void {
  for (const e of PROCESS_EVENTS) {
    const old = before.get(e) ?? [];
    for (const h of processEvents.listeners(e)) {
      if (!old.includes(h)) processEvents.removeListener(e, h as (...a: unknown[]) => void);
    }
  }
}

/** The single-threaded module (SIMD where the runtime supports it). */
export async function loadSingleThreaded(simd: boolean): Promise<WasmModule> {
  const flavour: WasmFlavour = simd ? 'simd' : 'plain';
  const factory = require(join(wasmPackageDir(), 'wasm-out', 'tfjs-backend-wasm.js')) as Factory;
  return run(factory, `tfjs-backend-wasm (${flavour})`, flavour, 1);
}

/**
 * Emscripten's pthread pool makes its workers with `new Worker(file)`, the global that its Node
 * glue sets to worker_threads' Worker. Ours differs in two ways: workers get no execArgv (the
 * parent's flags, such as --import tsx or --input-type, are useless to the plain-JS worker and
 * some make it fail to start), and an error while the pool starts goes to `onStartError` (so that
 * loading fails and we fall back) instead of being thrown from an event handler (a crash).
 */
class PoolWorkers {
  readonly created: NodeWorker[] = [];
  readonly WorkerClass: typeof NodeWorker;
  starting = true;

  constructor(onStartError: (e: Error) => void) {
    const pool = this;
    this.WorkerClass = class PoolWorker extends NodeWorker {
      constructor(file: string | URL, options: WorkerOptions = {}) {
        super(file, { ...options, execArgv: [] });
        pool.created.push(this);
      }

      override emit(event: string | symbol, ...args: unknown[]): boolean {
        if (event === 'error' && pool.starting) {
          onStartError(new Error(`a wasm pool worker failed to start: ${(args[0] as Error)?.message}`));
          return true;
        }
        return super.emit(event, ...args);
      }
    };
  }

  /** Called by locateFile just before Emscripten's `new Worker(...)`. */
  install(): void {
    (globalThis as { Worker?: unknown }).Worker = this.WorkerClass;
  }

  async terminateAll(): Promise<void> {
    await Promise.all(this.created.map((w) => w.terminate()));
  }
}

/**
 * The threaded SIMD module with a pool of `threads` (1..8). Emscripten starts all its workers
 * before the module resolves, and none later for pools of at most 8, so the temporary scripts are
 * removed as soon as it is up.
 */
export async function loadThreaded(threads: number): Promise<WasmModule> {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new Error(`wasm threads: expected an integer from 1 to ${MAX_WASM_THREADS}, got ${threads}`);
  }
  const outDir = join(wasmPackageDir(), 'wasm-out');
  const factory = require(join(outDir, 'tfjs-backend-wasm-threaded-simd.js')) as Factory;
  const { wasmWorkerContents } = require(join(outDir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  const dir = mkdtempSync(join(tmpdir(), 'fmnist-wasm-'));
  let workers: PoolWorkers | undefined;
  try {
    const worker = join(dir, 'worker.cjs');
    const main = join(dir, 'main.cjs');
    // The worker source sits in a JS template literal, which turned its escaped "\n"s into newlines.
    writeFileSync(worker, wasmWorkerContents.replace(/\n/g, '\\n'));
    // Workers evaluate this file in global scope and call the factory by this name.
    writeFileSync(main, `var WasmBackendModuleThreadedSimd = ${factory.toString()}`);
    // The C++ side takes cores / 2 threads (it assumes hyper-threading), hence 2 * threads.
    const module = await run(factory, 'tfjs-backend-wasm (threaded-simd)', 'threaded-simd', 2 * threads, (fail) => {
      workers = new PoolWorkers(fail);
      const pool = workers;
      return {
        locateFile: (path: string, prefix: string) => {
          if (!path.endsWith('.worker.js')) return prefix + path;
          pool.install();
          return worker;
        },
        mainScriptUrlOrBlob: main,
      };
    });
    workers!.starting = false;
    return module;
  } catch (err) {
    await workers?.terminateAll();
    throw err;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
