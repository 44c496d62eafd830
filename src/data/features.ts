import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { featureKey, normalizeBySpeaker, type FeatureConfig } from '../audio/features.js';
import { writeFileAtomic } from '../util/fs.js';
import type { Recording } from './audio_datasets.js';
import { recordingKey } from '../augment/noise.js';

export interface FeatureSet {
  /** Images [count, height, width] row-major. */
  images: Float32Array;
  labels: Int32Array;
  /** The recordings that produced a feature (in order), and those that failed with the reason. */
  kept: Recording[];
  failed: { path: string; reason: string }[];
  height: number;
  width: number;
  /** The settings hash the cache is keyed by, and whether this came from the cache. */
  key: string;
  fromCache: boolean;
}

export interface ExtractOptions {
  /** Folder of the on-disk cache; none: no cache. */
  cacheDir?: string;
  /** Worker threads (default: all cores). */
  jobs?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Identity of the input files: paths, sizes and modification times. A change of any gives a new cache file. */
function filesHash(recs: Recording[]): string {
  const h = createHash('sha256');
  for (const r of recs) {
    const s = statSync(r.path);
    h.update(`${recordingKey(r)}|${s.size}|${Math.round(s.mtimeMs)}|${r.label}\n`);
  }
  return h.digest('hex').slice(0, 16);
}

/**
 * Features of every recording, computed in parallel on worker threads and cached
 * on disk under `cacheDir/features-<settings hash>-<files hash>.bin`, so the runs
 * of an experiment compute each variant once and a changed setting or file never
 * reuses a stale cache. Files that cannot be decoded are skipped and listed in `failed`.
 */
export async function extractAll(recs: Recording[], config: FeatureConfig, o: ExtractOptions = {}): Promise<FeatureSet> {
  if (config.speakerNorm && config.normalize === 'standard') throw new RangeError("features.speakerNorm needs images in [0, 1]: set features.normalize to 'minmax' or 'band', not 'standard'");
  const set = await extractEach(recs, config, o);
  if (config.speakerNorm) normalizeBySpeaker(set.images, config.height, config.width, set.kept.map((r) => r.speaker));
  return set;
}

/** extractAll without the dataset-level step: each recording's image on its own (what the cache holds). */
async function extractEach(recs: Recording[], config: FeatureConfig, o: ExtractOptions): Promise<FeatureSet> {
  const key = featureKey({ ...config, speakerNorm: false });
  const size = config.height * config.width;
  const cachePath = o.cacheDir ? join(o.cacheDir, `features-${key}-${filesHash(recs)}.bin`) : null;
  if (cachePath && existsSync(cachePath)) {
    const cached = readCache(cachePath, recs, size);
    if (cached) { o.onProgress?.(recs.length, recs.length); return { ...cached, height: config.height, width: config.width, key, fromCache: true }; }
  }
  const images: (Float32Array | null)[] = new Array(recs.length).fill(null);
  const errors: (string | null)[] = new Array(recs.length).fill(null);
  const jobs = Math.max(1, Math.min(o.jobs ?? availableParallelism(), recs.length));
  const chunk = Math.ceil(recs.length / jobs);
  let done = 0;
  await Promise.all(Array.from({ length: jobs }, (_, j) => new Promise<void>((resolve, reject) => {
    const start = j * chunk;
    const items = recs.slice(start, start + chunk).map((r) => ({ path: r.path, noise: r.noise }));
    if (items.length === 0) { resolve(); return; }
    const w = new Worker(new URL('./feature_worker.js', import.meta.url), { workerData: { items, config } });
    w.on('message', (batch: { index: number; image?: Float32Array; error?: string }[]) => {
      for (const b of batch) {
        if (b.image) images[start + b.index] = b.image; else errors[start + b.index] = b.error ?? 'unknown error';
      }
      done += batch.length;
      o.onProgress?.(done, recs.length);
    });
    w.on('error', reject);
    w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`feature worker exited with code ${code}`))));
  })));
  const kept: Recording[] = [], failed: FeatureSet['failed'] = [];
  recs.forEach((r, i) => (images[i] ? kept.push(r) : failed.push({ path: r.path, reason: errors[i] ?? 'no result' })));
  const all = new Float32Array(kept.length * size);
  let at = 0;
  images.forEach((img) => { if (img) { all.set(img, at * size); at++; } });
  const set = { images: all, labels: Int32Array.from(kept, (r) => r.label), kept, failed };
  if (cachePath) writeCache(cachePath, set, recs);
  return { ...set, height: config.height, width: config.width, key, fromCache: false };
}

// Cache file: a 4-byte header length, a JSON header (which files, which failed), then the float32 images.
function writeCache(path: string, set: Pick<FeatureSet, 'images' | 'kept' | 'failed'>, recs: Recording[]): void {
  const header = Buffer.from(JSON.stringify({ version: 1, count: recs.length, kept: set.kept.map(recordingKey), failed: set.failed }));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  writeFileAtomic(path, Buffer.concat([len, header, Buffer.from(set.images.buffer, set.images.byteOffset, set.images.byteLength)]));
}

function readCache(path: string, recs: Recording[], size: number): Pick<FeatureSet, 'images' | 'labels' | 'kept' | 'failed'> | null {
  try {
    const buf = readFileSync(path);
    const n = buf.readUInt32LE(0);
    const header = JSON.parse(buf.subarray(4, 4 + n).toString('utf8')) as { count: number; kept: string[]; failed: FeatureSet['failed'] };
    const byKey = new Map(recs.map((r) => [recordingKey(r), r]));
    const kept = header.kept.map((k) => byKey.get(k));
    if (header.count !== recs.length || kept.some((r) => !r)) return null;
    const body = buf.subarray(4 + n);
    if (body.length !== kept.length * size * 4) return null;
    const images = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length));
    return { images, labels: Int32Array.from(kept as Recording[], (r) => r.label), kept: kept as Recording[], failed: header.failed };
  } catch { return null; }
}
