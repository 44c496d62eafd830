/**
 * The perturbation experiments of docs/EXPERIMENTS.md ("Speed perturbation of the real
 * training voices", "Noise on the real training voices"): for each FSDD speaker left out, an
 * AudioMNIST-layout folder holding the synthetic speakers (links) plus perturbed copies of the
 * *other* speakers' training repetitions (every repetition but each tenth, which validates),
 * one speaker id per voice and copy.
 * - `speed=0.9,1.1`: one copy per factor, resampled (Ko et al., 2015, Kaldi's recipe), so both
 *   tempo and pitch/formants move, as another voice's would.
 * - `noise=LO:HI`: one copy with white noise added to each recording at an SNR drawn
 *   uniformly in [LO, HI] dB (relative to the recording's own power), as a noisier microphone
 *   or room would; the noise floor then hides the weak consonants (/f/, /s/, /θ/).
 *
 *   node dist/scripts/perturb_folds.js <fsdd folder> <synthetic data/> <out prefix> speed=0.9,1.1|noise=0:20
 *
 * then, per speaker S: specnet loso --data <fsdd> --extra <out prefix>_S --speakers S …
 */
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resample } from '../src/audio/signal.js';
import { scanDataset } from '../src/data/audio_datasets.js';
import { readWav, writeWav } from '../src/audio/wav.js';
import { Generator } from '../src/tensor/random.js';

const [fsdd, synth, prefix, mode = 'speed=0.9,1.1'] = process.argv.slice(2);
const usage = (why: string): never => {
  process.stderr.write(`perturb_folds: ${why}\nusage: perturb_folds <fsdd folder> <synthetic data/ folder> <out prefix> [speed=0.9,1.1 | noise=0:20]\n`);
  process.exit(2);
};
if (!fsdd || !synth || !prefix) usage('three folders needed');
const [kind, arg = ''] = mode.split('=');
const g = new Generator(1234);

/** The copies to make: each turns one recording's samples into the perturbed ones. */
const copies: ((x: Float32Array, rate: number) => Promise<Float32Array>)[] = (() => {
  if (kind === 'speed') {
    const factors = arg.split(',').map(Number);
    if (!factors.length || factors.some((a) => !(a > 0))) usage(`speed factors must be positive numbers, got '${arg}'`);
    // read as if recorded at a·rate, written at rate: a > 1 plays faster and higher
    return factors.map((a) => (x: Float32Array, rate: number) => resample(x, rate * a, rate));
  }
  if (kind === 'noise') {
    const [lo, hi] = arg.split(':').map(Number);
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) usage(`noise wants an SNR range LO:HI in dB, got '${arg}'`);
    return [async (x: Float32Array) => {
      const power = x.reduce((s, v) => s + v * v, 0) / Math.max(x.length, 1);
      const std = Math.sqrt(power / 10 ** (g.uniform(lo, hi) / 10));
      const y = x.map((v) => v + g.normal(0, std));
      const peak = y.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      return peak > 0.99 ? y.map((v) => (v * 0.99) / peak) : y;
    }];
  }
  return usage(`unknown perturbation '${mode}'`);
})();

const { recordings } = scanDataset(fsdd);
const speakers = [...new Set(recordings.map((r) => r.speaker))].sort();
const synthIds = readdirSync(synth).filter((d) => /^\d+$/.test(d));

for (const test of speakers) {
  const root = join(`${prefix}_${test}`, 'data');
  if (existsSync(`${prefix}_${test}`)) rmSync(`${prefix}_${test}`, { recursive: true });
  mkdirSync(root, { recursive: true });
  for (const d of synthIds) symlinkSync(resolve(synth, d), join(root, d));
  let id = Math.max(0, ...synthIds.map(Number)) + 1;
  for (const s of speakers.filter((x) => x !== test)) {
    for (const perturb of copies) {
      const dir = join(root, String(id));
      mkdirSync(dir);
      for (const r of recordings) {
        if (r.speaker !== s || r.repetition % 10 === 0) continue;
        const w = readWav(r.path);
        writeWav(join(dir, `${r.label}_${id}_${r.repetition}.wav`), await perturb(w.samples, w.sampleRate), w.sampleRate);
      }
      id++;
    }
  }
  process.stdout.write(`${prefix}_${test}: ${synthIds.length} synthetic + ${(speakers.length - 1) * copies.length} perturbed speakers\n`);
}
