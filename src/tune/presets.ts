/**
 * Preset studies: the study files in the project's `studies/` folder (the seed reports' searches),
 * resolved by name as the model zoo is. A name that is not a preset is taken as a file path.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeMatches } from '../models/similar.ts';
import { StudyFileError } from './study-file.ts';

export const PRESET_DIR = fileURLToPath(new URL('../../studies/', import.meta.url));

export function presetNames(): string[] {
  if (!existsSync(PRESET_DIR)) return [];
  return readdirSync(PRESET_DIR).filter((f) => f.endsWith('.yaml')).map((f) => basename(f, '.yaml')).sort();
}

export function presetPath(name: string): string {
  const names = presetNames();
  if (names.includes(name)) return join(PRESET_DIR, `${name}.yaml`);
  const near = closeMatches(name, names, 3);
  throw new StudyFileError([`unknown preset '${name}'; ${near.length ? `did you mean ${near.join(', ')}? ` : ''}presets: ${names.join(', ')}`]);
}

/** A preset's name or a study file's path → the file's path and the study's default name. */
export function resolveStudyFile(nameOrPath: string): { path: string; defaultName: string } {
  const looksLikePath = nameOrPath.includes('/') || ['.yaml', '.yml', '.json'].includes(extname(nameOrPath).toLowerCase());
  if (!looksLikePath && !existsSync(nameOrPath)) return { path: presetPath(nameOrPath), defaultName: nameOrPath };
  return { path: nameOrPath, defaultName: basename(nameOrPath, extname(nameOrPath)) };
}
