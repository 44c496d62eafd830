import { Generator } from '../tensor/random.js';

/**
 * SpecAugment (Park et al. 2019) on one spectrogram image [height = frequency, width = time].
 * Sizes are fractions of the image, because the paper's LibriSpeech values
 * (W = 80, F = 27, T = 100 frames) were set for utterances of hundreds of frames,
 * not for a 1-second digit resized to 64 columns.
 */
export interface SpecAugmentOptions {
  /** Time warp: the largest shift of the warp point, as a fraction of the width (paper: W). 0 = off. */
  timeWarp: number;
  /** Largest frequency mask, as a fraction of the height (paper: F). */
  freqMask: number;
  /** Number of frequency masks (paper: mF). */
  freqMasks: number;
  /** Largest time mask, as a fraction of the width (paper: T). */
  timeMask: number;
  /** Number of time masks (paper: mT). */
  timeMasks: number;
  /** Upper bound of one time mask as a fraction of the width (paper: p). */
  maxTimeFraction: number;
  /** Value written under the masks: the image mean (default) or zero. */
  maskValue: 'mean' | 'zero';
  /**
   * Frequency warp (not in the paper; after Jaitly & Hinton's vocal tract length
   * perturbation): stretch the frequency axis about its lowest row by a factor
   * α ∈ [1 − a, 1 + a], so formants move up or down as between speakers. 0 = off.
   */
  freqWarp?: number;
}

/** Named policies. 'LB'/'LD' keep the paper's proportions for a ~1 s clip; the others are lighter or heavier. */
export const SPECAUGMENT_POLICIES: Record<string, SpecAugmentOptions> = {
  none: { timeWarp: 0, freqMask: 0, freqMasks: 0, timeMask: 0, timeMasks: 0, maxTimeFraction: 0, maskValue: 'mean' },
  light: { timeWarp: 0.05, freqMask: 0.1, freqMasks: 1, timeMask: 0.1, timeMasks: 1, maxTimeFraction: 0.2, maskValue: 'mean' },
  LB: { timeWarp: 0.1, freqMask: 0.2, freqMasks: 1, timeMask: 0.15, timeMasks: 1, maxTimeFraction: 1, maskValue: 'mean' },
  LD: { timeWarp: 0.1, freqMask: 0.2, freqMasks: 2, timeMask: 0.15, timeMasks: 2, maxTimeFraction: 0.2, maskValue: 'mean' },
  strong: { timeWarp: 0.15, freqMask: 0.25, freqMasks: 2, timeMask: 0.2, timeMasks: 3, maxTimeFraction: 0.3, maskValue: 'mean' },
  /** LD plus a ±12% frequency warp: for training on few speakers. */
  LDW: { timeWarp: 0.1, freqMask: 0.2, freqMasks: 2, timeMask: 0.15, timeMasks: 2, maxTimeFraction: 0.2, maskValue: 'mean', freqWarp: 0.12 },
};

export function specAugmentPolicy(name: string): SpecAugmentOptions {
  const p = SPECAUGMENT_POLICIES[name];
  if (!p) throw new Error(`unknown SpecAugment policy '${name}' (known: ${Object.keys(SPECAUGMENT_POLICIES).join(', ')})`);
  return p;
}

/**
 * Time warp: pick a point w0 in the middle of the time axis and a shift w ∈ [-W, W];
 * stretch [0, w0] onto [0, w0 + w] and [w0, width] onto [w0 + w, width], linearly, on every row.
 */
export function timeWarp(img: Float32Array, h: number, w: number, maxShift: number, g: Generator): Float32Array {
  const W = Math.floor(maxShift * w);
  if (W < 1 || w < 2 * W + 2) return img;
  const w0 = W + 1 + g.int(w - 2 * W - 2);          // keep the warp point off the edges
  const shift = g.int(2 * W + 1) - W;
  if (shift === 0) return img;
  const dst = w0 + shift;
  const out = new Float32Array(img.length);
  for (let x = 0; x < w; x++) {
    // where output column x comes from
    const s = x < dst ? (x * w0) / dst : w0 + ((x - dst) * (w - 1 - w0)) / Math.max(w - 1 - dst, 1e-9);
    const a = Math.min(Math.floor(s), w - 1), b = Math.min(a + 1, w - 1), f = s - a;
    for (let y = 0; y < h; y++) out[y * w + x] = img[y * w + a] * (1 - f) + img[y * w + b] * f;
  }
  return out;
}

/**
 * Frequency warp by a fixed factor α: output row y (counted from the bottom, the lowest band)
 * takes the image at height y / α, linearly interpolated; rows that would come from above the
 * top repeat the top row. Row 0 of the image is the highest band (see extractFeatures).
 */
export function freqWarpBy(img: Float32Array, h: number, w: number, alpha: number): Float32Array {
  const out = new Float32Array(img.length);
  for (let y = 0; y < h; y++) {
    const s = Math.min(y / alpha, h - 1);           // source height from the bottom
    const lo = Math.floor(s), hi = Math.min(lo + 1, h - 1), f = s - lo;
    const o = (h - 1 - y) * w, p = (h - 1 - lo) * w, q = (h - 1 - hi) * w;
    for (let x = 0; x < w; x++) out[o + x] = img[p + x] * (1 - f) + img[q + x] * f;
  }
  return out;
}

/** Frequency warp by α drawn uniformly in [1 − a, 1 + a] (see freqWarpBy). */
export function freqWarp(img: Float32Array, h: number, w: number, a: number, g: Generator): Float32Array {
  return freqWarpBy(img, h, w, 1 - a + 2 * a * g.uniform());
}

/**
 * Apply SpecAugment to one image; returns a new array. Time warp and frequency warp first, then
 * frequency masks (f ~ U[0, F], rows f0 … f0+f) and time masks (t ~ U[0, min(T, p·width)]).
 */
export function specAugment(img: Float32Array, h: number, w: number, o: SpecAugmentOptions, g: Generator): Float32Array {
  let out = o.timeWarp > 0 ? timeWarp(img, h, w, o.timeWarp, g) : img;
  if (o.freqWarp) out = freqWarp(out, h, w, o.freqWarp, g);
  if (out === img) out = img.slice();
  let fill = 0;
  if (o.maskValue === 'mean') { for (let i = 0; i < out.length; i++) fill += out[i]; fill /= out.length; }
  const F = Math.floor(o.freqMask * h);
  for (let m = 0; m < o.freqMasks && F > 0; m++) {
    const f = g.int(F + 1), f0 = g.int(Math.max(h - f, 1));
    for (let y = f0; y < f0 + f; y++) out.fill(fill, y * w, (y + 1) * w);
  }
  const T = Math.min(Math.floor(o.timeMask * w), Math.floor(o.maxTimeFraction * w));
  for (let m = 0; m < o.timeMasks && T > 0; m++) {
    const t = g.int(T + 1), t0 = g.int(Math.max(w - t, 1));
    for (let y = 0; y < h; y++) out.fill(fill, y * w + t0, y * w + t0 + t);
  }
  return out;
}

/** Augment a batch stored as consecutive [h, w] images, each with its own random draw. */
export function specAugmentBatch(batch: Float32Array, count: number, h: number, w: number, o: SpecAugmentOptions, g: Generator): Float32Array {
  const out = new Float32Array(batch.length);
  for (let i = 0; i < count; i++) out.set(specAugment(batch.subarray(i * h * w, (i + 1) * h * w), h, w, o, g), i * h * w);
  return out;
}
