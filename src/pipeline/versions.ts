import { readFileSync } from 'node:fs';
import * as tfl from '@tensorflow/tfjs-layers';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const FMNIST_LAB_VERSION = pkg.version;

/** Versions recorded with every run. */
export function softwareVersions(): Record<string, string> {
  return { 'fmnist-lab': pkg.version, node: process.versions.node, 'tfjs-layers': tfl.version_layers };
}
