import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { addWhiteNoise, applyNoise, noisyCopies, recordingKey } from '../../src/augment/noise.js';
import { DEFAULT_FEATURES, extractFeatures } from '../../src/audio/features.js';
import { readWav } from '../../src/audio/wav.js';
import { scanDataset, type Recording } from '../../src/data/audio_datasets.js';
import { extractAll } from '../../src/data/features.js';
import { imagesOf } from '../../src/train/experiment.js';
import { losoFolds } from '../../src/train/loso.js';
import { ConfigError, resolveConfig, parseOverrides } from '../../src/config.js';
import { Generator } from '../../src/tensor/random.js';
import { fixtureWav } from '../audio/fixtures.js';

const power = (x: Float32Array): number => x.reduce((s, v) => s + v * v, 0) / x.length;

test('addWhiteNoise adds noise at the asked SNR, the same for the same seed; silence stays silent', () => {
  const x = Float32Array.from({ length: 100_000 }, (_, i) => 0.5 * Math.sin(i / 7));
  for (const snr of [0, 10, 20]) {
    const y = addWhiteNoise(x, snr, new Generator(3));
    const n = y.map((v, i) => v - x[i]);
    const measured = 10 * Math.log10(power(x) / power(n));
    assert.ok(Math.abs(measured - snr) < 0.1, `asked ${snr} dB, measured ${measured.toFixed(3)} dB`);
  }
  assert.deepEqual(addWhiteNoise(x, 5, new Generator(9)), addWhiteNoise(x, 5, new Generator(9)));
  assert.notDeepEqual(addWhiteNoise(x, 5, new Generator(9)), addWhiteNoise(x, 5, new Generator(10)));
  assert.deepEqual(addWhiteNoise(new Float32Array(10), 0, new Generator(1)), new Float32Array(10));
  const clean = new Float32Array([1, 2]);
  assert.equal(applyNoise(clean, undefined), clean, 'no noise: the samples as they are');
});

const rec = (path: string, speaker: string, repetition = 1): Recording => ({ path, label: 3, speaker, repetition });

test('noisyCopies: k copies per recording as speakers of their own, SNR in range, fixed by the recording, not by the list', () => {
  const a = rec('/d/3_a_1.wav', 'a'), b = rec('/d/3_b_1.wav', 'b');
  const o = { copies: 2, snrDb: [0, 20] as const, seed: 0 };
  const both = noisyCopies([a, b], o);
  assert.equal(both.length, 4);
  assert.deepEqual(both.map((r) => r.speaker).sort(), ['a~noise1', 'a~noise2', 'b~noise1', 'b~noise2']);
  assert.ok(both.every((r) => r.noise && r.noise.snrDb >= 0 && r.noise.snrDb <= 20 && r.label === 3));
  assert.equal(new Set(both.map(recordingKey)).size, 4, 'each copy has its own key');
  assert.ok(both.every((r) => recordingKey(r) !== r.path));
  assert.equal(recordingKey(a), a.path, 'a clean recording is its path (feature caches stay valid)');
  const alone = noisyCopies([b], o);
  assert.deepEqual(alone, both.filter((r) => r.path === b.path), 'b gets the same copies with or without a');
  assert.notDeepEqual(noisyCopies([b], { ...o, seed: 1 }).map((r) => r.noise), alone.map((r) => r.noise), 'another seed, other noise');
  assert.deepEqual(noisyCopies([a, b], { ...o, copies: 0 }), []);
  assert.throws(() => noisyCopies([a], { ...o, snrDb: [20, 0] }), /noise.snrDb.*\[20, 0\]/);
  assert.throws(() => noisyCopies([a], { ...o, copies: 1.5 }), /noise.copies/);
});

test('extractAll computes a noisy copy from the noisy samples, next to the clean file, and caches both', async () => {
  const root = mkdtempSync(join(tmpdir(), 'specnet-noise-'));
  mkdirSync(join(root, 'recordings'));
  copyFileSync(fixtureWav('3_george_7.wav'), join(root, 'recordings', '3_george_7.wav'));
  const clean = scanDataset(root).recordings;
  const recs = [...clean, ...noisyCopies(clean, { copies: 1, snrDb: [0, 0], seed: 0 })];
  const cfg = { ...DEFAULT_FEATURES, height: 32, width: 32 };
  const cacheDir = mkdtempSync(join(tmpdir(), 'specnet-noise-cache-'));
  const set = await extractAll(recs, cfg, { cacheDir, jobs: 1 });
  assert.equal(set.kept.length, 2);
  const pick = imagesOf(set);
  const [c, n] = [pick([recs[0]]).images, pick([recs[1]]).images];
  const w = readWav(recs[0].path);
  assert.deepEqual(c, await extractFeatures(w.samples, w.sampleRate, cfg));
  assert.deepEqual(n, await extractFeatures(applyNoise(w.samples, recs[1].noise), w.sampleRate, cfg), 'the worker adds exactly the copy\'s noise');
  const mean = (x: Float32Array): number => x.reduce((s, v) => s + v, 0) / x.length;
  assert.ok(mean(n) > mean(c) + 0.05, `noise at 0 dB raises the floor of the image (${mean(c).toFixed(3)} → ${mean(n).toFixed(3)})`);
  const again = await extractAll(recs, cfg, { cacheDir });
  assert.equal(again.fromCache, true);
  assert.deepEqual(imagesOf(again)([recs[1]]).images, n);
  const other = await extractAll([...clean, ...noisyCopies(clean, { copies: 1, snrDb: [0, 0], seed: 5 })], cfg, { cacheDir });
  assert.equal(other.fromCache, false, 'other noise, another cache file');
});

test('losoFolds with noise: copies of the other speakers\' training recordings only, the same in every fold', () => {
  const recs: Recording[] = [];
  for (const s of ['a', 'b', 'c']) for (let rep = 0; rep < 3; rep++) recs.push(rec(`/d/3_${s}_${rep}.wav`, s, rep));
  const ds = { layout: 'fsdd' as const, root: '/d', recordings: recs, classes: ['0', '1', '2', '3'], skipped: [], speakers: {} };
  const extra = [rec('/x/3_z_1.wav', 'extra:z')];
  const folds = losoFolds(ds, extra, { copies: 1, snrDb: [0, 20], seed: 0 });
  for (const f of folds) {
    const noisy = f.train.filter((r) => r.noise);
    assert.equal(noisy.length, 4, 'repetitions 1 and 2 of the two other speakers');
    assert.ok(noisy.every((r) => !r.speaker.startsWith(f.speaker) && r.repetition % 10 !== 0 && !r.path.startsWith('/x/')));
    assert.ok([...f.validation, ...f.test].every((r) => !r.noise), 'validation and test stay clean');
  }
  const copyOf = (f: number, path: string) => folds[f].train.find((r) => r.noise && r.path === path);
  assert.deepEqual(copyOf(0, '/d/3_c_1.wav'), copyOf(1, '/d/3_c_1.wav'));
  assert.equal(losoFolds(ds, extra)[0].train.filter((r) => r.noise).length, 0, 'no noise asked, no copies');
});

test('config: noise.copies and noise.snrDb are checked', () => {
  assert.deepEqual(resolveConfig().noise, { copies: 0, snrDb: [0, 20] });
  assert.deepEqual(resolveConfig({ overrides: [parseOverrides(['noise.copies=2', 'noise.snrDb=[5,15]'])] }).noise, { copies: 2, snrDb: [5, 15] });
  assert.throws(() => parseOverrides(['noise.snrDb=[20,0]']), (e: Error) => e instanceof ConfigError && /noise\.snrDb.*low ≤ high/.test(e.message));
  assert.throws(() => parseOverrides(['noise.copies=-1']), (e: Error) => e instanceof ConfigError && /noise\.copies/.test(e.message));
});
