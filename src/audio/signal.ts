import libsamplerate from '@alexanderolsen/libsamplerate-js';

const { ConverterType, create } = libsamplerate;
type SRC = Awaited<ReturnType<typeof create>>;
import type { Generator } from '../tensor/random.js';
import { errorMessage } from '../util/fs.js';

const converters = new Map<string, Promise<SRC>>();

/**
 * Resample to a new rate with libsamplerate (Secret Rabbit Code, compiled to
 * WebAssembly): band-limited sinc interpolation, so nothing above the lower
 * Nyquist frequency folds back (anti-aliasing). Each call is independent
 * (src_simple): the same input always gives the same output.
 */
export async function resample(x: Float32Array, from: number, to: number): Promise<Float32Array> {
  if (!(from > 0 && to > 0)) throw new RangeError(`resample: invalid rates ${from} → ${to}`);
  if (from === to) return x;
  // libsamplerate converts by factors up to 256 either way (SRC_MAX_RATIO)
  if (to / from > 256 || from / to > 256) throw new RangeError(`cannot resample ${from} Hz to ${to} Hz: libsamplerate converts by a factor of at most 256`);
  const key = `${from}>${to}`;
  let src = converters.get(key);
  if (!src) {
    src = create(1, from, to, { converterType: ConverterType.SRC_SINC_MEDIUM_QUALITY });
    converters.set(key, src);
  }
  try {
    return (await src).simple(x);
  } catch (e) {
    converters.delete(key);
    // the WebAssembly build throws plain strings (or nothing useful): make it an Error that says what was asked
    throw new Error(`resampling ${from} Hz → ${to} Hz failed (${errorMessage(e)})`);
  }
}

/**
 * Trim leading and trailing silence: frames (of `frame` samples) whose RMS is
 * more than `topDb` below the loudest frame are dropped at both ends (librosa.effects.trim's rule).
 * With `aboveNoiseDb`, a frame must also stand that many dB above the recording's
 * noise floor (its 10th-percentile frame RMS) to count as sound, so a word recorded
 * over steady noise is trimmed as a clean one is; clean recordings are unchanged.
 */
export function trimSilence(x: Float32Array, topDb = 40, frame = 256, hop = 64, aboveNoiseDb: number | null = null): Float32Array {
  if (x.length <= frame) return x;
  const rms: number[] = [];
  for (let s = 0; s + frame <= x.length; s += hop) {
    let e = 0;
    for (let i = s; i < s + frame; i++) e += x[i] * x[i];
    rms.push(Math.sqrt(e / frame));
  }
  const peak = Math.max(...rms);
  if (peak === 0) return x;
  let threshold = peak * Math.pow(10, -topDb / 20);
  if (aboveNoiseDb !== null) {
    const floor = [...rms].sort((a, b) => a - b)[Math.floor(0.1 * (rms.length - 1))];
    threshold = Math.min(Math.max(threshold, floor * Math.pow(10, aboveNoiseDb / 20)), peak * 0.5);
  }
  const first = rms.findIndex((r) => r > threshold);
  let last = rms.length - 1;
  while (last > first && rms[last] <= threshold) last--;
  return x.subarray(first * hop, Math.min(x.length, last * hop + frame));
}

/**
 * Pad with zeros or crop to exactly `length` samples: centred, or at a random
 * offset (as the AudioMNIST paper places each digit at a random position in a 1 s window).
 */
export function fitLength(x: Float32Array, length: number, mode: 'center' | 'random' = 'center', g?: Generator): Float32Array {
  if (x.length === length) return x;
  const room = Math.abs(length - x.length);
  const offset = mode === 'random' && g ? g.int(room + 1) : Math.floor(room / 2);
  if (x.length > length) return x.slice(offset, offset + length);
  const out = new Float32Array(length);
  out.set(x, offset);
  return out;
}
