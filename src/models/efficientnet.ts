import { Tensor } from '../tensor/tensor.js';
import { activation } from '../nn/layers/activation.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Linear } from '../nn/layers/linear.js';
import { GlobalAvgPool2d } from '../nn/layers/pool.js';
import { Module, Sequential } from '../nn/module.js';
import { convBnAct, makeDivisible } from './blocks.js';

/** Squeeze-and-excitation (Hu et al. 2018): x · σ(W2 silu(W1 · mean_hw(x))). */
export class SqueezeExcitation extends Module {
  fc1: Conv2d; fc2: Conv2d;
  constructor(channels: number, squeeze: number) {
    super();
    this.fc1 = this.addModule('fc1', new Conv2d(channels, squeeze, 1));
    this.fc2 = this.addModule('fc2', new Conv2d(squeeze, channels, 1));
  }
  forward(x: Tensor): Tensor {
    const s = x.mean([1, 2], true);                      // [N, 1, 1, C]
    const w = this.fc2.forward(activation('silu').forward(this.fc1.forward(s))).sigmoid();
    return x.mul(w);
  }
}

/** MBConv: expand 1×1 → depthwise k×k → squeeze-excitation → project 1×1, with a residual when shapes allow. */
class MBConv extends Module {
  block: Sequential;
  residual: boolean;
  constructor(inC: number, outC: number, kernel: number, stride: number, expand: number) {
    super();
    const exp = makeDivisible(inC * expand);
    const eps = 1e-3;
    this.block = this.addModule('block', new Sequential(
      ...(exp !== inC ? [convBnAct(inC, exp, 1, { act: 'silu', eps })] : []),
      convBnAct(exp, exp, kernel, { stride, groups: exp, act: 'silu', eps }),
      new SqueezeExcitation(exp, Math.max(1, Math.floor(inC / 4))),
      convBnAct(exp, outC, 1, { act: null, eps }),
    ));
    this.residual = stride === 1 && inC === outC;
  }
  forward(x: Tensor): Tensor { const y = this.block.forward(x); return this.residual ? y.add(x) : y; }
}

/**
 * EfficientNet-B0 (Tan & Le 2019, Table 1): MBConv stages with SiLU and squeeze-excitation.
 *
 * | stage | operator  | kernel | stride | channels | layers |
 * |-------|-----------|--------|--------|----------|--------|
 * | 1     | Conv      | 3      | 2      | 32       | 1      |
 * | 2     | MBConv1   | 3      | 1      | 16       | 1      |
 * | 3     | MBConv6   | 3      | 2      | 24       | 2      |
 * | 4     | MBConv6   | 5      | 2      | 40       | 2      |
 * | 5     | MBConv6   | 3      | 2      | 80       | 3      |
 * | 6     | MBConv6   | 5      | 1      | 112      | 3      |
 * | 7     | MBConv6   | 5      | 2      | 192      | 4      |
 * | 8     | MBConv6   | 3      | 1      | 320      | 1      |
 * | 9     | Conv 1×1, pool, FC |  |   | 1280     | 1      |
 */
const STAGES: [number, number, number, number, number][] = [
  // expand, kernel, stride, out, layers
  [1, 3, 1, 16, 1], [6, 3, 2, 24, 2], [6, 5, 2, 40, 2], [6, 3, 2, 80, 3], [6, 5, 1, 112, 3], [6, 5, 2, 192, 4], [6, 3, 1, 320, 1],
];

export class EfficientNetB0 extends Module {
  features: Sequential;
  classifier: Sequential;
  constructor(o: { inChannels?: number; numClasses?: number; dropout?: number } = {}) {
    super();
    let c = 32;
    const blocks: Module[] = [convBnAct(o.inChannels ?? 3, c, 3, { stride: 2, act: 'silu', eps: 1e-3 })];
    for (const [e, k, s, out, n] of STAGES) {
      for (let i = 0; i < n; i++) { blocks.push(new MBConv(c, out, k, i === 0 ? s : 1, e)); c = out; }
    }
    blocks.push(convBnAct(c, 4 * c, 1, { act: 'silu', eps: 1e-3 }), new GlobalAvgPool2d());
    this.features = this.addModule('features', new Sequential(...blocks));
    this.classifier = this.addModule('classifier', new Sequential(new Dropout(o.dropout ?? 0.2), new Linear(4 * c, o.numClasses ?? 1000)));
  }
  forward(x: Tensor): Tensor { return this.classifier.forward(this.features.forward(x)); }
}
