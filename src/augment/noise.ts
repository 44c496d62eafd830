import { createHash } from 'node:crypto';
import type { Recording } from '../data/audio_datasets.js';
import { Generator } from '../tensor/random.js';

/**
 * Noise augmentation of the training recordings: extra copies of each recording with white
 * Gaussian noise at a signal-to-noise ratio drawn from a range, added to the waveform before
 * the spectrogram (as torchaudio.functional.add_noise does, and as Kaldi's recipes make noisy
 * copies of their training data offline). A noisier microphone or room puts a floor under the
 * spectrogram that hides the weak consonants (/f/, /s/, /θ/); copies of the clean training
 * voices under such a floor teach the model to read the digits without them (docs/EXPERIMENTS.md).
 *
 * The copies are made where the dataset is prepared (prepareData, runLoso), so their features
 * are computed and cached once like any recording's; each copy's noise is fixed by its own seed.
 */

/** The noise of a copy: its SNR in dB (relative to the recording's own mean power) and its generator's seed. */
export interface NoiseSpec { snrDb: number; seed: number }

export interface NoiseOptions {
  /** Noisy copies per recording (0: none). */
  copies: number;
  /** The range [low, high] in dB the SNR of each copy is drawn from, uniformly. */
  snrDb: readonly [number, number];
  /** Seed of the draws; a recording's copies depend only on it, the recording's path and the copy's number. */
  seed: number;
}

/**
 * x plus white Gaussian noise at `snrDb` dB below x's mean power (a silent x stays silent).
 * @example addWhiteNoise(samples, 10, new Generator(1)) // noise power = signal power / 10
 */
export function addWhiteNoise(x: Float32Array, snrDb: number, g: Generator): Float32Array {
  let power = 0;
  for (const v of x) power += v * v;
  power /= Math.max(x.length, 1);
  const std = Math.sqrt(power / 10 ** (snrDb / 10));
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] + std * g.normal();
  return y;
}

/** The samples a recording stands for: the file's, with its copy's noise added when it is a noisy copy. */
export function applyNoise(samples: Float32Array, noise: NoiseSpec | undefined): Float32Array {
  return noise ? addWhiteNoise(samples, noise.snrDb, new Generator(noise.seed)) : samples;
}

/**
 * `copies` noisy copies of each recording, each one a recording of its own speaker
 * `<speaker>~noise<k>` (so per-speaker normalisation sees the noisy voice apart from the clean one).
 * The same recording always gets the same copies, whichever list it comes in, so the folds of a
 * leave-one-speaker-out experiment share their features.
 */
export function noisyCopies(recs: readonly Recording[], o: NoiseOptions): Recording[] {
  const [lo, hi] = o.snrDb;
  if (!Number.isInteger(o.copies) || o.copies < 0) throw new RangeError(`noise.copies must be a whole number ≥ 0, got ${o.copies}`);
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) throw new RangeError(`noise.snrDb must be [low, high] in dB with low ≤ high, got [${lo}, ${hi}]`);
  const out: Recording[] = [];
  for (let k = 1; k <= o.copies; k++) {
    for (const r of recs) {
      const seed = createHash('sha256').update(`${o.seed}|${k}|${r.path}`).digest().readUInt32LE(0);
      out.push({ ...r, speaker: `${r.speaker}~noise${k}`, noise: { snrDb: new Generator(seed).uniform(lo, hi), seed } });
    }
  }
  return out;
}

/** How the training set's noisy copies read in a log or report, e.g. "1 noisy copy of each training recording, white noise at 0–20 dB SNR". */
export function describeNoise(o: Pick<NoiseOptions, 'copies' | 'snrDb'>): string {
  return `${o.copies} noisy cop${o.copies === 1 ? 'y' : 'ies'} of each training recording, white noise at ${o.snrDb[0]}–${o.snrDb[1]} dB SNR`;
}

/** A recording's identity among others: its path, and its noise when it is a noisy copy. */
export function recordingKey(r: Recording): string {
  return r.noise ? `${r.path}#noise:${r.noise.snrDb}:${r.noise.seed}` : r.path;
}
