import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LeNet5, MLP } from '../../src/models/index.js';
import { crossEntropy } from '../../src/nn/index.js';
import { Adam } from '../../src/optim/index.js';
import { randn } from '../../src/tensor/create.js';
import { Generator, manualSeed } from '../../src/tensor/random.js';
import { loadCheckpoint, readCheckpointMeta, saveCheckpoint } from '../../src/train/checkpoint.js';
import { CheckpointError, decodeSafetensors, encodeSafetensors, loadSafetensors } from '../../src/train/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'specnet-ckpt-'));

test('safetensors round trip, with the layout the format specifies', () => {
  const bytes = encodeSafetensors({ 'a.weight': { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }, b: { shape: [], data: Float32Array.from([7]) } }, { note: 'hi' });
  const n = Number(Buffer.from(bytes).readBigUInt64LE(0));
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8'));
  assert.deepEqual(header['a.weight'], { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
  assert.equal((8 + n) % 8, 0, 'data is 8-byte aligned');
  const back = decodeSafetensors(bytes);
  assert.deepEqual([...back.tensors['a.weight'].data], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(back.tensors.b.shape, []);
  assert.equal(back.metadata.note, 'hi');
});

test('a training run resumed from a checkpoint continues exactly as if never stopped', () => {
  const data = () => { const g = new Generator(3); return { x: randn([8, 32, 32, 1], { generator: g }), y: [0, 1, 2, 3, 4, 5, 6, 7] }; };
  const steps = (m: LeNet5, o: Adam, k: number) => { const { x, y } = data(); for (let i = 0; i < k; i++) { const l = crossEntropy(m.forward(x), y); o.zeroGrad(); l.backward(); o.step(); } };
  manualSeed(1);
  const a = new LeNet5({ inputSize: 32 }), oa = new Adam(a.namedParameters(), { lr: 1e-3 });
  steps(a, oa, 4);
  manualSeed(1);
  const b = new LeNet5({ inputSize: 32 }), ob = new Adam(b.namedParameters(), { lr: 1e-3 });
  steps(b, ob, 2);
  const p = join(dir, 'mid.safetensors');
  saveCheckpoint(p, b, { model: 'lenet5', modelOptions: { inputSize: 32 }, epoch: 2 }, ob);
  manualSeed(99);
  const c = new LeNet5({ inputSize: 32 }), oc = new Adam(c.namedParameters(), { lr: 1e-3 });
  const meta = loadCheckpoint(p, c, 'lenet5', oc);
  assert.equal(meta.epoch, 2);
  assert.deepEqual(readCheckpointMeta(p).modelOptions, { inputSize: 32 });
  steps(c, oc, 2);
  for (const [name, t] of a.namedParameters()) assert.deepEqual(c.stateDict()[name].toArray(), t.toArray(), name);
});

test('bad checkpoints are refused with one clear message, and nothing is changed', () => {
  const m = new LeNet5({ inputSize: 32 });
  const p = join(dir, 'good.safetensors');
  saveCheckpoint(p, m, { model: 'lenet5' });
  const other = new MLP();
  assert.throws(() => loadCheckpoint(p, other, 'mlp'), (e: Error) => e instanceof CheckpointError && /a checkpoint of model 'lenet5', not 'mlp'/.test(e.message));
  const small = new LeNet5({ inputSize: 64 });
  const before = small.stateDict()['classifier.1.weight'].toArray();
  assert.throws(() => loadCheckpoint(p, small, 'lenet5'), /key 'classifier.1.weight' has shape \[120, 400\], expected \[120, 2704\]/);
  assert.deepEqual(small.stateDict()['classifier.1.weight'].toArray(), before);
  const bytes = readFileSync(p);
  const cases: [string, Uint8Array, RegExp][] = [
    ['tiny', bytes.subarray(0, 5), /not a safetensors file \(5 bytes\)/],
    ['truncated', bytes.subarray(0, bytes.length - 10), /truncated or padded file/],
    ['garbage', Buffer.from('this is not a checkpoint at all, really'), /not a safetensors file \(header length/],
  ];
  for (const [name, b, re] of cases) {
    writeFileSync(join(dir, `${name}.safetensors`), b);
    assert.throws(() => loadSafetensors(join(dir, `${name}.safetensors`)), (e: Error) => e instanceof CheckpointError && re.test(e.message) && e.message.includes(`${name}.safetensors`), name);
  }
  const f64 = Buffer.from(JSON.stringify({ w: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }));
  const len = Buffer.alloc(8); len.writeBigUInt64LE(BigInt(f64.length));
  assert.throws(() => decodeSafetensors(Buffer.concat([len, f64, Buffer.alloc(8)]), 'f64.safetensors'), /tensor 'w' has dtype "F64"; only F32 is supported/);
  writeFileSync(join(dir, 'plain.safetensors'), encodeSafetensors({ w: { shape: [1], data: new Float32Array(1) } }));
  assert.throws(() => loadCheckpoint(join(dir, 'plain.safetensors'), m, 'lenet5'), /not a specnet checkpoint/);
});
