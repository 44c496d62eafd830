import { concat } from '../autograd/index.js';
import { Tensor } from '../tensor/tensor.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Linear } from '../nn/layers/linear.js';
import { GlobalAvgPool2d, MaxPool2d } from '../nn/layers/pool.js';
import { Module, Sequential } from '../nn/module.js';
import { convBnAct } from './blocks.js';

/** One Inception block: 1×1 | 1×1→3×3 | 1×1→3×3 | 3×3 max pool→1×1, concatenated along channels. */
class Inception extends Module {
  b1: Sequential; b2: Sequential; b3: Sequential; b4: Sequential;
  constructor(inC: number, c1: number, c3r: number, c3: number, c5r: number, c5: number, pool: number) {
    super();
    const bc = (i: number, o: number, k: number) => convBnAct(i, o, k, { eps: 1e-3 });
    this.b1 = this.addModule('branch1', bc(inC, c1, 1));
    this.b2 = this.addModule('branch2', new Sequential(bc(inC, c3r, 1), bc(c3r, c3, 3)));
    // the "5×5" branch uses a 3×3 kernel, as torchvision's GoogLeNet does
    this.b3 = this.addModule('branch3', new Sequential(bc(inC, c5r, 1), bc(c5r, c5, 3)));
    this.b4 = this.addModule('branch4', new Sequential(new MaxPool2d(3, { stride: 1, padding: 1 }), bc(inC, pool, 1)));
  }
  forward(x: Tensor): Tensor { return concat([this.b1.forward(x), this.b2.forward(x), this.b3.forward(x), this.b4.forward(x)], 3); }
}

/**
 * GoogLeNet (Szegedy et al. 2015, Table 1), with batch norm and without the auxiliary
 * heads, as torchvision builds it. Pooling uses padding instead of ceil mode, which gives
 * the same sizes for 224×224 inputs.
 *
 * | type           | output (224 in) | #1×1 | #3×3 reduce | #3×3 | #5×5 reduce | #5×5 | pool proj |
 * |----------------|-----------------|------|-------------|------|-------------|------|-----------|
 * | inception (3a) | 28×28×256       | 64   | 96          | 128  | 16          | 32   | 32        |
 * | inception (3b) | 28×28×480       | 128  | 128         | 192  | 32          | 96   | 64        |
 * | inception (4a) | 14×14×512       | 192  | 96          | 208  | 16          | 48   | 64        |
 * | inception (4b) | 14×14×512       | 160  | 112         | 224  | 24          | 64   | 64        |
 * | inception (4c) | 14×14×512       | 128  | 128         | 256  | 24          | 64   | 64        |
 * | inception (4d) | 14×14×528       | 112  | 144         | 288  | 32          | 64   | 64        |
 * | inception (4e) | 14×14×832       | 256  | 160         | 320  | 32          | 128  | 128       |
 * | inception (5a) | 7×7×832         | 256  | 160         | 320  | 32          | 128  | 128       |
 * | inception (5b) | 7×7×1024        | 384  | 192         | 384  | 48          | 128  | 128       |
 */
export class GoogLeNet extends Module {
  features: Sequential;
  classifier: Sequential;
  constructor(o: { inChannels?: number; numClasses?: number; dropout?: number } = {}) {
    super();
    const pool = () => new MaxPool2d(3, { stride: 2, padding: 1 });
    this.features = this.addModule('features', new Sequential(
      convBnAct(o.inChannels ?? 3, 64, 7, { stride: 2, eps: 1e-3 }), pool(),
      convBnAct(64, 64, 1, { eps: 1e-3 }), convBnAct(64, 192, 3, { eps: 1e-3 }), pool(),
      new Inception(192, 64, 96, 128, 16, 32, 32), new Inception(256, 128, 128, 192, 32, 96, 64), pool(),
      new Inception(480, 192, 96, 208, 16, 48, 64), new Inception(512, 160, 112, 224, 24, 64, 64),
      new Inception(512, 128, 128, 256, 24, 64, 64), new Inception(512, 112, 144, 288, 32, 64, 64),
      new Inception(528, 256, 160, 320, 32, 128, 128), new MaxPool2d(2),
      new Inception(832, 256, 160, 320, 32, 128, 128), new Inception(832, 384, 192, 384, 48, 128, 128),
      new GlobalAvgPool2d(),
    ));
    this.classifier = this.addModule('classifier', new Sequential(new Dropout(o.dropout ?? 0.2), new Linear(1024, o.numClasses ?? 1000)));
  }
  forward(x: Tensor): Tensor { return this.classifier.forward(this.features.forward(x)); }
}
