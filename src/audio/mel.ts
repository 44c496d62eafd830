/**
 * Mel scale and filterbank, as torchaudio.functional.melscale_fbanks defines them
 * (HTK: 2595·log10(1 + f/700); Slaney: linear below 1 kHz, logarithmic above).
 */
export type MelScale = 'htk' | 'slaney';

export function hzToMel(f: number, scale: MelScale = 'htk'): number {
  if (scale === 'htk') return 2595 * Math.log10(1 + f / 700);
  const fSp = 200 / 3, minLogHz = 1000, minLogMel = minLogHz / fSp, logStep = Math.log(6.4) / 27;
  return f >= minLogHz ? minLogMel + Math.log(f / minLogHz) / logStep : f / fSp;
}

export function melToHz(m: number, scale: MelScale = 'htk'): number {
  if (scale === 'htk') return 700 * (Math.pow(10, m / 2595) - 1);
  const fSp = 200 / 3, minLogHz = 1000, minLogMel = minLogHz / fSp, logStep = Math.log(6.4) / 27;
  return m >= minLogMel ? minLogHz * Math.exp(logStep * (m - minLogMel)) : fSp * m;
}

export interface MelOptions {
  nMels: number;
  sampleRate: number;
  fMin?: number;
  /** Default sampleRate / 2 (integer division, as torchaudio). */
  fMax?: number;
  scale?: MelScale;
  /** 'slaney': each triangle has unit area (2 / bandwidth); null: peak 1. */
  norm?: 'slaney' | null;
}

/**
 * Triangular filters [nFreqs, nMels] (row-major) over the bins of an nFft STFT:
 * filter m rises from f[m] to f[m+1] and falls to f[m+2], with nMels + 2 points
 * equally spaced on the mel scale between fMin and fMax.
 */
export function melFilterbank(nFreqs: number, o: MelOptions): Float32Array {
  const scale = o.scale ?? 'htk';
  const fMin = o.fMin ?? 0, fMax = o.fMax ?? Math.floor(o.sampleRate / 2);
  if (!(fMax > fMin) || fMin < 0) throw new RangeError(`melFilterbank: need 0 ≤ fMin < fMax, got ${fMin} and ${fMax}`);
  if (!(o.nMels >= 1)) throw new RangeError(`melFilterbank: nMels = ${o.nMels} must be ≥ 1`);
  const nyquist = Math.floor(o.sampleRate / 2);
  const freqs = Float64Array.from({ length: nFreqs }, (_, i) => (nFreqs === 1 ? 0 : (nyquist * i) / (nFreqs - 1)));
  const mMin = hzToMel(fMin, scale), mMax = hzToMel(fMax, scale);
  const fPts = Float64Array.from({ length: o.nMels + 2 }, (_, i) => melToHz(mMin + ((mMax - mMin) * i) / (o.nMels + 1), scale));
  const fb = new Float32Array(nFreqs * o.nMels);
  for (let m = 0; m < o.nMels; m++) {
    const lo = fPts[m], mid = fPts[m + 1], hi = fPts[m + 2];
    const enorm = o.norm === 'slaney' ? 2 / (hi - lo) : 1;
    for (let k = 0; k < nFreqs; k++) {
      const down = (freqs[k] - lo) / (mid - lo);   // rising edge
      const up = (hi - freqs[k]) / (hi - mid);     // falling edge
      fb[k * o.nMels + m] = Math.max(0, Math.min(down, up)) * enorm;
    }
  }
  return fb;
}

/** The range of bins [lo, hi) where each filter is non-zero (triangles are narrow: most of fb is 0), as [lo0, hi0, lo1, hi1, …]; cached per filterbank. */
export function filterbankSupport(fb: Float32Array, bins: number, nMels: number): Int32Array {
  let sup = supportCache.get(fb);
  if (!sup) { sup = supports(fb, bins, nMels); supportCache.set(fb, sup); }
  return sup;
}

function supports(fb: Float32Array, bins: number, nMels: number): Int32Array {
  const r = new Int32Array(2 * nMels);
  for (let m = 0; m < nMels; m++) {
    let lo = bins, hi = 0;
    for (let k = 0; k < bins; k++) if (fb[k * nMels + m] !== 0) { lo = Math.min(lo, k); hi = k + 1; }
    r[2 * m] = lo; r[2 * m + 1] = Math.max(hi, lo);
  }
  return r;
}
const supportCache = new WeakMap<Float32Array, Int32Array>();

/** mel[m, t] = Σ_k spec[t, k] · fb[k, m]: [nMels, frames] from a [frames, bins] spectrogram (over each filter's support only). */
export function applyFilterbank(spec: Float32Array, frames: number, bins: number, fb: Float32Array, nMels: number): Float32Array {
  const sup = filterbankSupport(fb, bins, nMels);
  const out = new Float32Array(nMels * frames);
  for (let m = 0; m < nMels; m++) {
    const lo = sup[2 * m], hi = sup[2 * m + 1];
    for (let t = 0; t < frames; t++) {
      const row = t * bins;
      let acc = 0;
      for (let k = lo; k < hi; k++) acc += spec[row + k] * fb[k * nMels + m];
      out[m * frames + t] = acc;
    }
  }
  return out;
}

export interface DbOptions {
  /** 10 for power spectrograms, 20 for magnitude. */
  multiplier?: 10 | 20;
  amin?: number;
  ref?: number;
  /** Floor: values below (max - topDb) are raised to it, per spectrogram. */
  topDb?: number | null;
}

/** torchaudio's AmplitudeToDB: multiplier·log10(max(x, amin)) - multiplier·log10(max(amin, ref)), then the top_db floor. In place. */
export function amplitudeToDb(x: Float32Array, o: DbOptions = {}): Float32Array {
  const mult = o.multiplier ?? 10, amin = o.amin ?? 1e-10, ref = o.ref ?? 1;
  const offset = mult * Math.log10(Math.max(amin, ref));
  let max = -Infinity;
  const k = mult / Math.LN10;               // mult·log10(v) = (mult / ln 10)·ln(v)
  for (let i = 0; i < x.length; i++) {
    x[i] = k * Math.log(Math.max(x[i], amin)) - offset;
    if (x[i] > max) max = x[i];
  }
  if (o.topDb !== undefined && o.topDb !== null) {
    const floor = max - o.topDb;
    for (let i = 0; i < x.length; i++) if (x[i] < floor) x[i] = floor;
  }
  return x;
}
