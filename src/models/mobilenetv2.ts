import { Tensor } from '../tensor/tensor.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Linear } from '../nn/layers/linear.js';
import { GlobalAvgPool2d } from '../nn/layers/pool.js';
import { Module, Sequential } from '../nn/module.js';
import { convBnAct, makeDivisible, Residual } from './blocks.js';

/**
 * MobileNetV2 (Sandler et al. 2018, Table 2): inverted residual blocks —
 * 1×1 expansion (t), 3×3 depthwise, 1×1 linear projection — with ReLU6.
 *
 * | t | c   | n | s |
 * |---|-----|---|---|
 * | 1 | 16  | 1 | 1 |
 * | 6 | 24  | 2 | 2 |
 * | 6 | 32  | 3 | 2 |
 * | 6 | 64  | 4 | 2 |
 * | 6 | 96  | 3 | 1 |
 * | 6 | 160 | 3 | 2 |
 * | 6 | 320 | 1 | 1 |
 */
const SETTINGS: [number, number, number, number][] = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];

function invertedResidual(inC: number, outC: number, stride: number, t: number): Residual {
  const hidden = Math.round(inC * t);
  const layers = [
    ...(t !== 1 ? [convBnAct(inC, hidden, 1, { act: 'relu6' })] : []),
    convBnAct(hidden, hidden, 3, { stride, groups: hidden, act: 'relu6' }),
    convBnAct(hidden, outC, 1, { act: null }),          // linear bottleneck: no activation
  ];
  return new Residual(new Sequential(...layers), stride === 1 && inC === outC);
}

export class MobileNetV2 extends Module {
  features: Sequential;
  classifier: Sequential;
  constructor(o: { inChannels?: number; numClasses?: number; widthMult?: number; dropout?: number } = {}) {
    super();
    const w = o.widthMult ?? 1;
    let c = makeDivisible(32 * w);
    const last = makeDivisible(1280 * Math.max(1, w));
    const blocks: Module[] = [convBnAct(o.inChannels ?? 3, c, 3, { stride: 2, act: 'relu6' })];
    for (const [t, ch, n, s] of SETTINGS) {
      const out = makeDivisible(ch * w);
      for (let i = 0; i < n; i++) { blocks.push(invertedResidual(c, out, i === 0 ? s : 1, t)); c = out; }
    }
    blocks.push(convBnAct(c, last, 1, { act: 'relu6' }), new GlobalAvgPool2d());
    this.features = this.addModule('features', new Sequential(...blocks));
    this.classifier = this.addModule('classifier', new Sequential(new Dropout(o.dropout ?? 0.2), new Linear(last, o.numClasses ?? 1000)));
  }
  forward(x: Tensor): Tensor { return this.classifier.forward(this.features.forward(x)); }
}
