/**
 * Leave-one-speaker-out: the experiment's 8 configurations judged on every
 * speaker in turn. For each speaker of the dataset, train on all the others
 * (optionally plus the recordings of an extra dataset, e.g. synthetic speakers)
 * and test on the one left out. This is how a small real corpus such as FSDD
 * (4 speakers in fsdd-dev) is judged on voices the model never heard.
 */
import { join } from 'node:path';
import { withSetting, type SpecnetConfig, type Variation } from '../config.js';
import { scanDataset, type AudioDataset, type Recording } from '../data/audio_datasets.js';
import { extractAll } from '../data/features.js';
import { writeFileAtomic } from '../util/fs.js';
import { init } from '../track/tracker.js';
import type { FeatureConfig } from '../audio/features.js';
import { describeUnusable, imagesOf } from './experiment.js';
import { describeNoise, noisyCopies, recordingKey, type NoiseOptions } from '../augment/noise.js';
import { featuresFor, noiseFor, matrixSpecs, runTrainConfig, trackedConfig, type MatrixRun } from './matrix.js';
import { meanProbabilityReport } from './metrics.js';
import { train, type TrainCallbacks, type TrainData, type TrainResult } from './trainer.js';

export interface LosoOptions {
  /** The dataset whose speakers are left out in turn. */
  data: string;
  /** Another dataset whose recordings are added to every fold's training set (never tested on). */
  extra?: string;
  /** Checkpoints, loso.json and loso.md go here. */
  out: string;
  /** Only these test speakers (default: every speaker). */
  speakers?: string[];
  /** Only these runs, by matrix name (e.g. resnet14-bilateral-specaugment); default: all 8. */
  runs?: string[];
  /**
   * Train each configuration once per seed (default: once, with the config's seed) and judge
   * the mean of the seeds' class probabilities on the test speaker, a deep ensemble
   * (Lakshminarayanan et al. 2017); each seed's run goes to `<run>/seed<N>`.
   */
  seeds?: number[];
  /**
   * Train each configuration once per value of one setting as well (× seeds), and judge the mean
   * of all these members' probabilities, e.g. `{ key: 'noise.copies', values: [0, 1] }`: models
   * trained without and with noisy copies, in one ensemble. Each member's run goes to
   * `<run>/<key>=<value>[/seed<N>]`.
   */
  vary?: Variation;
  track?: { dir: string; group: string } | null;
  callbacks?: TrainCallbacks;
  onFeatures?(filter: string, done: number, total: number): void;
  /** Told, in words, of the files that could not be used (skipped, or failed to decode), when there are any. */
  onUnusable?(message: string): void;
  onRunStart?(speaker: string, run: string, index: number, total: number): void;
  onRunEnd?(speaker: string, run: Omit<MatrixRun, 'result'> & { result: LosoFoldResult }, index: number, total: number): void;
}

/**
 * One configuration on one fold; with several members (seeds, values of a varied setting), the
 * ensemble's, with each member's name and own figure.
 */
export type LosoFoldResult = TrainResult & { members?: string[]; memberMacroF1?: number[] };

export interface LosoFold { speaker: string; train: Recording[]; validation: Recording[]; test: Recording[] }

/**
 * The folds: for each speaker, the test set is that speaker's recordings; the
 * other speakers' recordings are training data, except every tenth repetition
 * (repetition % 10 == 0), which is the validation set that picks the best epoch.
 * So validation voices are heard in training, but the test voice never is.
 * With `noise`, the training recordings of the dataset (not the extra ones) also come
 * as noisy copies; a recording's copies are the same in every fold.
 */
export function losoFolds(ds: AudioDataset, extra: Recording[] = [], noise?: NoiseOptions): LosoFold[] {
  const speakers = [...new Set(ds.recordings.map((r) => r.speaker))].sort();
  return speakers.map((speaker) => {
    const others = ds.recordings.filter((r) => r.speaker !== speaker);
    const train = others.filter((r) => r.repetition % 10 !== 0);
    return {
      speaker,
      train: [...train, ...(noise ? noisyCopies(train, noise) : []), ...extra],
      validation: others.filter((r) => r.repetition % 10 === 0),
      test: ds.recordings.filter((r) => r.speaker === speaker),
    };
  });
}

export interface LosoResult {
  /** results[run name][speaker] = the run's result on that fold. */
  runs: { name: string; model: string; filter: string; augment: string; folds: Record<string, LosoFoldResult> }[];
  speakers: string[];
  report: string;
  /** What loso.json holds (and `specnet loso --json` prints): the figures of every run and fold, without histories. */
  summary: LosoSummary;
  stopped: boolean;
}

export interface LosoSummary {
  data: string; extra: string | null; noise: NoiseOptions | null; seeds: number[] | null; vary: Variation | null; models: readonly string[]; epochs: readonly number[]; speakers: string[];
  runs: { name: string; model: string; filter: string; augment: string; folds: Record<string, { status: string; testMacroF1?: number; testAccuracy?: number; testF1PerClass?: number[]; testConfusion?: number[][]; members?: string[]; memberMacroF1?: number[]; epochs: number; bestEpoch: number; trainSeconds: number }> }[];
}

const f1 = (r?: LosoFoldResult) => r?.test?.macroF1 ?? NaN;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The table: one row per configuration, one column per left-out speaker, then the mean and the worst fold. */
export function losoReport(r: Pick<LosoResult, 'runs' | 'speakers'>, o: { data: string; extra?: string; seeds?: number[]; vary?: Variation; noise?: NoiseOptions }): string {
  const rows = r.runs.map((run) => {
    const v = r.speakers.map((s) => f1(run.folds[s]));
    return { run, v, mean: mean(v), min: Math.min(...v) };
  }).sort((a, b) => b.mean - a.mean);
  const ens = ensembleOf(o.seeds ?? [], o.vary);
  return [
    '# specnet leave-one-speaker-out', '',
    `Dataset ${o.data}: each column trains on the other speakers${o.noise ? ` (and ${describeNoise(o.noise)})` : ''}${o.extra ? ` plus every recording of ${o.extra}` : ''} and tests on that speaker. Test macro F1${ens.n > 1 ? ` of the mean of ${ens.n} models' class probabilities (${ens.what})` : ''}.`, '',
    `| run | ${r.speakers.join(' | ')} | mean | worst |`,
    `|---|${r.speakers.map(() => '---|').join('')}---|---|`,
    ...rows.map((x) => `| ${x.run.name} | ${x.v.map((v) => v.toFixed(4)).join(' | ')} | ${x.mean.toFixed(4)} | ${x.min.toFixed(4)} |`),
  ].join('\n') + '\n';
}

/** An ensemble's size and what its members differ in, e.g. `{ n: 6, what: 'seeds 0, 1, 2 × noise.copies 0, 1' }`, for the log and the report. */
export function ensembleOf(seeds: number[], vary?: Variation): { n: number; what: string } {
  const parts = [...(seeds.length > 1 ? [`seeds ${seeds.join(', ')}`] : []), ...(vary ? [`${vary.key} ${vary.values.map((v) => JSON.stringify(v)).join(', ')}`] : [])];
  return { n: Math.max(seeds.length, 1) * (vary?.values.length ?? 1), what: parts.join(' × ') };
}

const distinctSpeakers = (recs: Recording[]) => [...new Set(recs.map((r) => r.speaker))].sort();

/**
 * The noisy copies every member of an ensemble trains with (for the report's wording), or
 * undefined when there are none or when they are what `vary` changes from member to member.
 */
export function sharedNoise(c: SpecnetConfig, vary?: Variation): NoiseOptions | undefined {
  return vary && vary.key.split('.')[0] === 'noise' ? undefined : noiseFor(c);
}

/** A member's folder name for a varied setting's value: `noise.copies=1`, `noise.snrDb=0,20`. */
const variantDir = (key: string, value: unknown) => `${key}=${JSON.stringify(value).replace(/[^\w.,=-]/g, '')}`;

/**
 * Run the configurations of the matrix on every leave-one-speaker-out fold.
 * Features are computed once per filter for the dataset and the extra data together (cached).
 */
export async function runLoso(c: SpecnetConfig, o: LosoOptions): Promise<LosoResult> {
  const ds = scanDataset(o.data);
  // extra speakers are named apart, so that a name shared by the two datasets never merges two voices
  const extra = o.extra ? scanDataset(o.extra).recordings.map((r) => ({ ...r, speaker: `extra:${r.speaker}` })) : [];
  // the members' configurations: c itself, or c with the varied setting at each of its values
  const variants = o.vary ? o.vary.values.map((v) => ({ c: withSetting(c, o.vary!.key, v), dir: variantDir(o.vary!.key, v), label: `${o.vary!.key}=${JSON.stringify(v)}` })) : [{ c, dir: '', label: '' }];
  const variantFolds = variants.map((v) => losoFolds(ds, extra, noiseFor(v.c)));
  const allFolds = variantFolds[0], allSpecs = matrixSpecs(c.models);
  for (const s of o.speakers ?? []) if (!allFolds.some((f) => f.speaker === s)) throw new Error(`${o.data}: no speaker '${s}' (speakers: ${allFolds.map((f) => f.speaker).join(', ')})`);
  for (const n of o.runs ?? []) if (!allSpecs.some((s) => s.name === n)) throw new Error(`unknown run '${n}' (known: ${allSpecs.map((s) => s.name).join(', ')})`);
  const keep = (f: LosoFold) => !o.speakers || o.speakers.includes(f.speaker);
  const folds = allFolds.filter(keep);
  const specs = allSpecs.filter((s) => !o.runs || o.runs.includes(s.name));
  // every recording once: the dataset's, the extra ones, and the noisy copies the folds train on
  const all = [...new Map([...ds.recordings, ...extra, ...variantFolds.flatMap((vf) => vf.filter(keep).flatMap((f) => f.train))].map((r) => [recordingKey(r), r])).values()];
  // the images of each preprocessing (filter, and features when a varied setting changes them), computed once
  const pickers = new Map<string, ReturnType<typeof imagesOf>>();
  const pickerFor = async (features: FeatureConfig, filter: string) => {
    const key = JSON.stringify(features);
    if (!pickers.has(key)) {
      const set = await extractAll(all, features, { cacheDir: join(o.out, 'cache'), onProgress: (d, t) => o.onFeatures?.(filter, d, t) });
      pickers.set(key, imagesOf(set));
      if (pickers.size === 1) { const u = describeUnusable(ds.skipped, set.failed); if (u) o.onUnusable?.(u); }
    }
    return pickers.get(key)!;
  };
  for (const filter of [...new Set(specs.map((s) => s.filter))]) for (const v of variants) await pickerFor(featuresFor(v.c, filter), filter);
  const runs: LosoResult['runs'] = specs.map((s) => ({ ...s, folds: {} }));
  const seeds = o.seeds?.length ? o.seeds : [c.seed];
  // the members of each configuration's ensemble: every variant with every seed, named and foldered
  const members = variants.flatMap((v, vi) => seeds.map((seed) => {
    const parts = [...(v.label ? [{ label: v.label, dir: v.dir }] : []), ...(seeds.length > 1 ? [{ label: `seed ${seed}`, dir: `seed${seed}` }] : [])];
    return { c: v.c, vi, seed, label: parts.map((p) => p.label).join(', '), dirs: parts.map((p) => p.dir) };
  }));
  const total = folds.length * specs.length * members.length;
  let index = 0, stopped = false;
  for (const fold of folds) {
    // each variant's version of this fold (noisy copies change its training set), and each
    // preprocessing's images of it, picked once for the configurations and members that share them
    const vfolds = variantFolds.map((vf) => vf.find((f) => f.speaker === fold.speaker)!);
    const foldData = new Map<string, TrainData>();
    const dataFor = async (vi: number, features: FeatureConfig, filter: string): Promise<TrainData> => {
      const key = `${vi}|${JSON.stringify(features)}`;
      if (!foldData.has(key)) {
        const pick = await pickerFor(features, filter), f = vfolds[vi];
        foldData.set(key, { train: pick(f.train), validation: pick(f.validation), test: pick(f.test), height: features.height, width: features.width, numClasses: ds.classes.length });
      }
      return foldData.get(key)!;
    };
    for (const [k, spec] of specs.entries()) {
      if (stopped) break;
      const results: TrainResult[] = [];
      let data: TrainData | undefined;
      for (const m of members) {
        if (stopped) break;
        const f = vfolds[m.vi], features = featuresFor(m.c, spec.filter);
        data = await dataFor(m.vi, features, spec.filter);
        const cfg = { ...runTrainConfig(m.c, spec.model, spec.augment), seed: m.seed };
        const speakers = { train: distinctSpeakers(f.train), validation: distinctSpeakers(f.validation), test: [fold.speaker] };
        o.onRunStart?.(fold.speaker, [spec.name, ...(m.label ? [m.label] : [])].join(', '), index + results.length, total);
        const result = await train(cfg, data, {
          outDir: join(o.out, fold.speaker, spec.name, ...m.dirs), callbacks: o.callbacks,
          meta: { features, classes: ds.classes, speakers },
          run: o.track ? init({ dir: o.track.dir, project: 'specnet', name: [spec.name, fold.speaker, ...m.dirs].join('-'), group: o.track.group, config: { ...trackedConfig(cfg, spec.filter, o.data, features, speakers, noiseFor(m.c)), extra: o.extra ?? null } }) : undefined,
        });
        results.push(result);
        if (result.status === 'stopped' || o.callbacks?.shouldStop?.()) stopped = true;
      }
      const result = results.length > 1 && !stopped ? ensembleResult(results, members.map((m) => m.label), data!) : results[0];
      runs[k].folds[fold.speaker] = result;
      o.onRunEnd?.(fold.speaker, { ...spec, result }, index, total);
      index += members.length;
    }
  }
  const speakers = folds.map((f) => f.speaker).filter((s) => runs.some((r) => r.folds[s]));
  const noise = sharedNoise(c, o.vary);
  const report = losoReport({ runs, speakers }, { ...o, noise });
  writeFileAtomic(join(o.out, 'loso.md'), report);
  const summary: LosoSummary = {
    data: o.data, extra: o.extra ?? null, noise: noise ?? null, seeds: o.seeds ?? null, vary: o.vary ?? null, models: c.models, epochs: c.epochs, speakers,
    runs: runs.map((r) => ({ name: r.name, model: r.model, filter: r.filter, augment: r.augment, folds: Object.fromEntries(Object.entries(r.folds).map(([s, x]) => [s, { status: x.status, testMacroF1: x.test?.macroF1, testAccuracy: x.test?.accuracy, testF1PerClass: x.test?.f1, testConfusion: x.test?.confusion, ...(x.members ? { members: x.members, memberMacroF1: x.memberMacroF1 } : {}), epochs: x.history.length, bestEpoch: x.bestEpoch, trainSeconds: x.trainSeconds }])) })),
  };
  writeFileAtomic(join(o.out, 'loso.json'), JSON.stringify(summary, null, 2) + '\n');
  return { runs, speakers, report, summary, stopped };
}

/**
 * The members' runs (seeds, variants) of one configuration on one fold as one result: the test
 * report of the mean of their best checkpoints' class probabilities (each with its own AdaBN and
 * warp when the configuration asks for them, as train() evaluated it); history, best epoch and
 * checkpoints are the first member's, the training time is the sum.
 */
function ensembleResult(members: TrainResult[], names: string[], data: TrainData): LosoFoldResult {
  const probabilities = members.flatMap((m) => (m.testProbabilities ? [m.testProbabilities] : []));
  if (probabilities.length === 0) return members[0];
  return {
    ...members[0],
    test: meanProbabilityReport(data.test!.labels, probabilities, data.numClasses),
    trainSeconds: members.reduce((t, m) => t + m.trainSeconds, 0),
    members: names,
    memberMacroF1: members.map((m) => m.test?.macroF1 ?? NaN),
  };
}
