import { Tensor } from '../tensor/tensor.js';
import { Optimizer, type Params } from './optimizer.js';

export interface AdagradOptions { lr?: number; eps?: number; weightDecay?: number; lrDecay?: number }

/** Adagrad (Duchi et al. 2011): per-coordinate steps η/√(Σg²), large for rare features. */
export class Adagrad extends Optimizer {
  readonly eps: number; readonly weightDecay: number; readonly lrDecay: number;
  constructor(params: Params, o: AdagradOptions = {}) {
    super(params, o.lr ?? 1e-2);
    this.eps = o.eps ?? 1e-10; this.weightDecay = o.weightDecay ?? 0; this.lrDecay = o.lrDecay ?? 0;
  }
  protected update(p: Tensor, g: Tensor, i: number): void {
    p.backend.adagradStep(p.storage, g.storage, this.slot(i, 'sum').storage,
      { lr: this.lr, eps: this.eps, weightDecay: this.weightDecay, lrDecay: this.lrDecay, step: this.stepCount });
  }
}
