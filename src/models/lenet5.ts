import { ShapeError } from '../backend/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { activation } from '../nn/layers/activation.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Dropout, Flatten } from '../nn/layers/dropout.js';
import { BatchNorm2d } from '../nn/layers/norm.js';
import { Linear } from '../nn/layers/linear.js';
import { AvgPool2d, MaxPool2d } from '../nn/layers/pool.js';
import { Module, Sequential } from '../nn/module.js';

export interface LeNet5Options {
  /** Input height and width (square or [H, W]); 28 pads conv1 by 2 as the modern LeNet does. */
  inputSize?: number | [number, number];
  inChannels?: number;
  numClasses?: number;
  activation?: string;
  pooling?: 'max' | 'avg';
  /** Padding of conv1; defaults to 2 for 28×28 inputs (so they act like 32×32), else 0. */
  padding?: number;
  /** Batch norm after each convolution (before its activation), as in Ioffe & Szegedy's conv nets. */
  batchNorm?: boolean;
  /** Dropout probability after fc1's activation (0: none). */
  dropout?: number;
}

/**
 * LeNet-5 (LeCun et al. 1998) in its common modern form:
 *
 * | layer    | LeNet-5 (32×32)     | output      |
 * |----------|---------------------|-------------|
 * | conv1    | 6 @ 5×5             | 28×28×6     |
 * | pool1    | 2×2, stride 2       | 14×14×6     |
 * | conv2    | 16 @ 5×5            | 10×10×16    |
 * | pool2    | 2×2, stride 2       | 5×5×16      |
 * | fc1..3   | 120, 84, classes    |             |
 *
 * Any input size works: the flatten size 16·h·w is computed from it.
 * `batchNorm` and `dropout` give the regularised variant registered as `lenet5bn`.
 */
export class LeNet5 extends Module {
  readonly features: Sequential;
  readonly classifier: Sequential;
  readonly flatFeatures: number;
  constructor(o: LeNet5Options = {}) {
    super();
    const [H, W] = typeof o.inputSize === 'number' || o.inputSize === undefined ? [o.inputSize ?? 32, o.inputSize ?? 32] : o.inputSize;
    const pad = o.padding ?? (H === 28 && W === 28 ? 2 : 0);
    const act = o.activation ?? 'relu';
    const pool = (): Module => (o.pooling === 'avg' ? new AvgPool2d(2) : new MaxPool2d(2));
    // spatial size after conv(5, pad) then pool(2), twice
    const after = (s: number): number => Math.floor((Math.floor((s + 2 * pad - 4) / 2) - 4) / 2);
    const h = after(H), w = after(W);
    if (h < 1 || w < 1) throw new ShapeError(`LeNet5: input ${H}×${W} is too small (needs at least ${16 - 2 * pad}×${16 - 2 * pad})`);
    this.flatFeatures = 16 * h * w;
    const norm = (c: number): Module[] => (o.batchNorm ? [new BatchNorm2d(c)] : []);
    this.features = this.addModule('features', new Sequential(
      new Conv2d(o.inChannels ?? 1, 6, 5, { padding: pad }), ...norm(6), activation(act), pool(),
      new Conv2d(6, 16, 5), ...norm(16), activation(act), pool(),
    ));
    this.classifier = this.addModule('classifier', new Sequential(
      new Flatten(),
      new Linear(this.flatFeatures, 120), activation(act), ...(o.dropout ? [new Dropout(o.dropout)] : []),
      new Linear(120, 84), activation(act),
      new Linear(84, o.numClasses ?? 10),
    ));
  }
  forward(x: Tensor): Tensor { return this.classifier.forward(this.features.forward(x)); }
}
