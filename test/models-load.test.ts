import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpecFile, resolveModel } from '../src/models/load.ts';
import { SpecError } from '../src/models/validate.ts';
import { zoo } from '../src/models/zoo/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'fmnist-models-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const expected = {
  name: 'tiny-cnn',
  input: 'image',
  layers: [
    { type: 'conv', filters: 8, kernel: [3, 3], activation: { type: 'leakyRelu', alpha: 0.1 } },
    { type: 'maxPool' },
    { type: 'flatten' },
    { type: 'dense', units: 10, activation: 'softmax', regularizer: { l2: 0.0001 } },
  ],
  training: { optimizer: 'adam', learningRate: 0.001, validation: 'first:5000' },
};

const YAML_TEXT = `# a tiny CNN
name: tiny-cnn
input: image
layers:
  - { type: conv, filters: 8, kernel: [3, 3], activation: { type: leakyRelu, alpha: 0.1 } }
  - type: maxPool
  - type: flatten
  - type: dense
    units: 10
    activation: softmax
    regularizer: { l2: 1e-4 }
training:
  optimizer: adam
  learningRate: 0.001
  validation: "first:5000"
`;

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SpecError, `expected SpecError, got ${err}`);
    return err.message;
  }
  assert.fail('did not throw');
}

test('loads a spec from .json, .yaml and .yml alike', () => {
  assert.deepEqual(loadSpecFile(file('a.json', JSON.stringify(expected, null, 2))), expected);
  assert.deepEqual(loadSpecFile(file('a.yaml', YAML_TEXT)), expected);
  assert.deepEqual(loadSpecFile(file('a.YML', YAML_TEXT)), expected);
});

test('validation errors are prefixed with the file path', () => {
  const path = file('bad.yaml', YAML_TEXT.replace('filters: 8', 'filters: -2').replace('units: 10', 'units: 12'));
  // The field error is reported; structure is only checked once fields are sound.
  assert.equal(messageOf(() => loadSpecFile(path)), `${path}: spec.layers[0].filters: expected a positive integer, got -2`);
  const noFlatten = { ...expected, layers: expected.layers.filter((l) => l.type !== 'flatten') };
  const path2 = file('bad2.json', JSON.stringify(noFlatten));
  assert.equal(messageOf(() => loadSpecFile(path2)),
    `${path2}: spec.layers[2] (dense): input is [13, 13, 8], not flat; add a flatten or global pooling layer before it`);
});

test('parse errors name the file and the format', () => {
  const json = file('broken.json', '{"name": "x",');
  assert.match(messageOf(() => loadSpecFile(json)), new RegExp(`^${escape(json)}: invalid JSON: `));
  const yaml = file('broken.yaml', 'name: x\nlayers: [1, 2\n');
  assert.match(messageOf(() => loadSpecFile(yaml)), new RegExp(`^${escape(yaml)}: invalid YAML: .*line 3`));
  const dup = file('dup.yaml', 'name: x\nname: y\n');
  assert.match(messageOf(() => loadSpecFile(dup)), new RegExp(`^${escape(dup)}: invalid YAML: Map keys must be unique`));
  const scalar = file('scalar.yaml', 'just text\n');
  assert.equal(messageOf(() => loadSpecFile(scalar)),
    `${scalar}: spec: expected a model spec object {name, input, layers}, got 'just text'`);
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('unsupported extensions and missing files are named', () => {
  const txt = file('spec.txt', '{}');
  assert.equal(messageOf(() => loadSpecFile(txt)), `${txt}: unsupported spec file type '.txt'; expected .json, .yaml, .yml`);
  const missing = join(dir, 'nope.yaml');
  assert.equal(messageOf(() => loadSpecFile(missing)), `${missing}: no such file`);
  assert.equal(messageOf(() => resolveModel('models/nope.json')), 'models/nope.json: no such file');
});

test('resolveModel returns a zoo spec by name as a mutable copy', () => {
  const spec = resolveModel('seed004-v5');
  assert.deepEqual(spec, zoo['seed004-v5']);
  assert.notEqual(spec, zoo['seed004-v5']);
  spec.layers.pop();
  assert.equal(zoo['seed004-v5'].layers.length, spec.layers.length + 1);
});

test('resolveModel loads a file when the name is a path', () => {
  const path = file('mine.yaml', YAML_TEXT);
  assert.deepEqual(resolveModel(path), expected);
});

test('resolveModel lists close zoo names when neither a zoo model nor a file exists', () => {
  assert.equal(messageOf(() => resolveModel('smal-cnn')),
    "unknown model 'smal-cnn': neither a zoo model nor a spec file; did you mean small-cnn?");
  assert.equal(messageOf(() => resolveModel('v5')),
    "unknown model 'v5': neither a zoo model nor a spec file; did you mean seed004-v5?");
  assert.equal(messageOf(() => resolveModel('seed004-v8')),
    "unknown model 'seed004-v8': neither a zoo model nor a spec file; did you mean seed004-v1, seed004-v2, seed004-v3, seed004-v4, seed004-v5?");
  assert.equal(messageOf(() => resolveModel('transformer')),
    `unknown model 'transformer': neither a zoo model nor a spec file; zoo models: ${Object.keys(zoo).join(', ')}`);
});
