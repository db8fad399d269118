/**
 * Benchmarks: `npm run bench -- <name> [options]`. Each benchmark is a module here exporting
 * `main(argv): Promise<number>` (the exit code); `<name> --help` describes its options.
 */
const BENCHMARKS: Record<string, { about: string; load: () => Promise<{ main(argv: string[]): Promise<number> }> }> = {
  train: { about: 'training, inference and latency of our engine next to PyTorch', load: () => import('./train.ts') },
  tuning: { about: 'search quality of our samplers next to Optuna\'s on synthetic objectives', load: () => import('./tuning.ts') },
  augment: { about: 'training throughput with and without on-the-fly augmentation', load: () => import('./augment.ts') },
  'time-to-accuracy': { about: 'wall time from a cold start to 92, 93 and 94 % test accuracy', load: () => import('./time-to-accuracy.ts') },
};

function usage(): string {
  const names = Object.entries(BENCHMARKS).map(([n, b]) => `  ${n.padEnd(17)} ${b.about}`).join('\n');
  return `Usage: npm run bench -- <benchmark> [options]   (<benchmark> --help for its options)\n\nBenchmarks:\n${names}`;
}

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help') {
    console.log(usage());
    return name === undefined ? 1 : 0;
  }
  const bench = Object.hasOwn(BENCHMARKS, name) ? BENCHMARKS[name] : undefined;
  if (!bench) {
    console.error(`unknown benchmark '${name}'; expected one of ${Object.keys(BENCHMARKS).join(', ')}\n\n${usage()}`);
    return 2;
  }
  return (await bench.load()).main(rest);
}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (err) {
  console.error(`bench: ${(err as Error).message}`);
  process.exitCode = 1;
}
