/**
 * Loading specs from disk (.json, .yaml, .yml) and resolving a `--model` argument: a zoo name or a
 * spec file. Errors name the file (or list close zoo names) so a typo is quick to fix.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import YAML from 'yaml';
import { closeMatches } from './similar.ts';
import type { ModelSpec } from './types.ts';
import { SpecError, validateSpec } from './validate.ts';
import { zoo } from './zoo/index.ts';

const EXTENSIONS = ['.json', '.yaml', '.yml'];

function parse(text: string, path: string, ext: string): unknown {
  try {
    return ext === '.json' ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    const kind = ext === '.json' ? 'JSON' : 'YAML';
    throw new SpecError([`${path}: invalid ${kind}: ${(err as Error).message.split('\n')[0]}`]);
  }
}

/** Reads and validates a spec file; every error is prefixed with the file's path. */
export function loadSpecFile(path: string): ModelSpec {
  const ext = extname(path).toLowerCase();
  if (!EXTENSIONS.includes(ext)) {
    throw new SpecError([`${path}: unsupported spec file type '${ext || '(none)'}'; expected ${EXTENSIONS.join(', ')}`]);
  }
  if (!existsSync(path) || !statSync(path).isFile()) throw new SpecError([`${path}: no such file`]);
  const raw = parse(readFileSync(path, 'utf8'), path, ext);
  try {
    return validateSpec(raw);
  } catch (err) {
    if (err instanceof SpecError) throw new SpecError(err.issues.map((issue) => `${path}: ${issue}`));
    throw err;
  }
}

function looksLikePath(s: string): boolean {
  return s.includes('/') || s.includes('\\') || EXTENSIONS.includes(extname(s).toLowerCase());
}

/** A zoo spec by name (a fresh copy), else the spec file at that path. */
export function resolveModel(nameOrPath: string): ModelSpec {
  if (Object.hasOwn(zoo, nameOrPath)) return structuredClone(zoo[nameOrPath]);
  if (looksLikePath(nameOrPath) || existsSync(nameOrPath)) return loadSpecFile(nameOrPath);
  const names = Object.keys(zoo);
  const near = closeMatches(nameOrPath, names, 5);
  const hint = near.length ? `did you mean ${near.join(', ')}?` : `zoo models: ${names.join(', ')}`;
  throw new SpecError([`unknown model '${nameOrPath}': neither a zoo model nor a spec file; ${hint}`]);
}
