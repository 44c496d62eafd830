/**
 * Experiment tracking with the calls W&B users know, local-first:
 *
 *   const run = init({ project: 'digits', name: 'lenet5-raw', group: 'matrix-1', config });
 *   run.log({ loss: 0.3, lr: 1e-3 }, step);
 *   run.summary.test_macro_f1 = 0.97;
 *   run.logConfusionMatrix('test/confusion', matrix, classes);
 *   run.finish('finished');
 *
 * Everything goes to the SQLite store under the runs folder (see store.ts); a
 * heartbeat every few seconds records CPU, memory and images/s and picks up a
 * stop request from the dashboard ({@link Run.shouldStop}).
 */
import { randomBytes } from 'node:crypto';
import { join, relative } from 'node:path';
import { encodePng } from '../vision/png.js';
import { writeFileAtomic } from '../util/fs.js';
import { Store, type RunStatus } from './store.js';

export interface InitOptions {
  project?: string;
  name?: string;
  group?: string | null;
  config?: Record<string, unknown>;
  tags?: string[];
  /** The runs folder holding specnet.db (default: ./runs, or SPECNET_RUNS_DIR). */
  dir?: string;
  /** Seconds between heartbeats and system samples (default 2). */
  heartbeatSeconds?: number;
}

/** The default runs folder: SPECNET_RUNS_DIR, else ./runs. */
export const defaultRunsDir = (): string => process.env.SPECNET_RUNS_DIR || 'runs';

/** A short sortable unique id: time in base 36 + random. */
export function runId(): string {
  return Date.now().toString(36) + randomBytes(3).toString('hex');
}

export class Run {
  readonly id: string;
  readonly store: Store;
  readonly name: string;
  /** Final figures of the run (W&B's run.summary): saved on every log, heartbeat and at finish. */
  summary: Record<string, unknown> = {};
  private step = 0;
  private timer: NodeJS.Timeout;
  private cpuLast = process.cpuUsage();
  private tLast = performance.now();
  private images = 0;
  private stop = false;
  private done = false;
  private summaryJson = '{}';

  constructor(o: InitOptions) {
    this.store = new Store(o.dir ?? defaultRunsDir());
    this.id = runId();
    this.name = o.name ?? this.id;
    this.store.createRun({ id: this.id, project: o.project ?? 'specnet', name: this.name, group: o.group, tags: o.tags, config: o.config });
    this.timer = setInterval(() => this.beat(), (o.heartbeatSeconds ?? 2) * 1000);
    this.timer.unref();
  }

  /** The folder for this run's files (images, checkpoints). */
  get dir(): string { return join(this.store.root, 'media', this.id); }

  /** Log metrics at a step (default: one past the last step logged). */
  log(metrics: Record<string, number>, step?: number): void {
    if (this.done) throw new Error(`run ${this.name} is finished; log() after finish()`);
    const s = step ?? this.step;
    this.step = Math.max(this.step, s + 1);
    const clean: Record<string, number> = {};
    for (const [k, v] of Object.entries(metrics)) if (typeof v === 'number') clean[k] = Number.isFinite(v) ? v : (null as unknown as number);
    this.store.log(this.id, s, clean);
    this.flushSummary();
  }

  /** Count images processed, for the images/s system metric. */
  countImages(n: number): void { this.images += n; }

  /** True once the dashboard asked this run to stop (checked at each heartbeat). */
  shouldStop(): boolean { return this.stop; }

  /** A single-channel image (values in [0, 1]) or PNG bytes, saved beside the store. */
  logImage(key: string, image: { data: Float32Array; height: number; width: number } | Uint8Array, o: { step?: number; caption?: string } = {}): string {
    const bytes = image instanceof Uint8Array ? image : encodePng([image], { scale: 1, colormap: 'gray' });
    const file = join(this.dir, `${key.replace(/[^\w.-]+/g, '_')}-${o.step ?? this.step}.png`);
    writeFileAtomic(file, bytes);
    this.store.addArtifact(this.id, { kind: 'image', key, step: o.step ?? null, path: relative(this.store.root, file), data: o.caption ? { caption: o.caption } : undefined });
    return file;
  }

  logConfusionMatrix(key: string, matrix: number[][], classes: string[], step?: number): void {
    this.store.addArtifact(this.id, { kind: 'confusion', key, step: step ?? null, data: { matrix, classes } });
  }

  /** Record a file (a checkpoint, a report) that belongs to the run; the path is kept relative to the runs folder when inside it. */
  logArtifact(kind: string, key: string, path: string): void {
    const rel = relative(this.store.root, path);
    this.store.addArtifact(this.id, { kind, key, path: rel.startsWith('..') ? path : rel });
  }

  private flushSummary(): void {
    const j = JSON.stringify(this.summary);
    if (j !== this.summaryJson) { this.store.setSummary(this.id, this.summary); this.summaryJson = j; }
  }

  private beat(): void {
    if (this.done) return;
    const cpu = process.cpuUsage(), t = performance.now();
    const seconds = (t - this.tLast) / 1000;
    const cpuPercent = 100 * ((cpu.user - this.cpuLast.user) + (cpu.system - this.cpuLast.system)) / 1e6 / Math.max(seconds, 1e-3);
    const ips = this.images > 0 ? this.images / seconds : null;
    this.cpuLast = cpu; this.tLast = t; this.images = 0;
    try {
      if (this.store.heartbeat(this.id, { cpu: cpuPercent, rss: process.memoryUsage.rss() / 2 ** 20, imagesPerSecond: ips })) this.stop = true;
      this.flushSummary();
    } catch { /* a busy database skips a beat; the next one retries */ }
  }

  /** Read the stop flag from the store now, without waiting for the next heartbeat. */
  pollStop(): boolean {
    if (!this.stop && this.store.stopRequested(this.id)) this.stop = true;
    return this.stop;
  }

  finish(status: Exclude<RunStatus, 'running' | 'crashed'> = 'finished'): void {
    if (this.done) return;
    this.done = true;
    clearInterval(this.timer);
    this.store.finish(this.id, status, this.summary);
    this.store.close();
  }
}

/** Start a tracked run. */
export function init(o: InitOptions = {}): Run { return new Run(o); }
