import { createHash } from 'node:crypto';
import { getBackend } from '../backend/index.js';
import { bilateralFilter, type BilateralOptions } from '../vision/bilateral.js';
import { resize, type Interpolation } from '../vision/resize.js';
import type { Generator } from '../tensor/random.js';
import { amplitudeToDb, applyFilterbank, filterbankSupport, melFilterbank, type MelScale } from './mel.js';
import { fitLength, resample, trimSilence } from './signal.js';
import { stft } from './stft.js';
import { groupIndices } from '../util/group.js';
import { errorMessage } from '../util/fs.js';
import { applyNoise, type NoiseSpec } from '../augment/noise.js';
import { readWav } from './wav.js';

/**
 * Everything that turns a recording into the image the network sees.
 * The defaults are chosen in docs/AUDIO.md.
 */
export interface FeatureConfig {
  sampleRate: number;
  /** Clip length after trimming, in seconds (padded or cropped). */
  duration: number;
  /** Trim leading/trailing silence quieter than this many dB below the peak; null: no trim. */
  trimDb: number | null;
  /** With trimDb: a frame must also be this many dB above the noise floor to be kept (noisy recordings); null: librosa's rule alone. */
  trimAboveNoiseDb: number | null;
  /** Where the clip sits in the window: 'center', or 'random' (training-time jitter). */
  placement: 'center' | 'random';
  nFft: number;
  hopLength: number;
  nMels: number;
  fMin: number;
  fMax: number | null;
  melScale: MelScale;
  melNorm: 'slaney' | null;
  /** dB floor below the image's maximum. */
  topDb: number;
  /**
   * Subtract each mel band's noise floor, this percentile of the band's dB over
   * the frames that hold the recording (not the padding), and clip at 0: the image
   * keeps what rises above the noise, so microphones and rooms look alike. null: off.
   */
  noiseFloorPercentile: number | null;
  /** Output image height (frequency) and width (time). */
  height: number;
  width: number;
  interpolation: Interpolation;
  /**
   * 'minmax' scales each image to [0, 1]; 'standard' to zero mean, unit variance;
   * 'band' first subtracts each frequency row's mean over time (cepstral mean
   * normalisation's spectral form: a fixed channel or voice colouring cancels), then scales to [0, 1].
   */
  normalize: Normalization;
  /** Bilateral filter applied to the normalised image; null: raw. */
  bilateral: BilateralOptions | null;
  /**
   * Speaker-level mean normalisation, after all the above, over a dataset (see normalizeBySpeaker):
   * each band minus that band's mean over all of the speaker's recordings. Needs several
   * recordings of a speaker, unlabelled, at test time too.
   */
  speakerNorm: boolean;
}

export const DEFAULT_FEATURES: FeatureConfig = {
  sampleRate: 8000,
  duration: 1.0,
  trimDb: 40,
  trimAboveNoiseDb: null,
  placement: 'center',
  nFft: 256,
  hopLength: 64,
  nMels: 64,
  fMin: 0,
  fMax: null,
  melScale: 'htk',
  melNorm: null,
  topDb: 80,
  noiseFloorPercentile: null,
  height: 64,
  width: 64,
  interpolation: 'area',
  normalize: 'minmax',
  bilateral: null,
  speakerNorm: false,
};

/** The bilateral settings of the experiment's "bilateral" variant (on [0, 1] images). */
export const DEFAULT_BILATERAL: BilateralOptions = { d: 5, sigmaColor: 0.1, sigmaSpace: 2 };

/** A short stable hash of the settings: the feature cache's key, so a changed setting never reuses a stale cache. */
export function featureKey(c: FeatureConfig): string {
  const canonical = JSON.stringify(c, Object.keys(c).sort());
  return createHash('sha256').update(`specnet-features-v2|${canonical}`).digest('hex').slice(0, 16);
}

const banks = new Map<string, Float32Array>();

type MelSettings = Pick<FeatureConfig, 'sampleRate' | 'nFft' | 'hopLength' | 'nMels' | 'fMin' | 'fMax' | 'melScale' | 'melNorm'>;

function filterbankFor(bins: number, c: MelSettings): Float32Array {
  const key = `${bins}|${c.nMels}|${c.sampleRate}|${c.fMin}|${c.fMax}|${c.melScale}|${c.melNorm}`;
  let fb = banks.get(key);
  if (!fb) {
    fb = melFilterbank(bins, { nMels: c.nMels, sampleRate: c.sampleRate, fMin: c.fMin, fMax: c.fMax ?? undefined, scale: c.melScale, norm: c.melNorm });
    banks.set(key, fb);
  }
  return fb;
}

/**
 * The STFT's power through the mel filterbank, then (db) 10·log10 with the top_db floor:
 * in one native pass when the backend has one, else applyFilterbank + amplitudeToDb.
 */
function mel(x: Float32Array, c: MelSettings, db: boolean, topDb: number | null): { data: Float32Array; frames: number } {
  const s = stft(x, { nFft: c.nFft, hopLength: c.hopLength, power: 2 });
  const fb = filterbankFor(s.bins, c);
  const B = getBackend();
  if (B.melFilter) return { data: B.melFilter(s.data, s.frames, s.bins, fb, c.nMels, filterbankSupport(fb, s.bins, c.nMels), db, topDb), frames: s.frames };
  const data = applyFilterbank(s.data, s.frames, s.bins, fb, c.nMels);
  if (db) amplitudeToDb(data, { multiplier: 10, topDb });
  return { data, frames: s.frames };
}

/** Mel power spectrogram [nMels, frames], row 0 = lowest band (torchaudio's MelSpectrogram, power 2). */
export function melSpectrogram(x: Float32Array, c: MelSettings): { data: Float32Array; frames: number } {
  return mel(x, c, false, null);
}

/** Log-mel spectrogram in dB: MelSpectrogram + AmplitudeToDB('power', top_db), as torchaudio computes them. */
export function logMelSpectrogram(x: Float32Array, c: MelSettings & Pick<FeatureConfig, 'topDb'>): { data: Float32Array; frames: number } {
  return mel(x, c, true, c.topDb);
}

/**
 * Recording → image [height, width] (row-major, frequency on the vertical axis
 * with low frequencies at the bottom, as a spectrogram is drawn), normalised,
 * optionally bilateral-filtered.
 */
export async function extractFeatures(samples: Float32Array, sampleRate: number, c: FeatureConfig = DEFAULT_FEATURES, g?: Generator): Promise<Float32Array> {
  let x = await resample(samples, sampleRate, c.sampleRate);
  if (c.trimDb !== null) x = trimSilence(x, c.trimDb, 256, 64, c.trimAboveNoiseDb);
  x = fitLength(x, Math.round(c.duration * c.sampleRate), c.placement, g);
  const mel = logMelSpectrogram(x, c);
  if (c.noiseFloorPercentile !== null) subtractNoiseFloor(mel.data, c.nMels, mel.frames, c.noiseFloorPercentile);
  // flip so that row 0 is the highest band (image convention: y grows downwards)
  const flipped = new Float32Array(mel.data.length);
  for (let m = 0; m < c.nMels; m++) flipped.set(mel.data.subarray(m * mel.frames, (m + 1) * mel.frames), (c.nMels - 1 - m) * mel.frames);
  let img = resize(flipped, c.nMels, mel.frames, c.height, c.width, c.interpolation);
  img = normalizeImage(img, c.normalize, c.width);
  checkFinite(img, samples);
  if (c.bilateral) img = bilateralFilter(img, c.height, c.width, c.bilateral);
  return img;
}

/** The image must be finite: a NaN or ±Infinity anywhere in it would poison a whole batch's training. */
function checkFinite(img: Float32Array, samples: Float32Array): void {
  const bad = img.findIndex((v) => !Number.isFinite(v));
  if (bad < 0) return;
  let peak = 0;
  for (const v of samples) if (!(Math.abs(v) <= peak)) peak = Math.abs(v);
  throw new RangeError(`the spectrogram is not finite (${img[bad]} at pixel ${bad}); the samples reach ${peak.toPrecision(3)}, audio lies in [-1, 1]`);
}

/**
 * The image of one WAV file, as {@link extractFeatures} makes it (after the noise of a noisy copy, when
 * given): the one way a file becomes features for training, prediction and `specnet show`, so that every
 * failure names the file.
 */
export async function fileFeatures(path: string, c: FeatureConfig, o: { noise?: NoiseSpec } = {}): Promise<Float32Array> {
  const a = readWav(path);   // a WavError names the file already
  try {
    return await extractFeatures(applyNoise(a.samples, o.noise), a.sampleRate, c);
  } catch (e) {
    throw new FeatureError(path, errorMessage(e));
  }
}

/** A recording whose features cannot be computed: the message names the file. */
export class FeatureError extends Error {
  constructor(readonly file: string, message: string) { super(`${file}: ${message}`); this.name = 'FeatureError'; }
}

/**
 * In place on a dB spectrogram [bands, frames]: per band, subtract the given
 * percentile of its values over the live frames (those with some band above the
 * spectrogram's minimum, i.e. not digital-silence padding) and clip below at 0.
 */
export function subtractNoiseFloor(db: Float32Array, bands: number, frames: number, percentile: number): Float32Array {
  let lo = Infinity;
  for (let i = 0; i < db.length; i++) if (db[i] < lo) lo = db[i];
  const live: number[] = [];
  for (let t = 0; t < frames; t++) {
    for (let m = 0; m < bands; m++) if (db[m * frames + t] > lo) { live.push(t); break; }
  }
  if (live.length === 0) return db;
  const vals = new Float32Array(live.length);
  const k = Math.min(live.length - 1, Math.max(0, Math.round((percentile / 100) * (live.length - 1))));
  for (let m = 0; m < bands; m++) {
    const row = m * frames;
    for (let j = 0; j < live.length; j++) vals[j] = db[row + live[j]];
    const floor = vals.sort()[k];
    for (let t = 0; t < frames; t++) db[row + t] = Math.max(db[row + t] - floor, 0);
  }
  return db;
}

export type Normalization = 'minmax' | 'standard' | 'band';

/** Per-image normalisation, in place; 'band' needs the image's width (row length). */
export function normalizeImage(img: Float32Array, mode: Normalization, width = img.length): Float32Array {
  const n = img.length;
  if (mode === 'band') {
    for (let o = 0; o < n; o += width) {
      let mean = 0;
      for (let i = o; i < o + width; i++) mean += img[i];
      mean /= width;
      for (let i = o; i < o + width; i++) img[i] -= mean;
    }
    mode = 'minmax';
  }
  if (mode === 'minmax') {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < n; i++) { const v = img[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
    const scale = 1 / (hi - lo || 1);
    for (let i = 0; i < n; i++) img[i] = (img[i] - lo) * scale;
  } else {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += img[i];
    mean /= n;
    let sq = 0;
    for (let i = 0; i < n; i++) sq += (img[i] - mean) ** 2;
    const scale = 1 / (Math.sqrt(sq / n) || 1);
    for (let i = 0; i < n; i++) img[i] = (img[i] - mean) * scale;
  }
  return img;
}

/** A column (time frame) of a [0, 1] image is speech, not padding, when its mean exceeds this. */
const LIVE_COLUMN_MEAN = 0.05;

/**
 * Speaker-level spectral mean normalisation (the image form of per-speaker cepstral mean
 * normalisation, as Kaldi's apply-cmvn does per speaker), in place on images [count, height, width]
 * in [0, 1]: for each speaker (groups[i] names image i's), the mean of every row (frequency band)
 * over the live columns of all that speaker's images is subtracted from those columns; then each
 * image is scaled to [0, 1] over its live columns, and its padding columns set to 0. What a
 * speaker's voice and microphone add to every recording (a fixed colouring of each band) cancels,
 * while the word's own shape stays: the mean comes from many words, not the one in the image.
 */
export function normalizeBySpeaker(images: Float32Array, height: number, width: number, groups: readonly string[]): Float32Array {
  const size = height * width;
  if (groups.length * size !== images.length) throw new RangeError(`normalizeBySpeaker: ${groups.length} speaker names for ${images.length / size} images`);
  const liveColumns = (img: Float32Array): boolean[] => Array.from({ length: width }, (_, c) => {
    let s = 0;
    for (let r = 0; r < height; r++) s += img[r * width + c];
    return s / height > LIVE_COLUMN_MEAN;
  });
  for (const members of groupIndices(groups).values()) {
    const imgs = members.map((i) => images.subarray(i * size, (i + 1) * size));
    const live = imgs.map(liveColumns);
    const sum = new Float64Array(height), count = new Float64Array(height);
    imgs.forEach((img, k) => {
      for (let c = 0; c < width; c++) if (live[k][c]) for (let r = 0; r < height; r++) { sum[r] += img[r * width + c]; count[r]++; }
    });
    imgs.forEach((img, k) => {
      let lo = Infinity, hi = -Infinity;
      for (let c = 0; c < width; c++) {
        if (!live[k][c]) continue;
        for (let r = 0; r < height; r++) {
          const v = img[r * width + c] - sum[r] / (count[r] || 1);
          img[r * width + c] = v;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
      const scale = hi > lo ? 1 / (hi - lo) : 0;
      for (let c = 0; c < width; c++) for (let r = 0; r < height; r++) img[r * width + c] = live[k][c] ? (img[r * width + c] - lo) * scale : 0;
    });
  }
  return images;
}
