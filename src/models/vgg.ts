import { Tensor } from '../tensor/tensor.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Linear } from '../nn/layers/linear.js';
import { GlobalAvgPool2d, MaxPool2d } from '../nn/layers/pool.js';
import { Module, Sequential } from '../nn/module.js';
import { convBnAct } from './blocks.js';

export interface VGGOptions {
  inChannels?: number;
  numClasses?: number;
  /** Channels of each stage; every stage ends in a 2×2 max pool. */
  widths?: number[];
  /** 3×3 convolutions per stage. */
  convsPerStage?: number;
  /** Dropout before the classifier (0: none). */
  dropout?: number;
}

/**
 * VGG (Simonyan & Zisserman 2015) with batch norm (as torchvision's vgg*_bn),
 * sized for 64×64 spectrograms: stages of 3×3 conv → BN → ReLU, each stage
 * closed by a 2×2 max pool, then global average pooling (Lin et al.'s
 * Network in Network head, instead of VGG's three large FC layers), dropout
 * and one linear layer. `vgg9bn` (8 convolutions + 1 linear layer, 295,002
 * parameters at 1 channel and 10 classes):
 *
 * | stage | output (64×64 in) | layers              |
 * |-------|-------------------|---------------------|
 * | 1     | 32×32×16          | 2 × [3×3, 16], pool |
 * | 2     | 16×16×32          | 2 × [3×3, 32], pool |
 * | 3     | 8×8×64            | 2 × [3×3, 64], pool |
 * | 4     | 4×4×128           | 2 × [3×3, 128], pool|
 * | head  | 10                | avg pool, dropout 0.3, FC |
 */
export class VGG extends Module {
  readonly features: Sequential;
  readonly pool = this.addModule('avgpool', new GlobalAvgPool2d());
  readonly classifier: Sequential;
  constructor(o: VGGOptions = {}) {
    super();
    const widths = o.widths ?? [16, 32, 64, 128], n = o.convsPerStage ?? 2;
    const layers: Module[] = [];
    let c = o.inChannels ?? 1;
    for (const w of widths) {
      for (let i = 0; i < n; i++) { layers.push(convBnAct(c, w, 3)); c = w; }
      layers.push(new MaxPool2d(2));
    }
    this.features = this.addModule('features', new Sequential(...layers));
    const dropout = o.dropout ?? 0.3;
    this.classifier = this.addModule('classifier', new Sequential(
      ...(dropout > 0 ? [new Dropout(dropout)] : []), new Linear(c, o.numClasses ?? 10)));
  }
  forward(x: Tensor): Tensor { return this.classifier.forward(this.pool.forward(this.features.forward(x))); }
}
