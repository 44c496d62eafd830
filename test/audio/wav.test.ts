import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import wavefilePkg from 'wavefile';
import { decodeWav, readWav, WavError, writeWav } from '../../src/audio/wav.js';
import { fitLength, resample, trimSilence } from '../../src/audio/signal.js';
import { stft } from '../../src/audio/stft.js';
import { Generator } from '../../src/tensor/random.js';
import { fixtureWav } from './fixtures.js';

const { WaveFile } = wavefilePkg;
const dir = mkdtempSync(join(tmpdir(), 'specnet-wav-'));

/** A WAV made by wavefile itself in a given encoding. */
function make(channels: number, rate: number, depth: string, samples: number[] | number[][]): Uint8Array {
  const w = new WaveFile();
  w.fromScratch(channels, rate, depth, samples);
  return w.toBuffer();
}

test('reads PCM 8/16/24/32-bit and float 32/64, mono or mixed down to mono, any rate', () => {
  const cases: [string, number[], number][] = [
    ['8', [128, 255, 0], 1 / 128],
    ['16', [0, 32767, -32768], 1 / 32768],
    ['24', [0, 8388607, -8388608], 1 / 8388608],
    ['32', [0, 2147483647, -2147483648], 1 / 2147483648],
    ['32f', [0, 0.5, -1], 1],
    ['64', [0, 0.25, -0.5], 1],
  ];
  for (const [depth, values, scale] of cases) {
    const a = decodeWav(make(1, 11025, depth, values), `t${depth}.wav`);
    assert.equal(a.sampleRate, 11025);
    const expect = values.map((v) => (depth === '8' ? (v - 128) * scale : v * scale));
    a.samples.forEach((v, i) => assert.ok(Math.abs(v - expect[i]) < 1e-6, `${depth}-bit sample ${i}: ${v} vs ${expect[i]}`));
  }
  const stereo = decodeWav(make(2, 44100, '16', [[16384, 0], [0, -16384]]), 'stereo.wav');
  assert.equal(stereo.channels, 2);
  assert.deepEqual([...stereo.samples], [0.25, -0.25]);
});

test('the real FSDD recording decodes and a written WAV reads back', () => {
  const a = readWav(fixtureWav('3_george_7.wav'));
  assert.equal(a.sampleRate, 8000);
  assert.equal(a.samples.length, 4064);
  const p = join(dir, 'copy.wav');
  writeWav(p, a.samples, a.sampleRate);
  const b = readWav(p);
  assert.deepEqual([...b.samples], [...a.samples]);
  assert.deepEqual([...readFileSync(p)].slice(0, 4), [...Buffer.from('RIFF')]);
});

test('bad files get one clear error naming the file', () => {
  const good = make(1, 8000, '16', [1, 2, 3, 4]);
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty.wav', new Uint8Array(0), /empty.wav: empty file \(0 bytes\)/],
    ['text.wav', Buffer.from('hello, this is not audio at all'), /text.wav: not a WAV file \(starts with "hell"/],
    ['truncated.wav', good.subarray(0, 20), /truncated.wav: truncated or corrupt WAV header/],
    ['nodata.wav', make(1, 8000, '16', []), /nodata.wav: no audio samples \(a 0-length clip\)/],
  ];
  for (const [name, bytes, re] of cases) {
    writeFileSync(join(dir, name), bytes);
    assert.throws(() => readWav(join(dir, name)), (e: Error) => e instanceof WavError && re.test(e.message), name);
  }
  // an encoding we do not decode: 4-bit IMA ADPCM
  const adpcm = new WaveFile();
  adpcm.fromScratch(1, 8000, '16', new Array(1010).fill(0));
  adpcm.toIMAADPCM();
  writeFileSync(join(dir, 'adpcm.wav'), adpcm.toBuffer());
  assert.throws(() => readWav(join(dir, 'adpcm.wav')), /adpcm.wav: unsupported encoding/);
  assert.throws(() => readWav(join(dir, 'missing.wav')), /missing.wav: cannot read the WAV \(no such file\)/);
});

test('resampling keeps a tone, removes what is above the new Nyquist frequency, and repeats exactly', async () => {
  const from = 16000, to = 8000, n = 16000;
  const tone = (f: number) => Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * f * i) / from));
  const energy = (x: Float32Array) => x.slice(1000, -1000).reduce((s, v) => s + v * v, 0) / (x.length - 2000);
  const kept = await resample(tone(1000), from, to);
  assert.deepEqual(await resample(tone(1000), from, to), kept, 'the same input gives the same output');
  assert.equal(kept.length, 8000);
  assert.ok(Math.abs(energy(kept) - 0.5) < 0.05, `1 kHz tone energy ${energy(kept)}`);
  const alias = await resample(tone(6000), from, to);          // 6 kHz > 4 kHz: must be filtered, not folded to 2 kHz
  assert.ok(energy(alias) < 0.05, `6 kHz tone leaked with energy ${energy(alias)}`);
  const s = stft(kept, { nFft: 256, hopLength: 128 });
  assert.ok(s.frames > 0);
});

test('trimming silence and fitting to a fixed length (centred or at a seeded random offset)', () => {
  const x = new Float32Array(4000);
  for (let i = 1500; i < 2500; i++) x[i] = Math.sin(i / 5);
  const t = trimSilence(x, 40);
  assert.ok(t.length >= 1000 && t.length <= 1000 + 2 * 256, `trimmed to ${t.length}`);   // the sound, give or take a frame each side
  assert.equal(fitLength(t, 2000).length, 2000);
  const c = fitLength(Float32Array.from([1, 2, 3, 4]), 8);
  assert.deepEqual([...c], [0, 0, 1, 2, 3, 4, 0, 0]);
  assert.deepEqual([...fitLength(Float32Array.from([1, 2, 3, 4, 5, 6]), 2)], [3, 4]);
  const r1 = fitLength(Float32Array.from([1, 2]), 10, 'random', new Generator(3));
  const r2 = fitLength(Float32Array.from([1, 2]), 10, 'random', new Generator(3));
  assert.deepEqual(r1, r2);
});

test('trimming above the noise floor: a word over steady noise is cut to the word, a clean one is unchanged', () => {
  const g = new Generator(4);
  // 3,000 samples of noise at 1e-2 (−40 dB), the "word" (amplitude 0.5 tone, SNR ~30 dB) at 1,000–2,000
  const x = Float32Array.from({ length: 3000 }, (_, i) => 0.01 * g.normal() + (i >= 1000 && i < 2000 ? 0.5 * Math.sin(i * 0.3) : 0));
  assert.ok(trimSilence(x, 40).length > 2500, 'librosa\'s rule keeps noise that is less than 40 dB down');
  const t = trimSilence(x, 40, 256, 64, 10);
  assert.ok(t.length >= 1000 && t.length <= 1000 + 2 * 256, `trimmed to ${t.length}`);
  const clean = Float32Array.from({ length: 3000 }, (_, i) => (i >= 1000 && i < 2000 ? 0.5 * Math.sin(i * 0.3) : 0));
  assert.deepEqual(trimSilence(clean, 40, 256, 64, 10), trimSilence(clean, 40));
});
