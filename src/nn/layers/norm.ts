import { fmt, ShapeError } from '../../backend/shape.js';
import { add, batchNorm, mul } from '../../autograd/ops/index.js';
import { ones, zeros } from '../../tensor/create.js';
import { noGrad } from '../../tensor/grad_mode.js';
import { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';

/**
 * Batch normalisation (Ioffe & Szegedy 2015) over all axes but the last (channels).
 * Training: normalise with the batch statistics and update the running ones,
 *   running ← (1 - momentum)·running + momentum·batch (unbiased variance, as PyTorch);
 * evaluation: normalise with the running statistics.
 */
export class BatchNorm extends Module {
  weight: Tensor;
  bias: Tensor;
  runningMean: Tensor;
  runningVar: Tensor;
  numBatchesTracked: Tensor;
  /**
   * Weight of each batch's statistics in the running ones; null: their cumulative average
   * over every batch since the last reset (PyTorch's momentum=None, what AdaBN uses).
   */
  momentum: number | null;
  constructor(readonly numFeatures: number, readonly rank: number, readonly eps = 1e-5, momentum: number | null = 0.1) {
    super();
    this.momentum = momentum;
    this.weight = this.addParameter('weight', ones([numFeatures]));
    this.bias = this.addParameter('bias', zeros([numFeatures]));
    this.runningMean = this.addBuffer('running_mean', zeros([numFeatures]));
    this.runningVar = this.addBuffer('running_var', ones([numFeatures]));
    this.numBatchesTracked = this.addBuffer('num_batches_tracked', zeros([]));
  }

  forward(x: Tensor): Tensor { return this.normalize(x, false); }
  /** relu(this.forward(x)), computed as one kernel. */
  forwardRelu(x: Tensor): Tensor { return this.normalize(x, true); }

  private normalize(x: Tensor, relu: boolean): Tensor {
    if (x.rank !== this.rank || x.shape[x.rank - 1] !== this.numFeatures) {
      throw new ShapeError(`${this.constructor.name}(${this.numFeatures}): input ${fmt(x.shape)} should have rank ${this.rank} and ${this.numFeatures} channels last`);
    }
    const r = batchNorm(x, this.weight, this.bias, {
      training: this.training, eps: this.eps, runningMean: this.runningMean, runningVar: this.runningVar, relu,
    });
    if (this.training && r.batchMean && r.batchVar) {
      const n = x.size / this.numFeatures;
      const m = this.momentum ?? 1 / (this.numBatchesTracked.item() + 1);
      noGrad(() => {
        this.runningMean.storage = add(mul(this.runningMean, 1 - m), mul(r.batchMean!, m)).storage;
        this.runningVar.storage = add(mul(this.runningVar, 1 - m), mul(r.batchVar!, (m * n) / (n - 1))).storage;
        this.numBatchesTracked.storage = add(this.numBatchesTracked, 1).storage;
      });
    }
    return r.y;
  }
  /** Running statistics back to their initial values (mean 0, variance 1, no batches seen). */
  resetRunningStats(): void {
    this.runningMean.storage = zeros([this.numFeatures]).storage;
    this.runningVar.storage = ones([this.numFeatures]).storage;
    this.numBatchesTracked.storage = zeros([]).storage;
  }
  protected override extraRepr(): string { return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}`; }
}

/** BatchNorm over [N, C]. */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, o: { eps?: number; momentum?: number | null } = {}) { super(numFeatures, 2, o.eps, o.momentum); }
}
/** BatchNorm over [N, H, W, C]. */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, o: { eps?: number; momentum?: number | null } = {}) { super(numFeatures, 4, o.eps, o.momentum); }
}
