import { fmt, ShapeError } from '../../backend/shape.js';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d, mean, type Pair, type Pool2dOptions } from '../../autograd/ops/index.js';
import { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';

/** Max pooling, NHWC; stride defaults to the kernel size. */
export class MaxPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: Pool2dOptions = {}) { super(); }
  forward(x: Tensor): Tensor { return maxPool2d(x, this.kernelSize, this.options); }
  protected override extraRepr(): string { return `kernel=${this.kernelSize}`; }
}

/** Average pooling, NHWC; padded cells count in the divisor unless countIncludePad is false. */
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: Pool2dOptions = {}) { super(); }
  forward(x: Tensor): Tensor { return avgPool2d(x, this.kernelSize, this.options); }
  protected override extraRepr(): string { return `kernel=${this.kernelSize}`; }
}

/** Average into a fixed output grid whatever the input size. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Pair = 1) { super(); }
  forward(x: Tensor): Tensor { return adaptiveAvgPool2d(x, this.outputSize); }
  protected override extraRepr(): string { return `output=${this.outputSize}`; }
}

/** Global average pooling: [N, H, W, C] → [N, C], the mean over H and W. */
export class GlobalAvgPool2d extends Module {
  forward(x: Tensor): Tensor {
    if (x.rank !== 4) throw new ShapeError(`GlobalAvgPool2d: input ${fmt(x.shape)} should be [N, H, W, C]`);
    return mean(x, [1, 2]);
  }
}
