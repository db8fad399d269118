/**
 * `fmnist`: the command-line entry. Errors print as one clear line (with the stack only when
 * FMNIST_DEBUG is set) and exit with status 1; usage errors exit with 2.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Command, CommanderError } from 'commander';
import { FMNIST_LAB_VERSION } from '../pipeline/versions.ts';
import { augmentCommand } from './augment.ts';
import { dataCommand } from './data.ts';
import { ensembleCommand } from './ensemble.ts';
import { modelsCommand } from './models.ts';
import { predictCommand } from './predict.ts';
import { reproduceCommand } from './reproduce.ts';
import { hierarchyCommand } from './hierarchy.ts';
import { evalCommand, runsCommand } from './runs.ts';
import { studyCommand } from './study.ts';
import { trainCommand } from './train.ts';
import { tuneCommand } from './tune.ts';

export function program(): Command {
  const p = new Command('fmnist')
    .description('train, evaluate and compare neural-network classifiers on Fashion-MNIST')
    .version(FMNIST_LAB_VERSION)
    .showHelpAfterError('(add --help for usage)');
  for (const c of [trainCommand(), evalCommand(), runsCommand(), predictCommand(), modelsCommand(), dataCommand(), augmentCommand(), tuneCommand(), studyCommand(), ensembleCommand(), hierarchyCommand(), reproduceCommand()]) p.addCommand(c);
  return p;
}

export async function main(argv = process.argv): Promise<number> {
  tf.enableProdMode(); // no debug checks, and no console banner suggesting tfjs-node
  const p = program();
  p.exitOverride();
  for (const c of p.commands) c.exitOverride();
  try {
    await p.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const e = err as Error;
    process.stderr.write(`error: ${e.message}\n`);
    if (process.env.FMNIST_DEBUG) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main();
}
