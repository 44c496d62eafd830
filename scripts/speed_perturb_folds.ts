/**
 * The speed-perturbation experiment of docs/EXPERIMENTS.md ("Speed perturbation
 * of the real training voices"): for each FSDD speaker left out, an
 * AudioMNIST-layout folder holding the synthetic speakers (links) plus
 * speed-perturbed copies of the *other* speakers' training repetitions (every
 * repetition but each tenth, which validates), one speaker id per voice and
 * factor. Speed perturbation (Ko et al., 2015, Kaldi's recipe) resamples the
 * waveform, so both tempo and pitch/formants move, as another voice's would.
 *
 *   node dist/scripts/speed_perturb_folds.js <fsdd folder> <synthetic data/> <out prefix> [0.9,1.1]
 *
 * then, per speaker S: specnet loso --data <fsdd> --extra <out prefix>_S --speakers S …
 */
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resample } from '../src/audio/signal.js';
import { scanDataset } from '../src/data/audio_datasets.js';
import { readWav, writeWav } from '../src/audio/wav.js';

const [fsdd, synth, prefix, factorList = '0.9,1.1'] = process.argv.slice(2);
if (!fsdd || !synth || !prefix) {
  process.stderr.write('usage: speed_perturb_folds <fsdd folder> <synthetic data/ folder> <out prefix> [factors, e.g. 0.9,1.1]\n');
  process.exit(2);
}
const factors = factorList.split(',').map(Number);
if (factors.some((a) => !(a > 0))) throw new Error(`factors must be positive numbers, got '${factorList}'`);
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
    for (const a of factors) {
      const dir = join(root, String(id));
      mkdirSync(dir);
      for (const r of recordings) {
        if (r.speaker !== s || r.repetition % 10 === 0) continue;
        const w = readWav(r.path);
        // read as if recorded at a·rate, written at rate: a > 1 plays faster and higher
        writeWav(join(dir, `${r.label}_${id}_${r.repetition}.wav`), await resample(w.samples, w.sampleRate * a, w.sampleRate), w.sampleRate);
      }
      id++;
    }
  }
  process.stdout.write(`${prefix}_${test}: ${synthIds.length} synthetic + ${(speakers.length - 1) * factors.length} perturbed speakers\n`);
}
