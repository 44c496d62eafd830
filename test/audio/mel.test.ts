import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logMelSpectrogram, melSpectrogram, normalizeBySpeaker, normalizeImage, subtractNoiseFloor } from '../../src/audio/features.js';
import { hzToMel, melFilterbank, melToHz } from '../../src/audio/mel.js';
import { stft } from '../../src/audio/stft.js';
import { readWav } from '../../src/audio/wav.js';
import { assertClose, onEachBackend } from '../helpers.js';
import { audioFixtures, fixtureWav } from './fixtures.js';

for (const [name, setup] of onEachBackend(() => {})) test(`log-mel spectrograms of real speech match torchaudio (MelSpectrogram + AmplitudeToDB) (${name})`, () => {
  setup();
  const cases = audioFixtures().mel;
  assert.ok(cases.length >= 6);
  let worst = 0;
  for (const c of cases) {
    const a = readWav(fixtureWav(c.clip));
    const s = c.settings;
    const { data, frames } = logMelSpectrogram(a.samples, {
      sampleRate: a.sampleRate, nFft: s.n_fft, hopLength: s.hop_length, nMels: s.n_mels, fMin: s.f_min ?? 0, fMax: s.f_max ?? null,
      melScale: s.mel_scale, melNorm: s.norm, topDb: s.top_db ?? Infinity,
    });
    assert.deepEqual([s.n_mels, frames], c.db.shape, `${c.clip} ${JSON.stringify(s)}: shape`);
    // dB values span ~100 dB: compare relative to that range (1e-4 of it) plus a tiny absolute slack
    const range = Math.max(...c.db.data) - Math.min(...c.db.data);
    assertClose(data, c.db.data, { rtol: 1e-4, atol: 1e-4 * range }, `${c.clip} ${s.mel_scale}/${s.norm}`);
    for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(data[i] - c.db.data[i]) / range);
  }
  assert.ok(worst < 1e-4, `worst error ${worst} of the dB range`);
});

for (const [name, setup] of onEachBackend(() => {})) test(`the mel power spectrogram is the filterbank over the STFT, and its dB is logMelSpectrogram (${name})`, () => {
  setup();
  const x = Float32Array.from({ length: 3000 }, (_, i) => Math.sin(i * 0.3) + 0.5 * Math.sin(i * 0.071));
  const c = { sampleRate: 8000, nFft: 256, hopLength: 64, nMels: 40, fMin: 0, fMax: null, melScale: 'htk' as const, melNorm: null };
  const mel = melSpectrogram(x, c), s = stft(x, { nFft: 256, hopLength: 64 });
  const fb = melFilterbank(s.bins, { nMels: 40, sampleRate: 8000 });
  const expected = new Float64Array(40 * s.frames);
  for (let m = 0; m < 40; m++) for (let t = 0; t < s.frames; t++) for (let k = 0; k < s.bins; k++) expected[m * s.frames + t] += s.data[t * s.bins + k] * fb[k * 40 + m];
  assertClose(mel.data, expected, { rtol: 1e-5, atol: 1e-6 }, 'mel power');
  const db = logMelSpectrogram(x, { ...c, topDb: 30 });
  const peak = Math.max(...expected.map((v) => 10 * Math.log10(Math.max(v, 1e-10))));
  assertClose(db.data, [...expected].map((v) => Math.max(10 * Math.log10(Math.max(v, 1e-10)), peak - 30)), { rtol: 1e-5, atol: 1e-4 }, 'mel dB');
});

test('mel scales round-trip and the filterbank has the expected shape', () => {
  for (const scale of ['htk', 'slaney'] as const) {
    for (const f of [0, 300, 1000, 3999]) assert.ok(Math.abs(melToHz(hzToMel(f, scale), scale) - f) < 1e-6);
  }
  assert.ok(Math.abs(hzToMel(1000, 'htk') - 999.9855) < 1e-3);
  assert.ok(Math.abs(hzToMel(1000, 'slaney') - 15) < 1e-9);
  const fb = melFilterbank(129, { nMels: 10, sampleRate: 8000 });
  assert.equal(fb.length, 129 * 10);
  for (let m = 0; m < 10; m++) {                     // every triangle peaks near 1 and is non-negative
    let peak = 0;
    for (let k = 0; k < 129; k++) { assert.ok(fb[k * 10 + m] >= 0); peak = Math.max(peak, fb[k * 10 + m]); }
    assert.ok(peak > 0.5 && peak <= 1, `filter ${m} peaks at ${peak}`);
  }
  assert.throws(() => melFilterbank(129, { nMels: 10, sampleRate: 8000, fMin: 5000, fMax: 4000 }), /need 0 ≤ fMin < fMax/);
});

test('STFT: a pure tone lands in its bin; bad settings are refused', () => {
  const sr = 8000, f = 1000, n = 4000;
  const x = Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * f * i) / sr));
  const s = stft(x, { nFft: 256, hopLength: 64 });
  assert.equal(s.frames, 1 + Math.floor(n / 64));
  const mid = Math.floor(s.frames / 2) * s.bins;
  let best = 0;
  for (let k = 1; k < s.bins; k++) if (s.data[mid + k] > s.data[mid + best]) best = k;
  assert.equal(best, (f * 256) / sr);
  assert.throws(() => stft(x, { nFft: 400 }), /nFft = 400 must be a power of two/);
  assert.throws(() => stft(new Float32Array(0), { nFft: 256 }), /the signal is empty/);
});

test('image normalisation: minmax to [0, 1], standard to mean 0 and std 1, band removes each row\'s mean first', () => {
  const w = 4;
  // row 1 = row 0 + 5 (a constant colouring of one band), row 2 varies
  const img = Float32Array.from([1, 2, 3, 4, 6, 7, 8, 9, 0, 4, 0, 4]);
  assert.deepEqual([...normalizeImage(img.slice(), 'minmax')].map((v) => +v.toFixed(6)), [1, 2, 3, 4, 6, 7, 8, 9, 0, 4, 0, 4].map((v) => +(v / 9).toFixed(6)));
  const s = normalizeImage(img.slice(), 'standard');
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  assert.ok(Math.abs(mean) < 1e-6 && Math.abs(s.reduce((a, b) => a + (b - mean) ** 2, 0) / s.length - 1) < 1e-5);
  const b = normalizeImage(img.slice(), 'band', w);
  assert.deepEqual(b.subarray(0, w), b.subarray(w, 2 * w), 'the constant offset between rows 0 and 1 is gone');
  // rows after mean removal: [-1.5 -0.5 0.5 1.5] twice, [-2 2 -2 2]; then minmax over [-2, 2]
  assert.deepEqual([...b], [0.125, 0.375, 0.625, 0.875, 0.125, 0.375, 0.625, 0.875, 0, 1, 0, 1]);
});

test('speaker normalisation: a speaker\'s constant band colouring cancels; padding stays 0; the word\'s shape stays', () => {
  // 2 bands × 4 frames; frame 3 is padding (column mean 0). Two words A and B.
  const A = [0.2, 0.6, 0.4, 0, 0.8, 0.4, 0.6, 0];
  const B = [0.6, 0.2, 0.4, 0, 0.4, 0.8, 0.6, 0];
  // speaker "s" says A and B; speaker "t" says them with band 0 louder by 0.1 and band 1 quieter by 0.1
  const colour = (img: number[]) => img.map((v, i) => (i % 4 === 3 ? 0 : v + (i < 4 ? 0.1 : -0.1)));
  const images = Float32Array.from([...A, ...B, ...colour(A), ...colour(B)]);
  normalizeBySpeaker(images, 2, 4, ['s', 's', 't', 't']);
  const img = (k: number) => [...images.subarray(k * 8, (k + 1) * 8)].map((v) => +v.toFixed(5));
  assert.deepEqual(img(2), img(0), 'word A of speaker t = word A of speaker s');
  assert.deepEqual(img(3), img(1), 'word B likewise');
  assert.notDeepEqual(img(0), img(1), 'the two words still differ');
  // speaker s: band means over the live frames (A and B together) are 0.4 and 0.6;
  // A minus them: [-0.2 0.2 0] and [0.2 -0.2 0], scaled over [-0.2, 0.2]
  assert.deepEqual(img(0), [0, 1, 0.5, 0, 1, 0, 0.5, 0]);
  assert.throws(() => normalizeBySpeaker(new Float32Array(8), 2, 4, ['s', 't']), /2 speaker names for 1 images/);
});

test('noise floor: each band loses its percentile over the live frames, padding and noise go to 0', () => {
  // 2 bands × 6 frames; frames 0 and 5 are padding at the spectrogram's minimum (-80)
  const db = Float32Array.from([
    -80, -30, -28, -10, -29, -80,
    -80, -50, -50, -20, -49, -80,
  ]);
  subtractNoiseFloor(db, 2, 6, 0);
  assert.deepEqual([...db], [0, 0, 2, 20, 1, 0, 0, 0, 0, 30, 1, 0]);
  const median = subtractNoiseFloor(Float32Array.from([-80, 1, 2, 3, 4, 5]), 1, 6, 50);
  assert.deepEqual([...median], [0, 0, 0, 0, 1, 2], 'the median of 1..5 is 3');
  const silent = Float32Array.from([-80, -80, -80]);
  assert.deepEqual([...subtractNoiseFloor(silent, 1, 3, 10)], [-80, -80, -80], 'an all-silent clip is left alone');
});
