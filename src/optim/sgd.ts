import type { SgdOptions } from '../backend/backend.js';
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
  private options(firstStep: boolean): SgdOptions {
    return { lr: this.lr, momentum: this.momentum, dampening: this.dampening, nesterov: this.nesterov, weightDecay: this.weightDecay, firstStep };
  }
  /** The momentum buffer of parameter i (null without momentum); first: it is new, so b ← g this step. */
  private buffer(i: number): { buf: Tensor | null; first: boolean } {
    if (this.momentum <= 0) return { buf: null, first: false };
    const first = !this.hasSlot(i, 'momentum_buffer');
    return { buf: this.slot(i, 'momentum_buffer'), first };
  }
  protected update(p: Tensor, g: Tensor, i: number): void {
    const { buf, first } = this.buffer(i);
    p.backend.sgdStep(p.storage, g.storage, buf ? buf.storage : null, this.options(first));
  }
  protected override updateAll(indices: number[]): void {
    const B = this.fusedBackend(indices, 'sgdSteps');
    if (!B) return super.updateAll(indices);
    const bufs = indices.map((i) => this.buffer(i));
    B.sgdSteps!(indices.map((i) => this.params[i].storage), indices.map((i) => this.params[i].grad!.storage),
      bufs.map((b) => (b.buf ? b.buf.storage : null)), bufs.map((b) => b.first), this.options(false));
  }
  protected override hyper(): Record<string, number> { return { momentum: this.momentum }; }
}
