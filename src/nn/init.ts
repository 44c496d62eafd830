import { fmt, ShapeError } from '../backend/shape.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * fan_in and fan_out of a weight. Linear [out, in]: (in, out);
 * conv OHWI [O, kH, kW, I]: (I·kH·kW, O·kH·kW).
 */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length < 2) throw new ShapeError(`init: fan in/out needs a weight of rank ≥ 2, got ${fmt(shape)}`);
  if (shape.length === 2) return [shape[1], shape[0]];
  const receptive = shape.slice(1, -1).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 1] * receptive, shape[0] * receptive];
}

export type Nonlinearity = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'elu' | 'silu';

/** The recommended gain per nonlinearity (torch.nn.init.calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param = 0.01): number {
  switch (nonlinearity) {
    case 'linear': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': case 'silu': case 'elu': return Math.SQRT2;
    case 'leaky_relu': return Math.sqrt(2 / (1 + param * param));
    default: throw new Error(`calculateGain: unknown nonlinearity '${nonlinearity as string}' (known: linear, sigmoid, tanh, relu, leaky_relu, elu, silu)`);
  }
}

function fill(t: Tensor, sample: () => number): Tensor {
  const v = new Float32Array(t.size);
  for (let i = 0; i < v.length; i++) v[i] = sample();
  t.storage = t.backend.fromArray(v);
  return t;
}

export function uniform_(t: Tensor, low: number, high: number, g: Generator = defaultGenerator): Tensor { return fill(t, () => g.uniform(low, high)); }
export function normal_(t: Tensor, mean: number, std: number, g: Generator = defaultGenerator): Tensor { return fill(t, () => g.normal(mean, std)); }
export function constant_(t: Tensor, value: number): Tensor { return fill(t, () => value); }

/** Xavier/Glorot uniform (2010): U(-a, a), a = gain·√(6 / (fan_in + fan_out)). Keeps variance through tanh/sigmoid nets. */
export function xavierUniform_(t: Tensor, gain = 1, g?: Generator): Tensor {
  const [fi, fo] = fans(t.shape);
  const a = gain * Math.sqrt(6 / (fi + fo));
  return uniform_(t, -a, a, g);
}
/** Xavier/Glorot normal: N(0, σ²), σ = gain·√(2 / (fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, gain = 1, g?: Generator): Tensor {
  const [fi, fo] = fans(t.shape);
  return normal_(t, 0, gain * Math.sqrt(2 / (fi + fo)), g);
}

export interface KaimingOptions { a?: number; mode?: 'fan_in' | 'fan_out'; nonlinearity?: Nonlinearity; generator?: Generator }

/** He/Kaiming uniform (2015): U(-b, b), b = gain·√(3 / fan), gain = √2 for ReLU. */
export function kaimingUniform_(t: Tensor, o: KaimingOptions = {}): Tensor {
  const [fi, fo] = fans(t.shape);
  const gain = calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0);
  const b = gain * Math.sqrt(3 / (o.mode === 'fan_out' ? fo : fi));
  return uniform_(t, -b, b, o.generator);
}
/** He/Kaiming normal: N(0, σ²), σ = gain / √fan. */
export function kaimingNormal_(t: Tensor, o: KaimingOptions = {}): Tensor {
  const [fi, fo] = fans(t.shape);
  const gain = calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0);
  return normal_(t, 0, gain / Math.sqrt(o.mode === 'fan_out' ? fo : fi), o.generator);
}
