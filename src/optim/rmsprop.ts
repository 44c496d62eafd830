import { Tensor } from '../tensor/tensor.js';
import { Optimizer, type Params } from './optimizer.js';

export interface RMSpropOptions { lr?: number; alpha?: number; eps?: number; weightDecay?: number; momentum?: number; centered?: boolean }

/** RMSprop (Hinton, lecture 6e): divide the gradient by a running RMS of recent gradients. */
export class RMSprop extends Optimizer {
  readonly alpha: number; readonly eps: number; readonly weightDecay: number; readonly momentum: number; readonly centered: boolean;
  constructor(params: Params, o: RMSpropOptions = {}) {
    super(params, o.lr ?? 1e-2);
    this.alpha = o.alpha ?? 0.99; this.eps = o.eps ?? 1e-8; this.weightDecay = o.weightDecay ?? 0;
    this.momentum = o.momentum ?? 0; this.centered = o.centered ?? false;
  }
  protected update(p: Tensor, g: Tensor, i: number): void {
    p.backend.rmspropStep(p.storage, g.storage, this.slot(i, 'square_avg').storage,
      this.momentum > 0 ? this.slot(i, 'momentum_buffer').storage : null,
      this.centered ? this.slot(i, 'grad_avg').storage : null,
      { lr: this.lr, alpha: this.alpha, eps: this.eps, weightDecay: this.weightDecay, momentum: this.momentum, centered: this.centered });
  }
}
