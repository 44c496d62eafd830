import type { Optimizer } from './optimizer.js';

/**
 * A learning-rate schedule: `step()` once per epoch (or per iteration, your
 * choice) sets optimizer.lr = baseLr · factor(t). Closed forms, so resuming at
 * step t needs only t.
 */
export abstract class LRScheduler {
  readonly baseLr: number;
  t = 0;
  constructor(readonly optimizer: Optimizer) { this.baseLr = optimizer.lr; }
  abstract factor(t: number): number;
  step(): void { this.t++; this.optimizer.lr = this.baseLr * this.factor(this.t); }
  /** Jump to step t (used when resuming). */
  setStep(t: number): void { this.t = t; this.optimizer.lr = this.baseLr * this.factor(t); }
}

/** lr · γ^⌊t / stepSize⌋ */
export class StepLR extends LRScheduler {
  constructor(opt: Optimizer, readonly stepSize: number, readonly gamma = 0.1) { super(opt); }
  factor(t: number): number { return Math.pow(this.gamma, Math.floor(t / this.stepSize)); }
}

/** lr · γ^t */
export class ExponentialLR extends LRScheduler {
  constructor(opt: Optimizer, readonly gamma: number) { super(opt); }
  factor(t: number): number { return Math.pow(this.gamma, t); }
}

/** η_min + (η - η_min)·(1 + cos(π t / T_max))/2  (Loshchilov & Hutter 2017, without restarts) */
export class CosineAnnealingLR extends LRScheduler {
  constructor(opt: Optimizer, readonly tMax: number, readonly etaMin = 0) { super(opt); }
  factor(t: number): number {
    const tc = Math.min(t, this.tMax);
    return (this.etaMin + (this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * tc) / this.tMax)) / 2) / this.baseLr;
  }
}

/**
 * Linear warm-up from startFactor·lr to lr over `warmupSteps`, then an optional
 * schedule (given as a factor function of the steps after warm-up).
 */
export class LinearWarmupLR extends LRScheduler {
  constructor(opt: Optimizer, readonly warmupSteps: number, readonly startFactor = 0.1, readonly after?: (t: number) => number) {
    super(opt);
    opt.lr = this.baseLr * this.factor(0);
  }
  factor(t: number): number {
    if (t < this.warmupSteps) return this.startFactor + (1 - this.startFactor) * (t / this.warmupSteps);
    return this.after ? this.after(t - this.warmupSteps) : 1;
  }
}
