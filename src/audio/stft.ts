import FFT from 'fft.js';
import { getBackend } from '../backend/index.js';

export interface StftOptions {
  nFft: number;
  /** Hop between frames in samples (default nFft / 4... torchaudio's default is winLength / 2). */
  hopLength?: number;
  /** Window length (≤ nFft; the window is zero-padded to nFft, centred). Default nFft. */
  winLength?: number;
  window?: 'hann' | 'hamming' | 'rect';
  /** Pad nFft/2 on both sides by reflection, so frame t is centred on sample t·hop (torch.stft's center=True). */
  center?: boolean;
  /** 2 for a power spectrogram (default), 1 for magnitude. */
  power?: 1 | 2;
}

export interface Spectrogram {
  /** [frames, bins] row-major: frame t, frequency bin k (0 … nFft/2). */
  data: Float32Array;
  frames: number;
  bins: number;
}

/** A periodic window of length n (torch.hann_window's default: periodic=True). */
export function windowFunction(kind: 'hann' | 'hamming' | 'rect', n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const phase = (2 * Math.PI * i) / n;
    w[i] = kind === 'hann' ? 0.5 - 0.5 * Math.cos(phase) : kind === 'hamming' ? 0.54 - 0.46 * Math.cos(phase) : 1;
  }
  return w;
}

/** x[-i] = x[i] and x[n-1+i] = x[n-1-i] (numpy/torch 'reflect', the edge sample is not repeated). */
function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let k = ((i % period) + period) % period;
  if (k >= n) k = period - k;
  return k;
}

const ffts = new Map<number, FFT>();
const windows = new Map<string, Float32Array>();

/** The window zero-padded to nFft and centred (torch.stft), built once per setting. */
function paddedWindow(kind: 'hann' | 'hamming' | 'rect', winLength: number, nFft: number): Float32Array {
  const key = `${kind}|${winLength}|${nFft}`;
  let w = windows.get(key);
  if (!w) {
    w = new Float32Array(nFft);
    w.set(windowFunction(kind, winLength), Math.floor((nFft - winLength) / 2));
    windows.set(key, w);
  }
  return w;
}

/**
 * Short-time Fourier transform of a mono signal, as |X|^power per frame and
 * one-sided bin. Matches torch.stft(center=True, pad_mode='reflect',
 * onesided=True) followed by abs().pow(power), as torchaudio's Spectrogram does.
 * The FFT is the backend's when it has one (native: KissFFT), else fft.js (radix-4);
 * nFft must be a power of two ≥ 4.
 */
export function stft(signal: Float32Array, o: StftOptions): Spectrogram {
  const nFft = o.nFft;
  if (!(nFft >= 4 && (nFft & (nFft - 1)) === 0)) throw new RangeError(`stft: nFft = ${nFft} must be a power of two ≥ 4`);
  const winLength = o.winLength ?? nFft;
  const hop = o.hopLength ?? Math.floor(winLength / 2);
  if (winLength > nFft || winLength < 1) throw new RangeError(`stft: winLength ${winLength} must be in [1, nFft = ${nFft}]`);
  if (hop < 1) throw new RangeError(`stft: hopLength ${hop} must be ≥ 1`);
  const center = o.center ?? true;
  const power = o.power ?? 2;
  const pad = center ? Math.floor(nFft / 2) : 0;
  const n = signal.length;
  if (n === 0) throw new RangeError('stft: the signal is empty');
  if (center && pad >= n) throw new RangeError(`stft: a signal of ${n} samples is too short to reflect-pad by ${pad}`);
  const padded = n + 2 * pad;
  if (padded < nFft) throw new RangeError(`stft: a signal of ${n} samples is shorter than one frame (${nFft})`);
  const frames = 1 + Math.floor((padded - nFft) / hop);
  const bins = nFft / 2 + 1;
  const win = paddedWindow(o.window ?? 'hann', winLength, nFft);
  const B = getBackend();
  if (B.stftFrames) return { data: B.stftFrames(signal, pad, nFft, hop, frames, win, power), frames, bins };
  // the signal with its reflect padding, so the frame loop needs no index checks
  const ext = new Float32Array(padded);
  for (let j = 0; j < padded; j++) { const i = j - pad; ext[j] = i >= 0 && i < n ? signal[i] : signal[reflectIndex(i, n)]; }
  let fft = ffts.get(nFft);
  if (!fft) { fft = new FFT(nFft); ffts.set(nFft, fft); }
  const frame = new Float64Array(nFft);
  const spectrum = fft.createComplexArray() as number[];
  const out = new Float32Array(frames * bins);
  for (let t = 0; t < frames; t++) {
    const start = t * hop;
    for (let i = 0; i < nFft; i++) frame[i] = ext[start + i] * win[i];
    fft.realTransform(spectrum, frame);
    for (let k = 0; k < bins; k++) {
      const re = spectrum[2 * k], im = spectrum[2 * k + 1];
      const p = re * re + im * im;
      out[t * bins + k] = power === 2 ? p : Math.sqrt(p);
    }
  }
  return { data: out, frames, bins };
}
