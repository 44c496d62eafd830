/**
 * Property-based fuzzing (fast-check, fixed seeds, bounded runs) of every parser that reads outside
 * data: WAV, safetensors, IDX (plain and gzip), checkpoint metadata, the config file and `--set`.
 * The property, for any input: either a typed error whose message names the input, or a valid
 * result; never another exception, a crash or a result that is wrong and silent.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import wavefilePkg from 'wavefile';
import { stringify as yamlStringify } from 'yaml';
import { decodeWav, WavError, WAV_RATES, MAX_FLOAT_SAMPLE, encodeWav } from '../../src/audio/wav.js';
import { decodeSafetensors, encodeSafetensors, CheckpointError } from '../../src/train/safetensors.js';
import { loadTrainedModel } from '../../src/train/predict.js';
import { LeNet5 } from '../../src/models/index.js';
import { parseIdx, IdxError } from '../../src/data/idx.js';
import { ConfigError, configSchema, parseOverrides, readConfigFile } from '../../src/config.js';
import { DEFAULT_FEATURES } from '../../src/audio/features.js';

const { WaveFile } = wavefilePkg;
const dir = mkdtempSync(join(tmpdir(), 'specnet-fuzz-'));
const RUNS = { seed: 20261208, numRuns: 300 };

/** How many inputs of each kind of test were refused and accepted: a generator that only ever makes one kind tests half. */
const outcomes = new Map<string, { errors: number; valid: number }>();
const tally = (source: string) => { const k = source.replace(/\d+/g, ''); if (!outcomes.has(k)) outcomes.set(k, { errors: 0, valid: 0 }); return outcomes.get(k)!; };

/** The property: `fn` either returns (and `valid` holds of its result) or throws `Err` naming `source`. */
function typedOrValid<T>(fn: () => T, Err: new (...a: never[]) => Error, source: string, valid: (r: T) => void): void {
  let r: T;
  try { r = fn(); } catch (e) {
    tally(source).errors++;
    if (!(e instanceof Err)) throw new Error(`expected a ${Err.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message ?? String(e)}`);
    assert.ok(e.message.includes(source), `the message names the input: ${e.message}`);
    const said = e.message.slice(e.message.indexOf(source) + source.length);
    assert.ok(said.length > 3 && !/^:? ?undefined$|\[object Object\]/.test(said), `a message that says something: ${e.message}`);
    return;
  }
  tally(source).valid++;
  valid(r);
}

// ---------------------------------------------------------------- WAV
const FORMATS = ['8', '16', '24', '32', '32f', '64'] as const;
/** A valid WAV of any encoding, channel count and rate, with sample values that may be anything a float holds. */
const anyWav = fc.record({
  depth: fc.constantFrom(...FORMATS),
  channels: fc.integer({ min: 1, max: 4 }),
  rate: fc.oneof(fc.constantFrom(8000, 16000, 44100, 48000), fc.integer({ min: 1, max: 2_000_000 })),
  frames: fc.integer({ min: 0, max: 64 }),
  values: fc.array(fc.oneof(fc.double({ min: -1, max: 1, noNaN: true }), fc.constantFrom(NaN, Infinity, -Infinity, 3e38, -1e300, 5e-324, 1.5)), { minLength: 1, maxLength: 16 }),
}).map(({ depth, channels, rate, frames, values }) => {
  const n = frames * channels;
  const w = new WaveFile();
  const float = depth === '32f' || depth === '64';
  const max = depth === '8' ? 255 : float ? 1 : 2 ** (Number(depth) - 1) - 1;
  const samples = Array.from({ length: n }, (_, i) => {
    const v = values[i % values.length];
    if (float) return v;
    const x = Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0;
    return depth === '8' ? Math.round((x + 1) * 127.5) : Math.round(x * max);
  });
  w.fromScratch(channels, rate, depth, samples);
  return Buffer.from(w.toBuffer());
});
/** Offsets of the canonical 44-byte header's fields and their widths. */
const FIELDS: [number, 2 | 4][] = [[4, 4], [16, 4], [20, 2], [22, 2], [24, 4], [28, 4], [32, 2], [34, 2], [40, 4]];

function checkAudio(a: ReturnType<typeof decodeWav>, bytes: Buffer): void {
  assert.ok(a.sampleRate >= WAV_RATES.min && a.sampleRate <= WAV_RATES.max, `rate ${a.sampleRate}`);
  assert.ok(a.samples.length > 0 && a.samples.length <= bytes.length, `${a.samples.length} samples from ${bytes.length} bytes`);
  for (const v of a.samples) assert.ok(Number.isFinite(v) && Math.abs(v) <= MAX_FLOAT_SAMPLE, `sample ${v}`);
}

test('fuzz WAV: every encoding with any sample values, mutated header fields, truncations and random bytes', () => {
  fc.assert(fc.property(anyWav, (bytes) => typedOrValid(() => decodeWav(bytes, 'w.wav'), WavError, 'w.wav', (a) => checkAudio(a, bytes))), RUNS);
  fc.assert(fc.property(anyWav, fc.constantFrom(...FIELDS), fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0, 1, 0xffffffff, 0x7fffffff, 3, 0xfffe)), (bytes, [at, width], value) => {
    const b = Buffer.from(bytes);
    if (b.length < at + width) return;
    if (width === 2) b.writeUInt16LE(value & 0xffff, at); else b.writeUInt32LE(value >>> 0, at);
    typedOrValid(() => decodeWav(b, 'm.wav'), WavError, 'm.wav', (a) => checkAudio(a, b));
  }), RUNS);
  fc.assert(fc.property(anyWav, fc.nat(), (bytes, cut) => {
    const b = bytes.subarray(0, cut % (bytes.length + 1));
    typedOrValid(() => decodeWav(b, 't.wav'), WavError, 't.wav', (a) => checkAudio(a, b));
  }), RUNS);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), fc.boolean(), (raw, riff) => {
    const b = Buffer.from(raw);
    if (riff && b.length >= 12) { b.write('RIFF', 0); b.write('WAVE', 8); }
    typedOrValid(() => decodeWav(b, 'r.wav'), WavError, 'r.wav', (a) => checkAudio(a, b));
  }), RUNS);
});

// ---------------------------------------------------------------- safetensors
const shape = fc.array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom(-1, 1.5, 2 ** 53, 1e300, NaN)), { maxLength: 4 });
const entry = fc.record({
  dtype: fc.oneof(fc.constant('F32'), fc.constantFrom('F64', 'I8', 'BF16', ''), fc.anything()),
  shape: fc.oneof(shape, fc.anything()),
  data_offsets: fc.oneof(fc.tuple(fc.integer({ min: -4, max: 200 }), fc.integer({ min: -4, max: 200 })), fc.anything()),
}, { requiredKeys: [] });
const header = fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', '__metadata__', 'toString')),
  fc.oneof(entry, fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string(), fc.anything())), fc.constant(null)), { maxKeys: 5 });

function checkTensors(r: ReturnType<typeof decodeSafetensors>): void {
  for (const [name, t] of Object.entries(r.tensors)) {
    assert.equal(t.data.length, t.shape.reduce((a, b) => a * b, 1), `tensor ${name}`);
    assert.ok(Object.hasOwn(r.tensors, name));
  }
  for (const v of Object.values(r.metadata)) assert.equal(typeof v, 'string');
  assert.equal(Object.getPrototypeOf(r.tensors), Object.prototype, 'no prototype was replaced');
}

/** A well-formed header for some tensors (offsets tiling the data), then perhaps one field of one entry replaced. */
const tiled = fc.record({
  names: fc.uniqueArray(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', 'toString')), { maxLength: 4 }),
  shapes: fc.array(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }), { minLength: 4, maxLength: 4 }),
  meta: fc.option(fc.oneof(fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 6 })), fc.anything())),
  mutate: fc.option(fc.record({ which: fc.nat(), field: fc.constantFrom('dtype', 'shape', 'data_offsets'), value: fc.oneof(fc.anything(), shape) })),
  dataDelta: fc.oneof(fc.constant(0), fc.integer({ min: -8, max: 8 })),
}).map(({ names, shapes, meta, mutate, dataDelta }) => {
  const h: Record<string, unknown> = {};
  let at = 0;
  names.filter((n) => n !== '__metadata__').forEach((name, i) => {
    const n = shapes[i].reduce((a, b) => a * b, 1);
    h[name] = { dtype: 'F32', shape: shapes[i], data_offsets: [at, at + 4 * n] };
    at += 4 * n;
  });
  if (meta !== null) h.__metadata__ = meta;
  const keys = Object.keys(h).filter((k) => k !== '__metadata__');
  if (mutate && keys.length) (h[keys[mutate.which % keys.length]] as Record<string, unknown>)[mutate.field] = mutate.value;
  return { h, dataBytes: Math.max(0, at + dataDelta) };
});

test('fuzz safetensors: random headers (dtypes, shapes, offsets, metadata, hostile keys), random length fields and bytes', () => {
  fc.assert(fc.property(fc.oneof(tiled, fc.record({ h: header, dataBytes: fc.integer({ min: 0, max: 256 }) })), fc.oneof(fc.constant(0), fc.integer({ min: -16, max: 16 })), ({ h, dataBytes }, lengthDelta) => {
    const json = Buffer.from(JSON.stringify(h));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(Math.max(0, json.length + lengthDelta)));
    const b = Buffer.concat([len, json, Buffer.alloc(dataBytes, 0x3f)]);
    typedOrValid(() => decodeSafetensors(b, 's.safetensors'), CheckpointError, 's.safetensors', checkTensors);
  }), RUNS);
  // valid files with one byte anywhere changed, and random bytes
  const valid = Buffer.from(encodeSafetensors({ a: { shape: [2, 3], data: new Float32Array(6).fill(1) }, b: { shape: [], data: Float32Array.of(2) } }, { format: 'x' }));
  fc.assert(fc.property(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), (at, v) => {
    const b = Buffer.from(valid); b[at] = v;
    typedOrValid(() => decodeSafetensors(b, 'v.safetensors'), CheckpointError, 'v.safetensors', checkTensors);
  }), RUNS);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 128 }), (raw) => typedOrValid(() => decodeSafetensors(raw, 'b.safetensors'), CheckpointError, 'b.safetensors', checkTensors)), RUNS);
});

test('fuzz checkpoint metadata: any JSON as a checkpoint\'s meta is a valid checkpoint or one message naming the file', () => {
  // a valid checkpoint's metadata with one key (top level or inside features/modelOptions) set to anything
  const base = () => ({ model: 'lenet5', modelOptions: { inputSize: [64, 64], numClasses: 3 }, features: { ...DEFAULT_FEATURES }, classes: ['a', 'b', 'c'], epoch: 3 } as Record<string, unknown>);
  const meta = fc.record({
    where: fc.constantFrom('', 'features', 'modelOptions'),
    key: fc.oneof(fc.constantFrom('model', 'classes', 'nFft', 'sampleRate', 'height', 'bilateral', 'inputSize', 'numClasses', 'widths', '__proto__', 'activation', 'pooling', 'dropout', 'padding', 'normalize'), fc.string({ maxLength: 6 })),
    value: fc.oneof(fc.anything(), fc.constantFrom(2 ** 30, -5, 1e6, 0, 0.5, 3, null, '__proto__', 'constructor', 'xyz', 'avg', [], ['a', 'a'], [64, 64])),
    change: fc.boolean(),
  }).map(({ where, key, value, change }) => {
    const m = base();
    if (change) {
      const target = (where ? m[where] : m) as Record<string, unknown>;
      Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
    }
    return m;
  });
  const model = new LeNet5({ inputSize: [64, 64], numClasses: 3 });
  const weights = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [`model.${k}`, { shape: [...t.shape], data: t.toArray() }]));
  let i = 0;
  fc.assert(fc.property(fc.oneof(meta, fc.anything()), (m) => {
    const p = join(dir, `meta${i++}.safetensors`);
    writeFileSync(p, encodeSafetensors(weights, { format: 'specnet-checkpoint-v1', meta: JSON.stringify(m) ?? 'undefined' }));
    typedOrValid(() => loadTrainedModel(p), CheckpointError, p, (r) => { assert.equal(r.classes.length, 3); assert.equal(typeof r.model.forward, 'function'); });
  }), { ...RUNS, numRuns: 200 });
});

// ---------------------------------------------------------------- IDX
/** null most of the time, else a value of `arb`: a field that is usually right. */
const rarely = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: arb, weight: 1 });
const idxBytes = fc.record({
  type: fc.oneof(fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e), fc.integer({ min: 0, max: 255 })),
  dims: fc.array(fc.oneof({ arbitrary: fc.integer({ min: 0, max: 6 }), weight: 8 }, { arbitrary: fc.constantFrom(0xffffffff, 0x10000, 2 ** 31), weight: 1 }), { minLength: 1, maxLength: 5 }),
  rank: rarely(fc.integer({ min: 0, max: 255 })),
  extra: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: -8, max: 8 }), weight: 1 }),
  magic: rarely(fc.integer({ min: 0, max: 255 })),
}).map(({ type, dims, rank, extra, magic }) => {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[0] = magic ?? 0; h[2] = type; h[3] = rank ?? dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d >>> 0, 4 + 4 * i));
  const size = { 8: 1, 9: 1, 11: 2, 12: 4, 13: 4, 14: 8 }[type] ?? 1;
  const count = dims.reduce((a, b) => a * b, 1);
  const body = count * size + extra;
  return Buffer.concat([h, Buffer.alloc(Math.max(0, Math.min(body, 4096)), 0x41)]);
});

test('fuzz IDX: random types, ranks and dimensions, plain and gzipped, truncated gzip streams', () => {
  const check = (r: ReturnType<typeof parseIdx>) => assert.equal(r.data.length, r.shape.reduce((a, b) => a * b, 1));
  fc.assert(fc.property(idxBytes, fc.boolean(), fc.nat(), (b, gz, cut) => {
    let bytes: Buffer = gz ? gzipSync(b) : b;
    if (cut % 4 === 0) bytes = bytes.subarray(0, cut % (bytes.length + 1));
    typedOrValid(() => parseIdx(bytes, 'i.idx'), IdxError, 'i.idx', check);
  }), RUNS);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (raw, gz) => {
    const b = Buffer.from(raw);
    if (gz && b.length >= 2) { b[0] = 0x1f; b[1] = 0x8b; }
    typedOrValid(() => parseIdx(b, 'x.idx'), IdxError, 'x.idx', check);
  }), RUNS);
});

// ---------------------------------------------------------------- config and --set
const KEYS = ['train.lr', 'train.batchSize', 'features.height', 'features.nFft', 'features.bilateral.d', 'features.bilateral', 'noise.copies', 'noise.snrDb',
  'epochs', 'models', 'split.test', 'seed', 'profile', 'dashboard.port', 'data', '__proto__.x', 'constructor.prototype', 'train.__proto__', 'nope', 'train'];
const yamlValue = fc.oneof(fc.constantFrom('1e30', '-1', '0', 'NaN', '.inf', 'null', '[1,2]', '[0,1e9]', '{}', '{d: 300}', 'yes', '~', '"x"', '[lenet5,lenet5]', '&a [*a]', '!!binary aGk='),
  fc.string({ maxLength: 12 }), fc.double().map(String), fc.integer().map(String));

test('fuzz config: --set pairs and whole YAML files of any shape give a valid config or one ConfigError naming the source', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 10 })), yamlValue), { minLength: 1, maxLength: 3 }), (pairs) => {
    const args = pairs.map(([k, v]) => `${k}=${v}`);
    typedOrValid(() => parseOverrides(args), ConfigError, '--set', (r) => assert.ok(configSchema.safeParse(r).success));
  }), RUNS);
  let i = 0;
  fc.assert(fc.property(fc.oneof(fc.object({ maxDepth: 3 }).map((o) => yamlStringify(o)), fc.string({ maxLength: 80 }), fc.constantFrom('train: {lr: 1e999}', 'features:\n  height: 100000', '[', '- a', '&a\n*a', 'a: &x [*x]')), (text) => {
    const p = join(dir, `c${i++}.yaml`);
    writeFileSync(p, text);
    typedOrValid(() => readConfigFile(p), ConfigError, p, (r) => assert.ok(configSchema.safeParse(r).success));
  }), { ...RUNS, numRuns: 200 });
});

test('the WAV generator covers what it claims: a float file of NaN decodes to an error, a clean one to audio', () => {
  assert.throws(() => decodeWav(encodeWav(Float32Array.of(NaN, 0), 8000, '32f'), 'n.wav'), WavError);
  assert.equal(decodeWav(encodeWav(Float32Array.of(0.5, 0), 8000, '32f'), 'c.wav').samples[0], 0.5);
});

test('each fuzzer made inputs of both kinds: refused and accepted', () => {
  for (const k of ['w.wav', 'm.wav', 't.wav', 's.safetensors', 'v.safetensors', 'i.idx', '--set']) {
    const o = outcomes.get(k);
    assert.ok(o && o.errors > 0 && o.valid > 0, `${k}: ${JSON.stringify(o)}`);
  }
  const meta = [...outcomes].find(([k]) => k.includes('meta'))?.[1];
  assert.ok(meta && meta.valid > 0 && meta.errors > 0, `checkpoint metadata: ${JSON.stringify(meta)}`);
});
