/**
 * The schemas (zod) of everything specnet reads as settings: the config file and `--set`
 * (config.ts), and the metadata of a checkpoint (train/checkpoint.ts). One set of bounds,
 * so that an absurd value gets the same message wherever it comes from, naming the key and
 * what is allowed, before any work or allocation is done with it.
 */
import { z } from 'zod';
import { SPECAUGMENT_POLICIES } from './augment/specaugment.js';
import { BILATERAL_LIMITS } from './vision/bilateral.js';

export const positiveInt = z.number().int().positive();
const intIn = (min: number, max: number) => z.number().int().min(min).max(max);
/** What "with SpecAugment" may mean: every named policy but 'none'. */
const POLICY_NAMES = Object.keys(SPECAUGMENT_POLICIES).filter((k) => k !== 'none') as [string, ...string[]];

/** The largest image side: 1024 pixels (a spectrogram image is 28 to 128). */
export const MAX_IMAGE_SIDE = 1024;

export const bilateralSchema = z.strictObject({
  d: z.number().int().max(BILATERAL_LIMITS.maxDiameter),
  sigmaColor: z.number().positive(),
  sigmaSpace: z.number().positive().lt(BILATERAL_LIMITS.maxSigmaSpace),
});

/** The spectrogram settings (audio/features.ts FeatureConfig), each with its bounds. */
const featureFields = {
  sampleRate: intIn(4000, 192_000), duration: z.number().positive().max(30), trimDb: z.number().positive().max(200).nullable(),
  trimAboveNoiseDb: z.number().positive().max(200).nullable(), placement: z.enum(['center', 'random']),
  nFft: intIn(16, 16384), hopLength: intIn(1, 16384), nMels: intIn(1, 512),
  fMin: z.number().nonnegative(), fMax: z.number().positive().nullable(), melScale: z.enum(['htk', 'slaney']),
  melNorm: z.enum(['slaney']).nullable(), topDb: z.number().positive().max(300), noiseFloorPercentile: z.number().min(0).max(100).nullable(),
  height: intIn(8, MAX_IMAGE_SIDE), width: intIn(8, MAX_IMAGE_SIDE),
  interpolation: z.enum(['bilinear', 'area']), normalize: z.enum(['minmax', 'standard', 'band']), speakerNorm: z.boolean(),
};

/** The config's `features` section: any of the settings; `bilateral` is the "bilateral" variant's filter. */
export const featuresSchema = z.strictObject({ ...featureFields, bilateral: bilateralSchema }).partial();

/** A complete FeatureConfig as a checkpoint stores it (bilateral null: the raw variant). */
export const featureConfigSchema = z.strictObject({ ...featureFields, bilateral: bilateralSchema.nullable() });

export const trainSchema = z.strictObject({
  batchSize: intIn(1, 4096), optimizer: z.enum(['adam', 'adamw', 'sgd', 'rmsprop', 'adagrad']), lr: z.number().positive().max(10),
  weightDecay: z.number().nonnegative().max(10), momentum: z.number().min(0).max(1), schedule: z.enum(['none', 'cosine', 'step', 'exponential']),
  warmupEpochs: intIn(0, 10_000), patience: intIn(0, 10_000), labelSmoothing: z.number().min(0).lt(1), mixup: z.number().nonnegative().max(100),
  clipNorm: z.number().nonnegative(), specaugmentPolicy: z.enum(POLICY_NAMES), adaptBatchNorm: z.boolean(), adaptWarp: z.boolean(),
}).partial();

const dim = intIn(1, MAX_IMAGE_SIDE);
/** The options a model is built with (models/registry.ts ModelOptions), bounded so that no checkpoint can ask for an absurd model. */
export const modelOptionsSchema = z.strictObject({
  inputSize: z.union([dim, z.tuple([dim, dim])]), inChannels: intIn(1, 64), numClasses: intIn(2, 10_000),
  activation: z.string().min(1).max(64), pooling: z.enum(['max', 'avg']), padding: intIn(0, 64), batchNorm: z.boolean(),
  dropout: z.number().min(0).lt(1), inFeatures: intIn(1, 1 << 24), hidden: z.array(intIn(1, 1 << 16)).max(64),
  widths: z.array(intIn(1, 4096)).min(1).max(16), blocks: z.array(intIn(0, 64)).min(1).max(16), stem: z.enum(['imagenet', 'small']),
  stemWidth: intIn(1, 4096), convsPerStage: intIn(1, 16),
}).partial();

/** A zod error as lines `where: key.path: message` (one per problem; unknown keys named). */
export function formatIssues(error: z.ZodError, where: string): string {
  return error.issues.map((i) => {
    const path = i.path.join('.') || '(top level)';
    if (i.code === 'unrecognized_keys') return `${where}: unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `'${[...i.path, k].join('.')}'`).join(', ')}`;
    return `${where}: ${path}: ${i.message}`;
  }).join('\n');
}
