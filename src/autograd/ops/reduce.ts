import { fmt, ShapeError } from '../../backend/shape.js';
import type { ReduceOp } from '../../backend/backend.js';
import { Tensor } from '../../tensor/tensor.js';
import { normAxis, record } from '../record.js';
import { div, eq, mul, sub } from './elementwise.js';
import { reshape } from './shape.js';

export type Axes = number | readonly number[] | undefined;

function axesOf(axes: Axes, rank: number, op: string): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  return [...new Set(list.map((a) => normAxis(a, rank, op)))].sort((p, q) => p - q);
}

function keptShape(shape: readonly number[], axes: number[], keepdims: boolean): number[] {
  return keepdims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

/** Broadcast x to `shape` (a copy); the gradient sums back. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  const B = x.backend;
  return record('expand', B.expand(x.storage, x.shape, shape), shape, [x], (g) => [sumTo(g, x.shape)]);
}

/** Sum g down to `shape` (the adjoint of broadcasting): over leading axes and over axes where shape has 1. */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  return reshape(sum(g, axes, true), shape);
}

function reduceOp(op: ReduceOp, x: Tensor, axes: Axes, keepdims: boolean): Tensor {
  const ax = axesOf(axes, x.rank, op);
  const kept = keptShape(x.shape, ax, true);
  if (op !== 'sum' && ax.some((a) => x.shape[a] === 0)) throw new ShapeError(`${op}: cannot reduce an empty axis of ${fmt(x.shape)}`);
  const B = x.backend;
  const out: Tensor = record(op, B.reduce(op, x.storage, x.shape, ax), kept, [x], (g) => {
    if (op === 'sum') return [expand(g, x.shape)];
    // max/min: the gradient goes to the extreme cells, split evenly among ties
    const mask = eq(x, out.detach());
    return [div(mul(expand(g, x.shape), mask), expand(sum(mask, ax, true), x.shape))];
  });
  return keepdims ? out : reshape(out, keptShape(x.shape, ax, false));
}

/**
 * Σ over the given axes (all when omitted).
 * @example sum(tensor([[1, 2], [3, 4]]), 1)   // [3, 7]
 */
export function sum(x: Tensor, axes?: Axes, keepdims = false): Tensor { return reduceOp('sum', x, axes, keepdims); }
export function max(x: Tensor, axes?: Axes, keepdims = false): Tensor { return reduceOp('max', x, axes, keepdims); }
export function min(x: Tensor, axes?: Axes, keepdims = false): Tensor { return reduceOp('min', x, axes, keepdims); }

/** Arithmetic mean over the axes = sum / count. */
export function mean(x: Tensor, axes?: Axes, keepdims = false): Tensor {
  const count = axesOf(axes, x.rank, 'mean').reduce((n, a) => n * x.shape[a], 1);
  return mul(sum(x, axes, keepdims), 1 / count);
}

/** Variance with Bessel's correction by default (like torch.var): Σ(x - x̄)² / (n - correction). */
export function variance(x: Tensor, axes?: Axes, keepdims = false, correction = 1): Tensor {
  const ax = axesOf(axes, x.rank, 'var');
  const n = ax.reduce((p, a) => p * x.shape[a], 1);
  const d = sub(x, mean(x, ax, true));
  return mul(sum(mul(d, d), ax, keepdims), 1 / Math.max(n - correction, 0));
}

function argOp(op: 'argmax' | 'argmin', x: Tensor, axis: number, keepdims: boolean): Tensor {
  const a = normAxis(axis, x.rank, op);
  if (x.shape[a] === 0) throw new ShapeError(`${op}: axis ${a} of ${fmt(x.shape)} is empty`);
  const shape = keptShape(x.shape, [a], keepdims);
  return new Tensor(x.backend.argReduce(op, x.storage, x.shape, a), shape, x.backend);
}
/** Index of the largest value along an axis (no gradient). */
export function argmax(x: Tensor, axis = -1, keepdims = false): Tensor { return argOp('argmax', x, axis, keepdims); }
export function argmin(x: Tensor, axis = -1, keepdims = false): Tensor { return argOp('argmin', x, axis, keepdims); }

