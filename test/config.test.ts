import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, parseOverrides, readConfigFile, resolveConfig } from '../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'specnet-config-'));
const file = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };

test('the quick profile is the default; full changes the corpus size and the epochs', () => {
  const q = resolveConfig();
  assert.equal(q.profile, 'quick');
  assert.deepEqual(q.models, ['lenet5', 'resnet14']);
  assert.equal(q.synth.speakers * q.synth.repetitions, 120);
  assert.equal(q.train.optimizer, 'adam');
  assert.equal(q.features.nMels, 64);
  const f = resolveConfig({ profile: 'full' });
  assert.equal(f.synth.speakers, 60);
  assert.equal(f.synth.repetitions, 50);
  assert.ok(f.epochs[1] > q.epochs[1]);
  assert.equal(f.features.nMels, 64, 'what the profile does not set comes from the defaults');
});

test('a YAML file and a JSON file are merged over the profile, and overrides over the file', () => {
  const y = file('a.yaml', 'profile: full\nmodels: [lenet5, mobilenetv2]\ntrain:\n  lr: 0.003\nfeatures:\n  nMels: 40\n  bilateral: { d: 7, sigmaColor: 0.2, sigmaSpace: 3 }\n');
  const c = resolveConfig({ file: y, overrides: [parseOverrides(['train.lr=0.01', 'epochs=[3,2]'])] });
  assert.equal(c.profile, 'full');
  assert.deepEqual(c.models, ['lenet5', 'mobilenetv2']);
  assert.equal(c.train.lr, 0.01, '--set wins over the file');
  assert.equal(c.train.batchSize, 64, 'keys the file leaves out keep their defaults');
  assert.deepEqual(c.epochs, [3, 2]);
  assert.equal(c.features.nMels, 40);
  assert.equal(c.features.hopLength, 64);
  assert.deepEqual(c.features.bilateral, { d: 7, sigmaColor: 0.2, sigmaSpace: 3 });
  const j = file('b.json', JSON.stringify({ seed: 5, split: { test: 0.25 } }));
  const d = resolveConfig({ file: j });
  assert.equal(d.seed, 5);
  assert.deepEqual(d.split, { validation: 0.15, test: 0.25 });
});

test('a wrong type, an unknown key and a broken file each get one message naming the file and the key', () => {
  const wrong = file('wrong.yaml', 'train:\n  lr: fast\n');
  assert.throws(() => readConfigFile(wrong), (e: Error) => e instanceof ConfigError && e.message.startsWith(`${wrong}: train.lr:`) && /number/.test(e.message));
  const unknown = file('unknown.yaml', 'train:\n  learning_rate: 0.1\n');
  assert.throws(() => readConfigFile(unknown), (e: Error) => e instanceof ConfigError && e.message.includes("unknown key 'train.learning_rate'"));
  const broken = file('broken.json', '{"seed": 1,');
  assert.throws(() => readConfigFile(broken), (e: Error) => e instanceof ConfigError && e.message.includes(`${broken}: not valid JSON or YAML`));
  const list = file('list.yaml', '- 1\n- 2\n');
  assert.throws(() => readConfigFile(list), /should hold a mapping of settings, got a list/);
  assert.throws(() => readConfigFile(join(dir, 'nope.yaml')), /nope\.yaml does not exist/);
  assert.throws(() => parseOverrides(['epochs=[0,1]']), /--set: epochs\.0:/);
  assert.throws(() => parseOverrides(['train.lr']), /expected key\.path=value/);
  assert.throws(() => resolveConfig({ overrides: [{ models: ['lenet5', 'lenet5'] }] }), /should differ/);
});
