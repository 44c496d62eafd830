import { Tensor } from '../tensor/tensor.js';
import { activation } from '../nn/layers/activation.js';
import { Flatten } from '../nn/layers/dropout.js';
import { Linear } from '../nn/layers/linear.js';
import { Module, Sequential } from '../nn/module.js';

export interface MLPOptions {
  inFeatures?: number;
  hidden?: number[];
  numClasses?: number;
  activation?: string;
}

/**
 * Multi-layer perceptron; the default is the course notebook's 784-128-64-10 with ReLU.
 * Input [N, ...] is flattened first, so [N, 28, 28, 1] images work directly.
 */
export class MLP extends Module {
  readonly net: Sequential;
  constructor(o: MLPOptions = {}) {
    super();
    const sizes = [o.inFeatures ?? 784, ...(o.hidden ?? [128, 64])];
    const layers: Module[] = [new Flatten()];
    for (let i = 0; i + 1 < sizes.length; i++) layers.push(new Linear(sizes[i], sizes[i + 1]), activation(o.activation ?? 'relu'));
    layers.push(new Linear(sizes[sizes.length - 1], o.numClasses ?? 10));
    this.net = this.addModule('net', new Sequential(...layers));
  }
  forward(x: Tensor): Tensor { return this.net.forward(x); }
}
