import { fmt, ShapeError } from '../../backend/shape.js';
import { conv2d, pair, type Conv2dOptions, type Pair } from '../../autograd/ops/index.js';
import { zeros } from '../../tensor/create.js';
import { Tensor } from '../../tensor/tensor.js';
import { kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';

/**
 * 2-D convolution, NHWC: [N, H, W, inChannels] → [N, H_out, W_out, outChannels],
 * weight OHWI [out, kH, kW, in/groups]. H_out = floor((H + 2p - d(k-1) - 1)/s + 1).
 * groups = inChannels = outChannels/m gives a depthwise convolution.
 */
export class Conv2d extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly kernelSize: [number, number];
  readonly options: Conv2dOptions;
  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, o: Conv2dOptions & { bias?: boolean } = {}) {
    super();
    const groups = o.groups ?? 1;
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new ShapeError(`Conv2d: in (${inChannels}) and out (${outChannels}) channels must both be divisible by groups (${groups})`);
    }
    this.kernelSize = pair(kernelSize);
    this.options = { stride: o.stride ?? 1, padding: o.padding ?? 0, dilation: o.dilation ?? 1, groups };
    this.weight = this.addParameter('weight', zeros([outChannels, ...this.kernelSize, inChannels / groups]));
    this.bias = o.bias === false ? null : this.addParameter('bias', zeros([outChannels]));
    this.resetParameters();
  }

  /** PyTorch's default: Kaiming uniform with a = √5 (bound 1/√fan_in), bias U(±1/√fan_in). */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    const fanIn = (this.inChannels / (this.options.groups ?? 1)) * this.kernelSize[0] * this.kernelSize[1];
    if (this.bias) uniform_(this.bias, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn));
  }

  forward(x: Tensor): Tensor {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new ShapeError(`Conv2d(${this.inChannels}, ${this.outChannels}): input ${fmt(x.shape)} should be [N, H, W, ${this.inChannels}]`);
    }
    return conv2d(x, this.weight, this.bias, this.options);
  }
  protected override extraRepr(): string {
    const o = this.options;
    return `${this.inChannels}, ${this.outChannels}, kernel=${this.kernelSize.join('x')}, stride=${o.stride}, padding=${o.padding}` +
      `${o.dilation !== 1 ? `, dilation=${o.dilation}` : ''}${o.groups !== 1 ? `, groups=${o.groups}` : ''}${this.bias ? '' : ', bias=false'}`;
  }
}
