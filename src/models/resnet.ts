import { add, relu } from '../autograd/index.js';
import { Tensor } from '../tensor/tensor.js';
import { BatchNorm2d } from '../nn/layers/norm.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Linear } from '../nn/layers/linear.js';
import { GlobalAvgPool2d, MaxPool2d } from '../nn/layers/pool.js';
import { ReLU } from '../nn/layers/activation.js';
import { Module, Sequential } from '../nn/module.js';

/**
 * The basic residual block of He et al. 2016 (ResNet-18/34):
 *   y = relu(bn2(conv3×3(relu(bn1(conv3×3(x))))) + shortcut(x)),
 * shortcut = 1×1 conv + BN when the shape changes, else the identity.
 */
export class BasicBlock extends Module {
  conv1: Conv2d; bn1: BatchNorm2d; conv2: Conv2d; bn2: BatchNorm2d;
  downsample: Sequential | null;
  constructor(inC: number, outC: number, stride = 1) {
    super();
    this.conv1 = this.addModule('conv1', new Conv2d(inC, outC, 3, { stride, padding: 1, bias: false }));
    this.bn1 = this.addModule('bn1', new BatchNorm2d(outC));
    this.conv2 = this.addModule('conv2', new Conv2d(outC, outC, 3, { padding: 1, bias: false }));
    this.bn2 = this.addModule('bn2', new BatchNorm2d(outC));
    this.downsample = stride !== 1 || inC !== outC
      ? this.addModule('downsample', new Sequential(new Conv2d(inC, outC, 1, { stride, bias: false }), new BatchNorm2d(outC)))
      : null;
  }
  forward(x: Tensor): Tensor {
    const h = this.bn1.forwardRelu(this.conv1.forward(x));
    const y = this.bn2.forward(this.conv2.forward(h));
    return relu(add(y, this.downsample ? this.downsample.forward(x) : x));
  }
}

export interface ResNetOptions {
  inChannels?: number;
  numClasses?: number;
  /** Channels of each stage. */
  widths?: number[];
  /** Blocks per stage. */
  blocks?: number[];
  /** 'imagenet': 7×7/2 conv + 3×3/2 max pool (ResNet-18); 'small': one 3×3/1 conv, for 32–64 px inputs. */
  stem?: 'imagenet' | 'small';
  stemWidth?: number;
}

/**
 * ResNet (He et al. 2016, Table 1), NHWC. ResNet-18: stem 64, stages 64/128/256/512
 * with 2 BasicBlocks each (stride 2 from the second stage on), global average pool, FC.
 *
 * | stage  | output (224×224 in) | blocks            |
 * |--------|---------------------|-------------------|
 * | stem   | 56×56×64            | 7×7/2, maxpool /2 |
 * | layer1 | 56×56×64            | 2 × [3×3, 64]     |
 * | layer2 | 28×28×128           | 2 × [3×3, 128]    |
 * | layer3 | 14×14×256           | 2 × [3×3, 256]    |
 * | layer4 | 7×7×512             | 2 × [3×3, 512]    |
 */
export class ResNet extends Module {
  stem: Sequential;
  layers: Sequential[];
  pool = this.addModule('avgpool', new GlobalAvgPool2d());
  fc: Linear;
  constructor(o: ResNetOptions = {}) {
    super();
    const widths = o.widths ?? [64, 128, 256, 512], blocks = o.blocks ?? [2, 2, 2, 2];
    const stemW = o.stemWidth ?? widths[0];
    const inC = o.inChannels ?? 3;
    this.stem = this.addModule('stem', o.stem === 'small'
      ? new Sequential(new Conv2d(inC, stemW, 3, { padding: 1, bias: false }), new BatchNorm2d(stemW), new ReLU())
      : new Sequential(new Conv2d(inC, stemW, 7, { stride: 2, padding: 3, bias: false }), new BatchNorm2d(stemW), new ReLU(),
        new MaxPool2d(3, { stride: 2, padding: 1 })));
    let c = stemW;
    this.layers = widths.map((w, i) => {
      const stage = new Sequential(...Array.from({ length: blocks[i] }, (_, b) => {
        const blk = new BasicBlock(b === 0 ? c : w, w, b === 0 && i > 0 ? 2 : 1);
        return blk;
      }));
      c = w;
      return this.addModule(`layer${i + 1}`, stage);
    });
    this.fc = this.addModule('fc', new Linear(c, o.numClasses ?? 1000));
  }
  forward(x: Tensor): Tensor {
    let h = this.stem.forward(x);
    for (const l of this.layers) h = l.forward(h);
    return this.fc.forward(this.pool.forward(h));
  }
}

/** ResNet-18 (11,689,512 parameters with 3 input channels and 1000 classes, as torchvision). */
export const resnet18 = (o: ResNetOptions = {}): ResNet => new ResNet({ ...o, widths: [64, 128, 256, 512], blocks: [2, 2, 2, 2], stem: 'imagenet' });

/** A small ResNet for 32–64 px inputs: 3×3 stem of 32, stages 32/64/128 with 2 BasicBlocks each. */
export const resnetSmall = (o: ResNetOptions = {}): ResNet => new ResNet({ widths: [32, 64, 128], blocks: [2, 2, 2], stem: 'small', stemWidth: 32, ...o });

/**
 * The CIFAR ResNets of He et al. 2016 (Section 4.2): a 3×3 stem of 16, three stages of
 * n BasicBlocks with 16/32/64 channels (stride 2 at stages 2 and 3), global average
 * pool, FC; 6n+2 weighted layers. We use projection shortcuts (option B) where the
 * shape changes; the paper's CIFAR runs zero-pad (option A), which has no parameters.
 * ResNet-8 (n=1), ResNet-14 (n=2), ResNet-20 (n=3): made for 32 px inputs, cheap enough
 * at 64 px to train on two CPU cores in a minute.
 */
export const cifarResnet = (n: number) => (o: ResNetOptions = {}): ResNet =>
  new ResNet({ widths: [16, 32, 64], blocks: [n, n, n], stem: 'small', stemWidth: 16, ...o });
export const resnet8 = cifarResnet(1);
export const resnet14 = cifarResnet(2);
export const resnet20 = cifarResnet(3);
