import type { AdamOptions as AdamStepOptions } from '../backend/backend.js';
import { Tensor } from '../tensor/tensor.js';
import { Optimizer, type Params } from './optimizer.js';

export interface AdamOptions { lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number }

/**
 * Adam (Kingma & Ba 2015): bias-corrected running means of g and g²;
 * p ← p - η·m̂/(√v̂ + ε). Weight decay is L2 (added to g).
 */
export class Adam extends Optimizer {
  readonly beta1: number; readonly beta2: number; readonly eps: number; readonly weightDecay: number;
  protected decoupled = false;
  constructor(params: Params, o: AdamOptions = {}) {
    super(params, o.lr ?? 1e-3);
    [this.beta1, this.beta2] = o.betas ?? [0.9, 0.999];
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? 0;
  }
  private options(): AdamStepOptions {
    return { lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay, decoupled: this.decoupled, step: this.stepCount };
  }
  protected update(p: Tensor, g: Tensor, i: number): void {
    p.backend.adamStep(p.storage, g.storage, this.slot(i, 'exp_avg').storage, this.slot(i, 'exp_avg_sq').storage, this.options());
  }
  protected override updateAll(indices: number[]): void {
    const B = this.fusedBackend(indices, 'adamSteps');
    if (!B) return super.updateAll(indices);
    B.adamSteps!(indices.map((i) => this.params[i].storage), indices.map((i) => this.params[i].grad!.storage),
      indices.map((i) => this.slot(i, 'exp_avg').storage), indices.map((i) => this.slot(i, 'exp_avg_sq').storage), this.options());
  }
}

/** AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay p ← p(1 - ηλ). Default λ = 0.01. */
export class AdamW extends Adam {
  constructor(params: Params, o: AdamOptions = {}) {
    super(params, { ...o, weightDecay: o.weightDecay ?? 0.01 });
    this.decoupled = true;
  }
}
