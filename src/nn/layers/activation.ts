import { clamp, elu, leakyRelu, logSoftmax, relu, sigmoid, silu, softmax, tanh } from '../../autograd/ops/index.js';
import { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';

export class ReLU extends Module { forward(x: Tensor): Tensor { return relu(x); } }
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) { super(); }
  forward(x: Tensor): Tensor { return leakyRelu(x, this.negativeSlope); }
  protected override extraRepr(): string { return `${this.negativeSlope}`; }
}
export class ELU extends Module {
  constructor(readonly alpha = 1) { super(); }
  forward(x: Tensor): Tensor { return elu(x, this.alpha); }
  protected override extraRepr(): string { return `alpha=${this.alpha}`; }
}
/** min(max(x, 0), 6) (MobileNetV2's activation). */
export class ReLU6 extends Module { forward(x: Tensor): Tensor { return clamp(x, 0, 6); } }
export class Sigmoid extends Module { forward(x: Tensor): Tensor { return sigmoid(x); } }
export class Tanh extends Module { forward(x: Tensor): Tensor { return tanh(x); } }
export class SiLU extends Module { forward(x: Tensor): Tensor { return silu(x); } }
export class Identity extends Module { forward(x: Tensor): Tensor { return x; } }
export class Softmax extends Module {
  constructor(readonly axis = -1) { super(); }
  forward(x: Tensor): Tensor { return softmax(x, this.axis); }
}
export class LogSoftmax extends Module {
  constructor(readonly axis = -1) { super(); }
  forward(x: Tensor): Tensor { return logSoftmax(x, this.axis); }
}

const ACTIVATIONS = {
  relu: () => new ReLU(),
  relu6: () => new ReLU6(),
  leaky_relu: () => new LeakyReLU(),
  elu: () => new ELU(),
  sigmoid: () => new Sigmoid(),
  tanh: () => new Tanh(),
  silu: () => new SiLU(),
  identity: () => new Identity(),
} as const;

export type ActivationName = keyof typeof ACTIVATIONS;
export const activationNames = Object.keys(ACTIVATIONS) as ActivationName[];

/**
 * An activation layer by name.
 * @example activation('leaky_relu')   // LeakyReLU(0.01)
 */
export function activation(name: string): Module {
  const make = (ACTIVATIONS as Record<string, () => Module>)[name];
  if (!make) throw new Error(`unknown activation '${name}' (known: ${activationNames.join(', ')})`);
  return make();
}
