import { Tensor } from '../tensor/tensor.js';
import { Optimizer, type Params } from './optimizer.js';

export interface SGDOptions { lr: number; momentum?: number; dampening?: number; nesterov?: boolean; weightDecay?: number }

/**
 * Stochastic gradient descent, with optional (Nesterov) momentum and L2 weight decay:
 *   g ← g + λp;  b ← μb + (1-τ)g;  p ← p - η·(Nesterov ? g + μb : b).
 * @example const opt = new SGD(model.namedParameters(), { lr: 0.1, momentum: 0.9 });
 */
export class SGD extends Optimizer {
  readonly momentum: number; readonly dampening: number; readonly nesterov: boolean; readonly weightDecay: number;
  constructor(params: Params, o: SGDOptions) {
    super(params, o.lr);
    this.momentum = o.momentum ?? 0; this.dampening = o.dampening ?? 0;
    this.nesterov = o.nesterov ?? false; this.weightDecay = o.weightDecay ?? 0;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) throw new RangeError('SGD: Nesterov momentum needs momentum > 0 and dampening 0');
  }
  protected update(p: Tensor, g: Tensor, i: number): void {
    const firstStep = this.momentum > 0 && !this.hasSlot(i, 'momentum_buffer');
    const buf = this.momentum > 0 ? this.slot(i, 'momentum_buffer') : null;
    p.backend.sgdStep(p.storage, g.storage, buf ? buf.storage : null,
      { lr: this.lr, momentum: this.momentum, dampening: this.dampening, nesterov: this.nesterov, weightDecay: this.weightDecay, firstStep });
  }
  protected override hyper(): Record<string, number> { return { momentum: this.momentum }; }
}
