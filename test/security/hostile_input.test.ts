/**
 * The reproductions of issue 23 (an attacker's and a careless user's inputs), each now one clear
 * error naming the file and key, or a refused request: see docs/SECURITY.md.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, mkdtempSync, openSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decodeWav, encodeWav, readWav, WavError } from '../../src/audio/wav.js';
import { fileFeatures, DEFAULT_FEATURES, FeatureError } from '../../src/audio/features.js';
import { parseIdx, readIdx, loadIdxImages, IdxError } from '../../src/data/idx.js';
import { readCheckpointMeta, loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';
import { encodeSafetensors, loadSafetensors, CheckpointError } from '../../src/train/safetensors.js';
import { loadTrainedModel, predictFiles } from '../../src/train/predict.js';
import { createModel } from '../../src/models/registry.js';
import { LeNet5 } from '../../src/models/index.js';
import { parseOverrides, ConfigError } from '../../src/config.js';
import { Store, StoreError } from '../../src/track/store.js';
import { extractAll } from '../../src/data/features.js';
import { scanDataset } from '../../src/data/audio_datasets.js';
import { DEFAULT_TRAIN, train } from '../../src/train/trainer.js';

const dir = mkdtempSync(join(tmpdir(), 'specnet-hostile-'));
const tone = (n = 8000) => Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin(i * 0.3));
const wavFile = (name: string, samples: Float32Array, rate = 8000, depth: '16' | '32f' = '32f') => {
  const p = join(dir, name);
  writeFileSync(p, encodeWav(samples, rate, depth));
  return p;
};

test('float WAVs that are not audio (3e38, NaN, ±Infinity) are refused naming the file and the sample; the features never see them', async () => {
  for (const [name, v, re] of [['huge.wav', 3e38, /sample 0 \(0\.000 s\) is 3\.00e\+38: float samples should lie in \[-1, 1\]/], ['nan.wav', NaN, /sample 0 .* is NaN: .*non-finite/],
    ['inf.wav', Infinity, /is Infinity/], ['minf.wav', -Infinity, /is -Infinity/]] as const) {
    const s = tone();
    s[4000] = v; if (name !== 'huge.wav') s[0] = v; else s[0] = v;
    const p = wavFile(name, s);
    assert.throws(() => readWav(p), (e: Error) => e instanceof WavError && e.message.startsWith(`${p}: `) && re.test(e.message), name);
    await assert.rejects(fileFeatures(p, { ...DEFAULT_FEATURES, bilateral: { d: 5, sigmaColor: 0.1, sigmaSpace: 2 } }), (e: Error) => e.message.startsWith(`${p}: `), name);
  }
  // slightly beyond ±1 is still audio (a clipped float file)
  const loud = tone(); loud[10] = 1.5;
  assert.equal(readWav(wavFile('loud.wav', loud)).samples[10], 1.5);
});

test('absurd sample rates are refused by the decoder, with the allowed range', () => {
  for (const rate of [1, 999, 1e9]) {
    const bytes = Buffer.from(encodeWav(tone(800), 8000, '16'));
    bytes.writeUInt32LE(rate, 24);   // fmt chunk: sample rate
    assert.throws(() => decodeWav(bytes, 'r.wav'), new RegExp(`r\\.wav: sample rate ${rate} Hz is outside 1000–768000 Hz`), String(rate));
  }
});

test('a device, a folder or a pipe where a file is expected is refused before anything is read', () => {
  assert.throws(() => readWav('/dev/zero'), /\/dev\/zero: a character device, not a WAV file$/);
  assert.throws(() => loadSafetensors('/dev/zero'), (e: Error) => e instanceof CheckpointError && /^\/dev\/zero: a character device, not a safetensors file/.test(e.message));
  assert.throws(() => readCheckpointMeta('/dev/zero'), /character device/);
  assert.throws(() => readIdx('/dev/zero'), (e: Error) => e instanceof IdxError && /character device/.test(e.message));
  assert.throws(() => readWav(dir), /a folder, not a WAV file/);
});

test('a sparse 1.5 GB "checkpoint" is refused from its first 8 bytes; the data a header declares is checked against the file', () => {
  const p = join(dir, 'sparse.safetensors');
  const fd = openSync(p, 'w');
  ftruncateSync(fd, 1.5 * 1024 ** 3);
  closeSync(fd);
  assert.throws(() => loadSafetensors(p), /sparse\.safetensors: not a safetensors file \(header length 0 for a file of 1610612736 bytes/);
  // a header that claims more data than the file has
  const ok = Buffer.from(encodeSafetensors({ w: { shape: [2], data: Float32Array.from([1, 2]) } }));
  const short = join(dir, 'short.safetensors');
  writeFileSync(short, ok.subarray(0, ok.length - 4));
  assert.throws(() => loadSafetensors(short), /short\.safetensors: the tensors cover 8 bytes of 4/);
});

/** A checkpoint of a tiny LeNet-5 with its metadata changed by `edit`. */
function checkpointWith(name: string, edit: (meta: Record<string, unknown>) => void, weights?: (w: Float32Array) => void): string {
  const p = join(dir, name);
  const m = new LeNet5({ inputSize: [16, 16], numClasses: 3, padding: 2 });
  const meta: Record<string, unknown> = { model: 'lenet5', modelOptions: { inputSize: [16, 16], numClasses: 3, padding: 2 }, features: { ...DEFAULT_FEATURES, height: 16, width: 16 }, classes: ['a', 'b', 'c'] };
  edit(meta);
  saveCheckpoint(p, m, meta as never);
  if (weights) {
    const { tensors, metadata } = loadSafetensors(p);
    weights(tensors['model.features.0.weight'].data);
    writeFileSync(p, encodeSafetensors(tensors, metadata));
  }
  return p;
}

test('checkpoint metadata is validated by schema: each bad key named with the file', () => {
  const cases: [string, (m: Record<string, unknown>) => void, RegExp][] = [
    ['proto', (m) => { m.model = '__proto__'; }, /checkpoint metadata: model: should be a model specnet knows/],
    ['ctor', (m) => { m.model = 'constructor'; }, /checkpoint metadata: model: should be a model specnet knows/],
    ['nfft', (m) => { (m.features as Record<string, unknown>).nFft = 2 ** 30; }, /checkpoint metadata: features\.nFft: .*16384/],
    ['rate', (m) => { (m.features as Record<string, unknown>).sampleRate = -5; }, /checkpoint metadata: features\.sampleRate:/],
    ['input', (m) => { (m.modelOptions as Record<string, unknown>).inputSize = 1e6; }, /checkpoint metadata: modelOptions\.inputSize:/],
    ['classes', (m) => { m.classes = []; }, /checkpoint metadata: classes:/],
    ['dup', (m) => { m.classes = ['a', 'a', 'b']; }, /checkpoint metadata: classes: the class names repeat/],
    ['numclasses', (m) => { (m.modelOptions as Record<string, unknown>).numClasses = 5; }, /modelOptions\.numClasses is 5, but it names 3 classes/],
  ];
  for (const [name, edit, re] of cases) {
    const p = checkpointWith(`${name}.safetensors`, edit);
    assert.throws(() => loadTrainedModel(p), (e: Error) => e instanceof CheckpointError && e.message.startsWith(p) && re.test(e.message), `${name}: ${re}`);
  }
  // __metadata__ null, and a model name that is an Object.prototype key
  const nul = join(dir, 'null-meta.safetensors');
  const bytes = Buffer.from(encodeSafetensors({ w: { shape: [1], data: Float32Array.from([1]) } }, { x: 'y' }));
  const n = Number(bytes.readBigUInt64LE(0));
  const header = bytes.subarray(8, 8 + n).toString().replace('{"x":"y"}', 'null     ');
  writeFileSync(nul, Buffer.concat([bytes.subarray(0, 8), Buffer.from(header), bytes.subarray(8 + n)]));
  assert.throws(() => loadSafetensors(nul), /null-meta\.safetensors: __metadata__ is null, not an object of strings/);
  assert.throws(() => createModel('__proto__'), /unknown model '__proto__'/);
  assert.throws(() => createModel('toString'), /unknown model 'toString'/);
});

test('a checkpoint with NaN weights is refused naming the tensor', () => {
  const p = checkpointWith('nanw.safetensors', () => {}, (w) => { w[3] = NaN; });
  assert.throws(() => loadTrainedModel(p), /nanw\.safetensors: tensor 'model\.features\.0\.weight' holds NaN at index 3: the weights are not finite/);
  assert.throws(() => loadCheckpoint(p, new LeNet5({ inputSize: [16, 16], numClasses: 3, padding: 2 }), 'lenet5'), /not finite/);
});

test('IDX: a gzip bomb stops at the size its header declares; NaN labels, fractional labels and 0 images are refused', () => {
  const idx = (type: number, shape: number[], body: Buffer) => {
    const h = Buffer.alloc(4 + 4 * shape.length);
    h[2] = type; h[3] = shape.length;
    shape.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
    return Buffer.concat([h, body]);
  };
  const bomb = gzipSync(idx(0x08, [2, 4, 4], Buffer.alloc(64 * 1024 * 1024)), { level: 9 });
  assert.ok(bomb.length < 200_000);
  assert.throws(() => parseIdx(bomb, 'bomb.gz'), /bomb\.gz: the gzip data inflates to more than the 48 bytes its IDX header declares/);
  assert.throws(() => parseIdx(idx(0x08, [0xffffffff, 0xffffffff, 0xffffffff], Buffer.alloc(0)), 'huge'), /declares .* more than the 1\.0 GB an IDX file may hold/);
  const imgs = join(dir, 'im.idx'), labs = join(dir, 'lb.idx');
  writeFileSync(imgs, idx(0x08, [2, 2, 2], Buffer.alloc(8)));
  const f = Buffer.alloc(8); f.writeFloatBE(NaN, 0); f.writeFloatBE(1, 4);
  writeFileSync(labs, idx(0x0d, [2], f));
  assert.throws(() => loadIdxImages(imgs, labs), /lb\.idx: label 0 is NaN; labels should be class numbers/);
  f.writeFloatBE(2.5, 0);
  writeFileSync(labs, idx(0x0d, [2], f));
  assert.throws(() => loadIdxImages(imgs, labs), /label 0 is 2\.5/);
  writeFileSync(imgs, idx(0x08, [0, 28, 28], Buffer.alloc(0)));
  writeFileSync(labs, idx(0x08, [0], Buffer.alloc(0)));
  assert.throws(() => loadIdxImages(imgs, labs), /im\.idx: holds no images/);
});

test('config: absurd sizes and rates are one message naming the key and the bound', () => {
  assert.throws(() => parseOverrides(['features.height=100000']), (e: Error) => e instanceof ConfigError && /^--set: features\.height: .*1024/.test(e.message));
  assert.throws(() => parseOverrides(['noise.copies=100000']), /--set: noise\.copies: .*20/);
  assert.throws(() => parseOverrides(['train.lr=1e30']), /--set: train\.lr: .*10/);
  assert.throws(() => parseOverrides(['features.bilateral={d: 5, sigmaColor: 0.1, sigmaSpace: 1e9}']), /features\.bilateral\.sigmaSpace/);
  assert.throws(() => parseOverrides(['split={validation: 0.6, test: 0.6}']), /split: validation \+ test should leave speakers/);
});

test('a dataset with a non-audio file trains on the rest and lists the file with its reason', async () => {
  const root = join(dir, 'fsdd');
  mkdirSync(root);
  for (const spk of ['a', 'b']) for (let d = 0; d < 2; d++) writeFileSync(join(root, `${d}_${spk}_0.wav`), encodeWav(tone(4000), 8000, '16'));
  const bad = tone(4000); bad[100] = 3e38;
  writeFileSync(join(root, '1_b_1.wav'), encodeWav(bad, 8000, '32f'));
  const ds = scanDataset(root);
  const set = await extractAll(ds.recordings, { ...DEFAULT_FEATURES, bilateral: { d: 5, sigmaColor: 0.1, sigmaSpace: 2 } });
  assert.equal(set.kept.length, 4);
  assert.equal(set.failed.length, 1);
  assert.match(set.failed[0].reason, /1_b_1\.wav: sample 100 .* is 3\.00e\+38/);
});

test('training: NaN images are refused; a learning rate that blows up the weights ends "diverged", never "completed"; --resume without a checkpoint is refused', async () => {
  const n = 12, size = 16 * 16;
  const images = Float32Array.from({ length: n * size }, (_, i) => ((i * 7919) % 13) / 13);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const split = { images, labels };
  const data = { train: split, validation: split, test: split, height: 16, width: 16, numClasses: 3 };
  const cfg = { ...DEFAULT_TRAIN, model: 'lenet5', modelOptions: { padding: 2 }, epochs: 2, batchSize: 4 };
  const out = mkdtempSync(join(tmpdir(), 'specnet-hostile-train-'));
  const nan = images.slice(); nan[size + 5] = NaN;
  await assert.rejects(train(cfg, { ...data, train: { images: nan, labels } }, { outDir: out }), /image 1 of the train split holds NaN/);
  const r = await train({ ...cfg, optimizer: 'sgd', momentum: 0, lr: 1e30, schedule: 'none' }, data, { outDir: out });
  assert.equal(r.status, 'diverged');
  assert.match(r.message!, /became (NaN|Infinity|\d)/);
  assert.match(r.message!, /--set train\.clipNorm=1/);
  assert.doesNotMatch(r.message!, /--clip-norm/);
  await assert.rejects(train(cfg, data, { outDir: join(out, 'typo'), resume: true }), /--resume: there is no checkpoint to resume from \(.*typo\/last\.safetensors does not exist\)/);
});

test('a runs database that is not one is named with its path and what to do', () => {
  const d = mkdtempSync(join(tmpdir(), 'specnet-hostile-db-'));
  writeFileSync(join(d, 'specnet.db'), 'this is not sqlite at all, just some text that is long enough to be a header '.repeat(20));
  for (const readonly of [false, true]) {
    assert.throws(() => new Store(d, { readonly }), (e: Error) => e instanceof StoreError && e.message.startsWith(join(d, 'specnet.db')) && /not a specnet runs database or is damaged/.test(e.message));
  }
  assert.throws(() => new Store('/dev/null/runs'), (e: Error) => e instanceof StoreError && e.message.startsWith('/dev/null/runs/specnet.db: cannot open'));
});

test('fileFeatures names the file for a failure inside the pipeline (a rate the resampler cannot reach)', async () => {
  const p = wavFile('r768k.wav', tone(8000), 768_000, '16');
  await assert.rejects(fileFeatures(p, { ...DEFAULT_FEATURES, sampleRate: 1000 }), (e: Error) => e instanceof FeatureError && e.message.startsWith(`${p}: cannot resample 768000 Hz to 1000 Hz`));
});

test('predictFiles reports an unusable file and predicts the others (or throws, naming it, without onUnusable)', async () => {
  const ckpt = checkpointWith('predict.safetensors', () => {});
  const m = loadTrainedModel(ckpt);
  const good = wavFile('good.wav', tone(), 8000, '16');
  const bad = tone(); bad[7] = NaN;
  const nan = wavFile('bad.wav', bad);
  const reported: string[] = [];
  const p = await predictFiles(m, [good, nan, '/dev/zero'], { onUnusable: (f, message) => reported.push(`${f} | ${message}`) });
  assert.deepEqual(p.map((x) => x.file), [good]);
  assert.equal(reported.length, 2);
  assert.match(reported[0], /bad\.wav \| .*bad\.wav: sample 7 .* is NaN/);
  assert.match(reported[1], /\/dev\/zero: a character device/);
  await assert.rejects(predictFiles(m, [good, nan]), /bad\.wav: sample 7/);
});
