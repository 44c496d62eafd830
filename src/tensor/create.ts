import type { Backend } from '../backend/backend.js';
import { getBackend } from '../backend/index.js';
import { fmt, numel, ShapeError } from '../backend/shape.js';
import { defaultGenerator, type Generator } from './random.js';
import { Tensor } from './tensor.js';

export type NestedArray = number | NestedArray[];

export interface CreateOptions {
  requiresGrad?: boolean;
  backend?: Backend;
}

function make(values: ArrayLike<number>, shape: readonly number[], o: CreateOptions = {}): Tensor {
  const backend = o.backend ?? getBackend();
  const t = new Tensor(backend.fromArray(values), shape, backend);
  t.requiresGrad = o.requiresGrad ?? false;
  return t;
}

function shapeOfNested(data: NestedArray): number[] {
  const shape: number[] = [];
  let d: NestedArray = data;
  while (Array.isArray(d)) { shape.push(d.length); d = d[0]; }
  return shape;
}

/**
 * A tensor from nested arrays, or from flat values and a shape.
 * @example tensor([[1, 2], [3, 4]])            // shape [2, 2]
 * @example tensor(new Float32Array(6), [2, 3])
 */
export function tensor(data: NestedArray | ArrayLike<number>, shape?: readonly number[], o: CreateOptions = {}): Tensor {
  if (shape) {
    const flat = data as ArrayLike<number>;
    if (typeof flat === 'number' || flat.length !== numel(shape)) {
      throw new ShapeError(`tensor: ${typeof flat === 'number' ? 1 : flat.length} values do not fill shape ${fmt(shape)} (${numel(shape)} values)`);
    }
    return make(flat, shape, o);
  }
  if (typeof data === 'number') return make([data], [], o);
  if (ArrayBuffer.isView(data)) return make(data as ArrayLike<number>, [(data as ArrayLike<number>).length], o);
  const nested = data as NestedArray;
  const s = shapeOfNested(nested);
  const flat = (nested as unknown[]).flat(Infinity) as number[];
  if (flat.length !== numel(s) || flat.some((v) => typeof v !== 'number')) {
    throw new ShapeError(`tensor: nested array is ragged or not numeric (expected shape ${fmt(s)})`);
  }
  return make(flat, s, o);
}

function checkShape(shape: readonly number[], op: string): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new ShapeError(`${op}: invalid shape ${fmt(shape)}`);
}

export function full(shape: readonly number[], value: number, o: CreateOptions = {}): Tensor {
  checkShape(shape, 'full');
  return make(new Float32Array(numel(shape)).fill(value), shape, o);
}
export function zeros(shape: readonly number[], o: CreateOptions = {}): Tensor {
  checkShape(shape, 'zeros');
  const backend = o.backend ?? getBackend();
  const t = new Tensor(backend.zeros(numel(shape)), shape, backend);
  t.requiresGrad = o.requiresGrad ?? false;
  return t;
}
export function ones(shape: readonly number[], o: CreateOptions = {}): Tensor { return full(shape, 1, o); }
export function zerosLike(t: Tensor): Tensor { return zeros(t.shape, { backend: t.backend }); }
export function onesLike(t: Tensor): Tensor { return ones(t.shape, { backend: t.backend }); }

/** [start, start+step, …) up to end (exclusive), like `torch.arange`. */
export function arange(start: number, end?: number, step = 1, o: CreateOptions = {}): Tensor {
  if (end === undefined) { end = start; start = 0; }
  const n = Math.max(0, Math.ceil((end - start) / step));
  return make(Array.from({ length: n }, (_, i) => start + i * step), [n], o);
}

export interface RandomOptions extends CreateOptions { generator?: Generator }

/** Samples of N(mean, std²). */
export function randn(shape: readonly number[], o: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  checkShape(shape, 'randn');
  const g = o.generator ?? defaultGenerator;
  const v = new Float32Array(numel(shape));
  for (let i = 0; i < v.length; i++) v[i] = g.normal(o.mean ?? 0, o.std ?? 1);
  return make(v, shape, o);
}

/** Samples of U[low, high). */
export function rand(shape: readonly number[], o: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  checkShape(shape, 'rand');
  const g = o.generator ?? defaultGenerator;
  const v = new Float32Array(numel(shape));
  for (let i = 0; i < v.length; i++) v[i] = g.uniform(o.low ?? 0, o.high ?? 1);
  return make(v, shape, o);
}

/** Labels → one-hot rows: [N] → [N, numClasses]. */
export function oneHot(labels: ArrayLike<number>, numClasses: number, o: CreateOptions = {}): Tensor {
  const v = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) throw new RangeError(`oneHot: label ${c} at index ${i} is not in [0, ${numClasses})`);
    v[i * numClasses + c] = 1;
  }
  return make(v, [labels.length, numClasses], o);
}
