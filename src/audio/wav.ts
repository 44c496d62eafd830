import wavefilePkg from 'wavefile';
import { errorMessage, readInputFile, writeFileAtomic } from '../util/fs.js';

const { WaveFile } = wavefilePkg;

/** A WAV file that cannot be used: the message names the file and what is wrong. */
export class WavError extends Error {
  constructor(readonly file: string, message: string) { super(`${file}: ${message}`); this.name = 'WavError'; }
}

export interface Audio {
  /** Mono samples in [-1, 1] (multi-channel files are mixed down by averaging). */
  samples: Float32Array;
  sampleRate: number;
  /** What the file held. */
  channels: number;
  bitDepth: string;
}

const FORMATS: Record<number, string> = { 1: 'PCM', 3: 'IEEE float', 0xfffe: 'extensible' };

/** The sample rates a WAV may declare (telephone speech to 768 kHz studio audio). */
export const WAV_RATES = { min: 1000, max: 768_000 };
/** The largest WAV file read (about 20 minutes of 48 kHz stereo 16-bit): a spoken digit is a few KB. */
export const MAX_WAV_BYTES = 256 * 1024 * 1024;
/** Float samples beyond this magnitude are not audio (audio lies in [-1, 1]); their spectrogram would overflow float32. */
export const MAX_FLOAT_SAMPLE = 1000;

/**
 * The decoded samples must be audio: finite, and for float encodings within ±{@link MAX_FLOAT_SAMPLE}
 * (integer encodings are bounded by construction). Names the first offending sample.
 */
function checkSamples(samples: Float32Array, source: string, rate: number): void {
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i];
    if (Number.isFinite(v) && Math.abs(v) <= MAX_FLOAT_SAMPLE) continue;
    const at = `sample ${i} (${(i / rate).toFixed(3)} s)`;
    if (!Number.isFinite(v)) throw new WavError(source, `${at} is ${v}: the file holds non-finite float samples (NaN or ±Infinity), it is corrupt`);
    throw new WavError(source, `${at} is ${v.toPrecision(3)}: float samples should lie in [-1, 1], and values beyond ±${MAX_FLOAT_SAMPLE} are not audio`);
  }
}

/**
 * Decode WAV bytes: PCM 8/16/24/32-bit or float 32/64, any channel count and sample rate.
 * Errors name the source: empty, truncated, not a WAV, unsupported encoding, no samples.
 */
export function decodeWav(bytes: Uint8Array, source = '<buffer>'): Audio {
  const a = decodeSamples(bytes, source);
  if (a.bitDepth === '32f' || a.bitDepth === '64') checkSamples(a.samples, source, a.sampleRate);
  return a;
}

function decodeSamples(bytes: Uint8Array, source: string): Audio {
  if (bytes.length === 0) throw new WavError(source, 'empty file (0 bytes)');
  if (bytes.length < 12 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'RIFF' || String.fromCharCode(...bytes.subarray(8, 12)) !== 'WAVE') {
    throw new WavError(source, `not a WAV file (starts with ${JSON.stringify(String.fromCharCode(...bytes.subarray(0, Math.min(4, bytes.length))))}, expected "RIFF….WAVE")`);
  }
  let wav: InstanceType<typeof WaveFile>;
  try { wav = new WaveFile(bytes); } catch (e) {
    throw new WavError(source, `truncated or corrupt WAV header (${errorMessage(e)})`);
  }
  const fmt = wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number; bitsPerSample: number };
  const bitDepth = wav.bitDepth;
  const ok = ['8', '16', '24', '32', '32f', '64'];
  if (!ok.includes(bitDepth) || !(fmt.audioFormat in FORMATS)) {
    throw new WavError(source, `unsupported encoding (format ${FORMATS[fmt.audioFormat] ?? `0x${fmt.audioFormat.toString(16)}`}, ${fmt.bitsPerSample} bits); PCM 8/16/24/32-bit and float 32/64 are supported`);
  }
  if (!(fmt.numChannels > 0)) throw new WavError(source, `invalid header (${fmt.numChannels} channels)`);
  if (!(fmt.sampleRate >= WAV_RATES.min && fmt.sampleRate <= WAV_RATES.max)) {
    throw new WavError(source, `sample rate ${fmt.sampleRate} Hz is outside ${WAV_RATES.min}–${WAV_RATES.max} Hz (the header is corrupt, or this is not audio)`);
  }
  const data = (wav as unknown as { data: { samples: Uint8Array } }).data.samples;
  const frameBytes = (fmt.bitsPerSample / 8) * fmt.numChannels;
  if (!data || data.length < frameBytes) throw new WavError(source, 'no audio samples (a 0-length clip)');
  const channels = fmt.numChannels;
  if (bitDepth === '16' || bitDepth === '32f') {
    // fast path for the common encodings: read the little-endian samples straight from the parsed data chunk
    // (wavefile's generic unpacking costs ~1 µs a sample)
    const frames = Math.floor(data.length / frameBytes);
    const mono = new Float32Array(frames);
    if (bitDepth === '16' && channels === 1 && data.byteOffset % 2 === 0) {
      // mono 16-bit, the most common file: the typed-array conversion, then one scaling pass
      mono.set(new Int16Array(data.buffer, data.byteOffset, frames));
      for (let i = 0; i < frames; i++) mono[i] *= 1 / 32768;
      return { samples: mono, sampleRate: fmt.sampleRate, channels, bitDepth };
    }
    const view = new DataView(data.buffer, data.byteOffset, frames * frameBytes);
    for (let i = 0; i < frames; i++) {
      let s = 0;
      for (let c = 0; c < channels; c++) {
        s += bitDepth === '16' ? view.getInt16((i * channels + c) * 2, true) / 32768 : view.getFloat32((i * channels + c) * 4, true);
      }
      mono[i] = s / channels;
    }
    return { samples: mono, sampleRate: fmt.sampleRate, channels, bitDepth };
  }
  let raw: Float64Array;
  try { raw = wav.getSamples(true, Float64Array) as unknown as Float64Array; } catch (e) {   // interleaved
    throw new WavError(source, `corrupt sample data (${errorMessage(e)})`);
  }
  const frames = Math.floor(raw.length / fmt.numChannels);
  // scale integers to [-1, 1]: 8-bit PCM is unsigned around 128
  const scale = bitDepth === '32f' || bitDepth === '64' ? 1 : bitDepth === '8' ? 1 / 128 : 1 / 2 ** (Number(bitDepth) - 1);
  const offset = bitDepth === '8' ? 128 : 0;
  const mono = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let s = 0;
    for (let c = 0; c < fmt.numChannels; c++) s += (raw[i * fmt.numChannels + c] - offset) * scale;
    mono[i] = s / fmt.numChannels;
  }
  return { samples: mono, sampleRate: fmt.sampleRate, channels: fmt.numChannels, bitDepth };
}

/** Read and decode a WAV file. */
export function readWav(path: string): Audio {
  const bytes = readInputFile(path, { what: 'WAV', maxBytes: MAX_WAV_BYTES, makeError: (p, d) => new WavError(p, d) });
  return decodeWav(bytes, path);
}

/** Encode mono samples in [-1, 1] as a 16-bit PCM (default) or 32-bit float WAV. */
export function encodeWav(samples: Float32Array, sampleRate: number, bitDepth: '16' | '32f' = '16'): Uint8Array {
  const wav = new WaveFile();
  if (bitDepth === '16') {
    const ints = Int16Array.from(samples, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32768))));
    wav.fromScratch(1, sampleRate, '16', ints);
  } else wav.fromScratch(1, sampleRate, '32f', samples);
  return wav.toBuffer();
}

/** Write a WAV file atomically (a temporary file, then a rename). */
export function writeWav(path: string, samples: Float32Array, sampleRate: number, bitDepth: '16' | '32f' = '16'): void {
  writeFileAtomic(path, encodeWav(samples, sampleRate, bitDepth));
}
