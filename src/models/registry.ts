import type { Module } from '../nn/module.js';
import { LeNet5, type LeNet5Options } from './lenet5.js';
import { MLP, type MLPOptions } from './mlp.js';
import { resnet8, resnet14, resnet18, resnet20, resnetSmall, type ResNetOptions } from './resnet.js';
import { MobileNetV2 } from './mobilenetv2.js';
import { EfficientNetB0 } from './efficientnet.js';
import { densenet121 } from './densenet.js';
import { GoogLeNet } from './googlenet.js';
import { VGG, type VGGOptions } from './vgg.js';

export interface ModelOptions extends LeNet5Options, MLPOptions, Omit<ResNetOptions, 'inChannels' | 'numClasses'>,
  Pick<VGGOptions, 'convsPerStage'> {}

const MODELS: Record<string, (o: ModelOptions) => Module> = {
  // an MLP on images: the input size, when given, fixes the number of input features
  mlp: (o) => new MLP({ ...o, inFeatures: o.inFeatures ?? (o.inputSize === undefined ? undefined
    : (typeof o.inputSize === 'number' ? o.inputSize ** 2 : o.inputSize[0] * o.inputSize[1]) * (o.inChannels ?? 1)) }),
  lenet5: (o) => new LeNet5(o),
  // LeNet-5 with batch norm after each convolution and dropout 0.3 after fc1 (for few training speakers; AdaBN adapts it)
  lenet5bn: (o) => new LeNet5({ batchNorm: true, dropout: 0.3, ...o }),
  resnet18: (o) => resnet18(o),
  resnet_small: (o) => resnetSmall(o),
  resnet8: (o) => resnet8(o),
  resnet14: (o) => resnet14(o),
  resnet20: (o) => resnet20(o),
  mobilenetv2: (o) => new MobileNetV2(o),
  efficientnet_b0: (o) => new EfficientNetB0(o),
  densenet121: (o) => densenet121(o),
  googlenet: (o) => new GoogLeNet(o),
  // VGG with batch norm and a global-average-pool head, 8 convolutions (16/32/64/128 channels): for spectrograms of few speakers
  vgg9bn: (o) => new VGG(o),
};

export function modelNames(): string[] { return Object.keys(MODELS); }

/** Register a model constructor under a name (later issues add the Model B family). */
export function registerModel(name: string, make: (o: ModelOptions) => Module): void { MODELS[name] = make; }

/**
 * Build a model by name.
 * @example createModel('lenet5', { inputSize: 64, numClasses: 10 })
 */
export function createModel(name: string, o: ModelOptions = {}): Module {
  // own keys only: '__proto__' or 'constructor' are not models
  const make = Object.hasOwn(MODELS, name) ? MODELS[name] : undefined;
  if (!make) throw new Error(`unknown model '${name}' (known: ${modelNames().join(', ')})`);
  return make(o);
}
