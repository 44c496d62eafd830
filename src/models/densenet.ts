import { concat } from '../autograd/index.js';
import { Tensor } from '../tensor/tensor.js';
import { ReLU } from '../nn/layers/activation.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Linear } from '../nn/layers/linear.js';
import { BatchNorm2d } from '../nn/layers/norm.js';
import { AvgPool2d, GlobalAvgPool2d, MaxPool2d } from '../nn/layers/pool.js';
import { Module, Sequential } from '../nn/module.js';

/** BN → ReLU → 1×1 conv (bottleneck, 4·growth) → BN → ReLU → 3×3 conv (growth); its output is concatenated to its input. */
class DenseLayer extends Module {
  body: Sequential;
  constructor(inC: number, growth: number, bnSize: number) {
    super();
    this.body = this.addModule('body', new Sequential(
      new BatchNorm2d(inC), new ReLU(), new Conv2d(inC, bnSize * growth, 1, { bias: false }),
      new BatchNorm2d(bnSize * growth), new ReLU(), new Conv2d(bnSize * growth, growth, 3, { padding: 1, bias: false }),
    ));
  }
  forward(x: Tensor): Tensor { return concat([x, this.body.forward(x)], 3); }     // channels last
}

/**
 * DenseNet-121 (Huang et al. 2017, Table 1): every layer of a dense block sees the
 * feature maps of all the layers before it; transitions halve channels and size.
 *
 * | layers       | DenseNet-121                         |
 * |--------------|--------------------------------------|
 * | convolution  | 7×7 conv, stride 2; 3×3 max pool /2 |
 * | dense block 1| 6 × [1×1 conv, 3×3 conv]             |
 * | transition 1 | 1×1 conv, 2×2 avg pool /2           |
 * | dense block 2| 12 × [1×1, 3×3]                      |
 * | transition 2 | 1×1 conv, 2×2 avg pool /2           |
 * | dense block 3| 24 × [1×1, 3×3]                      |
 * | transition 3 | 1×1 conv, 2×2 avg pool /2           |
 * | dense block 4| 16 × [1×1, 3×3]                      |
 * | classifier   | global average pool, FC              |
 */
export class DenseNet extends Module {
  features: Sequential;
  classifier: Linear;
  constructor(o: { inChannels?: number; numClasses?: number; growth?: number; blocks?: number[]; initFeatures?: number; bnSize?: number } = {}) {
    super();
    const growth = o.growth ?? 32, bnSize = o.bnSize ?? 4;
    let c = o.initFeatures ?? 64;
    const layers: Module[] = [
      new Conv2d(o.inChannels ?? 3, c, 7, { stride: 2, padding: 3, bias: false }), new BatchNorm2d(c), new ReLU(),
      new MaxPool2d(3, { stride: 2, padding: 1 }),
    ];
    (o.blocks ?? [6, 12, 24, 16]).forEach((n, i, all) => {
      for (let j = 0; j < n; j++) { layers.push(new DenseLayer(c, growth, bnSize)); c += growth; }
      if (i < all.length - 1) {
        layers.push(new BatchNorm2d(c), new ReLU(), new Conv2d(c, Math.floor(c / 2), 1, { bias: false }), new AvgPool2d(2));
        c = Math.floor(c / 2);
      }
    });
    layers.push(new BatchNorm2d(c), new ReLU(), new GlobalAvgPool2d());
    this.features = this.addModule('features', new Sequential(...layers));
    this.classifier = this.addModule('classifier', new Linear(c, o.numClasses ?? 1000));
  }
  forward(x: Tensor): Tensor { return this.classifier.forward(this.features.forward(x)); }
}

export const densenet121 = (o: { inChannels?: number; numClasses?: number } = {}): DenseNet => new DenseNet({ ...o, growth: 32, blocks: [6, 12, 24, 16], initFeatures: 64 });
