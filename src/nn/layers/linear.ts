import { fmt, ShapeError } from '../../backend/shape.js';
import { add, matmul, reshape } from '../../autograd/ops/index.js';
import { zeros } from '../../tensor/create.js';
import { Tensor } from '../../tensor/tensor.js';
import { kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';

/**
 * Fully connected layer: y = x Wᵀ + b, W [out, in] (PyTorch's layout).
 * Shapes: [..., in] → [..., out].
 */
export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, o: { bias?: boolean } = {}) {
    super();
    this.weight = this.addParameter('weight', zeros([outFeatures, inFeatures]));
    this.bias = o.bias === false ? null : this.addParameter('bias', zeros([outFeatures]));
    this.resetParameters();
  }

  /** PyTorch's default: W ~ U(±1/√in) (Kaiming uniform with a = √5), b ~ U(±1/√in). */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) uniform_(this.bias, -1 / Math.sqrt(this.inFeatures), 1 / Math.sqrt(this.inFeatures));
  }

  forward(x: Tensor): Tensor {
    if (x.rank < 1 || x.shape[x.rank - 1] !== this.inFeatures) {
      throw new ShapeError(`Linear(${this.inFeatures}, ${this.outFeatures}): input ${fmt(x.shape)} should end in ${this.inFeatures} features`);
    }
    const flat = x.rank === 2 ? x : reshape(x, [-1, this.inFeatures]);
    let y = matmul(flat, this.weight, false, true);
    if (this.bias) y = add(y, this.bias);
    return x.rank === 2 ? y : reshape(y, [...x.shape.slice(0, -1), this.outFeatures]);
  }
  protected override extraRepr(): string { return `${this.inFeatures}, ${this.outFeatures}${this.bias ? '' : ', bias=false'}`; }
}
