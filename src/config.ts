/**
 * The experiment's settings: built-in profiles, a config file (JSON or YAML) and
 * command-line overrides, merged in that order and validated in one place, so a
 * wrong type or an unknown key gets one message that names the file and the key.
 *
 *   specnet matrix --config my.yaml --set train.lr=0.003 --epochs 10,5
 *
 * A config file holds any part of {@link SpecnetConfig}; what it leaves out comes
 * from the profile (`profile: full` in the file or `--profile full`).
 */
import { existsSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_FEATURES, DEFAULT_BILATERAL } from './audio/features.js';
import { DEFAULT_TRAIN } from './train/trainer.js';
import { SYNTH_DEFAULTS } from './data/synth.js';
import { featuresSchema, formatIssues, trainSchema } from './schemas.js';
import { readInputFile, errorMessage } from './util/fs.js';

const intIn = (min: number, max: number) => z.number().int().min(min).max(max);
export const configSchema = z.strictObject({
  /** 'quick' (the default: minutes on a laptop) or 'full' (the AudioMNIST size, serious runs). */
  profile: z.enum(['quick', 'full']),
  /** A dataset folder (AudioMNIST, FSDD or label folders); null: the synthetic corpus in synth.out. */
  data: z.string().min(1).nullable(),
  synth: z.strictObject({ out: z.string().min(1), speakers: intIn(1, 10_000), repetitions: intIn(1, 10_000), seed: z.number().int() }).partial(),
  /** Where runs, the feature cache and the report go. */
  out: z.string().min(1),
  /** Model A and Model B. */
  models: z.tuple([z.string().min(1), z.string().min(1)]),
  /** Epochs of Model A and of Model B. */
  epochs: z.tuple([intIn(1, 100_000), intIn(1, 100_000)]),
  seed: z.number().int(),
  /** Fraction of speakers held out for validation and for test. */
  split: z.strictObject({ validation: z.number().min(0).max(0.9), test: z.number().min(0).max(0.9) }).partial()
    .refine((s) => (s.validation ?? 0) + (s.test ?? 0) < 1, 'validation + test should leave speakers to train on (sum below 1)'),
  train: trainSchema,
  /** Noisy copies of the training recordings (augment/noise.ts): how many per recording, and the SNR range in dB. */
  noise: z.strictObject({
    copies: intIn(0, 20),
    snrDb: z.tuple([z.number().min(-30).max(100), z.number().min(-30).max(100)]).refine(([lo, hi]) => lo <= hi, 'should be [low, high] with low ≤ high'),
  }).partial(),
  features: featuresSchema,
  dashboard: z.strictObject({ enabled: z.boolean(), host: z.string().min(1), port: z.number().int().min(0).max(65535) }).partial(),
}).partial();

export type ConfigInput = z.infer<typeof configSchema>;

/** A fully resolved configuration: every field set. */
export interface SpecnetConfig {
  profile: 'quick' | 'full';
  data: string | null;
  synth: { out: string; speakers: number; repetitions: number; seed: number };
  out: string;
  models: [string, string];
  epochs: [number, number];
  seed: number;
  split: { validation: number; test: number };
  train: Required<z.infer<typeof trainSchema>>;
  noise: { copies: number; snrDb: [number, number] };
  features: typeof DEFAULT_FEATURES & { bilateral: typeof DEFAULT_BILATERAL };
  dashboard: { enabled: boolean; host: string; port: number };
}

const { model: _m, epochs: _e, augment: _a, seed: _s, modelOptions: _o, ...trainDefaults } = DEFAULT_TRAIN;
void _m; void _e; void _a; void _s; void _o;

/**
 * The quick profile: the default synthetic corpus (12 speakers × 10 digits × 10
 * repetitions), LeNet-5 and ResNet-14 (He et al.'s CIFAR ResNet, n = 2); the 8 runs
 * take about 9 minutes on 2 CPU cores. See docs/EXPERIMENTS.md for how these were chosen.
 */
const QUICK: SpecnetConfig = {
  profile: 'quick',
  data: null,
  synth: { out: 'data/synth', speakers: SYNTH_DEFAULTS.speakers, repetitions: SYNTH_DEFAULTS.repetitions, seed: SYNTH_DEFAULTS.seed },
  out: 'runs/matrix',
  models: ['lenet5', 'resnet14'],
  epochs: [30, 12],
  seed: 0,
  split: { validation: 0.15, test: 0.15 },
  train: { ...trainDefaults, specaugmentPolicy: 'LD' },
  noise: { copies: 0, snrDb: [0, 20] },
  features: { ...DEFAULT_FEATURES, bilateral: DEFAULT_BILATERAL },
  dashboard: { enabled: true, host: '127.0.0.1', port: 6006 },
};

/** The full profile: the AudioMNIST size (60 speakers × 10 digits × 50 repetitions), longer training with early stopping. */
const FULL: ConfigInput = {
  profile: 'full',
  synth: { out: 'data/synth-full', speakers: 60, repetitions: 50 },
  out: 'runs/matrix-full',
  epochs: [40, 30],
  train: { patience: 8 },
};

export const PROFILES: Record<SpecnetConfig['profile'], ConfigInput> = { quick: {}, full: FULL };

/** Deep merge of plain objects (arrays and scalars replace). */
function merge<T>(base: T, over: unknown): T {
  if (over === undefined) return base;
  if (over === null || typeof over !== 'object' || Array.isArray(over) || base === null || typeof base !== 'object' || Array.isArray(base)) return over as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) if (v !== undefined) out[k] = merge(out[k], v);
  return out as T;
}

/** One line per problem: `where: key.path: message`. */
function validate(input: unknown, where: string): ConfigInput {
  const r = configSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  throw new ConfigError(formatIssues(r.error, where));
}

export class ConfigError extends Error {}

/** Read a JSON or YAML config file (YAML is a superset of JSON: one parser reads both). */
export function readConfigFile(path: string): ConfigInput {
  if (!existsSync(path)) throw new ConfigError(`config file ${path} does not exist`);
  let raw: unknown;
  try {
    raw = parseYaml(readInputFile(path, { what: 'config', maxBytes: 1024 * 1024, makeError: (p, d) => new ConfigError(`${p}: ${d}`) }).toString('utf8'));
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`${path}: not valid JSON or YAML: ${errorMessage(e).split('\n')[0]}`);
  }
  if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) throw new ConfigError(`${path}: should hold a mapping of settings, got ${Array.isArray(raw) ? 'a list' : typeof raw}`);
  return validate(raw, path);
}

/** The override that sets one dotted key, e.g. `setting('train.lr', 0.003)` = `{ train: { lr: 0.003 } }` (not validated). */
function setting(key: string, value: unknown): Record<string, unknown> {
  for (const k of key.split('.').reverse()) value = { [k]: value };
  return value as Record<string, unknown>;
}

/**
 * `key.path=value` overrides (the value read as YAML: numbers, booleans, null, lists),
 * e.g. `train.lr=0.003`, `models=[lenet5,mobilenetv2]`.
 */
export function parseOverrides(pairs: string[]): ConfigInput {
  let acc: Record<string, unknown> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set ${p}: expected key.path=value`);
    let value: unknown;
    try { value = parseYaml(p.slice(eq + 1)); } catch (e) {
      throw new ConfigError(`--set ${p}: the value is not valid YAML (${errorMessage(e).split('\n')[0]})`);
    }
    acc = merge(acc, setting(p.slice(0, eq), value));
  }
  return validate(acc, '--set');
}

/** Sections a `--vary` may change: how each member of an ensemble trains, not what the experiment is. */
const VARIABLE = ['train', 'features', 'noise', 'epochs'];

/** One setting with several values: each value gives one configuration (one member of an ensemble). */
export interface Variation { key: string; values: unknown[] }

/**
 * `key.path=[v1, v2, …]` (YAML), e.g. `noise.copies=[0,1]`: the setting and its values, each value
 * checked as `--set key.path=v` would be.
 */
export function parseVariation(spec: string): Variation {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new ConfigError(`--vary ${spec}: expected key.path=[value, value, …]`);
  const key = spec.slice(0, eq);
  if (!VARIABLE.includes(key.split('.')[0])) throw new ConfigError(`--vary ${spec}: only settings under ${VARIABLE.join(', ')} can vary, not '${key}'`);
  let values: unknown;
  try { values = parseYaml(spec.slice(eq + 1)); } catch { values = undefined; }
  if (!Array.isArray(values) || values.length < 2) throw new ConfigError(`--vary ${spec}: expected a list of at least 2 values, e.g. ${key}=[0,1]`);
  if (new Set(values.map((v) => JSON.stringify(v))).size !== values.length) throw new ConfigError(`--vary ${spec}: the values repeat`);
  for (const v of values) validate(setting(key, v), `--vary ${key}`);
  return { key, values };
}

/** `c` with one setting changed (validated), e.g. `withSetting(c, 'noise.copies', 1)`. */
export function withSetting(c: SpecnetConfig, key: string, value: unknown): SpecnetConfig {
  return merge(c, validate(setting(key, value), `${key}=${JSON.stringify(value)}`));
}

/**
 * Profile defaults ← config file ← overrides (each validated), into a full configuration.
 * @example resolveConfig({ file: 'exp.yaml', overrides: [{ epochs: [5, 3] }] })
 */
export function resolveConfig(o: { profile?: SpecnetConfig['profile']; file?: string; overrides?: ConfigInput[] } = {}): SpecnetConfig {
  const fromFile = o.file ? readConfigFile(o.file) : {};
  const layers = [fromFile, ...(o.overrides ?? [])];
  const profile = [...layers].reverse().find((l) => l.profile)?.profile ?? o.profile ?? 'quick';
  let c = merge(QUICK, PROFILES[profile]);
  for (const l of layers) c = merge(c, l);
  c.profile = profile;
  if (c.models[0] === c.models[1]) throw new ConfigError(`models: Model A and Model B should differ, got '${c.models[0]}' twice`);
  return c;
}
